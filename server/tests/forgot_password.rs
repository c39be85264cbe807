//! "Forgot password?" on the wire as clerk-js drives it: the sign-in offers
//! a `reset_password_email_code` first factor, its code turns the sign-in
//! into `needs_new_password`, and `POST /v1/client/sign_ins/{id}/reset_password`
//! sets the new password under the usual rules and finishes the sign-in.
//! The code's own boundaries (lifetime, tries, resend, daily cap) are in
//! `codes.rs`, with the other emailed codes.

mod common;

use common::*;
use serde_json::Value;
use vestibule_protocol::TaskKey;

const EMAIL: &str = "ada@example.com";
const OLD: &str = "old-horse-battery-1";
const NEW: &str = "new-lantern-violet-2";

/// Starts a sign-in of `EMAIL` by identifier only; returns its JSON.
async fn start(app: &TestApp, jar: &Jar) -> Value {
    let r = app.post("/v1/client/sign_ins", &[("identifier", EMAIL)], jar).await.ok("sign-in");
    r.json["response"].clone()
}

async fn prepare(app: &TestApp, jar: &Jar, id: &str, strategy: &str) -> Resp {
    app.post(&format!("/v1/client/sign_ins/{id}/prepare_first_factor"), &[("strategy", strategy)], jar).await
}

async fn attempt(app: &TestApp, jar: &Jar, id: &str, strategy: &str, code: &str) -> Resp {
    app.post(&format!("/v1/client/sign_ins/{id}/attempt_first_factor"), &[("strategy", strategy), ("code", code)], jar).await
}

async fn reset(app: &TestApp, jar: &Jar, id: &str, form: &[(&str, &str)]) -> Resp {
    app.post(&format!("/v1/client/sign_ins/{id}/reset_password"), form, jar).await
}

/// A sign-in of `EMAIL` whose reset code was right: its id.
async fn waiting_for_new_password(app: &TestApp, jar: &Jar) -> String {
    let id = start(app, jar).await["id"].as_str().expect("id").to_string();
    prepare(app, jar, &id, "reset_password_email_code").await.ok("prepare the reset code");
    let code = app.outbox_code(EMAIL).await;
    let r = attempt(app, jar, &id, "reset_password_email_code", &code).await.ok("attempt the reset code");
    assert_eq!(r.json["response"]["status"], "needs_new_password", "{}", r.text());
    id
}

#[tokio::test]
async fn the_sign_in_offers_the_reset_factor_with_its_address() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let sign_in = start(&app, &Jar::new()).await;
    let factors = sign_in["supported_first_factors"].as_array().expect("factors");
    let find = |strategy: &str| factors.iter().find(|f| f["strategy"] == strategy).cloned().unwrap_or_else(|| panic!("no {strategy}: {factors:?}"));
    let (reset, code) = (find("reset_password_email_code"), find("email_code"));
    assert_eq!(reset["safe_identifier"], EMAIL);
    assert!(reset["email_address_id"].as_str().is_some_and(|id| id.starts_with("idn_")), "{reset}");
    assert_eq!(reset["email_address_id"], code["email_address_id"], "the same address as the email_code factor");
    assert_eq!(reset["primary"], true);
}

#[tokio::test]
async fn the_reset_code_then_a_new_password_signs_in_and_ends_the_other_sessions_when_asked() {
    let app = TestApp::new().await;
    let user = app.create_user(EMAIL, Some(OLD)).await;
    let elsewhere = Jar::new();
    let other_session = app.sign_in_ok(&elsewhere, EMAIL, OLD).await;
    // Marked compromised meanwhile: the new password ends that too.
    app.backend(axum::http::Method::POST, &format!("/users/{user}/password/set_compromised"), &[]).await.ok("set compromised");

    let jar = Jar::new();
    let id = start(&app, &jar).await["id"].as_str().expect("id").to_string();
    let prepared = prepare(&app, &jar, &id, "reset_password_email_code").await.ok("prepare");
    let verification = &prepared.json["response"]["first_factor_verification"];
    assert_eq!((verification["strategy"].as_str(), verification["status"].as_str()), (Some("reset_password_email_code"), Some("unverified")));
    let code = app.outbox_code(EMAIL).await;
    let r = attempt(&app, &jar, &id, "reset_password_email_code", &code).await.ok("attempt");
    assert_eq!(r.json["response"]["status"], "needs_new_password");
    assert_eq!(r.json["response"]["first_factor_verification"]["status"], "verified");
    assert!(app.sessions(&jar).await.is_empty(), "no session before the new password");

    let r = reset(&app, &jar, &id, &[("password", NEW), ("sign_out_of_other_sessions", "true")]).await.ok("reset password");
    assert_eq!(r.json["response"]["status"], "complete", "{}", r.text());
    let session = r.json["response"]["created_session_id"].as_str().expect("a session").to_string();
    let live = app.session(&jar, &session).await.expect("the session is live");
    let tasks: Vec<TaskKey> = live.tasks.iter().flatten().map(|t| t.key).collect();
    assert!(!tasks.contains(&TaskKey::ResetPassword), "the password is new: no reset task ({tasks:?})");
    assert!(app.session(&elsewhere, &other_session).await.is_none(), "the other session ended");

    app.sign_in(&Jar::new(), EMAIL, OLD).await.expect_error(422, "form_password_incorrect");
    app.sign_in_ok(&Jar::new(), EMAIL, NEW).await;
}

