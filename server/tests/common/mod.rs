//! Shared helpers of the server's integration tests: a `TestApp` that builds
//! the real router on a temp-dir SQLite database with a `ManualClock`, a
//! cookie jar for `__client`, request builders for the Frontend and Backend
//! APIs, and the flows most tests need (sign-up with the emailed code,
//! sign-in, reading the dev outbox, decoding session tokens).
//!
//! Every request goes through `router(state).oneshot(request)`: no socket,
//! no sleeps. Time moves only through `TestApp::advance`.

#![allow(dead_code)]

pub mod binary;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::Router;
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use tempfile::TempDir;
use tower::ServiceExt;
use vestibule_protocol::wire::{ClientJson, SessionJson};
use vestibule_protocol::ErrorEnvelope;
use vestibule_server::store::db::Db;
use vestibule_server::{AppState, Config, ManualClock};

/// The URL the test server believes browsers use.
pub const PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// The allowed `Origin` (the public URL's origin).
pub const ORIGIN: &str = "http://127.0.0.1:8080";
/// Where every test clock starts.
pub const T0: i64 = 1_800_000_000_000;
/// A password that passes every rule.
pub const PASSWORD: &str = "correct-horse-battery-staple-42";
/// A wrong password.
pub const WRONG: &str = "not-the-password-at-all-17";

/// Milliseconds in a second, for readable clock moves.
pub const SECOND: i64 = 1000;
/// Milliseconds in a minute.
pub const MINUTE: i64 = 60 * SECOND;

/// A running instance: router, state, clock and the data directory.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub secret_key: String,
    pub secret_key_new: bool,
    pub dir: Arc<TempDir>,
}

/// One RSA key per test binary, copied into each new data directory so that
/// not every test pays for generating a 2048-bit key. The restart test
/// starts without it to see the server generate and keep its own.
fn cached_signing_key() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, LineEnding};
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa key");
        key.to_pkcs8_pem(LineEnding::LF).expect("pem").to_string()
    })
}

/// With `VESTIBULE_TEST_POSTGRES` set (a URL of a PostgreSQL server whose
/// user may create databases), the database of the instance in `dir`: one
/// per data directory, created on first use, so a restart on the same
/// directory finds its data. Without it, `None`: SQLite in the directory.
pub async fn postgres_database_for(dir: &Path) -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("VESTIBULE_TEST_POSTGRES").ok().filter(|u| !u.is_empty())?;
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut h);
    let name = format!("vestibule_test_{:016x}", h.finish());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("VESTIBULE_TEST_POSTGRES reachable");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1").bind(&name).fetch_optional(&mut conn).await.expect("pg_database");
    if exists.is_none() {
        match sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await {
            Ok(_) => {}
            // Two instances on one directory started at once: the other made it.
            Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("23505" | "42P04")) => {}
            Err(e) => panic!("create the test database: {e}"),
        }
    }
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Some(format!("{base}/{name}"))
}

impl TestApp {
    /// A fresh instance with the default configuration.
    pub async fn new() -> TestApp {
        TestApp::with_config(|_| {}).await
    }

    /// A fresh instance with a tweaked configuration.
    pub async fn with_config(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        std::fs::write(dir.path().join("signing_key.pem"), cached_signing_key()).expect("seed signing key");
        TestApp::start_in(dir, tweak).await
    }

    /// Starts an instance on an existing data directory (used to restart).
    pub async fn start_in(dir: Arc<TempDir>, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config { data_dir: dir.path().to_path_buf(), ..Default::default() };
        config.database_url = postgres_database_for(dir.path()).await;
        // Tests read codes from the development outbox; a test of production
        // behaviour says so in `tweak`.
        config.instance.instance_type = vestibule_server::settings::InstanceType::Development;
        tweak(&mut config);
        let clock = ManualClock::at(T0);
        let started = AppState::start(&config, PUBLIC_URL, clock.clone(), None).await.expect("server starts");
        TestApp {
            router: vestibule_server::router(started.state.clone()),
            state: started.state,
            clock,
            secret_key: started.secret_key,
            secret_key_new: started.secret_key_new,
            dir,
        }
    }

    /// Stops the instance (closing the database) and hands back its directory.
    pub async fn stop(self) -> Arc<TempDir> {
        let TestApp { router, state, dir, .. } = self;
        drop(router);
        state.pool.close().await;
        drop(state);
        dir
    }

