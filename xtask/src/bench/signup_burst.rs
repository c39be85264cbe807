//! Peak memory while 100 sign-up calls with passwords arrive at once, each
//! from its own client address (through a trusted proxy header, so the
//! per-IP limit does not turn them away first): the server as shipped, whose
//! Argon2 gate runs a hash per core and queues a few, beside the same binary
//! with the gate opened wide, on fresh servers in the same run.

use std::path::Path;

use super::server::Server;
use crate::Result;

/// Sign-up calls in the burst.
pub const CALLS: usize = 100;

/// What one burst did to one server.
pub struct Burst {
    /// VmHWM after the burst, kB.
    pub peak_rss_kb: u64,
    /// Sign-ups answered 200.
    pub ok: usize,
    /// Answered 429 (the gate's queue was full).
    pub busy: usize,
    /// Anything else.
    pub other: usize,
}

/// Starts a fresh server with `settings` in `scratch`, sends the burst and
/// reads its peak RSS.
pub async fn run(binary: &Path, portal_dir: &Path, scratch: &Path, settings: &[(&str, &str)]) -> Result<Burst> {
    std::fs::create_dir_all(scratch)?;
    let mut all = vec![("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1")];
    all.extend_from_slice(settings);
    let mut server = Server::start_with(binary, portal_dir, scratch, &all)?;
    server.wait_ready().await?;
    let base = server.base_url();
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let request = http
                .post(format!("{base}/v1/client/sign_ups"))
                .header("Origin", base.as_str())
                .header("X-Forwarded-For", format!("10.9.{}.{}", i / 250, i % 250 + 1))
                .form(&[("email_address", format!("burst{i}@example.com")), ("password", "Vestibule-bench-2026!".to_string())]);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let (mut ok, mut busy, mut other) = (0, 0, 0);
    for task in tasks {
        match task.await {
            Ok(Ok(200)) => ok += 1,
            Ok(Ok(429)) => busy += 1,
            _ => other += 1,
        }
    }
    let peak_rss_kb = server.peak_rss_kb()?;
    Ok(Burst { peak_rss_kb, ok, busy, other })
}
