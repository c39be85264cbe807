//! The server's hot paths beside their ceilings, each pair measured in the
//! same run: `GET /v1/client` beside a plain axum handler that answers the
//! same bytes (`server/examples/plain_body.rs`), a token refresh beside
//! the rate of the server's RS256 signer, and a password sign-in beside the
//! rate of its Argon2id verification (`server/examples/ceilings.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::load::{self, Report, Shape};
use super::process::Logged;
use super::signup::{activate, Activated, EMAIL, PASSWORD};
use super::{print_load, CONNECTIONS, LOAD_DURATION};
use crate::cmd::{self, free_port};
use crate::Result;

/// The two reference programs, release builds.
pub struct References {
    plain_body: PathBuf,
    ceilings: PathBuf,
}

/// What `ceilings` measured.
pub struct Ceilings {
    /// RS256 session tokens per second, every core.
    pub rs256: f64,
    /// Argon2id verifications per second, every hashing slot.
    pub argon2: f64,
    /// Its output, printed as it is.
    pub lines: String,
}

/// Builds the reference programs (release).
pub fn build(root: &Path) -> Result<References> {
    cmd::run(cmd::cargo().current_dir(root).args([
        "build",
        "--release",
        "--locked",
        "-p",
        "vestibule-server",
        "--example",
        "plain_body",
        "--example",
        "ceilings",
    ]))?;
    let examples = cmd::target_dir(root).join("release").join("examples");
    Ok(References { plain_body: examples.join("plain_body"), ceilings: examples.join("ceilings") })
}

impl References {
    /// The load of [`load::run`] against a plain axum handler answering `body`.
    pub async fn plain_axum(&self, body: &[u8], scratch: &Path, connections: usize, duration: Duration) -> Result<Report> {
        let file = scratch.join("client-body.json");
        std::fs::write(&file, body)?;
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let mut process = Logged::spawn(
            "the plain axum reference",
            Command::new(&self.plain_body).arg(&listen).arg(&file),
            scratch.join("plain-body.log"),
        )?;
        let url = format!("http://{listen}/v1/client");
        process.wait_ok(&url, Duration::from_secs(10)).await?;
        load::run(&url, "", connections, duration).await
    }

    /// Runs the ceilings (the machine otherwise idle) and reads its lines.
    pub fn ceilings(&self) -> Result<Ceilings> {
        let shown = self.ceilings.display().to_string();
        let lines = cmd::stdout_of(&mut Command::new(&self.ceilings)).ok_or_else(|| format!("{shown} failed"))?;
        let figure = |name: &str| {
            lines
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse::<f64>().ok())
                .ok_or_else(|| format!("{shown} printed no {name} line: {lines}"))
        };
        Ok(Ceilings { rs256: figure("rs256_signs_per_s:")?, argon2: figure("argon2id_verifies_per_s:")?, lines: lines.clone() })
    }
}

/// `POST /v1/client/sessions/{session}/tokens` of the client `cookies`, as
/// every signed-in clerk-js tab sends it.
pub async fn token_refresh(base: &str, session: &str, cookies: &str, connections: usize, duration: Duration) -> Result<Report> {
    let url = format!("{base}/v1/client/sessions/{session}/tokens");
    let shape = Shape { method: reqwest::Method::POST, origin: Some(base), ..Shape::get(&url, cookies) };
    load::run_shape(&shape, connections, duration).await
}

/// `POST /v1/client/sign_ins` with the bench user's email and password, each
/// from a new browser (no cookie) at its own address.
pub async fn password_sign_in(base: &str, connections: usize, duration: Duration) -> Result<Report> {
    let url = format!("{base}/v1/client/sign_ins");
    let form = [("identifier", EMAIL), ("password", PASSWORD), ("strategy", "password")];
    let shape = Shape {
        method: reqwest::Method::POST,
        url: &url,
        cookies: None,
        origin: Some(base),
        form: &form,
        spread_addresses: true,
    };
    load::run_shape(&shape, connections, duration).await
}

/// Concurrent password sign-ins of the one bench user: below its lockout
/// budget (10), since every sign-in reserves an attempt of it until its
/// password is checked, and enough to keep both hashing slots busy.
const SIGN_IN_CONNECTIONS: usize = 8;

/// The hot paths of the client `client_cookie` (a pending session), each
/// beside its ceiling, then the session made active; returns it.
pub async fn measure(base: &str, client_cookie: &str, references: &References, scratch: &Path) -> Result<Activated> {
    eprintln!(
        "bench: GET /v1/client with {CONNECTIONS} connections for {} s",
        LOAD_DURATION.as_secs()
    );
    let client_url = format!("{base}/v1/client");
    let client_cookies = format!("__client={client_cookie}");
    let report = load::run(&client_url, &client_cookies, CONNECTIONS, LOAD_DURATION).await?;
    print_load("client", "GET /v1/client", &report)?;
    let body = reqwest::Client::new().get(&client_url).header(reqwest::header::COOKIE, &client_cookies).send().await?.bytes().await?;
    eprintln!("bench: the same {} bytes from a plain axum handler, the same load", body.len());
    let reference = references.plain_axum(&body, scratch, CONNECTIONS, LOAD_DURATION).await?;
    print_load("client_reference", "plain axum", &reference)?;
    let ratio = report.rps() / reference.rps().max(f64::MIN_POSITIVE);
    println!("client_ratio: {ratio:.3} (ours / plain axum; goal >= 0.25: {})", verdict(ratio >= 0.25));
    println!(
        "client_goal: {} (>= 10,000 req/s and p99 <= 10 ms)",
        verdict(report.rps() >= 10_000.0 && report.p99_ms() <= 10.0)
    );

    let activated = activate(base, client_cookie).await?;
    eprintln!("bench: token refreshes of one active session with {CONNECTIONS} connections for {} s", LOAD_DURATION.as_secs());
    let refreshes = token_refresh(base, &activated.session_id, &client_cookies, CONNECTIONS, LOAD_DURATION).await?;
    print_load("token_refresh", "token refresh", &refreshes)?;
    eprintln!("bench: password sign-ins, each a new browser at its own address, {SIGN_IN_CONNECTIONS} connections for {} s", LOAD_DURATION.as_secs());
    let sign_ins = password_sign_in(base, SIGN_IN_CONNECTIONS, LOAD_DURATION).await?;
    print_load("password_sign_in", "password sign-in", &sign_ins)?;
    eprintln!("bench: the ceilings (RS256 signing, Argon2id verification) on every core");
    let ceilings = references.ceilings()?;
    print!("{}", ceilings.lines);
    let ratio = refreshes.rps() / ceilings.rs256.max(f64::MIN_POSITIVE);
    println!("token_refresh_ratio: {ratio:.3} (refreshes / RS256 signatures; goal >= 0.5: {})", verdict(ratio >= 0.5));
    let ratio = sign_ins.rps() / ceilings.argon2.max(f64::MIN_POSITIVE);
    println!("password_sign_in_ratio: {ratio:.3} (sign-ins / Argon2id verifications; goal >= 0.8: {})", verdict(ratio >= 0.8));

    Ok(activated)
}

/// `met` or `missed`, for a goal line.
pub fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "missed"
    }
}
