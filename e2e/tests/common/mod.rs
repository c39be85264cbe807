//! The end-to-end harness: the real `vestibule` binary as a child process,
//! chromedriver + headless Chromium, the development outbox, the Backend
//! API, a cookie-keeping Frontend API client, and the browser steps the
//! journeys share.
//!
//! Environment: `VESTIBULE_BIN` (server binary), `VESTIBULE_PORTAL_DIR`
//! (Trunk's dist/), `VESTIBULE_EXAMPLE_BIN` (the example application
//! protected by the middleware), `VESTIBULE_EXAMPLE_YEW_DIR` (its Yew page,
//! trunk's output), `VESTIBULE_ARTIFACTS` (screenshots),
//! `CHROMEDRIVER` (default /usr/bin/chromedriver), `CHROMIUM` (default
//! /usr/bin/chromium).
//! Every wait polls with a deadline; there is no fixed sleep.

#![allow(dead_code)]

pub mod layout;
pub mod replicas;

use serde_json::Value;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// How long any wait lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
/// How often a wait polls.
pub const POLL: Duration = Duration::from_millis(50);
/// A password that passes the instance's default rules.
pub const PASSWORD: &str = "correct-horse-battery-1";
/// The reset-password task's route.
pub const RESET_PASSWORD: &str = "/sign-in/tasks/reset-password";

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn env_path(name: &str, default: impl FnOnce() -> PathBuf) -> PathBuf {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(default)
}

/// The server binary (`VESTIBULE_BIN`, else target/debug/vestibule).
pub fn server_bin() -> PathBuf {
    let p = env_path("VESTIBULE_BIN", || workspace_root().join("target/debug/vestibule"));
    assert!(p.is_file(), "VESTIBULE_BIN {} is not a file (cargo build -p vestibule-server)", p.display());
    p
}

/// The example application's binary (`VESTIBULE_EXAMPLE_BIN`, else
/// target/debug/vestibule-example-app).
pub fn example_bin() -> PathBuf {
    let p = env_path("VESTIBULE_EXAMPLE_BIN", || workspace_root().join("target/debug/vestibule-example-app"));
    assert!(p.is_file(), "VESTIBULE_EXAMPLE_BIN {} is not a file (cargo build -p vestibule-example-app)", p.display());
    p
}

/// The example application's Yew page as trunk built it
/// (`VESTIBULE_EXAMPLE_YEW_DIR`, else examples/yew-app/dist).
pub fn example_yew_dir() -> PathBuf {
    env_path("VESTIBULE_EXAMPLE_YEW_DIR", || workspace_root().join("examples/yew-app/dist"))
}

/// The built portal (`VESTIBULE_PORTAL_DIR`, else dist/).
pub fn portal_dir() -> PathBuf {
    let p = env_path("VESTIBULE_PORTAL_DIR", || workspace_root().join("dist"));
    assert!(p.join("index.html").is_file(), "VESTIBULE_PORTAL_DIR {} has no index.html (trunk build --release)", p.display());
    p
}

/// Where screenshots go (`VESTIBULE_ARTIFACTS`, else target/e2e-artifacts), created.
pub fn artifacts_dir() -> PathBuf {
    let p = env_path("VESTIBULE_ARTIFACTS", || workspace_root().join("target/e2e-artifacts"));
    std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()));
    p
}

/// Polls `f` every [`POLL`] until it yields `Some`; `None` after [`WAIT`].
pub async fn poll<T, F, Fut>(mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls `f` until it yields `Some`, or panics with `what` after [`WAIT`].
pub async fn eventually<T, F, Fut>(what: &str, f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match poll(f).await {
        Some(v) => v,
        None => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

// ---------------------------------------------------------------- server

/// A running `vestibule serve`, killed on drop: one process on a SQLite
/// file in the data directory, or [`replicas::REPLICAS`] of them on
/// PostgreSQL behind haproxy when [`replicas::POSTGRES_ENV`] is set (then
/// dropping it fails the test unless every replica served requests).
pub struct Server {
    replicas: Vec<Replica>,
    balancer: Option<replicas::Balancer>,
    /// What the balancer counted per replica when it stopped.
    served: Option<Vec<u64>>,
    /// `http://127.0.0.1:PORT` (the balancer's, with replicas)
    pub base: String,
    /// The Backend API secret key it printed.
    pub secret: String,
    http: reqwest::Client,
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap()
}

/// One `vestibule serve` process.
struct Replica {
    child: Option<Child>,
    /// Its own `http://127.0.0.1:PORT`.
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

fn drain(stream: impl Read + Send + 'static, log: Arc<Mutex<Vec<String>>>, tx: Option<mpsc::Sender<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Some(tx) = &tx {
                let _ = tx.send(line.clone());
            }
            log.lock().unwrap().push(line);
        }
    });
}

