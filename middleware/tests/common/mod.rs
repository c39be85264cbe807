//! Shared pieces of the middleware tests: a signing key made in the test,
//! tokens signed with `jsonwebtoken` as the server signs them, a JWKS served
//! on a real socket that counts its requests, and a small application.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use tower::ServiceExt;
use vestibule_middleware::{Auth, VestibuleConfig, VestibuleLayer};
use vestibule_protocol::token::key_id;

/// The time every test token is minted at and every test layer reads.
pub const NOW: i64 = 1_700_000_000;
/// The application's origin (the `azp` of tokens minted for it).
pub const APP_ORIGIN: &str = "http://app.test:3000";
/// The `iss` of [`claims`]: the public URL of the instance that minted them
/// (not the address its test JWKS is served at, so [`app_config`] names it).
pub const ISSUER: &str = "http://accounts.test";

/// An RSA key pair made in the test.
pub struct TestKey {
    pub kid: String,
    pub public_pem: String,
    pub jwk: Value,
    encoding: EncodingKey,
}

impl TestKey {
    /// A fresh 2048-bit key with the `kid` the server would give it.
    pub fn generate() -> TestKey {
        let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("keygen");
        let public = private.to_public_key();
        let n = public.n().to_bytes_be();
        let kid = key_id(&Sha256::digest(&n));
        let jwk = json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        });
        let der = private.to_pkcs1_der().expect("der");
        TestKey {
            kid,
            public_pem: public.to_public_key_pem(LineEnding::LF).expect("pem"),
            jwk,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        }
    }

    /// The key most tests share (key generation is the slow part).
    pub fn shared() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(TestKey::generate)
    }

    /// A second key, for bad signatures and rotation.
    pub fn other() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(TestKey::generate)
    }

    /// `claims` signed RS256 with this key and its `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(&self.kid, claims)
    }

    /// `claims` signed RS256 with this key, naming `kid` in the header.
    pub fn sign_with_kid(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_string());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}

/// Claims as the server mints them at `NOW` for `APP_ORIGIN`, with an
/// active organization; `sts` is `"pending"` only for pending sessions.
pub fn claims(pending: bool) -> Value {
    let mut c = json!({
        "iss": ISSUER, "sub": "user_1", "sid": "sess_1", "azp": APP_ORIGIN,
        "iat": NOW, "nbf": NOW - 10, "exp": NOW + 60, "v": 2,
        "o": { "id": "org_1", "slg": "acme", "rol": "org:admin" },
    });
    if pending {
        c["sts"] = json!("pending");
    }
    c
}

/// A JWKS endpoint (and anything else a test mounts) on 127.0.0.1:0.
pub struct Jwks {
    pub origin: String,
    hits: Arc<AtomicUsize>,
    keys: Arc<RwLock<Vec<Value>>>,
}