/// A user with an authenticator app: the new password waits on the
/// sign-in until the second factor is right; until then the old password
/// still works and the other device stays signed in.
#[tokio::test]
async fn with_a_second_factor_the_password_changes_only_when_that_factor_is_right() {
    let app = TestApp::new().await;
    let phone = app.sign_up(EMAIL, OLD).await;
    let enrolled = app.enrol_totp(&phone.jar).await;
    app.advance(30 * SECOND);

    let jar = Jar::new();
    let id = waiting_for_new_password(&app, &jar).await;
    let r = reset(&app, &jar, &id, &[("password", NEW), ("sign_out_of_other_sessions", "true")]).await.ok("reset password");
    assert_eq!(r.json["response"]["status"], "needs_second_factor", "{}", r.text());
    assert!(app.sessions(&jar).await.is_empty(), "no session before the second factor");
    assert!(app.session(&phone.jar, &phone.session_id).await.is_some(), "the other device is signed out before the second factor");
    let unchanged = Jar::new();
    assert_eq!(app.sign_in(&unchanged, EMAIL, OLD).await.ok("the old password").json["response"]["status"], "needs_second_factor");

    let code = totp_code(&enrolled.secret, app.now(), 0);
    let r = app.attempt_second_factor(&jar, &id, "totp", &code).await.ok("the second factor");
    assert_eq!(r.json["response"]["status"], "complete", "{}", r.text());
    assert!(app.session(&phone.jar, &phone.session_id).await.is_none(), "now the other device is signed out");
    app.sign_in(&Jar::new(), EMAIL, OLD).await.expect_error(422, "form_password_incorrect");
    assert_eq!(app.sign_in(&Jar::new(), EMAIL, NEW).await.ok("the new password").json["response"]["status"], "needs_second_factor");
}

/// Two new passwords sent at once for one sign-in: one is taken, the
/// other refused, and the client holds one session.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_new_passwords_at_once_make_one_session() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let jar = Jar::new();
    let id = waiting_for_new_password(&app, &jar).await;
    let path = format!("/v1/client/sign_ins/{id}/reset_password");
    let requests = [NEW, "second-lantern-violet-3"]
        .iter()
        .map(|p| app.call(axum::http::Method::POST, &path).jar(&jar).form(&[("password", p)]).build())
        .collect();
    let answers = send_concurrently(&app, requests).await;
    let taken: Vec<&Resp> = answers.iter().filter(|r| r.status.is_success()).collect();
    assert_eq!(taken.len(), 1, "{:?}", answers.iter().map(|r| (r.status, r.text())).collect::<Vec<_>>());
    let refused = answers.iter().find(|r| !r.status.is_success()).expect("one refused");
    assert!(["request_invalid", "session_exists"].contains(&refused.code().as_str()), "{}", refused.text());
    // The sign-in gave the client a new cookie token, in the taken answer.
    let jar = Jar::with_token(&client_cookie_set(taken[0]).expect("the new client cookie"));
    assert_eq!(app.sessions(&jar).await.len(), 1);
}

/// The new password must follow the right code within the code's lifetime
/// (10 minutes), and a locked user is refused.
#[tokio::test]
async fn the_new_password_comes_within_ten_minutes_of_the_code_and_not_while_locked() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let jar = Jar::new();
    let id = waiting_for_new_password(&app, &jar).await;
    app.advance(10 * MINUTE + 1);
    reset(&app, &jar, &id, &[("password", NEW)]).await.expect_error(422, "verification_expired");

    let jar = Jar::new();
    let id = waiting_for_new_password(&app, &jar).await;
    app.db_execute(&format!("UPDATE users SET locked_until = {} WHERE id = (SELECT user_id FROM email_addresses WHERE email = '{EMAIL}')", app.now() + 60 * MINUTE)).await;
    reset(&app, &jar, &id, &[("password", NEW)]).await.expect_error(403, "user_locked");
    app.db_execute("UPDATE users SET locked_until = NULL").await;
    app.advance(10 * MINUTE);
    let r = reset(&app, &jar, &id, &[("password", NEW)]).await.ok("at exactly ten minutes");
    assert_eq!(r.json["response"]["status"], "complete");
}