impl Replica {
    /// Starts `vestibule serve` on a free port and reads its URL and secret
    /// key from stdout.
    fn start(data_dir: &Path, settings: &[(&str, &str)]) -> (Replica, String) {
        let mut cmd = Command::new(server_bin());
        cmd.arg("serve")
            .arg("--test-clock")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--portal-dir")
            .arg(portal_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Keep the child hermetic: the server reads VESTIBULE_* settings.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("VESTIBULE_") {
                cmd.env_remove(&k);
            }
        }
        // The journeys read codes from the development outbox.
        cmd.env("VESTIBULE_INSTANCE_TYPE", "development");
        for (k, v) in settings {
            assert!(k.starts_with("VESTIBULE_"), "{k} is not a server setting");
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", server_bin().display()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        drain(child.stdout.take().unwrap(), log.clone(), Some(tx));
        drain(child.stderr.take().unwrap(), log.clone(), None);
        let deadline = Instant::now() + Duration::from_secs(30);
        let (mut base, mut secret) = (None, None);
        while base.is_none() || secret.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(u) = line.strip_prefix("Vestibule listening on ") {
                        base = Some(u.trim().trim_end_matches('/').to_string());
                    } else if let Some(k) = line.strip_prefix("Backend API secret key: ") {
                        secret = Some(k.trim().to_string());
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the server did not print its URL and secret key; its output:\n{}", log.lock().unwrap().join("\n"));
                }
            }
        }
        (Replica { child: Some(child), base: base.unwrap(), log }, secret.unwrap())
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    /// Starts the server on a free port with `data_dir`, and reads its URL
    /// and secret key from stdout.
    pub fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[])
    }

    /// [`Server::start`] with settings given as `VESTIBULE_*` environment
    /// variables (e.g. `("VESTIBULE_ALLOWED_ORIGINS", "http://127.0.0.1:3000")`).
    pub fn start_with(data_dir: &Path, settings: &[(&str, &str)]) -> Server {
        let Some(admin) = replicas::admin_url() else {
            return Server::single(data_dir, settings);
        };
        let database_url = replicas::database_for(&admin, data_dir);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut all = settings.to_vec();
        all.extend([
            ("VESTIBULE_DATABASE_URL", database_url.as_str()),
            ("VESTIBULE_PUBLIC_URL", base.as_str()),
            ("VESTIBULE_TRUSTED_PROXIES", "127.0.0.1"),
        ]);
        let mut started = Vec::new();
        let mut secrets = Vec::new();
        for i in 1..=replicas::REPLICAS {
            let dir = data_dir.join(format!("replica-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            let (replica, secret) = Replica::start(&dir, &all);
            started.push(replica);
            secrets.push(secret);
        }
        assert!(secrets.windows(2).all(|w| w[0] == w[1]), "the replicas print different secret keys: {secrets:?}");
        let backends: Vec<String> = started.iter().map(|r| r.base.trim_start_matches("http://").to_string()).collect();
        let balancer = replicas::Balancer::start(port, &backends);
        Server { replicas: started, balancer: Some(balancer), served: None, base, secret: secrets.remove(0), http: http_client() }
    }

    /// One process on a SQLite file in `data_dir`, also when the journeys
    /// run on replicas.
    pub fn start_on_sqlite(data_dir: &Path) -> Server {
        Server::single(data_dir, &[])
    }

    fn single(data_dir: &Path, settings: &[(&str, &str)]) -> Server {
        let (replica, secret) = Replica::start(data_dir, settings);
        let base = replica.base.clone();
        Server { replicas: vec![replica], balancer: None, served: None, base, secret, http: http_client() }
    }

    /// Whether this server is several replicas behind a balancer.
    pub fn replicated(&self) -> bool {
        self.balancer.is_some()
    }
    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Kills the process (SIGKILL, like a crash; every replica and the
    /// balancer) and waits for it.
    pub fn kill(&mut self) {
        if let Some(balancer) = &mut self.balancer {
            if self.served.is_none() {
                self.served = Some(balancer.served());
            }
            balancer.kill();
        }
        for replica in &mut self.replicas {
            replica.kill();
        }
    }

    /// Kills replica `i` (SIGKILL) and leaves the others serving.
    pub fn kill_replica(&mut self, i: usize) {
        assert!(self.replicated(), "kill_replica needs replicas ({} set)", replicas::POSTGRES_ENV);
        self.replicas[i].kill();
    }

    /// Requests each replica has served so far (with replicas).
    pub fn served(&self) -> Vec<u64> {
        self.balancer.as_ref().map(replicas::Balancer::served).unwrap_or_default()
    }

    /// The newest code the development outbox sent to `to`.
    pub async fn latest_code(&self, to: &str) -> String {
        eventually(&format!("a code for {to} in the outbox"), || async move {
            let v: Value = self.http.get(self.url("/v1/dev/outbox?limit=100")).send().await.ok()?.json().await.ok()?;
            v["response"]["data"]
                .as_array()?
                .iter()
                .find(|m| m["to"].as_str() == Some(to) && m["code"].is_string())
                .and_then(|m| m["code"].as_str().map(str::to_string))
        })
        .await
    }

    /// `POST /backend/v1{path}` with a form body; panics unless 2xx.
    pub async fn backend_post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        self.backend(reqwest::Method::POST, path, form).await
    }

    /// `<method> /backend/v1{path}` with a form body; panics unless 2xx.
    pub async fn backend(&self, method: reqwest::Method, path: &str, form: &[(&str, &str)]) -> Value {
        let res = self
            .http
            .request(method.clone(), self.url(&format!("/backend/v1{path}")))
            .bearer_auth(&self.secret)
            .form(form)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} /backend/v1{path}: {e}"));
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} /backend/v1{path} answered {status}: {body}");
        body
    }

    /// Changes instance settings (`PATCH /backend/v1/instance`); with
    /// replicas, returns once every replica serves the new settings.
    pub async fn patch_instance(&self, settings: &[(&str, &str)]) -> Value {
        let patched = self.backend(reqwest::Method::PATCH, "/instance", settings).await;
        for replica in self.live_replicas() {
            let url = format!("{}/backend/v1/instance", replica.base);
            eventually(&format!("the new settings on {}", replica.base), || async {
                let seen: Value = self.http.get(&url).bearer_auth(&self.secret).send().await.ok()?.json().await.ok()?;
                (seen == patched).then_some(())
            })
            .await;
        }
        patched
    }

    /// The replicas still running.
    fn live_replicas(&self) -> impl Iterator<Item = &Replica> {
        self.replicas.iter().filter(|r| r.child.is_some())
    }

    /// Moves the server's clock forward (`--test-clock`; every replica's);
    /// the new time in ms.
    pub async fn advance_clock(&self, ms: i64) -> i64 {
        let mut now = None;
        for replica in self.live_replicas() {
            let res = self
                .http
                .post(format!("{}/v1/dev/clock", replica.base))
                .header("Origin", self.base.trim_end_matches('/'))
                .form(&[("advance_ms", ms.to_string())])
                .send()
                .await
                .expect("POST /v1/dev/clock");
            let body: Value = res.json().await.expect("the clock's answer");
            now.get_or_insert(body["response"]["now"].as_i64().unwrap_or_else(|| panic!("no time in {body}")));
        }
        now.expect("no replica is running")
    }

    /// Every code the development outbox sent to `to`, newest first.
    pub async fn codes_to(&self, to: &str) -> Vec<String> {
        let v: Value = match self.http.get(self.url("/v1/dev/outbox?limit=100")).send().await {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        v["response"]["data"]
            .as_array()
            .map(|a| a.iter().filter(|m| m["to"].as_str() == Some(to)).filter_map(|m| m["code"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// A verified user with [`PASSWORD`], created by the operator; its id.
    pub async fn create_user(&self, email: &str) -> String {
        let u = self.backend_post("/users", &[("email_address", email), ("password", PASSWORD)]).await;
        id_of(&u)
    }

    /// An organization created by the operator (`created_by` makes that
    /// user an admin member); its id.
    pub async fn create_org(&self, name: &str, slug: &str, created_by: Option<&str>) -> String {
        let mut form = vec![("name", name), ("slug", slug)];
        if let Some(u) = created_by {
            form.push(("created_by", u));
        }
        id_of(&self.backend_post("/organizations", &form).await)
    }

    /// Invites `email` to `org_id`.
    pub async fn invite(&self, org_id: &str, email: &str) -> Value {
        self.backend_post(&format!("/organizations/{org_id}/invitations"), &[("email_address", email)]).await
    }

    /// Marks the user's password compromised, as an operator would
    /// (`revoke_all_sessions` also ends the user's sessions).
    pub async fn set_compromised(&self, user_id: &str, revoke_all_sessions: bool) -> Value {
        let revoke = if revoke_all_sessions { "true" } else { "false" };
        self.backend_post(&format!("/users/{user_id}/password/set_compromised"), &[("revoke_all_sessions", revoke)]).await
    }

    /// `GET /v1/client` with the cookies `cookie` (a `Cookie:` header
    /// value), as a browser holding them would ask; the `response` part.
    pub async fn client_with_cookies(&self, cookie: &str) -> Value {
        let res = self
            .http
            .get(self.url("/v1/client"))
            .header(reqwest::header::ORIGIN, &self.base)
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET /v1/client: {e}"));
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "GET /v1/client answered {status}: {body}");
        body["response"].clone()
    }
}

/// A TOTP step, in ms.
pub const STEP_MS: i64 = 30_000;

/// The code an authenticator app holding `secret` (base32) shows at
/// `at_ms` on the server's clock.
pub fn totp_at(secret: &str, at_ms: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_string()).to_bytes().expect("a base32 secret");
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes, Some("Vestibule".into()), "e2e".into()).expect("a TOTP");
    totp.generate((at_ms / 1000) as u64)
}

/// Now on the server's clock (`--test-clock`).
pub async fn server_now(server: &Server) -> i64 {
    server.advance_clock(0).await
}

/// The `kid` in a JWT's header (base64url-decoded here: the tests need
/// nothing else of base64).
pub fn jwt_kid(jwt: &str) -> String {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let header = jwt.split('.').next().unwrap_or_default();
    let (mut bits, mut held, mut bytes) = (0u32, 0u32, Vec::new());
    for c in header.chars() {
        let value = ALPHABET.find(c).unwrap_or_else(|| panic!("not base64url: {jwt}")) as u32;
        bits = ((bits << 6) | value) & 0xffff;
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
        }
    }
    let header: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("the header of {jwt}: {e}"));
    header["kid"].as_str().unwrap_or_else(|| panic!("no kid in {header}")).to_string()
}

