//! Reverification (`security.md`, "Safe by default"): regenerating backup
//! codes, removing the authenticator app or a verified phone number, and
//! changing the password without the current one need a first factor the
//! session proved less than 10 minutes ago; otherwise 403
//! `session_reverification_required` with `meta.reverification`. The
//! session proves it again with the password or an emailed code.

mod common;

use axum::http::Method;
use common::*;

const EMAIL: &str = "grace@example.com";
const TEN_MINUTES: i64 = 10 * MINUTE;

/// A signed-in user with backup codes (a second factor).
async fn user_with_backup_codes(app: &TestApp) -> SignedIn {
    let user = app.sign_up(EMAIL, PASSWORD).await;
    app.post("/v1/me/backup_codes", &[], &user.jar).await.ok("first backup codes need no reverification");
    user
}

fn expect_reverification(r: &Resp, session_id: &str) {
    r.expect_error(403, "session_reverification_required");
    let e = &r.envelope().errors[0];
    let meta = e.meta.reverification.as_ref().expect("meta.reverification");
    assert_eq!((meta.level.as_str(), meta.after_minutes), ("first_factor", 10), "{}", r.text());
    assert_eq!(e.meta.session_id.as_deref(), Some(session_id));
}

#[tokio::test]
async fn regenerating_backup_codes_needs_a_first_factor_from_the_last_ten_minutes() {
    let app = TestApp::new().await;
    let user = user_with_backup_codes(&app).await;
    let jar = &user.jar;
    app.advance(TEN_MINUTES - 1);
    app.post("/v1/me/backup_codes", &[], jar).await.ok("9:59.999 after sign-up");
    app.advance(1);
    let r = app.post("/v1/me/backup_codes", &[], jar).await;
    expect_reverification(&r, &user.session_id);
    let s = app.session(jar, &user.session_id).await.expect("session");
    assert_eq!(s.factor_verification_age, Some(vec![10, 10]), "the ages say why");

    // Start, a wrong password, then the right one.
    let base = format!("/v1/client/sessions/{}/verify", user.session_id);
    let r = app.post(&base, &[("level", "first_factor")], jar).await.ok("start");
    let v = &r.json["response"];
    assert_eq!(v["object"], "session_verification");
    assert_eq!(v["status"], "needs_first_factor");
    let strategies: Vec<&str> = v["supported_first_factors"].as_array().expect("factors").iter().filter_map(|f| f["strategy"].as_str()).collect();
    assert_eq!(strategies, ["password", "email_code"]);
    let attempt = format!("{base}/attempt_first_factor");
    let r = app.post(&attempt, &[("strategy", "password"), ("password", WRONG)], jar).await;
    r.expect_error(422, "form_password_incorrect");
    app.post("/v1/me/backup_codes", &[], jar).await.expect_error(403, "session_reverification_required");
    let r = app.post(&attempt, &[("strategy", "password"), ("password", PASSWORD)], jar).await.ok("right password");
    assert_eq!(r.json["response"]["status"], "complete");
    assert_eq!(r.json["response"]["session"]["factor_verification_age"][0], 0);

    let r = app.post("/v1/me/backup_codes", &[], jar).await.ok("regenerate after reverification");
    assert_eq!(r.json["response"]["codes"].as_array().map(Vec::len), Some(10));
    // Fresh for ten minutes, then asked again.
    app.advance(TEN_MINUTES);
    app.post("/v1/me/backup_codes", &[], jar).await.expect_error(403, "session_reverification_required");
}

#[tokio::test]
async fn an_emailed_code_also_reverifies_and_is_bound_to_the_session() {
    let app = TestApp::new().await;
    let user = user_with_backup_codes(&app).await;
    let jar = &user.jar;
    app.advance(TEN_MINUTES);
    let base = format!("/v1/client/sessions/{}/verify", user.session_id);
    let r = app.post(&format!("{base}/prepare_first_factor"), &[("strategy", "email_code")], jar).await.ok("prepare");
    assert_eq!(r.json["response"]["first_factor_verification"]["status"], "unverified");
    let code = app.outbox_code(EMAIL).await;
    let attempt = format!("{base}/attempt_first_factor");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    app.post(&attempt, &[("strategy", "email_code"), ("code", wrong)], jar).await.expect_error(422, "form_code_incorrect");
    app.post(&attempt, &[("strategy", "email_code"), ("code", &code)], jar).await.ok("right code");
    app.post("/v1/me/backup_codes", &[], jar).await.ok("regenerate");
    // The code is used up.
    app.advance(TEN_MINUTES);
    app.post(&attempt, &[("strategy", "email_code"), ("code", &code)], jar).await.expect_error(422, "verification_failed");
}

#[tokio::test]
async fn removing_factors_and_changing_the_password_need_it_too() {
    let app = TestApp::new().await;
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    let user = app.sign_up(EMAIL, PASSWORD).await;
    let jar = &user.jar;
    // A verified phone number and an unverified one.
    let r = app.post("/v1/me/phone_numbers", &[("phone_number", "+15550100111")], jar).await.ok("add");
    let verified = r.json["response"]["id"].as_str().expect("id").to_string();
    app.post(&format!("/v1/me/phone_numbers/{verified}/prepare_verification"), &[("strategy", "phone_code")], jar).await.ok("prepare");
    let code = app.outbox_code("+15550100111").await;
    app.post(&format!("/v1/me/phone_numbers/{verified}/attempt_verification"), &[("code", &code)], jar).await.ok("verify");
    let r = app.post("/v1/me/phone_numbers", &[("phone_number", "+15550100222")], jar).await.ok("add");
    let unverified = r.json["response"]["id"].as_str().expect("id").to_string();

    app.advance(TEN_MINUTES);
    let delete = |id: &str| app.call(Method::DELETE, &format!("/v1/me/phone_numbers/{id}")).jar(jar).send();
    expect_reverification(&delete(&verified).await, &user.session_id);
    delete(&unverified).await.ok("an unverified number is no factor");
    let r = app.post("/v1/me/change_password", &[("new_password", "a-brand-new-passphrase-77")], jar).await;
    expect_reverification(&r, &user.session_id);
    // The current password is a first factor proved now.
    app.post("/v1/me/change_password", &[("new_password", "a-brand-new-passphrase-77"), ("current_password", PASSWORD)], jar)
        .await
        .ok("change with the current password");
    delete(&verified).await.ok("fresh again after the password change");
    app.post("/v1/me/change_password", &[("new_password", "yet-another-passphrase-88")], jar).await.ok("fresh: no current password needed");
}

#[tokio::test]
async fn removing_a_verified_authenticator_app_needs_it() {
    let app = TestApp::new().await;
    let user = app.sign_up(EMAIL, PASSWORD).await;
    let jar = &user.jar;
    let r = app.post("/v1/me/totp", &[], jar).await.ok("totp");
    let secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
    let code = totp_code(&secret, T0, 0);
    app.post("/v1/me/totp/attempt_verification", &[("code", &code)], jar).await.ok("verify totp");
    app.advance(TEN_MINUTES);
    let r = app.call(Method::DELETE, "/v1/me/totp").jar(jar).send().await;
    expect_reverification(&r, &user.session_id);
    let base = format!("/v1/client/sessions/{}/verify", user.session_id);
    app.post(&format!("{base}/attempt_first_factor"), &[("strategy", "password"), ("password", PASSWORD)], jar).await.ok("reverify");
    app.call(Method::DELETE, "/v1/me/totp").jar(jar).send().await.ok("removed");
}