#[tokio::test]
async fn other_sessions_stay_unless_asked() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let elsewhere = Jar::new();
    let other_session = app.sign_in_ok(&elsewhere, EMAIL, OLD).await;
    let jar = Jar::new();
    let id = waiting_for_new_password(&app, &jar).await;
    reset(&app, &jar, &id, &[("password", NEW)]).await.ok("reset password");
    assert!(app.session(&elsewhere, &other_session).await.is_some(), "the other session is still live");
}

#[tokio::test]
async fn the_new_password_follows_the_password_rules_and_a_refusal_loses_nothing() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let jar = Jar::new();
    let id = waiting_for_new_password(&app, &jar).await;
    let refusals = [
        ("short", "form_password_length_too_short", "8 characters or more"),
        (OLD, "form_new_password_matches_current", "different from your current one"),
        (EMAIL, "form_password_not_strong_enough", "too easy to guess"),
    ];
    for (password, code, says) in refusals {
        let r = reset(&app, &jar, &id, &[("password", password)]).await;
        r.expect_error(422, code);
        let error = &r.envelope().errors[0];
        assert_eq!(error.meta.param_name.as_deref(), Some("password"), "{}", r.text());
        assert!(error.message.contains(says), "{password}: {}", r.text());
    }
    reset(&app, &jar, &id, &[]).await.expect_error(422, "form_param_missing");
    let still = app.client(&jar).await.sign_in.expect("the sign-in is kept");
    assert_eq!(still.status.to_string(), "needs_new_password");
    let r = reset(&app, &jar, &id, &[("password", NEW)]).await.ok("then a good one");
    assert_eq!(r.json["response"]["status"], "complete");
}

#[tokio::test]
async fn a_sign_in_code_does_not_reset_and_a_reset_code_does_not_sign_in() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let jar = Jar::new();
    let id = start(&app, &jar).await["id"].as_str().expect("id").to_string();
    prepare(&app, &jar, &id, "email_code").await.ok("prepare a sign-in code");
    let sign_in_code = app.outbox_code(EMAIL).await;
    attempt(&app, &jar, &id, "reset_password_email_code", &sign_in_code).await.expect_error(422, "verification_failed");

    app.advance(30 * SECOND);
    prepare(&app, &jar, &id, "reset_password_email_code").await.ok("prepare a reset code");
    let reset_code = app.outbox_code(EMAIL).await;
    attempt(&app, &jar, &id, "email_code", &reset_code).await.expect_error(422, "form_code_incorrect");
    assert!(app.sessions(&jar).await.is_empty(), "no session from a reset code");
}

#[tokio::test]
async fn the_new_password_is_refused_before_the_reset_code() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let jar = Jar::new();
    let id = start(&app, &jar).await["id"].as_str().expect("id").to_string();
    reset(&app, &jar, &id, &[("password", NEW)]).await.expect_error(422, "request_invalid");
    // Nor after the email_code factor, which signs in by itself.
    prepare(&app, &jar, &id, "email_code").await.ok("prepare");
    let code = app.outbox_code(EMAIL).await;
    attempt(&app, &jar, &id, "email_code", &code).await.ok("sign in by code");
    reset(&app, &jar, &id, &[("password", NEW)]).await.expect_error(422, "request_invalid");
    app.sign_in_ok(&Jar::new(), EMAIL, OLD).await;
}

#[tokio::test]
async fn a_wrong_reset_code_spends_from_the_lockout_budget() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let jar = Jar::new();
    let id = start(&app, &jar).await["id"].as_str().expect("id").to_string();
    prepare(&app, &jar, &id, "reset_password_email_code").await.ok("prepare");
    let code = app.outbox_code(EMAIL).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    attempt(&app, &jar, &id, "reset_password_email_code", wrong).await.expect_error(422, "form_code_incorrect");
    let spent = app.db_i64(&format!("SELECT failed_attempts FROM users WHERE id = (SELECT user_id FROM email_addresses WHERE email = '{EMAIL}')")).await;
    assert_eq!(spent, 1);
}

#[tokio::test]
async fn another_client_cannot_reset_the_password() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(OLD)).await;
    let id = waiting_for_new_password(&app, &Jar::new()).await;
    let stranger = Jar::new();
    app.get("/v1/client", &stranger).await.ok("a client of its own");
    reset(&app, &stranger, &id, &[("password", NEW)]).await.expect_error(404, "resource_not_found");
    app.sign_in_ok(&Jar::new(), EMAIL, OLD).await;
}
