//! Signing-key rotation (`security.md`: a rotated key stays in the JWKS
//! until every token it signed has expired): the new key is published at
//! once and signs 2 s later, a token signed before still verifies against
//! the JWKS, the old key is dropped after its window (injected clock), the
//! keys survive a restart, another replica follows, and the admin command
//! rotates a running server's keys.

mod common;

use axum::http::Method;
use common::*;
use serde_json::Value;
use vestibule_server::key_rotation::{FORGET_RETIRED_AFTER_MS, PUBLISH_FIRST_MS, RETIRED_KEY_WINDOW_MS};

/// A fresh token of `session` (`POST .../tokens`).
async fn token(app: &TestApp, jar: &Jar, session: &str) -> String {
    let r = app.post(&format!("/v1/client/sessions/{session}/tokens"), &[], jar).await.ok("a token");
    r.json["jwt"].as_str().expect("jwt").to_string()
}

fn kid_of(jwt: &str) -> String {
    jwt_header(jwt)["kid"].as_str().expect("kid").to_string()
}

async fn jwks(app: &TestApp) -> Value {
    app.get("/v1/jwks", &Jar::new()).await.ok("jwks").json
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"].as_array().expect("keys").iter().map(|k| k["kid"].as_str().expect("kid").to_string()).collect()
}

/// Verifies `jwt` against the key of its `kid` in `jwks`, the way an
/// application does offline (signature and times).
fn verifies(jwt: &str, jwks: &Value, now_ms: i64) -> bool {
    let kid = kid_of(jwt);
    let Some(jwk) = jwks["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == kid.as_str()) else { return false };
    let key = jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str().expect("n"), jwk["e"].as_str().expect("e")).expect("an RSA key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    let Ok(data) = jsonwebtoken::decode::<Value>(jwt, &key, &validation) else { return false };
    data.claims["exp"].as_i64().is_some_and(|exp| exp * 1000 > now_ms)
}

async fn rotate(app: &TestApp) -> Value {
    app.backend(Method::POST, "/signing_keys/rotate", &[]).await.ok("rotate").json
}

/// The id in `kids` that is not `old`.
fn other_than(kids: &[String], old: &str) -> String {
    let others: Vec<&String> = kids.iter().filter(|k| k.as_str() != old).collect();
    assert_eq!(others.len(), 1, "one new key in {kids:?}");
    others[0].clone()
}

#[tokio::test]
async fn after_a_rotation_the_new_key_signs_and_the_old_one_verifies_until_its_tokens_expired() {
    let app = TestApp::new().await;
    let signed = app.sign_up("ada@example.com", PASSWORD).await;
    let before = token(&app, &signed.jar, &signed.session_id).await;
    let old_kid = kid_of(&before);
    assert_eq!(kids(&jwks(&app).await), vec![old_kid.clone()]);

    // Published at once; the key that signed goes on signing until every
    // replica publishes the new one.
    let answer = rotate(&app).await;
    let new_kid = other_than(&kids(&answer), &old_kid);
    assert_eq!(kids(&answer), vec![old_kid.clone(), new_kid.clone()], "the answer is the JWKS, the signing key first");
    let published = jwks(&app).await;
    assert!(verifies(&before, &published, app.now()), "a token signed before the rotation verifies after it");
    app.advance(PUBLISH_FIRST_MS - 1);
    assert_eq!(kid_of(&token(&app, &signed.jar, &signed.session_id).await), old_kid, "the new key signs before every replica published it");

    app.advance(1);
    let after = token(&app, &signed.jar, &signed.session_id).await;
    assert_eq!(kid_of(&after), new_kid, "a token signed after the rotation carries the new kid");
    let published = jwks(&app).await;
    assert_eq!(kids(&published), vec![new_kid.clone(), old_kid.clone()], "the signing key first");
    assert!(verifies(&after, &published, app.now()));
    assert!(verifies(&before, &published, app.now()));
    let pem = app.backend(Method::GET, "/jwt_public_key", &[]).await.ok("pem").text();
    assert_eq!(pem, app.state.signer().public_pem(), "the PEM is the new key's");
    assert_eq!(app.state.signer().kid(), new_kid);

    // The old key is published for the longest token lifetime, the time it
    // may still sign and the margin, after its retirement.
    let retired_at = app.now() - PUBLISH_FIRST_MS;
    app.advance(retired_at + RETIRED_KEY_WINDOW_MS - 1 - app.now());
    assert_eq!(kids(&jwks(&app).await), vec![new_kid.clone(), old_kid.clone()], "dropped before its window ended");
    app.advance(1);
    let later = jwks(&app).await;
    assert_eq!(kids(&later), vec![new_kid.clone()], "the old key is gone after its window");
    assert!(!verifies(&before, &later, app.now()));
}

#[tokio::test]
async fn the_rotated_keys_survive_a_restart_and_a_second_rotation_retires_the_first() {
    let app = TestApp::new().await;
    let initial = app.state.signer().kid().to_string();
    let rotated = other_than(&kids(&rotate(&app).await), &initial);
    let dir = app.stop().await;
    let app = TestApp::start_in(dir, |_| {}).await;
    app.advance(PUBLISH_FIRST_MS);
    assert_eq!(kids(&jwks(&app).await), vec![rotated.clone(), initial.clone()], "the same keys after a restart");
    assert_eq!(app.state.signer().kid(), rotated, "the rotated key signs");

    app.advance(SECOND);
    let second = kids(&rotate(&app).await);
    assert_eq!(second.len(), 3, "three keys within the window: {second:?}");
    assert_eq!(second[0], rotated, "the first rotation's key still signs for now");
    assert_eq!(second[2], initial, "then the new key, then the instance's first key");

    // A day after a key was retired, the next rotation forgets it: the
    // instance's first key was retired before the first rotated one.
    let retired_first = app.now() - SECOND - PUBLISH_FIRST_MS;
    let stored = |kid: &str| format!("SELECT COUNT(*) FROM signing_keys WHERE kid = '{kid}'");
    assert_eq!(app.db_i64("SELECT COUNT(*) FROM signing_keys").await, 3);
    app.advance(retired_first + FORGET_RETIRED_AFTER_MS - app.now());
    rotate(&app).await;
    assert_eq!(app.db_i64(&stored(&initial)).await, 1, "kept at exactly a day");
    app.advance(1);
    rotate(&app).await;
    assert_eq!(app.db_i64(&stored(&initial)).await, 0, "a key retired over a day ago is forgotten");
    assert_eq!(app.db_i64("SELECT COUNT(*) FROM signing_keys").await, 4);
}

#[tokio::test]
async fn another_replica_follows_a_rotation() {
    let app = TestApp::new().await;
    if app.database_url().is_none() {
        // Replicas share a PostgreSQL database; on SQLite the admin command
        // test below shows a second process following.
        return;
    }
    let other = app.replica(|_| {}).await;
    let initial = app.state.signer().kid().to_string();
    let rotated = kids(&rotate(&app).await);
    let new_kid = other_than(&rotated, &initial);
    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = kids(&jwks(&other).await);
        if seen.contains(&new_kid) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, rotated, "the other replica publishes the rotated keys");
    assert_eq!(other.state.signer().kid(), initial, "and signs with the old one while others may not publish the new one");
    other.advance(PUBLISH_FIRST_MS);
    assert_eq!(other.state.signer().kid(), new_kid, "then with the new one");
}