    /// A second replica of this instance: its own state and caches, on the
    /// same database (the same SQLite file, or the same PostgreSQL
    /// database) and data directory.
    pub async fn replica(&self, tweak: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::start_in(self.dir.clone(), tweak).await
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The database URL when the instance runs on PostgreSQL.
    pub fn database_url(&self) -> Option<String> {
        let Db::Postgres(pool) = &self.state.pool else {
            return None;
        };
        let o = pool.connect_options();
        Some(format!("postgres://{}@{}:{}/{}", o.get_username(), o.get_host(), o.get_port(), o.get_database().unwrap_or_default()))
    }

    /// Runs `sql` straight on the database and reads one number.
    pub async fn db_i64(&self, sql: &str) -> i64 {
        match &self.state.pool {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        }
        .expect("query")
    }

    /// Runs `sql` straight on the database and reads one text column.
    pub async fn db_strings(&self, sql: &str) -> Vec<String> {
        match &self.state.pool {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        }
        .expect("query")
    }

    /// Runs a statement straight on the database.
    pub async fn db_execute(&self, sql: &str) {
        match &self.state.pool {
            Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .expect("statement")
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.clock.advance(ms);
    }

    /// A request builder. Carries the allowed `Origin` unless told otherwise.
    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            method,
            path: path.to_string(),
            headers: vec![(header::ORIGIN, ORIGIN.to_string())],
            body: Vec::new(),
            jar: None,
            peer: None,
        }
    }

    /// `GET path` as the browser holding `jar`.
    pub async fn get(&self, path: &str, jar: &Jar) -> Resp {
        self.call(Method::GET, path).jar(jar).send().await
    }

    /// `POST path` with a form body, as the browser holding `jar`.
    pub async fn post(&self, path: &str, form: &[(&str, &str)], jar: &Jar) -> Resp {
        self.call(Method::POST, path).jar(jar).form(form).send().await
    }

    /// A Backend API call (`/backend/v1` + path) with the secret key.
    pub async fn backend(&self, method: Method, path: &str, form: &[(&str, &str)]) -> Resp {
        self.call(method, &format!("/backend/v1{path}")).bearer(&self.secret_key).form(form).send().await
    }

    // ---- flows --------------------------------------------------------

    /// The newest code the dev outbox holds for `to`.
    pub async fn outbox_code(&self, to: &str) -> String {
        self.outbox_codes(to).await.into_iter().next().unwrap_or_else(|| panic!("no code in the outbox for {to}"))
    }

    /// Every code the dev outbox holds for `to`, newest first.
    pub async fn outbox_codes(&self, to: &str) -> Vec<String> {
        let r = self.get("/v1/dev/outbox?limit=100", &Jar::new()).await.ok("dev outbox");
        r.json["response"]["data"]
            .as_array()
            .expect("outbox list")
            .iter()
            .filter(|m| m["to"] == to)
            .map(|m| m["code"].as_str().expect("message has a code").to_string())
            .collect()
    }