/// `id` of a JSON resource (bare or in a `response` envelope).
pub fn id_of(v: &Value) -> String {
    v["id"].as_str().or_else(|| v["response"]["id"].as_str()).unwrap_or_else(|| panic!("no id in {v}")).to_string()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            for replica in &self.replicas {
                let log = replica.log.lock().unwrap();
                let tail = &log[log.len().saturating_sub(60)..];
                eprintln!("---- server {} output (last {} lines) ----\n{}", replica.base, tail.len(), tail.join("\n"));
            }
        } else if let Some(served) = &self.served {
            assert!(
                served.len() == replicas::REPLICAS && served.iter().all(|n| *n > 0),
                "every replica must serve part of the journey; requests per replica: {served:?}"
            );
        }
    }
}

// ------------------------------------------------------- example app

/// The example application (`vestibule-example-app`) in front of a
/// server, as a child process killed on drop.
pub struct ExampleApp {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    log: Arc<Mutex<Vec<String>>>,
    /// It serves the Yew page (`/app`, `/session-tasks/choose-organization`).
    pub yew_page: bool,
}

impl ExampleApp {
    /// A port for the app, picked before the server starts so that the
    /// server's `allowed_origins` can name the app's origin.
    pub fn reserve_origin() -> String {
        format!("http://127.0.0.1:{}", free_port())
    }

