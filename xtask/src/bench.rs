//! `cargo xtask bench`: the numbers we track release to release, printed as
//! `name: value unit` lines: what the browser downloads (gzip), the bytes a
//! first and a repeat visit of `/sign-in` transfer, how fast a
//! cold browser reaches an interactive choose-organization screen, how much
//! `GET /v1/client` traffic the server sustains beside a plain axum handler
//! answering the same bytes, token refreshes beside the RS256 signer's rate
//! and password sign-ins beside Argon2id's (each pair in the same run), its
//! memory idle and at its peak against their budgets, what the
//! middleware costs an application per request, and how much traffic a
//! protected route of the example application sustains, and the server's
//! peak memory while 100 sign-ups with passwords arrive at once, the
//! database's size after 100,000 anonymous visits and a sweep, a cold
//! browser's time to a sign-in form beside Clerk's prebuilt `SignIn`, and a
//! soak of 1,000 signed-in tabs refreshing their tokens (latency per route,
//! errors, memory after the warm-up and at the end).

mod browser;
mod example;
mod gzip;
mod hot_paths;
mod load;
pub mod postgres;
mod process;
mod server;
mod signup;
mod signup_burst;
mod soak;
mod transfer;
mod versus_clerk;

use std::path::Path;
use std::time::Duration;

use crate::cmd::{self, TempDir};
use crate::compat;
use crate::portal::{build_example, build_portal, build_server, Profile};
use crate::tools::{self, Chromium};
use crate::Result;

/// Cold loads of the choose-organization screen.
const COLD_LOADS: usize = 10;
/// Concurrent keep-alive connections of the load test.
const CONNECTIONS: usize = 50;
/// Length of the load test.
const LOAD_DURATION: Duration = Duration::from_secs(10);
/// The server's memory budget when idle (50 MB).
const IDLE_BUDGET_KB: u64 = 50 * 1024;
/// The server's memory budget under the loads of the bench (150 MB).
const LOAD_BUDGET_KB: u64 = 150 * 1024;

/// Builds the portal and the release server, then measures and prints.
pub fn run(root: &Path) -> Result<()> {
    eprintln!("bench: requests through the middleware layer (release build)");
    let middleware = cmd::stdout_of(cmd::cargo().current_dir(root).args([
        "run",
        "--quiet",
        "--release",
        "--locked",
        "-p",
        "vestibule-middleware",
        "--features",
        "bench",
        "--example",
        "verify_bench",
    ]))
    .ok_or("the middleware bench failed: cargo run --release -p vestibule-middleware --features bench --example verify_bench")?;
    eprintln!("bench: 100,000 anonymous visits, then a sweep (release build)");
    let sweep = cmd::stdout_of(cmd::cargo().current_dir(root).args([
        "run",
        "--quiet",
        "--release",
        "--locked",
        "-p",
        "vestibule-server",
        "--example",
        "sweep_bench",
    ]))
    .ok_or("the sweep bench failed: cargo run --release -p vestibule-server --example sweep_bench")?;
    tools::ensure(root, Chromium::Yes)?;
    build_portal(root)?;
    let dist = root.join("dist");
    let sizes = gzip::portal_sizes(&dist)?;
    let server_bin = build_server(root, Profile::Release)?;
    let example_bin = build_example(root, Profile::Release)?;
    let references = hot_paths::build(root)?;

    println!();
    println!("portal_gzip_bytes: {} bytes", gzip::total(&sizes));
    for file in &sizes {
        println!(
            "  {}: {} bytes gzip -9 ({} raw)",
            file.name, file.gzip, file.raw
        );
    }

    print!("{middleware}");
    print!("{sweep}");

    let scratch = TempDir::new("vestibule-bench")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // The password sign-ins come from many addresses, as from many users.
    let mut server = server::Server::start_with(&server_bin, &dist, scratch.path(), &[("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1")])?;
    let outcome = runtime.block_on(measure(&mut server, &example_bin, &references, scratch.path()));
    if outcome.is_err() {
        server.print_log_tail();
    }
    outcome?;
    drop(server);
    runtime.block_on(sign_up_burst(&server_bin, &dist, scratch.path()))?;
    let compat = compat::install(root)?;
    runtime.block_on(versus_clerk::run(&server_bin, &dist, &compat, &scratch.path().join("versus-clerk")))?;
    eprintln!("bench: soak of 1,000 signed-in tabs (10 model minutes at 10x real time)");
    runtime.block_on(soak::run(&server_bin, &dist, &scratch.path().join("soak")))
    // `server` (and chromedriver inside `measure`) are killed on drop.
}