    /// Starts a sign-up with an email address only (no password, so no
    /// Argon2 hash) and sends the code; returns the jar and the sign-up id.
    pub async fn start_email_sign_up(&self, email: &str) -> (Jar, String) {
        let jar = Jar::new();
        let r = self.post("/v1/client/sign_ups", &[("email_address", email)], &jar).await.ok("create sign-up");
        let id = r.json["response"]["id"].as_str().expect("sign-up id").to_string();
        assert_eq!(r.json["response"]["unverified_fields"], serde_json::json!(["email_address"]));
        self.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], &jar)
            .await
            .ok("prepare verification");
        (jar, id)
    }

    /// The whole sign-up: email and password, the emailed code, done.
    pub async fn sign_up(&self, email: &str, password: &str) -> SignedIn {
        let jar = Jar::new();
        let r = self
            .post("/v1/client/sign_ups", &[("email_address", email), ("password", password)], &jar)
            .await
            .ok("create sign-up");
        let id = r.json["response"]["id"].as_str().expect("sign-up id").to_string();
        assert_eq!(r.json["response"]["status"], "missing_requirements");
        assert_eq!(r.json["response"]["unverified_fields"], serde_json::json!(["email_address"]));
        assert!(r.json["response"]["created_session_id"].is_null(), "no session before the email is verified");
        self.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], &jar)
            .await
            .ok("prepare verification");
        let code = self.outbox_code(email).await;
        let r = self
            .post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)], &jar)
            .await
            .ok("attempt verification");
        assert_eq!(r.json["response"]["status"], "complete", "{}", r.text());
        SignedIn {
            session_id: r.json["response"]["created_session_id"].as_str().expect("session id").to_string(),
            user_id: r.json["response"]["created_user_id"].as_str().expect("user id").to_string(),
            jar,
        }
    }

    /// `POST /v1/client/sign_ins` with identifier and password.
    pub async fn sign_in(&self, jar: &Jar, email: &str, password: &str) -> Resp {
        self.post(
            "/v1/client/sign_ins",
            &[("identifier", email), ("password", password), ("strategy", "password")],
            jar,
        )
        .await
    }

    /// Signs in and returns the new session's id (panics on failure).
    pub async fn sign_in_ok(&self, jar: &Jar, email: &str, password: &str) -> String {
        let r = self.sign_in(jar, email, password).await.ok("sign in");
        assert_eq!(r.json["response"]["status"], "complete");
        r.json["response"]["created_session_id"].as_str().expect("created_session_id").to_string()
    }

    /// A user made through the Backend API (email verified); returns its id.
    pub async fn create_user(&self, email: &str, password: Option<&str>) -> String {
        let mut form = vec![("email_address", email)];
        if let Some(p) = password {
            form.push(("password", p));
        }
        let r = self.backend(Method::POST, "/users", &form).await.ok("backend create user");
        r.json["id"].as_str().expect("user id").to_string()
    }

    /// An organization made through the Backend API; returns its id.
    pub async fn backend_org(&self, name: &str, slug: &str, created_by: Option<&str>) -> String {
        let mut form = vec![("name", name), ("slug", slug)];
        if let Some(u) = created_by {
            form.push(("created_by", u));
        }
        let r = self.backend(Method::POST, "/organizations", &form).await.ok("backend create organization");
        r.json["id"].as_str().expect("org id").to_string()
    }

    /// `PATCH /backend/v1/instance`.
    pub async fn patch_instance(&self, form: &[(&str, &str)]) -> Resp {
        self.backend(Method::PATCH, "/instance", form).await.ok("patch instance")
    }

    /// `GET /v1/client`, decoded (panics when there is no client).
    pub async fn client(&self, jar: &Jar) -> ClientJson {
        let r = self.get("/v1/client", jar).await.ok("get client");
        assert!(r.json["client"].is_null(), "GET /client answers client: null");
        serde_json::from_value(r.json["response"].clone()).expect("ClientJson")
    }

    /// The sessions `GET /v1/client` lists (none when there is no client).
    pub async fn sessions(&self, jar: &Jar) -> Vec<SessionJson> {
        let r = self.get("/v1/client", jar).await.ok("get client");
        if r.json["response"].is_null() {
            return Vec::new();
        }
        let c: ClientJson = serde_json::from_value(r.json["response"].clone()).expect("ClientJson");
        c.sessions
    }

    /// The session with this id as `GET /v1/client` shows it, if it is there.
    pub async fn session(&self, jar: &Jar, id: &str) -> Option<SessionJson> {
        self.sessions(jar).await.into_iter().find(|s| s.id == id)
    }
}

/// What a completed sign-up or sign-in leaves behind.
pub struct SignedIn {
    pub jar: Jar,
    pub session_id: String,
    pub user_id: String,
}

/// The browser's cookie jar; only `__client` matters to the server.
#[derive(Clone, Debug, Default)]
pub struct Jar(Arc<Mutex<Option<String>>>);

impl Jar {
    /// An empty jar (a browser that has never called).
    pub fn new() -> Jar {
        Jar::default()
    }

    /// A jar holding this client token.
    pub fn with_token(token: &str) -> Jar {
        Jar(Arc::new(Mutex::new(Some(token.to_string()))))
    }

    /// The `__client` token, when set.
    pub fn token(&self) -> Option<String> {
        self.0.lock().expect("jar").clone()
    }

    /// Applies the `Set-Cookie: __client=...` headers of a response.
    fn absorb(&self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let Ok(v) = v.to_str() else { continue };
            let Some(rest) = v.strip_prefix("__client=") else { continue };
            let value = rest.split(';').next().unwrap_or_default();
            let expired = v.split(';').any(|a| a.trim().eq_ignore_ascii_case("Max-Age=0"));
            *self.0.lock().expect("jar") = (!value.is_empty() && !expired).then(|| value.to_string());
        }
    }
}

/// The `__client` token a response sets, if any (the last one wins).
pub fn client_cookie_set(r: &Resp) -> Option<String> {
    client_token_in(&r.headers)
}