    /// Starts the app at `origin` (from [`ExampleApp::reserve_origin`]) with
    /// `frontend_api` (the server's URL) and, when built, the Yew page
    /// ([`example_yew_dir`]), and waits until it says it listens.
    pub fn start(origin: &str, frontend_api: &str) -> ExampleApp {
        let listen = origin.trim_start_matches("http://");
        let mut cmd = Command::new(example_bin());
        cmd.args(["--listen", listen, "--frontend-api", frontend_api]);
        let yew_dir = example_yew_dir();
        if yew_dir.join("index.html").is_file() {
            cmd.arg("--yew-dir").arg(yew_dir);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", example_bin().display()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        drain(child.stdout.take().unwrap(), log.clone(), Some(tx));
        drain(child.stderr.take().unwrap(), log.clone(), None);
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut yew_page = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(u) = line.strip_prefix("Example app listening on ") {
                        assert_eq!(u.trim(), origin, "the example app listens elsewhere");
                        break;
                    }
                    yew_page |= line.starts_with("Yew page at ");
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the example app did not say it listens; its output:\n{}", log.lock().unwrap().join("\n"));
                }
            }
        }
        ExampleApp { child: Some(child), base: origin.to_string(), log, yew_page }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for ExampleApp {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if std::thread::panicking() {
            let log = self.log.lock().unwrap();
            eprintln!("---- example app output ----\n{}", log.join("\n"));
        }
    }
}

