//! The `soak_*` lines of `cargo xtask bench`: 1,000 signed-in tabs (250
//! browsers of 4 tabs each) following clerk-js's refresh model for 10
//! minutes of model time, run 10 times faster than real time, plus a
//! trickle of new sign-ins. Each tab asks for a fresh session token every
//! 43 s (clerk-js refreshes a 60 s token that far ahead of its expiry) and
//! touches its session when its window gains focus, now and then. The
//! server's clock runs as usual: in 60 s of real time no token or session
//! comes near an expiry, so compressing time changes only the request
//! rate, which is what the soak is for.
//!
//! Reports p50 and p99 latency per route, the errors (any answer that is
//! not 2xx, or no answer), and the server's resident memory after the
//! first model minute (the warm-up) and at the end. The bench fails when
//! there is an error or the memory grew more than 10% after the warm-up.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::server::Server;
use crate::Result;

/// Browsers (each one client cookie, one user, one session).
const BROWSERS: usize = 250;
/// Tabs of each browser; each refreshes on its own.
const TABS_PER_BROWSER: usize = 4;
/// Model time of the soak.
const MODEL: Duration = Duration::from_secs(600);
/// How much faster than real time the model runs.
const SPEEDUP: f64 = 10.0;
/// A tab's token refresh interval (model time).
const REFRESH: f64 = 43.0;
/// Mean model time between two focus touches of one tab.
const FOCUS_MEAN: f64 = 300.0;
/// Model time between two sign-ins of the trickle.
const SIGN_IN_EVERY: f64 = 3.0;
/// Model time before the memory is first read.
const WARM_UP: f64 = 60.0;
/// Most the memory may grow after the warm-up.
const MAX_GROWTH: f64 = 0.10;
/// The soak users' password.
const PASSWORD: &str = "Vestibule-soak-2026!";
/// The secret key the soak server is given.
const SECRET_KEY: &str = "sk_test_vestibule_soak_bench_key_0001";

/// The routes the soak calls.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    Tokens,
    Touch,
    SignIn,
}

impl Route {
    const ALL: [Route; 3] = [Route::Tokens, Route::Touch, Route::SignIn];

    fn label(self) -> &'static str {
        match self {
            Route::Tokens => "tokens",
            Route::Touch => "touch",
            Route::SignIn => "sign_in",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Route::Tokens => "POST /v1/client/sessions/{id}/tokens",
            Route::Touch => "POST /v1/client/sessions/{id}/touch (intent=focus)",
            Route::SignIn => "POST /v1/client/sign_ins (password)",
        }
    }
}

/// Latencies (ms) and errors of every call, by route.
#[derive(Default)]
struct Tally {
    calls: Vec<(Route, f64, bool)>,
}

/// One signed-in browser.
struct Browser {
    cookie: String,
    session: String,
}

/// A small deterministic generator (xorshift), so every run has the same
/// schedule.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Runs the soak on a fresh server and prints its lines.
pub async fn run(binary: &Path, portal_dir: &Path, scratch: &Path) -> Result<()> {
    std::fs::create_dir_all(scratch)?;
    let settings = [("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1"), ("VESTIBULE_SECRET_KEY", SECRET_KEY)];
    let mut server = Server::start_with(binary, portal_dir, scratch, &settings)?;
    let outcome = soak(&mut server).await;
    if outcome.is_err() {
        server.print_log_tail();
    }
    outcome
}