/// The `__client` token `headers` set, if any (the last one wins).
pub fn client_token_in(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("__client="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
        .next_back()
}

/// A request being built.
pub struct Call<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: Vec<(HeaderName, String)>,
    body: Vec<u8>,
    jar: Option<&'a Jar>,
    peer: Option<std::net::SocketAddr>,
}

impl<'a> Call<'a> {
    /// The TCP peer the request comes from (127.0.0.1 when not set).
    pub fn peer(mut self, ip: &str) -> Self {
        self.peer = Some(std::net::SocketAddr::new(ip.parse().expect("peer ip"), 40000));
        self
    }

    /// Sends (and updates) the cookie jar.
    pub fn jar(mut self, jar: &'a Jar) -> Self {
        self.jar = Some(jar);
        self
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form(self, pairs: &[(&str, &str)]) -> Self {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        self.raw("application/x-www-form-urlencoded", body.into_bytes())
    }

    /// A JSON body.
    pub fn json(self, v: &Value) -> Self {
        self.raw("application/json", serde_json::to_vec(v).expect("json"))
    }

    /// Any body with a content type.
    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers.retain(|(k, _)| k != header::CONTENT_TYPE);
        self.headers.push((header::CONTENT_TYPE, content_type.to_string()));
        self.body = body.into();
        self
    }

    /// Sets a header (replacing one of the same name).
    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value.to_string()));
        self
    }

    /// Replaces the `Origin` header; `None` sends none.
    pub fn origin(mut self, origin: Option<&str>) -> Self {
        self.headers.retain(|(k, _)| k != header::ORIGIN);
        if let Some(o) = origin {
            self.headers.push((header::ORIGIN, o.to_string()));
        }
        self
    }

    /// `Authorization: Bearer <key>`.
    pub fn bearer(self, key: &str) -> Self {
        self.header(header::AUTHORIZATION, &format!("Bearer {key}"))
    }

    /// The request as built, for sending on another router clone.
    pub fn build(&self) -> Request<Body> {
        let mut req = Request::builder().method(self.method.clone()).uri(self.path.as_str());
        for (k, v) in &self.headers {
            req = req.header(k, HeaderValue::from_str(v).expect("header value"));
        }
        if let Some(token) = self.jar.and_then(Jar::token) {
            req = req.header(header::COOKIE, format!("__client={token}"));
        }
        if let Some(peer) = self.peer {
            req = req.extension(axum::extract::ConnectInfo(peer));
        }
        req.body(Body::from(self.body.clone())).expect("request")
    }

    /// Sends the request through the router.
    pub async fn send(self) -> Resp {
        let req = self.build();
        let resp = send(&self.app.router, req).await;
        if let Some(jar) = self.jar {
            jar.absorb(&resp.headers);
        }
        resp
    }
}

/// Sends a request through a router clone and reads the whole answer.
pub async fn send(router: &Router, req: Request<Body>) -> Resp {
    let res = router.clone().oneshot(req).await.expect("the router never fails");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes().to_vec();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Resp { status, headers, body, json }
}

/// A whole response.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub json: Value,
}

impl Resp {
    /// The body as text (for messages).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Panics unless 2xx.
    pub fn ok(self, what: &str) -> Resp {
        assert!(self.status.is_success(), "{what}: expected 2xx, got {} {}", self.status, self.text());
        self
    }

    /// The error envelope (panics if the body is not one).
    pub fn envelope(&self) -> ErrorEnvelope {
        let env: ErrorEnvelope = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not an error envelope ({e}): {} {}", self.status, self.text()));
        assert!(!env.errors.is_empty(), "empty error envelope");
        assert!(!env.errors[0].code.is_empty(), "error without a code");
        env
    }

    /// The first error's code.
    pub fn code(&self) -> String {
        self.envelope().errors[0].code.clone()
    }