/// Only the comparison with Clerk's prebuilt `SignIn` (`cargo xtask bench
/// --versus-clerk`), on the release server.
pub fn versus_clerk_only(root: &Path) -> Result<()> {
    tools::ensure(root, Chromium::Yes)?;
    build_portal(root)?;
    let server_bin = build_server(root, Profile::Release)?;
    let compat = compat::install(root)?;
    let scratch = TempDir::new("vestibule-versus-clerk")?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(versus_clerk::run(&server_bin, &root.join("dist"), &compat, scratch.path()))
}

/// Only the soak (`cargo xtask bench --soak`), on the release server.
pub fn soak_only(root: &Path) -> Result<()> {
    build_portal(root)?;
    let server_bin = build_server(root, Profile::Release)?;
    let scratch = TempDir::new("vestibule-soak")?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(soak::run(&server_bin, &root.join("dist"), scratch.path()))
}

/// Everything that needs the running server.
async fn measure(server: &mut server::Server, example_bin: &Path, references: &hot_paths::References, scratch: &Path) -> Result<()> {
    server.wait_ready().await?;
    print_idle_memory(server)?;
    let base = server.base_url();
    let transfer = transfer::measure(&base).await?;
    println!("transfer_first_visit_bytes: {} bytes (GET /sign-in and its files, Accept-Encoding: br, gzip)", transfer.first);
    for (path, bytes) in &transfer.files {
        println!("  {path}: {bytes} bytes");
    }
    println!("transfer_repeat_visit_bytes: {} bytes (the same browser again)", transfer.repeat);
    println!("transfer_first_visit_identity_bytes: {} bytes (no compression accepted, the reference)", transfer.identity);
    println!("transfer_first_visit_ratio: {:.3} (compressed / identity)", transfer.first as f64 / transfer.identity.max(1) as f64);
    let client_cookie = signup::pending_session(&base).await?;
    eprintln!("bench: signed up bench user; measuring {COLD_LOADS} cold loads");

    let loads = browser::cold_loads(&base, &client_cookie, scratch, COLD_LOADS).await?;
    let mut sorted = loads.clone();
    sorted.sort_by(f64::total_cmp);
    println!("choose_org_ready_ms_median: {:.1} ms", median(&sorted));
    println!(
        "choose_org_ready_ms_min: {:.1} ms",
        sorted.first().copied().unwrap_or_default()
    );
    println!(
        "choose_org_ready_ms_max: {:.1} ms",
        sorted.last().copied().unwrap_or_default()
    );
    let each: Vec<String> = loads.iter().map(|ms| format!("{ms:.1}")).collect();
    println!("  loads (ms, in order): {}", each.join(", "));

    let activated = hot_paths::measure(&base, &client_cookie, references, scratch).await?;

    let cookies = format!("__session={}", activated.token);
    let mut app = example::ExampleApp::start(example_bin, &base, scratch)?;
    if let Err(error) = app.wait_ready(&cookies).await {
        app.print_log_tail();
        return Err(error);
    }
    eprintln!(
        "bench: GET /dashboard of the example app (active session, cached JWKS) with {CONNECTIONS} connections for {} s",
        LOAD_DURATION.as_secs()
    );
    let report = load::run(&app.url("/dashboard"), &cookies, CONNECTIONS, LOAD_DURATION).await?;
    print_load("dashboard", "GET /dashboard", &report)?;

    print_peak_memory(server)
}

