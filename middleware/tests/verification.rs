//! Offline verification of session tokens against a JWKS served on a real
//! socket: which tokens authenticate, under both settings of
//! `treat_pending_as_signed_out`, and how often the JWKS is fetched.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use std::time::Duration;
use vestibule_middleware::{VestibuleConfig, VestibuleLayer};

async fn instance() -> (Jwks, axum::Router) {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let app = app(VestibuleLayer::new(jwks.config()).expect("layer"));
    (jwks, app)
}

#[tokio::test]
async fn active_token_is_signed_in_under_both_settings() {
    let (_jwks, app) = instance().await;
    let who = whoami(&app, &TestKey::shared().sign(&claims(false))).await;
    for view in ["default", "pending_as_signed_in"] {
        let v = &who[view];
        assert_eq!(v["authenticated"], json!(true), "{who}");
        assert_eq!(v["status"], json!("active"));
        assert_eq!(v["user_id"], json!("user_1"));
        assert_eq!(v["session_id"], json!("sess_1"));
        assert_eq!(v["org_id"], json!("org_1"));
        assert_eq!(v["org_role"], json!("org:admin"));
        assert_eq!(v["org_slug"], json!("acme"));
        assert_eq!(v["admin"], json!(true));
    }
    assert_eq!(who["rejection"], json!(null));
}

#[tokio::test]
async fn pending_token_is_signed_out_by_default_and_signed_in_when_opted_in() {
    let (_jwks, app) = instance().await;
    let who = whoami(&app, &TestKey::shared().sign(&claims(true))).await;
    let d = &who["default"];
    assert_eq!(d["authenticated"], json!(false), "{who}");
    assert_eq!(d["status"], json!("pending"), "the real state stays visible");
    assert_eq!(d["user_id"], json!(null));
    assert_eq!(d["session_id"], json!(null));
    assert_eq!(d["org_id"], json!(null));
    assert_eq!(d["admin"], json!(false));
    let p = &who["pending_as_signed_in"];
    assert_eq!(p["authenticated"], json!(true), "{who}");
    assert_eq!(p["status"], json!("pending"));
    assert_eq!(p["user_id"], json!("user_1"));
    assert_eq!(p["org_id"], json!("org_1"));
    assert_eq!(p["admin"], json!(true));
}

#[tokio::test]
async fn expired_token_is_refused_past_the_clock_skew() {
    let (_jwks, app) = instance().await;
    for pending in [false, true] {
        let mut c = claims(pending);
        c["iat"] = json!(NOW - 70);
        c["nbf"] = json!(NOW - 80);
        c["exp"] = json!(NOW - 6);
        assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "Expired");
        c["exp"] = json!(NOW - 5);
        let who = whoami(&app, &TestKey::shared().sign(&c)).await;
        assert_eq!(who["pending_as_signed_in"]["authenticated"], json!(true), "5 s of skew are forgiven: {who}");
    }
}

#[tokio::test]
async fn token_not_yet_valid_is_refused_past_the_clock_skew() {
    let (_jwks, app) = instance().await;
    for pending in [false, true] {
        let mut c = claims(pending);
        c["nbf"] = json!(NOW + 6);
        assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "NotYetValid");
        c["nbf"] = json!(NOW + 5);
        let who = whoami(&app, &TestKey::shared().sign(&c)).await;
        assert_eq!(who["pending_as_signed_in"]["authenticated"], json!(true), "5 s of skew are forgiven: {who}");
    }
}

#[tokio::test]
async fn unknown_kid_is_refused_after_one_refetch() {
    let (jwks, app) = instance().await;
    let key = TestKey::shared();
    whoami(&app, &key.sign(&claims(false))).await;
    assert_eq!(jwks.hits(), 1);
    for pending in [false, true] {
        assert_refused(&whoami(&app, &key.sign_with_kid("ins_00000000000000", &claims(pending))).await, "UnknownKid");
    }
    assert_eq!(jwks.hits(), 2, "refetched once for the unknown kid, not again within the interval");
}

