//! Restart on the same data directory: users, organizations, memberships,
//! sessions and settings survive; the secret key and the signing key are
//! reused, not regenerated.

mod common;

use axum::http::Method;
use common::*;
use std::sync::Arc;

#[tokio::test]
async fn state_and_keys_survive_a_restart() {
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    // First start: nothing in the directory, so keys are generated.
    let app = TestApp::start_in(dir.clone(), |_| {}).await;
    assert!(app.secret_key_new);
    if app.database_url().is_some() {
        // On PostgreSQL the keys are shared by the replicas through the database.
        let stored = app.db_i64("SELECT COUNT(*) FROM instance_secrets WHERE name IN ('signing_key', 'secret_key', 'mfa_key')").await;
        assert_eq!(stored, 3);
    } else {
        assert!(dir.path().join("signing_key.pem").exists());
        assert!(dir.path().join("secret_key").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in ["signing_key.pem", "secret_key"] {
                let mode = std::fs::metadata(dir.path().join(f)).expect("meta").permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{f} is private");
            }
        }
    }
    let kid = app.get("/v1/jwks", &Jar::new()).await.ok("jwks").json["keys"][0]["kid"].clone();
    assert!(kid.is_string());
    let well_known = app.get("/.well-known/jwks.json", &Jar::new()).await.ok("well-known jwks");
    assert_eq!(well_known.json["keys"][0]["kid"], kid);
    let secret = app.secret_key.clone();

    app.create_user("grace@example.com", Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, "grace@example.com", PASSWORD).await;
    let org = app.post("/v1/organizations", &[("name", "Acme"), ("slug", "acme")], &jar).await.ok("create org");
    let org = org.json["response"]["id"].as_str().expect("org id").to_string();
    app.post(&format!("/v1/client/sessions/{sid}/touch"), &[("active_organization_id", &org)], &jar)
        .await
        .ok("touch");
    app.patch_instance(&[("application_name", "Acme Login")]).await;
    let dir = app.stop().await;

    // Second start on the same directory.
    let app = TestApp::start_in(dir, |_| {}).await;
    assert!(!app.secret_key_new, "the secret key is read back, not regenerated");
    assert_eq!(app.secret_key, secret);
    let jwks = app.get("/v1/jwks", &Jar::new()).await.ok("jwks");
    assert_eq!(jwks.json["keys"][0]["kid"], kid, "same signing key");
    let r = app.call(Method::GET, "/backend/v1/instance").bearer(&secret).send().await.ok("old key still works");
    assert_eq!(r.json["application_name"], "Acme Login", "settings changed through the API persist");

    // The old browser is still signed in, in its organization.
    let s = app.session(&jar, &sid).await.expect("session survives");
    assert_eq!(s.status, vestibule_protocol::SessionStatus::Active);
    let token = token_of(&s);
    assert_eq!(jwt_header(&token)["kid"], kid);
    assert_eq!(jwt_claims(&token)["o"]["id"], org.as_str());

    // A new sign-in finds the membership.
    let other = Jar::new();
    let sid2 = app.sign_in_ok(&other, "grace@example.com", PASSWORD).await;
    let r = app.get("/v1/me/organization_memberships", &other).await.ok("memberships");
    assert_eq!(r.json["response"]["total_count"], 1);
    assert_eq!(r.json["response"]["data"][0]["organization"]["id"], org.as_str());
    assert_eq!(r.json["response"]["data"][0]["role"], "org:admin");
    let r = app
        .post(&format!("/v1/client/sessions/{sid2}/touch"), &[("active_organization_id", &org)], &other)
        .await
        .ok("touch after restart");
    assert_eq!(r.json["response"]["status"], "active");
    // The slug is still taken.
    app.post("/v1/organizations", &[("name", "Acme"), ("slug", "acme")], &other)
        .await
        .expect_error(422, "form_identifier_exists");
}
