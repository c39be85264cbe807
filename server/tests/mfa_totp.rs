//! The authenticator app (`security.md`, "TOTP"): enrolment through
//! `/v1/me/totp`, the window of the current and previous step, replay
//! refused (the enrolment code included), the same secret until verified,
//! and the secret sealed at rest. Codes are computed with `totp-rs` from the
//! secret the server hands out, at the test clock's time.

mod common;

use common::*;

const EMAIL: &str = "ada@example.com";

async fn signed_in_user(app: &TestApp) -> Jar {
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    jar
}

async fn sign_out(app: &TestApp, jar: &Jar) {
    let c = app.client(jar).await;
    let sid = c.last_active_session_id.expect("signed in");
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], jar).await.ok("end");
}

#[tokio::test]
async fn create_answers_a_secret_and_uri_and_keeps_it_until_verified() {
    let app = TestApp::new().await;
    let jar = signed_in_user(&app).await;
    let r = app.post("/v1/me/totp", &[], &jar).await.ok("create");
    let t = &r.json["response"];
    assert_eq!(t["object"], "totp");
    assert_eq!(t["verified"], false);
    assert!(t["id"].as_str().is_some_and(|id| !id.is_empty()));
    let secret = t["secret"].as_str().expect("secret").to_string();
    assert_eq!(secret.len(), 32, "160 bits of base32");
    let uri = t["uri"].as_str().expect("uri");
    assert!(uri.starts_with("otpauth://totp/Vestibule:ada%40example.com?"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")) && uri.contains("issuer=Vestibule"), "{uri}");
    assert!(t.get("backup_codes").is_none());

    // A wrong code keeps the same secret...
    let wrong = wrong_totp_code(&secret, app.now());
    app.post("/v1/me/totp/attempt_verification", &[("code", &wrong)], &jar)
        .await
        .expect_error(422, "form_code_incorrect");
    // ...and so does a second create (a reload).
    let again = app.post("/v1/me/totp", &[], &jar).await.ok("create again");
    assert_eq!(again.json["response"]["secret"], secret.as_str());
    assert_eq!(again.json["response"]["id"], t["id"]);

    // Not enrolled yet.
    let me = app.me(&jar).await;
    assert_eq!(me["totp_enabled"], false);
    assert_eq!(me["two_factor_enabled"], false);

    // The current code verifies it; the first second factor brings backup codes.
    let code = totp_code(&secret, app.now(), 0);
    let r = app.post("/v1/me/totp/attempt_verification", &[("code", &code)], &jar).await.ok("verify");
    assert_eq!(r.json["response"]["verified"], true);
    assert!(r.json["response"].get("secret").is_none(), "the secret is shown only at creation");
    assert_eq!(r.json["response"]["backup_codes"].as_array().map(Vec::len), Some(10), "{}", r.text());
    let me = app.me(&jar).await;
    assert_eq!(me["totp_enabled"], true);
    assert_eq!(me["backup_code_enabled"], true);
    assert_eq!(me["backup_codes_remaining"], 10);
    assert_eq!(me["two_factor_enabled"], true);

    // A verified TOTP is not replaced by another create.
    app.post("/v1/me/totp", &[], &jar).await.expect_error(422, "request_invalid");
}

#[tokio::test]
async fn the_secret_is_sealed_at_rest() {
    let app = TestApp::new().await;
    let jar = signed_in_user(&app).await;
    let r = app.post("/v1/me/totp", &[], &jar).await.ok("create");
    let secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
    let raw = totp_rs::Secret::Encoded(secret.clone()).to_bytes().expect("bytes");
    let stored: String = app.db_strings("SELECT secret_enc FROM totps").await.remove(0);
    assert!(!stored.contains(&secret), "base32 secret stored in plaintext");
    assert!(!stored.to_lowercase().contains(&secret.to_lowercase()));
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD.decode(&stored).expect("base64");
    assert!(!decoded.windows(raw.len()).any(|w| w == raw.as_slice()), "raw secret stored in plaintext");
    if app.database_url().is_some() {
        // On PostgreSQL the key is shared by the replicas through the database.
        assert_eq!(app.db_i64("SELECT COUNT(*) FROM instance_secrets WHERE name = 'mfa_key'").await, 1);
        return;
    }
    let key = std::fs::metadata(app.data_dir().join("mfa_key")).expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test]
async fn window_is_the_current_and_previous_step_and_codes_work_once() {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    let jar = signed_in_user(&app).await;
    let enrolled = app.enrol_totp(&jar).await;
    let enrol_code = totp_code(&enrolled.secret, app.now(), 0);
    sign_out(&app, &jar).await;

    // Same step as enrolment: the enrolment code is refused (replay), and so
    // is the previous step's.
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await.ok("sign in");
    assert_eq!(r.json["response"]["status"], "needs_second_factor");
    assert_eq!(r.json["response"]["supported_second_factors"], serde_json::json!([{"strategy": "totp"}, {"strategy": "backup_code"}]));
    let sia = r.json["response"]["id"].as_str().expect("sign-in id").to_string();
    app.attempt_second_factor(&jar, &sia, "totp", &enrol_code).await.expect_error(422, "form_code_incorrect");
    let prev = totp_code(&enrolled.secret, app.now(), -1);
    app.attempt_second_factor(&jar, &sia, "totp", &prev).await.expect_error(422, "form_code_incorrect");

    // Five minutes on: two steps back and one step ahead fail, the previous passes.
    app.advance(5 * MINUTE);
    let now = app.now();
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    for (steps, what) in [(-2, "two steps back"), (1, "one step ahead")] {
        let r = app.attempt_second_factor(&jar, &sia, "totp", &totp_code(&enrolled.secret, now, steps)).await;
        assert_eq!(r.code(), "form_code_incorrect", "{what}: {}", r.text());
    }
    let r = app.attempt_second_factor(&jar, &sia, "totp", &totp_code(&enrolled.secret, now, -1)).await.ok("previous step");
    assert_eq!(r.json["response"]["status"], "complete");
    assert_eq!(r.json["response"]["second_factor_verification"]["status"], "verified");
    assert!(r.json["response"]["created_session_id"].is_string());
    sign_out(&app, &jar).await;

    // The current step is later than the previous one: accepted once...
    let current = totp_code(&enrolled.secret, now, 0);
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    app.attempt_second_factor(&jar, &sia, "totp", &current).await.ok("current step");
    sign_out(&app, &jar).await;
    // ...and not again, nor the previous step's code now.
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    app.attempt_second_factor(&jar, &sia, "totp", &current).await.expect_error(422, "form_code_incorrect");
    app.attempt_second_factor(&jar, &sia, "totp", &totp_code(&enrolled.secret, now, -1))
        .await
        .expect_error(422, "form_code_incorrect");

    // Thirty seconds on, the new step's code signs in.
    app.advance(30 * SECOND);
    app.attempt_second_factor(&jar, &sia, "totp", &totp_code(&enrolled.secret, app.now(), 0)).await.ok("next step");
}

#[tokio::test]
async fn previous_step_verifies_enrolment_and_deleting_removes_the_factor() {
    let app = TestApp::new().await;
    let jar = signed_in_user(&app).await;
    let r = app.post("/v1/me/totp", &[], &jar).await.ok("create");
    let secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
    app.advance(20 * SECOND);
    let now = app.now();
    for steps in [-2, 1] {
        app.post("/v1/me/totp/attempt_verification", &[("code", &totp_code(&secret, now, steps))], &jar)
            .await
            .expect_error(422, "form_code_incorrect");
    }
    // T0 starts a step, so 20 s on the previous step is T0's.
    app.post("/v1/me/totp/attempt_verification", &[("code", &totp_code(&secret, now, -1))], &jar).await.ok("previous step");

    let r = app.call(axum::http::Method::DELETE, "/v1/me/totp").jar(&jar).send().await.ok("delete");
    assert_eq!(r.json["response"]["deleted"], true);
    let me = app.me(&jar).await;
    assert_eq!(me["totp_enabled"], false);
    // The backup codes that came with it stay a second factor of their own.
    assert_eq!(me["two_factor_enabled"], true);
    app.call(axum::http::Method::DELETE, "/v1/me/totp").jar(&jar).send().await.expect_error(404, "resource_not_found");

    // `_method=DELETE` works too, and a new create gives a new secret.
    let r = app.post("/v1/me/totp", &[], &jar).await.ok("create again");
    assert_ne!(r.json["response"]["secret"], secret.as_str());
    app.post("/v1/me/totp?_method=DELETE", &[], &jar).await.ok("delete via _method");
}

#[tokio::test]
async fn turned_off_methods_cannot_be_enrolled() {
    let app = TestApp::new().await;
    let jar = signed_in_user(&app).await;
    app.patch_instance(&[("totp_enabled", "false"), ("backup_code_enabled", "false")]).await;
    app.post("/v1/me/totp", &[], &jar).await.expect_error(403, "forbidden");
    app.post("/v1/me/backup_codes", &[], &jar).await.expect_error(403, "forbidden");
    // Signed out: 401.
    app.post("/v1/me/totp", &[], &Jar::new()).await.expect_error(401, "authentication_invalid");
}

#[tokio::test]
async fn the_fifth_wrong_enrolment_code_starts_enrolment_over() {
    let app = TestApp::new().await;
    let jar = signed_in_user(&app).await;
    let r = app.post("/v1/me/totp", &[], &jar).await.ok("create");
    let secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
    let wrong = wrong_totp_code(&secret, app.now());
    for i in 1..=4 {
        let r = app.post("/v1/me/totp/attempt_verification", &[("code", &wrong)], &jar).await;
        assert_eq!(r.code(), "form_code_incorrect", "wrong code {i}: {}", r.text());
    }
    let again = app.post("/v1/me/totp", &[], &jar).await.ok("create again");
    assert_eq!(again.json["response"]["secret"], secret.as_str(), "four wrong codes keep the secret");
    app.post("/v1/me/totp/attempt_verification", &[("code", &wrong)], &jar)
        .await
        .expect_error(422, "verification_failed");
    // The old secret is gone: its right code finds nothing to verify...
    app.post("/v1/me/totp/attempt_verification", &[("code", &totp_code(&secret, app.now(), 0))], &jar)
        .await
        .expect_error(404, "resource_not_found");
    // ...and the next create starts over with a new secret.
    let r = app.post("/v1/me/totp", &[], &jar).await.ok("create new");
    let fresh = r.json["response"]["secret"].as_str().expect("secret").to_string();
    assert_ne!(fresh, secret);
    app.post("/v1/me/totp/attempt_verification", &[("code", &totp_code(&fresh, app.now(), 0))], &jar).await.ok("verify");
}

#[tokio::test]
async fn wrong_enrolment_codes_spend_from_the_lockout() {
    let app = TestApp::new().await;
    let jar = signed_in_user(&app).await;
    let mut secret = String::new();
    for round in 0..2 {
        let r = app.post("/v1/me/totp", &[], &jar).await.ok("create");
        secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
        let wrong = wrong_totp_code(&secret, app.now());
        for i in 1..=5 {
            let r = app.post("/v1/me/totp/attempt_verification", &[("code", &wrong)], &jar).await;
            let want = if i == 5 { "verification_failed" } else { "form_code_incorrect" };
            assert_eq!(r.code(), want, "round {round}, wrong code {i}: {}", r.text());
        }
    }
    // Ten wrong codes in all: the user is locked, here and at sign-in.
    app.post("/v1/me/totp", &[], &jar).await.ok("create");
    let r = app.post("/v1/me/totp/attempt_verification", &[("code", &totp_code(&secret, app.now(), 0))], &jar).await;
    r.expect_error(403, "user_locked");
    app.sign_in(&Jar::new(), EMAIL, PASSWORD).await.expect_error(403, "user_locked");
}

#[tokio::test]
async fn enrolled_factors_survive_a_restart() {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    let jar = signed_in_user(&app).await;
    let enrolled = app.enrol_totp(&jar).await;
    let codes = enrolled.backup_codes.expect("backup codes");
    let dir = app.stop().await;

    // Same data directory: the same mfa_key opens the sealed secret and
    // checks the backup codes.
    let app = TestApp::start_in(dir, |c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    app.advance(MINUTE);
    let jar = Jar::new();
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    app.attempt_second_factor(&jar, &sia, "totp", &totp_code(&enrolled.secret, app.now(), 0)).await.ok("totp after restart");
    sign_out(&app, &jar).await;
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    app.attempt_second_factor(&jar, &sia, "backup_code", &codes[0]).await.ok("backup code after restart");
}
