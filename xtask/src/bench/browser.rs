//! Cold-load timing in real headless Chromium: a chromedriver we start and
//! stop ourselves, and one fresh browser profile per load, so every load
//! downloads, compiles and renders the portal from nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;
use thirtyfour::PageLoadStrategy;

use crate::cmd::{free_port, ChildGuard};
use crate::tools::{CHROMEDRIVER, CHROMIUM};
use crate::Result;

/// The screen whose readiness we time.
const CHOOSE_ORG_PATH: &str = "/sign-in/tasks/choose-organization";
/// A same-origin page that is not the app, to set the cookie on.
const COOKIE_PAGE_PATH: &str = "/theme.css";
/// How often the page is polled.
const POLL_EVERY: Duration = Duration::from_millis(5);
/// How long one load may take (a slow network included).
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// The Chromium flags every headless run here uses (one per line), shared
/// with the end-to-end tests and the compat scenarios.
const CHROME_ARGS: &str = include_str!("../../../e2e/chromium-flags.txt");
/// Runs in the page: `performance.now()` once the organization name input
/// exists and is enabled, else null.
const READY_SCRIPT: &str = "const input = document.querySelector('input#vb-org-name'); \
     return input !== null && input.matches(':enabled') ? performance.now() : null;";

/// A chromedriver on a free port, killed when dropped.
pub struct Chromedriver {
    _child: ChildGuard,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Chromedriver {
    /// Starts chromedriver and waits until `/status` reports ready.
    pub async fn start(log: &Path) -> Result<Self> {
        let port = free_port()?;
        let out = std::fs::File::create(log)?;
        let mut child = ChildGuard::spawn(
            "chromedriver",
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(out.try_clone()?)
                .stderr(out),
        )?;
        let url = format!("http://127.0.0.1:{port}");
        // reqwest speaks HTTP/1.1; chromedriver rejects 1.0 and would hold the socket.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let started = Instant::now();
        loop {
            child.ensure_running()?;
            if let Ok(response) = http.get(format!("{url}/status")).send().await {
                let status: serde_json::Value = response.json().await.unwrap_or_default();
                if status["value"]["ready"] == serde_json::Value::Bool(true) {
                    return Ok(Self { _child: child, url });
                }
            }
            if started.elapsed() > Duration::from_secs(20) {
                return Err(format!(
                    "chromedriver did not report ready within 20 s (log: {})",
                    log.display()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One kind of cold load: what is opened and when it counts as ready.
pub struct Screen<'a> {
    /// The path opened on the server.
    pub path: &'a str,
    /// Runs in the page: `performance.now()` once the screen accepts
    /// input, else null.
    pub ready_script: &'a str,
    /// What the ready script waits for, for error messages.
    pub waits_for: &'a str,
    /// A `__client` cookie the browser has before it opens `path`.
    pub client_cookie: Option<&'a str>,
}

/// A network profile Chromium emulates.
#[derive(Clone, Copy)]
pub struct Network {
    /// Added round-trip time.
    pub latency_ms: u32,
    /// Download throughput, bytes per second.
    pub down_bytes_per_s: u32,
    /// Upload throughput, bytes per second.
    pub up_bytes_per_s: u32,
}

/// What one cold load took.
pub struct Loaded {
    /// From navigation start to the screen accepting input.
    pub ms: f64,
    /// Bytes received for the document and every resource until then.
    pub bytes: u64,
}

/// `count` cold loads of the choose-organization screen; milliseconds from
/// navigation start to the screen accepting input, in load order.
pub async fn cold_loads(
    base: &str,
    client_cookie: &str,
    scratch: &Path,
    count: usize,
) -> Result<Vec<f64>> {
    let driver = Chromedriver::start(&scratch.join("chromedriver.log")).await?;
    let screen = Screen {
        path: CHOOSE_ORG_PATH,
        ready_script: READY_SCRIPT,
        waits_for: "input#vb-org-name",
        client_cookie: Some(client_cookie),
    };
    let mut loads = Vec::with_capacity(count);
    for index in 0..count {
        let profile = scratch.join(format!("chrome-profile-{index}"));
        let loaded = cold_load(&driver.url, base, &screen, None, &profile).await?;
        eprintln!("bench: load {}: {:.1} ms", index + 1, loaded.ms);
        loads.push(loaded.ms);
    }
    Ok(loads)
}

/// One load of `screen` in a new browser session with an empty profile at
/// `profile` (removed afterwards), over `network` when given.
pub async fn cold_load(
    driver_url: &str,
    base: &str,
    screen: &Screen<'_>,
    network: Option<Network>,
    profile: &Path,
) -> Result<Loaded> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM)?;
    for arg in CHROME_ARGS.lines().filter(|l| !l.trim().is_empty()) {
        caps.add_arg(arg)?;
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
    // Return from navigation at once: the timing is read in the page, and a
    // navigation that waited for `load` could hide an earlier ready screen.
    caps.set_page_load_strategy(PageLoadStrategy::None)?;
    let session = WebDriver::new(driver_url, caps)
        .await
        .map_err(|e| format!("cannot start a Chromium session: {e}"))?;
    let measured = time_screen(&session, base, screen, network).await;
    let quit = session.quit().await;
    let _ = std::fs::remove_dir_all(profile);
    let loaded = measured?;
    quit?;
    Ok(loaded)
}

/// Sums what the page received so far: its document and every resource.
const BYTES_SCRIPT: &str = "return performance.getEntriesByType('navigation') \
     .concat(performance.getEntriesByType('resource')) \
     .reduce((sum, entry) => sum + (entry.transferSize || 0), 0);";

async fn time_screen(session: &WebDriver, base: &str, screen: &Screen<'_>, network: Option<Network>) -> Result<Loaded> {
    if let Some(client_cookie) = screen.client_cookie {
        let cookie_page = format!("{base}{COOKIE_PAGE_PATH}");
        session.goto(cookie_page.as_str()).await?;
        wait_for_document(session, &cookie_page).await?;
        let mut cookie = Cookie::new("__client", client_cookie);
        cookie.path = Some("/".to_owned());
        session.add_cookie(cookie).await?;
    }
    if let Some(network) = network {
        let cdp = session.cdp();
        cdp.send_raw("Network.enable", ()).await?;
        cdp.send_raw(
                "Network.emulateNetworkConditions",
                serde_json::json!({
                    "offline": false,
                    "latency": network.latency_ms,
                    "downloadThroughput": network.down_bytes_per_s,
                    "uploadThroughput": network.up_bytes_per_s,
                }),
            )
            .await?;
    }

    session.goto(format!("{base}{}", screen.path)).await?;
    let started = Instant::now();
    let mut last_error = None;
    loop {
        // Errors are expected while the old document is being replaced.
        match session.execute(screen.ready_script, Vec::new()).await {
            Ok(ret) => {
                if let Some(ms) = ret.json().as_f64() {
                    let bytes = session.execute(BYTES_SCRIPT, Vec::new()).await?.json().as_u64().unwrap_or_default();
                    return Ok(Loaded { ms, bytes });
                }
            }
            Err(error) => last_error = Some(error),
        }
        if started.elapsed() > LOAD_TIMEOUT {
            let url = session
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let detail = last_error
                .map(|e| format!("; last error: {e}"))
                .unwrap_or_default();
            return Err(format!(
                "{} was not there and enabled within {} s (page {url}{detail})",
                screen.waits_for,
                LOAD_TIMEOUT.as_secs()
            )
            .into());
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
/// Waits until the browser shows `url` fully loaded (the session does not
/// wait on its own, see [`PageLoadStrategy::None`]).
async fn wait_for_document(session: &WebDriver, url: &str) -> Result<()> {
    let started = Instant::now();
    loop {
        let state = session
            .execute("return [location.href, document.readyState];", Vec::new())
            .await
            .ok()
            .and_then(|ret| ret.convert::<(String, String)>().ok());
        if let Some((href, ready)) = state {
            if href == url && ready == "complete" {
                return Ok(());
            }
        }
        if started.elapsed() > LOAD_TIMEOUT {
            return Err(format!("{url} did not load within {} s", LOAD_TIMEOUT.as_secs()).into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
