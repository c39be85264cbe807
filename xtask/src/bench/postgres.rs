//! `cargo xtask bench --postgres`: `GET /v1/client` and the token refresh
//! (`POST /v1/client/sessions/{id}/tokens`) on the embedded SQLite, on
//! PostgreSQL with one replica, and on PostgreSQL with two replicas behind
//! haproxy, side by side in one run, with the ratios to SQLite.

use std::path::Path;
use std::time::Duration;

use super::{load, server, signup, CONNECTIONS};
use crate::cmd::TempDir;
use crate::portal::{build_portal, build_server, Profile};
use crate::tools::{self, Chromium};
use crate::Result;

/// Length of each load.
const LOAD: Duration = Duration::from_secs(10);

/// The two figures of one setup.
struct Figures {
    client: load::Report,
    tokens: load::Report,
}

/// Builds, then measures the three setups and prints their figures.
pub fn run(root: &Path) -> Result<()> {
    tools::ensure(root, Chromium::No)?;
    build_portal(root)?;
    let dist = root.join("dist");
    let server_bin = build_server(root, Profile::Release)?;
    let scratch = TempDir::new("vestibule-bench-pg")?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    let sqlite = {
        let mut one = server::Server::start(&server_bin, &dist, &scratch.path().join("sqlite"))?;
        let base = one.base_url();
        runtime.block_on(measure(&mut [&mut one], &base))?
    };
    let pg1 = {
        let cluster = crate::postgres::Cluster::start()?;
        let url = cluster.url("postgres");
        let mut one = server::Server::start_with(&server_bin, &dist, &scratch.path().join("pg1"), &[("VESTIBULE_DATABASE_URL", &url)])?;
        let base = one.base_url();
        runtime.block_on(measure(&mut [&mut one], &base))?
    };
    let pg2 = {
        let cluster = crate::postgres::Cluster::start()?;
        let url = cluster.url("postgres");
        let public = "http://127.0.0.1:8080";
        let settings = [("VESTIBULE_DATABASE_URL", url.as_str()), ("VESTIBULE_PUBLIC_URL", public), ("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1")];
        let mut a = server::Server::start_with(&server_bin, &dist, &scratch.path().join("pg2-a"), &settings)?;
        let mut b = server::Server::start_with(&server_bin, &dist, &scratch.path().join("pg2-b"), &settings)?;
        let backends = [address(&a), address(&b)];
        let _balancer = crate::serve::start_haproxy(root, &backends)?;
        runtime.block_on(measure(&mut [&mut a, &mut b], public))?
    };

    println!();
    for (name, f) in [("sqlite", &sqlite), ("pg1", &pg1), ("pg2", &pg2)] {
        println!("{name}_client_rps: {:.1} req/s (p99 {:.2} ms; {} ok, {} non-200, {} errors)", f.client.rps(), f.client.p99_ms(), f.client.ok, f.client.non_ok, f.client.errors);
        println!("{name}_tokens_rps: {:.1} req/s (p99 {:.2} ms; {} ok, {} non-200, {} errors)", f.tokens.rps(), f.tokens.p99_ms(), f.tokens.ok, f.tokens.non_ok, f.tokens.errors);
    }
    for (name, f) in [("pg1", &pg1), ("pg2", &pg2)] {
        println!("{name}_vs_sqlite_client_ratio: {:.2}", f.client.rps() / sqlite.client.rps().max(f64::MIN_POSITIVE));
        println!("{name}_vs_sqlite_tokens_ratio: {:.2}", f.tokens.rps() / sqlite.tokens.rps().max(f64::MIN_POSITIVE));
    }
    for f in [&sqlite, &pg1, &pg2] {
        if f.client.ok == 0 || f.tokens.ok == 0 {
            return Err("a setup answered no request".into());
        }
    }
    Ok(())
}

fn address(server: &server::Server) -> String {
    server.base_url().trim_start_matches("http://").to_string()
}

/// Waits for `servers`, signs a user in at `base` (the server, or the
/// balancer) with an active session, then loads the two routes.
async fn measure(servers: &mut [&mut server::Server], base: &str) -> Result<Figures> {
    for s in servers.iter_mut() {
        s.wait_ready().await?;
    }
    wait_for(base).await?;
    let cookie = signup::pending_session(base).await?;
    signup::activate(base, &cookie).await?;
    let cookies = format!("__client={cookie}");
    let session = session_id(base, &cookies).await?;
    eprintln!("bench: {base}: GET /v1/client, then the token refresh, {CONNECTIONS} connections, {} s each", LOAD.as_secs());
    let client = load::run(&format!("{base}/v1/client"), &cookies, CONNECTIONS, LOAD).await?;
    let tokens_url = format!("{base}/v1/client/sessions/{session}/tokens");
    let refresh = load::Shape { method: reqwest::Method::POST, origin: Some(base), ..load::Shape::get(&tokens_url, &cookies) };
    let tokens = load::run_shape(&refresh, CONNECTIONS, LOAD).await?;
    Ok(Figures { client, tokens })
}

/// Polls `base` (the balancer) until it answers.
async fn wait_for(base: &str) -> Result<()> {
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/v1/environment")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{base} did not answer").into())
}

/// The active session of the client with `cookies`.
async fn session_id(base: &str, cookies: &str) -> Result<String> {
    let client: serde_json::Value =
        reqwest::Client::new().get(format!("{base}/v1/client")).header("cookie", cookies).send().await?.json().await?;
    client["response"]["last_active_session_id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no active session: {client}").into())
}
