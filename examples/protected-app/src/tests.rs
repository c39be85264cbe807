//! The example's routes answered in-process, with tokens signed by a key
//! made in the test (given to the middleware as `jwt_key`): what each kind
//! of visitor gets from each route.

use crate::routes::{app, middleware_config};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;
use vestibule_middleware::VestibuleConfig;

const NOW: i64 = 1_700_000_000;
const APP: &str = "http://app.test:3000";
const PORTAL: &str = "http://accounts.test:8080";
const PAGE: (&str, &str) = ("accept", "text/html,application/xhtml+xml");

struct Key {
    jwk: String,
    encoding: EncodingKey,
}

fn key() -> &'static Key {
    static KEY: OnceLock<Key> = OnceLock::new();
    KEY.get_or_init(|| {
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("keygen");
        let public = private.to_public_key();
        let jwk = json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "test",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()), "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        });
        let der = private.to_pkcs1_der().expect("der");
        Key { jwk: jwk.to_string(), encoding: EncodingKey::from_rsa_der(der.as_bytes()) }
    })
}

/// A `__session` cookie for user_1, pending or active (with org_1).
fn session(pending: bool) -> String {
    session_for(APP, pending)
}

/// [`session`] minted for the party `azp`.
fn session_for(azp: &str, pending: bool) -> String {
    cookie(&claims_for(azp, pending))
}

/// The claims of [`session_for`], as the server at `PORTAL` mints them.
fn claims_for(azp: &str, pending: bool) -> Value {
    let mut claims = json!({
        "iss": PORTAL, "sub": "user_1", "sid": "sess_1", "azp": azp,
        "iat": NOW, "nbf": NOW - 10, "exp": NOW + 60, "v": 2,
    });
    if pending {
        claims["sts"] = json!("pending");
    } else {
        claims["o"] = json!({ "id": "org_1", "slg": "acme", "rol": "org:admin" });
    }
    claims
}

/// A `__session` cookie with `claims` signed by the test key.
fn cookie(claims: &Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("test".into());
    format!("__session={}", jsonwebtoken::encode(&h, claims, &key().encoding).expect("sign"))
}

fn example() -> Router {
    let config = VestibuleConfig { jwt_key: Some(key().jwk.clone()), clock: Arc::new(|| NOW), ..middleware_config(PORTAL, APP) };
    app(config, APP).expect("app")
}

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

async fn send(method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().method(method).uri(path).header(header::HOST, "app.test:3000");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = example().oneshot(req.body(Body::empty()).expect("request")).await.expect("infallible");
    let status = res.status();
    let location = res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let body = String::from_utf8(res.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf-8");
    Reply { status, location, body }
}

fn redirect_url(location: &str) -> String {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "redirect_url").map(|(_, v)| v.into_owned()).unwrap_or_default()
}