/// Only the server's hot paths beside their ceilings and its memory
/// (`cargo xtask bench --hot-paths`), on the release server.
pub fn hot_paths_only(root: &Path) -> Result<()> {
    build_portal(root)?;
    let server_bin = build_server(root, Profile::Release)?;
    let references = hot_paths::build(root)?;
    let scratch = TempDir::new("vestibule-hot-paths")?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut server = server::Server::start_with(&server_bin, &root.join("dist"), scratch.path(), &[("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1")])?;
    let outcome = runtime.block_on(async {
        server.wait_ready().await?;
        print_idle_memory(&mut server)?;
        let base = server.base_url();
        let client_cookie = signup::pending_session(&base).await?;
        hot_paths::measure(&base, &client_cookie, &references, scratch.path()).await?;
        print_peak_memory(&mut server)
    });
    if outcome.is_err() {
        server.print_log_tail();
    }
    outcome
}

/// `server_idle_rss_kb` against its budget.
fn print_idle_memory(server: &mut server::Server) -> Result<()> {
    let idle_kb = server.rss_kb()?;
    println!("server_idle_rss_kb: {idle_kb} kB (budget {IDLE_BUDGET_KB} kB: {})", hot_paths::verdict(idle_kb <= IDLE_BUDGET_KB));
    Ok(())
}

/// `server_peak_rss_kb` (since the server started) against its budget.
fn print_peak_memory(server: &mut server::Server) -> Result<()> {
    let peak_kb = server.peak_rss_kb()?;
    println!(
        "server_peak_rss_kb: {peak_kb} kB (under the loads above; budget {LOAD_BUDGET_KB} kB: {})",
        hot_paths::verdict(peak_kb <= LOAD_BUDGET_KB)
    );
    Ok(())
}

/// The sign-up burst on the server as shipped and, beside it, with the
/// Argon2 gate opened wide (the reference).
async fn sign_up_burst(server_bin: &Path, dist: &Path, scratch: &Path) -> Result<()> {
    eprintln!("bench: {} concurrent sign-ups with passwords, gated and ungated", signup_burst::CALLS);
    let ours = signup_burst::run(server_bin, dist, &scratch.join("burst-gated"), &[]).await?;
    let wide = [("VESTIBULE_PASSWORD_HASHING_CONCURRENCY", "1000"), ("VESTIBULE_PASSWORD_HASHING_QUEUE", "0")];
    let reference = signup_burst::run(server_bin, dist, &scratch.join("burst-ungated"), &wide).await?;
    println!("signup_burst_peak_rss_kb: {} kB", ours.peak_rss_kb);
    println!("  gated: {} ok, {} busy (429), {} other", ours.ok, ours.busy, ours.other);
    println!("signup_burst_ungated_peak_rss_kb: {} kB", reference.peak_rss_kb);
    println!("  ungated: {} ok, {} busy (429), {} other", reference.ok, reference.busy, reference.other);
    println!(
        "signup_burst_rss_ratio: {:.2} (gated / ungated)",
        ours.peak_rss_kb as f64 / reference.peak_rss_kb.max(1) as f64
    );
    if ours.ok == 0 {
        return Err("no sign-up of the burst succeeded".into());
    }
    Ok(())
}

/// Prints `<name>_rps` and `<name>_p99_ms` and the load's tally; an error
/// when no `what` request succeeded.
fn print_load(name: &str, what: &str, report: &load::Report) -> Result<()> {
    println!("{name}_rps: {:.1} req/s", report.rps());
    println!("{name}_p99_ms: {:.2} ms", report.p99_ms());
    println!(
        "  load: {} connections, {:.1} s, {} ok, {} non-200, {} errors",
        report.connections,
        report.window.as_secs_f64(),
        report.ok,
        report.non_ok,
        report.errors
    );
    if report.ok == 0 {
        return Err(format!("no {what} request succeeded").into());
    }
    Ok(())
}

/// Median of sorted values (mean of the middle two for an even count).
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert_eq!(median(&[]), 0.0);
    }
}