#[tokio::test]
async fn bad_signature_is_refused() {
    let (_jwks, app) = instance().await;
    let key = TestKey::shared();
    for pending in [false, true] {
        // Signed by another key under the instance's kid.
        let forged = TestKey::other().sign_with_kid(&key.kid, &claims(pending));
        assert_refused(&whoami(&app, &forged).await, "Signature");
        // A genuine token whose payload was changed.
        let genuine = key.sign(&claims(pending));
        let mut parts: Vec<String> = genuine.split('.').map(str::to_string).collect();
        let mut c = claims(pending);
        c["sub"] = json!("user_admin");
        parts[1] = URL_SAFE_NO_PAD.encode(c.to_string());
        assert_refused(&whoami(&app, &parts.join(".")).await, "Signature");
    }
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (_jwks, app) = instance().await;
    for pending in [false, true] {
        let header = json!({ "alg": "none", "typ": "JWT", "kid": TestKey::shared().kid });
        let token = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims(pending).to_string())
        );
        assert_refused(&whoami(&app, &token).await, "Algorithm(\"none\")");
    }
}

#[tokio::test]
async fn hs256_with_the_public_key_pem_as_secret_is_refused() {
    let (_jwks, app) = instance().await;
    let key = TestKey::shared();
    for pending in [false, true] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        let secret = EncodingKey::from_secret(key.public_pem.as_bytes());
        let token = jsonwebtoken::encode(&header, &claims(pending), &secret).expect("sign");
        assert_refused(&whoami(&app, &token).await, "Algorithm(\"HS256\")");
    }
}

#[tokio::test]
async fn wrong_azp_is_refused_when_parties_are_listed() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let config = VestibuleConfig { authorized_parties: vec![APP_ORIGIN.into()], ..jwks.config() };
    let app = app(VestibuleLayer::new(config).expect("layer"));
    for pending in [false, true] {
        let mut c = claims(pending);
        c["azp"] = json!("http://evil.test");
        assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "UnauthorizedParty");
        let who = whoami(&app, &TestKey::shared().sign(&claims(pending))).await;
        assert_eq!(who["pending_as_signed_in"]["authenticated"], json!(true), "listed azp: {who}");
    }
}

#[tokio::test]
async fn issuer_is_checked_when_configured() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let config = VestibuleConfig { issuer: Some("http://accounts.test/".into()), ..jwks.config() };
    let app = app(VestibuleLayer::new(config).expect("layer"));
    let who = whoami(&app, &TestKey::shared().sign(&claims(false))).await;
    assert_eq!(who["default"]["authenticated"], json!(true), "{who}");
    let mut c = claims(false);
    c["iss"] = json!("http://other.test");
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "Issuer");
}

#[tokio::test]
async fn a_session_status_that_is_no_status_word_is_malformed() {
    let (_jwks, app) = instance().await;
    let mut c = claims(false);
    c["sts"] = json!("banana");
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "Malformed");
    c["sts"] = json!("revoked");
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "UnknownStatus(\"revoked\")");
}

/// `claims(false)` as the server at `jwks` mints them for its own pages:
/// `iss` its URL, `azp` its origin.
fn minted_by(jwks: &Jwks) -> serde_json::Value {
    let mut c = claims(false);
    c["iss"] = json!(jwks.origin);
    c["azp"] = json!(jwks.origin);
    c
}

/// The layer with the defaults of `VestibuleConfig::new`, as `config` has
/// them.
async fn default_instance(config: impl FnOnce(&Jwks) -> VestibuleConfig) -> (Jwks, axum::Router) {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let app = app(VestibuleLayer::new(config(&jwks)).expect("layer"));
    (jwks, app)
}