/// `vestibule admin rotate-signing-key` on the data directory of a running
/// server: the server publishes and signs with the new key within a few
/// polls.
#[tokio::test]
async fn the_admin_command_rotates_a_running_servers_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = common::binary::serve(dir.path(), &[], &[("VESTIBULE_INSTANCE_TYPE", "development")]);
    let base = served.base.clone().unwrap_or_else(|| panic!("the server did not start:\n{}", served.output()));
    let read = || async {
        let body = reqwest::get(format!("{base}/v1/jwks")).await.expect("jwks").text().await.expect("a body");
        serde_json::from_str::<Value>(&body).expect("json")
    };
    let before = kids(&read().await);

    let out = common::binary::admin(&[
        std::ffi::OsStr::new("--data-dir"),
        dir.path().as_os_str(),
        std::ffi::OsStr::new("rotate-signing-key"),
    ]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{printed}{}", String::from_utf8_lossy(&out.stderr));
    let new_kid = printed.split_whitespace().nth(4).expect("the new kid is printed").to_string();
    assert!(printed.contains(&format!("{} stays in the JWKS", before[0])), "{printed}");

    let mut seen = Vec::new();
    for _ in 0..100 {
        seen = kids(&read().await);
        if seen.first() == Some(&new_kid) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, vec![new_kid, before[0].clone()], "the running server follows the rotation");
    served.stop();
}

/// Pointed at a directory that holds no instance, the admin command makes
/// no key of its own (it would be published as the instance's first key).
#[test]
fn the_admin_command_refuses_a_data_directory_without_the_instances_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = common::binary::admin(&[
        std::ffi::OsStr::new("--data-dir"),
        dir.path().as_os_str(),
        std::ffi::OsStr::new("rotate-signing-key"),
    ]);
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "rotated in an empty directory: {}", String::from_utf8_lossy(&out.stdout));
    assert!(said.contains("signing_key.pem"), "{said}");
    assert!(!dir.path().join("signing_key.pem").exists(), "a key was made");
}