impl Jwks {
    /// Serves `keys` at `/v1/jwks`, answering after `delay`.
    pub async fn serve_with(keys: Vec<Value>, delay: Duration, extra: Router) -> Jwks {
        let hits = Arc::new(AtomicUsize::new(0));
        let keys = Arc::new(RwLock::new(keys));
        let (h, k) = (hits.clone(), keys.clone());
        let router = extra.route(
            "/v1/jwks",
            get(move || {
                let (h, k) = (h.clone(), k.clone());
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    let keys = k.read().expect("keys").clone();
                    Json(json!({ "keys": keys }))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let origin = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
        Jwks { origin, hits, keys }
    }

    /// Serves `keys` at `/v1/jwks`.
    pub async fn serve(keys: Vec<Value>) -> Jwks {
        Jwks::serve_with(keys, Duration::ZERO, Router::new()).await
    }

    /// How many times the JWKS was asked for.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Replaces the served keys (rotation).
    pub fn set_keys(&self, keys: Vec<Value>) {
        *self.keys.write().expect("keys") = keys;
    }

    /// A configuration for this instance as the application sets it up
    /// ([`app_config`]), reading the time `NOW`.
    pub fn config(&self) -> VestibuleConfig {
        app_config(&self.origin)
    }

    /// The defaults of `VestibuleConfig::new` for this instance, only the
    /// clock being the test's (`NOW`).
    pub fn default_config(&self) -> VestibuleConfig {
        VestibuleConfig { clock: Arc::new(|| NOW), ..VestibuleConfig::new(self.origin.clone()) }
    }
}

/// The configuration of the application at `APP_ORIGIN` in front of the
/// instance at `frontend_api`, reading the time `NOW`: tokens of [`claims`]
/// pass. Set explicitly, since the defaults would refuse them: `iss` is
/// [`ISSUER`], not `frontend_api`, and `azp` is the application's origin,
/// which is listed beside the Frontend API's.
pub fn app_config(frontend_api: &str) -> VestibuleConfig {
    let base = VestibuleConfig::new(frontend_api);
    let mut authorized_parties = vec![APP_ORIGIN.to_string()];
    authorized_parties.extend(base.authorized_parties.iter().cloned());
    VestibuleConfig { issuer: Some(ISSUER.into()), authorized_parties, clock: Arc::new(|| NOW), ..base }
}

/// What `/whoami` says about one view of `Auth`.
pub fn describe(auth: &Auth) -> Value {
    json!({
        "authenticated": auth.is_authenticated(),
        "status": auth.session_status(),
        "user_id": auth.user_id(),
        "session_id": auth.session_id(),
        "org_id": auth.org_id(),
        "org_role": auth.org_role(),
        "org_slug": auth.org_slug(),
        "admin": auth.has_role("org:admin"),
    })
}

/// The test application: `/whoami` describes both views of the request's
/// `Auth` and the reason a token was refused; `/dashboard...` and `/public`
/// are plain pages; `/api/get-teams` is the seed's route handler.
pub fn app(layer: VestibuleLayer) -> Router {
    Router::new()
        .route(
            "/whoami",
            get(|auth: Auth| async move {
                Json(json!({
                    "default": describe(&auth),
                    "pending_as_signed_in": describe(&auth.treat_pending_as_signed_out(false)),
                    "rejection": auth.rejection().map(|e| format!("{e:?}")),
                }))
            }),
        )
        .route("/dashboard", get(|auth: Auth| async move { format!("dashboard {}", auth.user_id().unwrap_or("-")) }))
        .route("/dashboard/{*rest}", get(|auth: Auth| async move { format!("dashboard {}", auth.user_id().unwrap_or("-")) }))
        .route("/public", get(|| async { "public" }))
        .route(
            "/api/get-teams",
            post(|auth: Auth| async move {
                // `auth({ treatPendingAsSignedOut: false })`
                let auth = auth.treat_pending_as_signed_out(false);
                if !auth.is_authenticated() {
                    return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "User is signed-out" })));
                }
                (StatusCode::CREATED, Json(json!({ "data": { "user_id": auth.user_id() } })))
            }),
        )
        .route(
            "/api/default-teams",
            post(|auth: Auth| async move {
                if !auth.is_authenticated() {
                    return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "User is signed-out" })));
                }
                (StatusCode::CREATED, Json(json!({ "data": { "user_id": auth.user_id() } })))
            }),
        )
        .layer(layer)
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }
}

/// Sends one request through `app` (in process).
pub async fn send(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().method(method).uri(uri).header("host", "app.test:3000");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app.clone().oneshot(req.body(Body::empty()).expect("request")).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// `GET /whoami` with the token as the `__session` cookie.
pub async fn whoami(app: &Router, token: &str) -> Value {
    let cookie = format!("__session={token}");
    let reply = send(app, "GET", "/whoami", &[("cookie", &cookie), ("accept", "application/json")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

/// Both views are signed out, the real status is signed out, and the
/// refusal reason starts with `reason`.
pub fn assert_refused(who: &Value, reason: &str) {
    for view in ["default", "pending_as_signed_in"] {
        assert_eq!(who[view]["authenticated"], json!(false), "{view}: {who}");
        assert_eq!(who[view]["status"], json!("signed_out"), "{view}: {who}");
        assert_eq!(who[view]["user_id"], Value::Null, "{view}: {who}");
        assert_eq!(who[view]["org_id"], Value::Null, "{view}: {who}");
        assert_eq!(who[view]["admin"], json!(false), "{view}: {who}");
    }
    let got = who["rejection"].as_str().unwrap_or_default();
    assert!(got.starts_with(reason), "expected {reason}, got {who}");
}
