//! The `versus_clerk_*` lines of `cargo xtask bench`: how long a cold
//! browser takes to show a sign-in form that accepts input, with Clerk's own
//! prebuilt `SignIn` (`@clerk/ui` mounted by `@clerk/clerk-js` on
//! `compat/pages/clerk_ui.html`, the page the compat suite drives) beside
//! our portal's `/sign-in`. One release server serves both, against itself,
//! with every file precompressed as a CDN would send it (brotli for
//! Clerk's bundles, as for ours). The loads alternate, ours and Clerk's,
//! on localhost and on an emulated slow 4G, so the machine's noise falls on
//! both alike. A third page in the same rounds, a static form with no
//! script or stylesheet, is the floor: what this browser on this machine
//! takes to show any form at all.

use std::path::Path;

use super::browser::{self, Chromedriver, Network, Screen};
use super::hot_paths::verdict;
use super::median;
use super::server::Server;
use crate::portal::precompress;
use crate::Result;

/// Cold loads of each page on each network.
const LOADS: usize = 10;
/// Chromium's slow 4G: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
const SLOW_4G: Network = Network { latency_ms: 150, down_bytes_per_s: 1_600_000 / 8, up_bytes_per_s: 750_000 / 8 };
/// Our goal: at most this share of Clerk's time, on both networks.
const RATIO_GOAL: f64 = 0.5;
/// Our goal on localhost, in milliseconds.
const LOCALHOST_GOAL_MS: f64 = 150.0;

/// Clerk's `SignIn` accepts input once its identifier field is enabled.
const CLERK: Screen<'static> = Screen {
    path: "/compat/clerk_ui.html?mount=sign-in",
    ready_script: "const input = document.querySelector('input[name=identifier]'); \
         return input !== null && input.matches(':enabled') ? performance.now() : null;",
    waits_for: "Clerk's input[name=identifier]",
    client_cookie: None,
};
/// Ours, once its email field is enabled.
const VESTIBULE: Screen<'static> = Screen {
    path: "/sign-in",
    ready_script: "const input = document.querySelector('input#vb-identifier'); \
         return input !== null && input.matches(':enabled') ? performance.now() : null;",
    waits_for: "input#vb-identifier",
    client_cookie: None,
};
/// The floor: a form in plain HTML, ready as soon as it is parsed.
const FLOOR: Screen<'static> = Screen {
    path: "/compat/floor.html",
    ready_script: VESTIBULE.ready_script,
    waits_for: VESTIBULE.waits_for,
    client_cookie: None,
};
/// The floor page: our sign-in form's fields, without script or style.
const FLOOR_PAGE: &str = "<!doctype html><html lang=en><meta charset=utf-8><title>Sign in</title>\
     <link href=data:, rel=icon><form><h1>Sign in</h1><label for=vb-identifier>Email address</label>\
     <input id=vb-identifier type=email autocomplete=username><button>Continue</button></form></html>\n";

/// Lays out the site, starts the server on it and prints the lines.
pub async fn run(server_bin: &Path, portal: &Path, compat: &Path, scratch: &Path) -> Result<()> {
    let site = scratch.join("site");
    lay_out_site(portal, compat, &site)?;
    // A production instance, as an application's users meet it: no
    // development banner or dev-browser round trip for clerk-js.
    let mut server = Server::start_with(
        server_bin,
        &site,
        scratch,
        &[("VESTIBULE_INSTANCE_TYPE", "production"), ("VESTIBULE_EMAIL_SENDER", "outbox")],
    )?;
    let outcome = measure(&mut server, scratch).await;
    if outcome.is_err() {
        server.print_log_tail();
    }
    outcome
}

/// Our portal at the root; the page, clerk-js's browser bundle and
/// `@clerk/ui`'s under `compat/`, each file with its `.br` and `.gz`.
fn lay_out_site(portal: &Path, compat: &Path, site: &Path) -> Result<()> {
    let pages = site.join("compat");
    std::fs::create_dir_all(&pages)?;
    for entry in std::fs::read_dir(portal)? {
        let entry = entry?;
        std::os::unix::fs::symlink(entry.path(), site.join(entry.file_name()))?;
    }
    for page in ["clerk_ui.html", "clerk_ui.js"] {
        std::fs::copy(compat.join("pages").join(page), pages.join(page))?;
    }
    std::fs::write(pages.join("floor.html"), FLOOR_PAGE)?;
    let modules = compat.join("node_modules").join("@clerk");
    copy_bundle(&modules.join("clerk-js").join("dist"), &pages.join("clerk-js"), |name| {
        name == "clerk.browser.js" || name.contains("_clerk.browser_")
    })?;
    copy_bundle(&modules.join("ui").join("dist"), &pages.join("clerk-ui"), |name| {
        name == "ui.browser.js" || name.contains("_ui_")
    })?;
    for dir in [&pages, &pages.join("clerk-js"), &pages.join("clerk-ui")] {
        precompress(dir)?;
    }
    Ok(())
}