#[tokio::test]
async fn by_default_a_token_of_the_frontend_api_for_its_origin_passes() {
    let (jwks, app) = default_instance(Jwks::default_config).await;
    let who = whoami(&app, &TestKey::shared().sign(&minted_by(&jwks))).await;
    assert_eq!(who["default"]["authenticated"], json!(true), "{who}");
    assert_eq!(who["rejection"], json!(null));
    // `iss` with a trailing slash is the same issuer.
    let mut c = minted_by(&jwks);
    c["iss"] = json!(format!("{}/", jwks.origin));
    assert_eq!(whoami(&app, &TestKey::shared().sign(&c)).await["default"]["authenticated"], json!(true));
}

#[tokio::test]
async fn by_default_another_issuer_is_refused() {
    let (jwks, app) = default_instance(Jwks::default_config).await;
    let mut c = minted_by(&jwks);
    c["iss"] = json!(ISSUER);
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "Issuer");
    c.as_object_mut().expect("claims").remove("iss");
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "Issuer");
}

#[tokio::test]
async fn by_default_an_azp_of_another_origin_is_refused() {
    let (jwks, app) = default_instance(Jwks::default_config).await;
    // The application's own origin is not a party until it is listed.
    let port = jwks.origin.rsplit(':').next().unwrap_or_default();
    for foreign in [APP_ORIGIN.to_string(), "http://evil.test".into(), format!("http://localhost:{port}")] {
        let mut c = minted_by(&jwks);
        c["azp"] = json!(foreign);
        assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "UnauthorizedParty");
    }
}

#[tokio::test]
async fn by_default_a_token_without_azp_is_refused() {
    let (jwks, app) = default_instance(Jwks::default_config).await;
    for pending in [false, true] {
        let mut c = minted_by(&jwks);
        if pending {
            c["sts"] = json!("pending");
        }
        c.as_object_mut().expect("claims").remove("azp");
        assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "MissingAzp");
    }
}

#[tokio::test]
async fn a_token_without_azp_is_refused_when_parties_are_listed() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let config = VestibuleConfig { authorized_parties: vec![APP_ORIGIN.into()], ..jwks.config() };
    let app = app(VestibuleLayer::new(config).expect("layer"));
    let mut c = claims(false);
    c.as_object_mut().expect("claims").remove("azp");
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "MissingAzp");
}

#[tokio::test]
async fn issuer_none_opts_out_of_the_issuer_check_only() {
    let (jwks, app) = default_instance(|j| VestibuleConfig { issuer: None, ..j.default_config() }).await;
    let mut c = minted_by(&jwks);
    c["iss"] = json!("http://other.test");
    let who = whoami(&app, &TestKey::shared().sign(&c)).await;
    assert_eq!(who["default"]["authenticated"], json!(true), "any issuer passes: {who}");
    c["azp"] = json!(APP_ORIGIN);
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "UnauthorizedParty");
}

#[tokio::test]
async fn empty_authorized_parties_opt_out_of_the_azp_check_only() {
    let (jwks, app) = default_instance(|j| VestibuleConfig { authorized_parties: Vec::new(), ..j.default_config() }).await;
    let mut c = minted_by(&jwks);
    c["azp"] = json!("http://evil.test");
    let who = whoami(&app, &TestKey::shared().sign(&c)).await;
    assert_eq!(who["default"]["authenticated"], json!(true), "any azp passes: {who}");
    c.as_object_mut().expect("claims").remove("azp");
    let who = whoami(&app, &TestKey::shared().sign(&c)).await;
    assert_eq!(who["default"]["authenticated"], json!(true), "azp not required: {who}");
    c["iss"] = json!("http://other.test");
    assert_refused(&whoami(&app, &TestKey::shared().sign(&c)).await, "Issuer");
}

#[tokio::test]
async fn jwks_is_fetched_once_across_many_requests() {
    let (jwks, app) = instance().await;
    let token = TestKey::shared().sign(&claims(false));
    // A cold start under concurrency: one fetch serves every waiting request.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (app, token) = (app.clone(), token.clone());
        set.spawn(async move { whoami(&app, &token).await });
    }
    while let Some(who) = set.join_next().await {
        assert_eq!(who.expect("task")["default"]["authenticated"], json!(true));
    }
    for _ in 0..100 {
        assert_eq!(whoami(&app, &token).await["default"]["authenticated"], json!(true));
    }
    assert_eq!(jwks.hits(), 1);
    // No token, no fetch.
    let fresh = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let quiet = common::app(VestibuleLayer::new(fresh.config()).expect("layer"));
    send(&quiet, "GET", "/public", &[]).await;
    assert_eq!(fresh.hits(), 0);
}