async fn soak(server: &mut Server) -> Result<()> {
    server.wait_ready().await?;
    let base = server.base_url();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    // Active sessions: no task between a sign-in and the application.
    let patched = http
        .patch(format!("{base}/backend/v1/instance"))
        .bearer_auth(SECRET_KEY)
        .form(&[("force_organization_selection", "false"), ("mfa_required", "false")])
        .send()
        .await?;
    if !patched.status().is_success() {
        return Err(format!("PATCH /backend/v1/instance answered {}", patched.status()).into());
    }
    eprintln!("bench: soak: signing in {BROWSERS} browsers");
    let mut browsers = Vec::with_capacity(BROWSERS);
    for chunk in (0..BROWSERS).collect::<Vec<_>>().chunks(8) {
        let made = chunk.iter().map(|&i| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                let email = format!("soak{i}@example.com");
                let created = http
                    .post(format!("{base}/backend/v1/users"))
                    .bearer_auth(SECRET_KEY)
                    .form(&[("email_address", email.as_str()), ("password", PASSWORD), ("skip_password_checks", "true")])
                    .send()
                    .await?;
                if !created.status().is_success() {
                    return Err(format!("creating {email} answered {}", created.status()).into());
                }
                sign_in(&http, &base, &email, &format!("10.6.{}.{}", i / 250, i % 250 + 1)).await
            })
        });
        for task in made.collect::<Vec<_>>() {
            browsers.push(task.await.map_err(|e| e.to_string())??);
        }
    }
    let browsers = Arc::new(browsers);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let start = Instant::now() + Duration::from_millis(200);
    let wall = move |model: f64| start + Duration::from_secs_f64(model / SPEEDUP);

    let mut tasks = Vec::new();
    for tab in 0..BROWSERS * TABS_PER_BROWSER {
        let (http, base, browsers, tally) = (http.clone(), base.clone(), Arc::clone(&browsers), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (tab as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let browser = &browsers[tab / TABS_PER_BROWSER];
            let mut events = Vec::new();
            let mut at = rng.unit() * REFRESH;
            while at < MODEL.as_secs_f64() {
                events.push((at, Route::Tokens));
                at += REFRESH + (rng.unit() - 0.5) * 2.0;
            }
            let mut at = -FOCUS_MEAN * (1.0 - rng.unit()).ln();
            while at < MODEL.as_secs_f64() {
                events.push((at, Route::Touch));
                at += -FOCUS_MEAN * (1.0 - rng.unit()).ln();
            }
            events.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (at, route) in events {
                tokio::time::sleep_until(wall(at)).await;
                let (path, form): (&str, &[(&str, &str)]) = match route {
                    Route::Tokens => ("tokens", &[]),
                    _ => ("touch", &[("intent", "focus")]),
                };
                let request = http
                    .post(format!("{base}/v1/client/sessions/{}/{path}", browser.session))
                    .header("Origin", base.as_str())
                    .header("Cookie", format!("__client={}", browser.cookie))
                    .form(form);
                let began = Instant::now();
                let ok = request.send().await.is_ok_and(|r| r.status().is_success());
                let ms = began.elapsed().as_secs_f64() * 1000.0;
                tally.lock().map_err(|_| "tally poisoned")?.calls.push((route, ms, ok));
            }
            Ok::<(), crate::Error>(())
        }));
    }
    {
        let (http, base, tally) = (http.clone(), base.clone(), Arc::clone(&tally));
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while (n as f64) * SIGN_IN_EVERY < MODEL.as_secs_f64() {
                tokio::time::sleep_until(wall(n as f64 * SIGN_IN_EVERY)).await;
                let email = format!("soak{}@example.com", n % BROWSERS);
                let began = Instant::now();
                let ok = sign_in(&http, &base, &email, &format!("10.7.{}.{}", n / 250, n % 250 + 1)).await.is_ok();
                let ms = began.elapsed().as_secs_f64() * 1000.0;
                tally.lock().map_err(|_| "tally poisoned")?.calls.push((Route::SignIn, ms, ok));
                n += 1;
            }
            Ok::<(), crate::Error>(())
        }));
    }
    tokio::time::sleep_until(wall(WARM_UP)).await;
    let rss_warm = server.rss_kb()?;
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let took = start.elapsed();
    let rss_end = server.rss_kb()?;

    let tally = tally.lock().map_err(|_| "tally poisoned")?;
    println!(
        "soak_tabs: {} ({BROWSERS} browsers of {TABS_PER_BROWSER} tabs), {} s of model time in {:.1} s ({SPEEDUP}x real time)",
        BROWSERS * TABS_PER_BROWSER,
        MODEL.as_secs(),
        took.as_secs_f64()
    );
    let mut errors = 0;
    for route in Route::ALL {
        let mut ms: Vec<f64> = tally.calls.iter().filter(|c| c.0 == route).map(|c| c.1).collect();
        let failed = tally.calls.iter().filter(|c| c.0 == route && !c.2).count();
        errors += failed;
        ms.sort_by(f64::total_cmp);
        let label = route.label();
        println!("soak_{label}_p50_ms: {:.2} ms", percentile(&ms, 0.50));
        println!("soak_{label}_p99_ms: {:.2} ms", percentile(&ms, 0.99));
        println!("  {}: {} calls, {failed} errors", route.path(), ms.len());
    }
    println!("soak_errors: {errors}");
    let growth = rss_end as f64 / rss_warm.max(1) as f64 - 1.0;
    println!("soak_rss_after_warm_up_kb: {rss_warm} kB");
    println!("soak_rss_end_kb: {rss_end} kB");
    println!("soak_rss_growth: {:+.1} % (end / after the warm-up; at most {:.0} %)", growth * 100.0, MAX_GROWTH * 100.0);
    if errors > 0 {
        return Err(format!("the soak saw {errors} errors").into());
    }
    if growth > MAX_GROWTH {
        return Err(format!("the server's memory grew {:.1} % after the warm-up", growth * 100.0).into());
    }
    Ok(())
}

/// Signs `email` in on a new client from `ip` (through the trusted proxy
/// header); answers the browser.
async fn sign_in(http: &reqwest::Client, base: &str, email: &str, ip: &str) -> Result<Browser> {
    let resp = http
        .post(format!("{base}/v1/client/sign_ins"))
        .header("Origin", base)
        .header("X-Forwarded-For", ip)
        .form(&[("identifier", email), ("password", PASSWORD)])
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(format!("signing {email} in answered {}", resp.status()).into());
    }
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("__client=").map(|rest| rest.split(';').next().unwrap_or_default().to_string()))
        // The client made for the sign-in is replaced once it is signed in
        // (a fixed session id is never trusted): the last cookie counts.
        .next_back()
        .ok_or("signing in set no __client cookie")?;
    let body: Value = resp.json().await?;
    let session = body["client"]["last_active_session_id"].as_str().ok_or("signing in made no session")?.to_string();
    let status = body["client"]["sessions"][0]["status"].as_str().unwrap_or_default().to_string();
    if status != "active" {
        return Err(format!("the soak session of {email} is {status}, not active").into());
    }
    Ok(Browser { cookie, session })
}

/// The `q` quantile of sorted values (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let rank = (n as f64 * q).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}