/// Copies the `.js` files of `from` (not its subdirectories) that `wanted`
/// names into `to`.
fn copy_bundle(from: &Path, to: &Path, wanted: fn(&str) -> bool) -> Result<()> {
    std::fs::create_dir_all(to)?;
    let mut copied = 0;
    for entry in std::fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".js") && wanted(&name) && entry.path().is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
            copied += 1;
        }
    }
    if copied == 0 {
        return Err(format!("no browser bundle in {}", from.display()).into());
    }
    Ok(())
}

/// The loads of one page on one network.
#[derive(Default)]
struct Series {
    ms: Vec<f64>,
    bytes: Vec<f64>,
}

impl Series {
    fn median_ms(&self) -> f64 {
        sorted_median(&self.ms)
    }

    fn median_bytes(&self) -> f64 {
        sorted_median(&self.bytes)
    }
}

fn sorted_median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    median(&sorted)
}

async fn measure(server: &mut Server, scratch: &Path) -> Result<()> {
    server.wait_ready().await?;
    let base = server.base_url();
    let driver = Chromedriver::start(&scratch.join("chromedriver-versus-clerk.log")).await?;
    let networks: [(&str, Option<Network>); 2] = [("localhost", None), ("slow_4g", Some(SLOW_4G))];
    let mut series: Vec<[Series; 3]> = networks.iter().map(|_| Default::default()).collect();
    eprintln!("bench: {LOADS} cold loads each of Clerk's SignIn, ours and a static form, on localhost and slow 4G, alternating");
    for round in 0..LOADS {
        for ((name, network), per_page) in networks.iter().zip(series.iter_mut()) {
            for (screen, loads) in [&CLERK, &VESTIBULE, &FLOOR].into_iter().zip(per_page.iter_mut()) {
                let profile = scratch.join(format!("chrome-profile-versus-{round}"));
                let loaded = browser::cold_load(&driver.url, &base, screen, *network, &profile).await?;
                eprintln!("bench: {name} {}: {:.1} ms, {} bytes", screen.path, loaded.ms, loaded.bytes);
                loads.ms.push(loaded.ms);
                loads.bytes.push(loaded.bytes as f64);
            }
        }
    }
    for ((name, _), [clerk, ours, floor]) in networks.iter().zip(&series) {
        let ratio = ours.median_ms() / clerk.median_ms().max(f64::EPSILON);
        println!("versus_clerk_{name}_clerk_ms_median: {:.1} ms (Clerk's SignIn, {} bytes)", clerk.median_ms(), clerk.median_bytes());
        println!("versus_clerk_{name}_vestibule_ms_median: {:.1} ms (our /sign-in, {} bytes)", ours.median_ms(), ours.median_bytes());
        println!(
            "versus_clerk_{name}_ratio: {ratio:.3} (ours / Clerk's; goal at most {RATIO_GOAL}: {})",
            verdict(ratio <= RATIO_GOAL)
        );
        println!(
            "versus_clerk_{name}_floor_ms_median: {:.1} ms (a static form, no script or stylesheet, {} bytes; ours {:.1} ms above it, Clerk's {:.1} ms)",
            floor.median_ms(),
            floor.median_bytes(),
            ours.median_ms() - floor.median_ms(),
            clerk.median_ms() - floor.median_ms(),
        );
    }
    if let Some([_, ours, _]) = series.first() {
        println!(
            "versus_clerk_localhost_vestibule_goal: {:.1} ms (goal at most {LOCALHOST_GOAL_MS} ms: {})",
            ours.median_ms(),
            verdict(ours.median_ms() <= LOCALHOST_GOAL_MS)
        );
    }
    Ok(())
}