#[tokio::test]
async fn a_rotated_key_is_found_by_one_refetch() {
    let (jwks, app) = instance().await;
    let (old, new) = (TestKey::shared(), TestKey::other());
    assert_eq!(whoami(&app, &old.sign(&claims(false))).await["default"]["authenticated"], json!(true));
    assert_eq!(jwks.hits(), 1);
    // The server rotates: the old key stays until its tokens expire.
    jwks.set_keys(vec![old.jwk.clone(), new.jwk.clone()]);
    for _ in 0..5 {
        let who = whoami(&app, &new.sign(&claims(false))).await;
        assert_eq!(who["default"]["authenticated"], json!(true), "{who}");
        assert_eq!(whoami(&app, &old.sign(&claims(false))).await["default"]["authenticated"], json!(true));
    }
    assert_eq!(jwks.hits(), 2, "one refetch for the new kid");
}

// The runtime's clock is paused: it moves only to the next timer when
// nothing else can run, so the wait is measured on it, not on the machine.
#[tokio::test(start_paused = true)]
async fn jwks_timeout_bounds_the_wait_and_failures_are_not_retried_at_once() {
    let jwks = Jwks::serve_with(vec![TestKey::shared().jwk.clone()], Duration::from_secs(30), axum::Router::new()).await;
    let config = VestibuleConfig { jwks_timeout: Duration::from_millis(300), ..jwks.config() };
    let app = app(VestibuleLayer::new(config).expect("layer"));
    let token = TestKey::shared().sign(&claims(false));
    let started = tokio::time::Instant::now();
    assert_refused(&whoami(&app, &token).await, "JwksUnavailable");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300) && waited < Duration::from_secs(30), "the 300 ms timeout ended the wait, not the 30 s answer: {waited:?}");
    assert_refused(&whoami(&app, &token).await, "JwksUnavailable");
    assert_eq!(jwks.hits(), 1, "the failed fetch is not retried within the interval");
}

#[tokio::test]
async fn a_configured_public_key_verifies_fully_offline() {
    let key = TestKey::shared();
    // Nothing listens on port 9 of this host: any fetch would fail.
    for jwt_key in [key.public_pem.clone(), key.jwk.to_string()] {
        let config = VestibuleConfig { jwt_key: Some(jwt_key), ..app_config("http://127.0.0.1:9") };
        let app = app(VestibuleLayer::new(config).expect("layer"));
        let who = whoami(&app, &key.sign(&claims(false))).await;
        assert_eq!(who["default"]["authenticated"], json!(true), "{who}");
        assert_refused(&whoami(&app, &key.sign_with_kid("ins_00000000000000", &claims(false))).await, "UnknownKid");
        assert_refused(&whoami(&app, &TestKey::other().sign_with_kid(&key.kid, &claims(false))).await, "Signature");
    }
    let bad = VestibuleConfig { jwt_key: Some("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----".into()), ..VestibuleConfig::new("http://127.0.0.1:9") };
    assert!(VestibuleLayer::new(bad).is_err());
}

#[tokio::test]
async fn bearer_header_is_accepted() {
    let (_jwks, app) = instance().await;
    let token = TestKey::shared().sign(&claims(false));
    let auth = format!("Bearer {token}");
    let reply = send(&app, "GET", "/whoami", &[("authorization", &auth)]).await;
    assert_eq!(reply.json()["default"]["user_id"], json!("user_1"), "{}", reply.body);
    // The header wins over a stale cookie.
    let reply = send(&app, "GET", "/whoami", &[("authorization", &auth), ("cookie", "__session=stale")]).await;
    assert_eq!(reply.json()["default"]["authenticated"], json!(true));
}