// ---------------------------------------------------- Frontend API client

/// A browser-like Frontend API client: keeps the `__client` cookie and sends
/// the server's own `Origin`.
pub struct Fapi {
    http: reqwest::Client,
    base: String,
}

impl Fapi {
    /// A client with an empty cookie jar.
    pub fn new(server: &Server) -> Fapi {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, server.base.parse().unwrap());
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Fapi { http, base: server.base.clone() }
    }

    async fn check(what: String, res: reqwest::Response) -> Value {
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{what} answered {status}: {body}");
        body
    }

    /// `POST /v1{path}` with a form body; panics unless 2xx.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let res = self.http.post(format!("{}/v1{path}", self.base)).form(form).send().await.unwrap();
        Self::check(format!("POST /v1{path}"), res).await
    }

    /// `GET /v1{path}`; panics unless 2xx.
    pub async fn get(&self, path: &str) -> Value {
        let res = self.http.get(format!("{}/v1{path}", self.base)).send().await.unwrap();
        Self::check(format!("GET /v1{path}"), res).await
    }

    /// Signs up `email` with [`PASSWORD`] and the emailed code, as the
    /// portal does; returns the client after verification.
    pub async fn sign_up_verified(&self, server: &Server, email: &str) -> Value {
        let su = self.post("/client/sign_ups", &[("email_address", email), ("password", PASSWORD)]).await;
        let id = id_of(&su);
        self.post(&format!("/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")]).await;
        let code = server.latest_code(email).await;
        let done = self.post(&format!("/client/sign_ups/{id}/attempt_verification"), &[("code", &code)]).await;
        assert_eq!(done["response"]["status"], "complete", "sign-up of {email} did not complete: {done}");
        done["client"].clone()
    }
}

// ---------------------------------------------------------------- browser

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// chromedriver + a headless Chromium session with a fresh profile.
pub struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Child,
    profile: tempfile::TempDir,
}

impl std::ops::Deref for Browser {
    type Target = WebDriver;
    fn deref(&self) -> &WebDriver {
        self.driver.as_ref().expect("browser already quit")
    }
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session.
    pub async fn start() -> Browser {
        let chromedriver = env_path("CHROMEDRIVER", || PathBuf::from("/usr/bin/chromedriver"));
        let chromium = env_path("CHROMIUM", || PathBuf::from("/usr/bin/chromium"));
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let profile = tempfile::Builder::new().prefix("vestibule-e2e-chrome-").tempdir().unwrap();
        let mut browser = Browser { driver: None, chromedriver: child, profile };

        // chromedriver answers HTTP/1.1 only and may hold a socket: timeouts.
        let probe = reqwest::Client::builder().http1_only().timeout(Duration::from_secs(1)).build().unwrap();
        let status = format!("http://127.0.0.1:{port}/status");
        let (probe, status) = (&probe, &status);
        eventually("chromedriver /status ready", || async move {
            let v: Value = probe.get(status).send().await.ok()?.json().await.ok()?;
            v["value"]["ready"].as_bool().filter(|r| *r)
        })
        .await;

        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium.to_string_lossy()).unwrap();
        // The flags every headless run here uses, shared with the bench and
        // the compat scenarios.
        for arg in include_str!("../../chromium-flags.txt").lines().filter(|l| !l.trim().is_empty()) {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", browser.profile.path().display())).unwrap();
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.expect("a Chromium session");
        browser.driver = Some(driver);
        browser
    }