#[tokio::test]
async fn protected_pages_send_each_visitor_where_they_must_go() {
    for path in ["/dashboard?tab=teams&x=1", "/forum/t/7?page=2"] {
        let out = send("GET", path, &[PAGE]).await;
        assert_eq!(out.status, StatusCode::TEMPORARY_REDIRECT, "{path}");
        assert!(out.location.starts_with(&format!("{PORTAL}/sign-in?")), "{}", out.location);
        assert_eq!(redirect_url(&out.location), format!("{APP}{path}"));

        let pending = send("GET", path, &[PAGE, ("cookie", &session(true))]).await;
        assert!(pending.location.starts_with(&format!("{PORTAL}/sign-in/tasks?")), "{}", pending.location);
        assert_eq!(redirect_url(&pending.location), format!("{APP}{path}"));

        let active = send("GET", path, &[PAGE, ("cookie", &session(false))]).await;
        assert_eq!(active.status, StatusCode::OK, "{path}");
        assert!(active.body.contains(r#"<dd id="user-id">user_1</dd>"#), "{}", active.body);
        assert!(active.body.contains(r#"<dd id="session-status">active</dd>"#));
        assert!(active.body.contains(r#"<dd id="org-id">org_1</dd>"#));
        assert!(active.body.contains(&format!(r#"<dd id="request-url">{}</dd>"#, format!("{APP}{path}").replace('&', "&amp;"))));
    }
}

#[tokio::test]
async fn the_home_page_is_public_and_shows_the_state() {
    let out = send("GET", "/", &[PAGE, ("cookie", &session(true))]).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.body.contains(r#"<dd id="session-status">pending</dd>"#), "{}", out.body);
    assert!(out.body.contains(r#"<dd id="user-id">—</dd>"#), "pending is signed out by default");
    assert!(out.body.contains(r#"href="/dashboard""#));
}

#[tokio::test]
async fn custom_sends_pending_users_to_the_apps_own_task_page() {
    let pending = send("GET", "/custom?from=menu", &[PAGE, ("cookie", &session(true))]).await;
    assert_eq!((pending.status, pending.location.as_str()), (StatusCode::TEMPORARY_REDIRECT, "/session-tasks?from=menu"));
    let out = send("GET", "/custom", &[PAGE]).await;
    assert!(out.location.starts_with(&format!("{PORTAL}/sign-in?")), "{}", out.location);
    assert_eq!(redirect_url(&out.location), format!("{APP}/custom"));
    let active = send("GET", "/custom", &[PAGE, ("cookie", &session(false))]).await;
    assert_eq!(active.status, StatusCode::OK);
    assert!(active.body.contains(r#"data-page="custom""#));

    let tasks = send("GET", "/session-tasks", &[PAGE, ("cookie", &session(true))]).await;
    assert_eq!(tasks.status, StatusCode::OK);
    let href = format!("{PORTAL}/sign-in/tasks?redirect_url=http%3A%2F%2Fapp.test%3A3000%2Fcustom");
    assert!(tasks.body.contains(&format!(r#"id="finish-tasks" href="{href}""#)), "{}", tasks.body);
}

#[tokio::test]
async fn get_teams_lets_pending_users_through_and_refuses_signed_out_ones() {
    let api = ("accept", "application/json");
    let out = send("POST", "/api/get-teams", &[api]).await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    assert_eq!(serde_json::from_str::<Value>(&out.body).expect("json"), json!({ "error": "User is signed-out" }));
    for pending in [true, false] {
        let out = send("POST", "/api/get-teams", &[api, ("cookie", &session(pending))]).await;
        assert_eq!(out.status, StatusCode::CREATED, "pending={pending}");
        assert_eq!(serde_json::from_str::<Value>(&out.body).expect("json"), json!({ "user_id": "user_1" }));
    }
}

#[tokio::test]
async fn tokens_of_the_app_and_the_portal_pass_and_others_do_not() {
    for (azp, status) in [(APP, StatusCode::OK), (PORTAL, StatusCode::OK), ("http://evil.test", StatusCode::TEMPORARY_REDIRECT)] {
        let out = send("GET", "/dashboard", &[PAGE, ("cookie", &session_for(azp, false))]).await;
        assert_eq!(out.status, status, "azp {azp}");
    }
}

#[tokio::test]
async fn tokens_of_another_issuer_or_without_azp_do_not_pass() {
    let mut other_issuer = claims_for(APP, false);
    other_issuer["iss"] = json!("http://other.test:8080");
    let mut no_azp = claims_for(APP, false);
    no_azp.as_object_mut().expect("claims").remove("azp");
    for (what, claims) in [("another issuer", other_issuer), ("no azp", no_azp)] {
        let out = send("GET", "/dashboard", &[PAGE, ("cookie", &cookie(&claims))]).await;
        assert_eq!(out.status, StatusCode::TEMPORARY_REDIRECT, "{what}");
        assert!(out.location.starts_with(&format!("{PORTAL}/sign-in?")), "{what}: {}", out.location);
    }
}

#[test]
fn the_app_adds_its_origin_to_the_default_party_and_keeps_the_default_issuer() {
    let config = middleware_config(&format!("{PORTAL}/"), APP);
    assert_eq!(config.authorized_parties, [APP, PORTAL]);
    assert_eq!(config.issuer.as_deref(), Some(PORTAL));
}