    /// Asserts the status and the first error code.
    pub fn expect_error(&self, status: u16, code: &str) -> &Resp {
        assert_eq!(self.status.as_u16(), status, "expected {status} {code}, got {}", self.text());
        assert_eq!(self.code(), code, "{}", self.text());
        self
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` value.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }
}

/// The claims of a JWT (its middle part), unverified.
pub fn jwt_claims(jwt: &str) -> Value {
    jwt_part(jwt, 1)
}

/// The header of a JWT (its first part).
pub fn jwt_header(jwt: &str) -> Value {
    jwt_part(jwt, 0)
}

fn jwt_part(jwt: &str, i: usize) -> Value {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {jwt}");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[i]).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON part")
}

/// The session token of a session JSON.
pub fn token_of(s: &SessionJson) -> String {
    s.last_active_token.as_ref().expect("a live session carries a token").jwt.clone()
}

/// Serves `router` on a fresh port of 127.0.0.1 in the background; returns
/// its address.
pub async fn serve_local(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A port of 127.0.0.1 that nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

// ---- second factors ---------------------------------------------------

/// The TOTP code of a base32 secret for the step `steps` away from the one
/// holding `now_ms`, computed with `totp-rs` as an authenticator app would.
pub fn totp_code(secret_b32: &str, now_ms: i64, steps: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_string()).to_bytes().expect("base32 secret");
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, String::new());
    let t = (now_ms / 1000 + steps * 30).max(0) as u64;
    totp.generate(t)
}

/// A six-digit code that is none of the codes of the accepted window.
pub fn wrong_totp_code(secret_b32: &str, now_ms: i64) -> String {
    let taken: Vec<String> = (-2..=2).map(|s| totp_code(secret_b32, now_ms, s)).collect();
    (0..1_000_000u32).map(|n| format!("{n:06}")).find(|c| !taken.contains(c)).expect("a free code")
}

/// What enrolling an authenticator app gave back.
pub struct Enrolled {
    /// The base32 secret.
    pub secret: String,
    /// The backup codes that came with the verification, if any.
    pub backup_codes: Option<Vec<String>>,
}

impl TestApp {
    /// Now, on the test clock.
    pub fn now(&self) -> i64 {
        self.state.now()
    }

    /// `POST /v1/me/totp`, then verification with the current code.
    pub async fn enrol_totp(&self, jar: &Jar) -> Enrolled {
        let r = self.post("/v1/me/totp", &[], jar).await.ok("create totp");
        let secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
        let code = totp_code(&secret, self.now(), 0);
        let r = self.post("/v1/me/totp/attempt_verification", &[("code", &code)], jar).await.ok("verify totp");
        assert_eq!(r.json["response"]["verified"], true, "{}", r.text());
        let backup_codes = r.json["response"]["backup_codes"]
            .as_array()
            .map(|a| a.iter().map(|c| c.as_str().expect("code").to_string()).collect());
        Enrolled { secret, backup_codes }
    }

    /// Signs in with the password up to `needs_second_factor`; returns the sign-in id.
    pub async fn sign_in_to_second_factor(&self, jar: &Jar, email: &str, password: &str) -> String {
        let r = self.sign_in(jar, email, password).await.ok("sign in");
        assert_eq!(r.json["response"]["status"], "needs_second_factor", "{}", r.text());
        assert!(r.json["response"]["created_session_id"].is_null(), "no session before the second factor");
        r.json["response"]["id"].as_str().expect("sign-in id").to_string()
    }

    /// Signs `email` in with `password` and a code of the authenticator
    /// app of `secret`, as the browser holding `jar`; the answer to the
    /// second factor.
    pub async fn sign_in_with_totp(&self, jar: &Jar, email: &str, password: &str, secret: &str) -> Resp {
        let sign_in = self.sign_in_to_second_factor(jar, email, password).await;
        self.attempt_second_factor(jar, &sign_in, "totp", &totp_code(secret, self.now(), 0)).await
    }

    /// `POST /v1/client/sign_ins/{id}/attempt_second_factor`.
    pub async fn attempt_second_factor(&self, jar: &Jar, sign_in: &str, strategy: &str, code: &str) -> Resp {
        self.post(
            &format!("/v1/client/sign_ins/{sign_in}/attempt_second_factor"),
            &[("strategy", strategy), ("code", code)],
            jar,
        )
        .await
    }

    /// `GET /v1/me` as the browser holding `jar`.
    pub async fn me(&self, jar: &Jar) -> Value {
        self.get("/v1/me", jar).await.ok("me").json["response"].clone()
    }
}

/// Sends every request at once, each on its own router clone, and returns
/// the answers in the order of `requests`.
pub async fn send_concurrently(app: &TestApp, requests: Vec<Request<Body>>) -> Vec<Resp> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|req| {
            let router = app.router.clone();
            tokio::spawn(async move { send(&router, req).await })
        })
        .collect();
    let mut answers = Vec::with_capacity(tasks.len());
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    answers
}