    /// Ends the session cleanly (drop does it too, blocking).
    pub async fn quit(mut self) {
        if let Some(d) = self.driver.take() {
            let _ = d.quit().await;
        }
    }

    /// Opens `url` and waits for the page load.
    pub async fn open(&self, url: &str) {
        self.goto(url).await.unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Saves a screenshot as `<artifacts>/<name>.png`.
    pub async fn shot(&self, name: &str) -> PathBuf {
        let p = artifacts_dir().join(format!("{name}.png"));
        self.screenshot(&p).await.unwrap_or_else(|e| panic!("screenshot {}: {e}", p.display()));
        p
    }

    /// Fails the test with `what`, the current URL and a screenshot.
    pub async fn fail(&self, what: &str) -> ! {
        let url = self.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let name = format!("failure-{}", what.chars().filter(|c| c.is_ascii_alphanumeric()).take(40).collect::<String>());
        let shot = self.shot(&name).await;
        let body = self.find(By::Tag("body")).await.ok();
        let text = match body {
            Some(b) => b.text().await.unwrap_or_default(),
            None => String::new(),
        };
        panic!("{what}\n  at {url}\n  page text: {text:?}\n  screenshot: {}", shot.display());
    }

    /// Polls `f` until `Some`, else fails with a screenshot.
    pub async fn until<T, F, Fut>(&self, what: &str, f: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        match poll(f).await {
            Some(v) => v,
            None => self.fail(&format!("timed out waiting for {what}")).await,
        }
    }

    /// Waits for a displayed element matching `css`.
    pub async fn el(&self, css: &str) -> WebElement {
        match self.query(By::Css(css)).and_displayed().wait(WAIT, POLL).first().await {
            Ok(e) => e,
            Err(_) => self.fail(&format!("no element {css}")).await,
        }
    }

    /// Whether an element matching `css` is in the page right now.
    pub async fn has(&self, css: &str) -> bool {
        !self.find_all(By::Css(css)).await.unwrap_or_default().is_empty()
    }

    /// Waits for an element matching `css` whose text contains `needle`.
    pub async fn el_with_text(&self, css: &str, needle: &str) -> WebElement {
        self.until(&format!("{css} containing {needle:?}"), || async move {
            for e in self.find_all(By::Css(css)).await.ok()? {
                if e.text().await.ok()?.contains(needle) {
                    return Some(e);
                }
            }
            None
        })
        .await
    }

    /// Waits until the input `css` has `value`.
    pub async fn wait_value(&self, css: &str, value: &str) {
        self.until(&format!("{css} to have value {value:?}"), || async move {
            let v = self.find(By::Css(css)).await.ok()?.value().await.ok()??;
            (v == value).then_some(())
        })
        .await
    }

    /// Waits until the URL's path is `path`; returns the query (if any).
    pub async fn wait_path(&self, path: &str) -> Option<String> {
        self.until(&format!("the URL path {path}"), || async move {
            let u = self.current_url().await.ok()?;
            (u.path() == path).then(|| u.query().map(str::to_string))
        })
        .await
    }

    /// The current URL's origin (`http://127.0.0.1:PORT`).
    pub async fn origin(&self) -> String {
        self.current_url().await.unwrap().origin().ascii_serialization()
    }

    /// Types `text` into the input `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.el(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Clicks the enabled submit button of the form on screen.
    pub async fn submit(&self) {
        let b = match self.query(By::Css("button[type=submit]")).and_displayed().and_enabled().wait(WAIT, POLL).first().await {
            Ok(b) => b,
            Err(_) => self.fail("no enabled submit button").await,
        };
        b.click().await.unwrap();
    }

    /// Evaluates `script` (a function body returning a value).
    pub async fn js(&self, script: &str) -> Value {
        self.execute(script, Vec::new()).await.unwrap_or_else(|e| panic!("script {script}: {e}")).json().clone()
    }

    // ---- the steps journeys share

    /// `/sign-up`: email and password, then the emailed code. Returns once
    /// the code is submitted.
    pub async fn sign_up(&self, server: &Server, email: &str) {
        self.open(&server.url("/sign-up")).await;
        self.type_into("#vb-email", email).await;
        self.type_into("#vb-password", PASSWORD).await;
        self.submit().await;
        self.el("#vb-code").await;
        let code = server.latest_code(email).await;
        self.type_into("#vb-code", &code).await;
        self.submit().await;
    }

    /// `/sign-in` (with `query`, e.g. `?redirect_url=...`): identifier and
    /// password. Returns once submitted.
    pub async fn sign_in(&self, server: &Server, email: &str, query: &str) {
        self.sign_in_with(server, email, PASSWORD, query).await;
    }

    /// [`Browser::sign_in`] with another password.
    pub async fn sign_in_with(&self, server: &Server, email: &str, password: &str, query: &str) {
        self.open(&server.url(&format!("/sign-in{query}"))).await;
        self.type_into("#vb-identifier", email).await;
        self.type_into("#vb-password", password).await;
        self.submit().await;
    }

    /// Replaces the whole text of the input `css` with `text`, by keys
    /// (select all, delete, type), so the page sees every input event.
    pub async fn replace_text(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        e.send_keys(Key::Control + "a").await.unwrap();
        e.send_keys(Key::Backspace).await.unwrap();
        self.wait_value(css, "").await;
        if !text.is_empty() {
            e.send_keys(text).await.unwrap_or_else(|err| panic!("typing into {css}: {err}"));
        }
        self.wait_value(css, text).await;
    }

    /// The `Cookie:` header value this browser would send to the server.
    pub async fn cookie_header(&self) -> String {
        let cookies = self.get_all_cookies().await.expect("the browser's cookies");
        cookies.iter().map(|c| format!("{}={}", c.name, c.value)).collect::<Vec<_>>().join("; ")
    }

    /// A sign-in with the compromised [`PASSWORD`]: the offer of a code is
    /// taken and the emailed code entered. Returns once on the
    /// reset-password task, with the task URL's query.
    pub async fn sign_in_compromised(&self, server: &Server, email: &str, query: &str) -> Option<String> {
        self.sign_in(server, email, query).await;
        self.el_with_text("#vb-password-error", "compromised").await;
        self.el_with_text("button.vb-email-code", "Email me a code").await.click().await.unwrap();
        self.el(".vb-sign-in-code #vb-code").await;
        let code = server.latest_code(email).await;
        self.type_into("#vb-code", &code).await;
        self.submit().await;
        let query = self.wait_path(RESET_PASSWORD).await;
        self.el(".vb-task-reset-password #vb-new-password").await;
        query
    }

    /// On the reset-password task: types `password` twice and submits with
    /// "Sign out of all other devices" as it is.
    pub async fn reset_password(&self, password: &str) {
        self.replace_text(".vb-task-reset-password #vb-new-password", password).await;
        self.replace_text("#vb-confirm-password", password).await;
        self.submit().await;
    }

    /// On the choose-organization create screen: types `name`, checks the
    /// derived slug, optionally takes a screenshot, and continues.
    pub async fn create_org(&self, name: &str, slug: &str, screenshot: Option<&str>) {
        self.el(".vb-task-choose-organization #vb-org-name").await;
        self.type_into("#vb-org-name", name).await;
        self.wait_value("#vb-org-slug", slug).await;
        if let Some(s) = screenshot {
            self.shot(s).await;
        }
        self.submit().await;
    }

    /// Waits for the account home showing `email` and `org`.
    pub async fn expect_home(&self, email: &str, org: &str) {
        self.el_with_text(".vb-home .vb-home-email", email).await;
        self.el_with_text(".vb-home .vb-home-organization", org).await;
    }

    /// Clicks "Sign out" in the footer and waits for `/sign-in`.
    pub async fn sign_out(&self) {
        let b = self.el_with_text(".vb-signed-in-as button", "Sign out").await;
        b.click().await.unwrap();
        self.wait_path("/sign-in").await;
        self.el("#vb-identifier").await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Reached without `quit()` only when a test fails. Dropping an unquit
        // thirtyfour session blocks for its 120 s request timeout (its
        // DELETE /session needs the test's runtime, which this drop is
        // blocking), so the session is forgotten instead; chromedriver is
        // killed, and Chromium, recognised by this browser's own profile
        // directory, is ended by its pid.
        if let Some(d) = self.driver.take() {
            std::mem::forget(d);
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        let marker = format!("--user-data-dir={}", self.profile.path().display());
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
                let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
                if cmdline.split(|b| *b == 0).any(|a| a == marker.as_bytes()) {
                    let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
                }
            }
        }
    }
}
