//! The second factor at sign-in and the setup-mfa task: a user with a
//! second factor answers `needs_second_factor` after the first factor and
//! gets no session until a right code; every wrong code spends from the
//! user lockout (`security.md`, "Sign-in attempts and lockout"); when the
//! instance requires MFA, a user without a second factor has a pending
//! session with `setup-mfa` until they enrol.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;

const EMAIL: &str = "grace@example.com";
const HOUR: i64 = 60 * MINUTE;

/// A user with an authenticator app, signed out; returns the secret.
async fn app_with_totp_user() -> (TestApp, String) {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let enrolled = app.enrol_totp(&jar).await;
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    // Past the enrolment step, so the current code is fresh.
    app.advance(MINUTE);
    (app, enrolled.secret)
}

async fn wrong_codes(app: &TestApp, jar: &Jar, sia: &str, secret: &str, n: usize) {
    for i in 1..=n {
        let r = app.attempt_second_factor(jar, sia, "totp", &wrong_totp_code(secret, app.now())).await;
        assert_eq!(r.code(), "form_code_incorrect", "wrong code {i}: {}", r.text());
    }
}

async fn right_code(app: &TestApp, jar: &Jar, sia: &str, secret: &str) -> Resp {
    app.attempt_second_factor(jar, sia, "totp", &totp_code(secret, app.now(), 0)).await
}

#[tokio::test]
async fn the_second_factor_comes_before_any_session() {
    let (app, secret) = app_with_totp_user().await;
    let jar = Jar::new();
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    let c = app.client(&jar).await;
    assert!(c.sessions.is_empty(), "no session while the second factor is missing");
    let si = c.sign_in.expect("sign-in in progress");
    assert_eq!(si.status, "needs_second_factor");
    assert_eq!(si.first_factor_verification.expect("first factor").status, "verified");
    let strategies: Vec<_> = si.supported_second_factors.expect("second factors").into_iter().map(|f| f.strategy).collect();
    assert_eq!(strategies, ["totp", "backup_code"]);

    // Not offered, not a strategy, or not the right step: 422.
    app.attempt_second_factor(&jar, &sia, "phone_code", "123456").await.expect_error(422, "form_param_format_invalid");
    app.attempt_second_factor(&jar, &sia, "password", PASSWORD).await.expect_error(422, "form_param_format_invalid");
    app.post(&format!("/v1/client/sign_ins/{sia}/attempt_first_factor"), &[("strategy", "password"), ("password", PASSWORD)], &jar)
        .await
        .expect_error(422, "request_invalid");

    let r = right_code(&app, &jar, &sia, &secret).await.ok("totp");
    assert_eq!(r.json["response"]["status"], "complete");
    assert_eq!(r.json["response"]["second_factor_verification"]["strategy"], "totp");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    assert!(app.session(&jar, &sid).await.is_some());
    // Done: the same sign-in takes no more codes.
    app.attempt_second_factor(&jar, &sia, "totp", "123456").await.expect_error(422, "request_invalid");
    assert_eq!(app.client(&jar).await.sessions.len(), 1);
}

/// `n` wrong codes in as many sign-ins as the per-sign-in limit of five
/// needs; returns the last sign-in, which has tries left only if `n` is not
/// a multiple of five.
async fn wrong_codes_across_sign_ins(app: &TestApp, jar: &Jar, secret: &str, n: usize) -> String {
    let mut sia = app.sign_in_to_second_factor(jar, EMAIL, PASSWORD).await;
    let mut left = n;
    while left > 0 {
        let now = left.min(5);
        wrong_codes(app, jar, &sia, secret, now).await;
        left -= now;
        if left > 0 {
            sia = app.sign_in_to_second_factor(jar, EMAIL, PASSWORD).await;
        }
    }
    sia
}

#[tokio::test]
async fn one_sign_in_takes_five_wrong_codes_then_must_start_again() {
    let (app, secret) = app_with_totp_user().await;
    let jar = Jar::new();
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    wrong_codes(&app, &jar, &sia, &secret, 5).await;
    for strategy in ["totp", "backup_code"] {
        let r = app.attempt_second_factor(&jar, &sia, strategy, &totp_code(&secret, app.now(), 0)).await;
        r.expect_error(422, "verification_failed");
    }
    // A new sign-in takes the right code: the refused tries were not counted
    // toward the lockout (5 so far, not 7).
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    wrong_codes(&app, &jar, &sia, &secret, 4).await;
    right_code(&app, &jar, &sia, &secret).await.ok("right code");
}

#[tokio::test]
async fn nine_wrong_codes_then_a_right_one_succeeds_and_resets() {
    let (app, secret) = app_with_totp_user().await;
    let jar = Jar::new();
    let sia = wrong_codes_across_sign_ins(&app, &jar, &secret, 9).await;
    let r = right_code(&app, &jar, &sia, &secret).await.ok("right code");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");

    // Reset: nine more wrong codes do not lock.
    app.advance(MINUTE);
    let sia = wrong_codes_across_sign_ins(&app, &jar, &secret, 9).await;
    right_code(&app, &jar, &sia, &secret).await.ok("right code after reset");
}

#[tokio::test]
async fn wrong_passwords_and_wrong_codes_share_one_budget() {
    let (app, secret) = app_with_totp_user().await;
    let jar = Jar::new();
    for _ in 0..4 {
        app.sign_in(&jar, EMAIL, WRONG).await.expect_error(422, "form_password_incorrect");
    }
    // A right password alone neither spends nor resets the count.
    let sia = wrong_codes_across_sign_ins(&app, &jar, &secret, 6).await;
    let r = right_code(&app, &jar, &sia, &secret).await;
    r.expect_error(403, "user_locked");
}

#[tokio::test]
async fn ten_wrong_codes_lock_for_an_hour() {
    let (app, secret) = app_with_totp_user().await;
    let jar = Jar::new();
    let sia = wrong_codes_across_sign_ins(&app, &jar, &secret, 9).await;
    wrong_codes(&app, &jar, &sia, &secret, 1).await;

    let r = right_code(&app, &jar, &sia, &secret).await;
    r.expect_error(403, "user_locked");
    assert_eq!(r.envelope().errors[0].meta.lockout_expires_in_seconds, Some(3600), "{}", r.text());
    app.sign_in(&jar, EMAIL, PASSWORD).await.expect_error(403, "user_locked");

    app.advance(HOUR - SECOND);
    let r = right_code(&app, &jar, &sia, &secret).await;
    r.expect_error(403, "user_locked");
    assert_eq!(r.envelope().errors[0].meta.lockout_expires_in_seconds, Some(1), "{}", r.text());

    // 60:01: this sign-in has spent its five tries; a new one gets in.
    app.advance(2 * SECOND);
    right_code(&app, &jar, &sia, &secret).await.expect_error(422, "verification_failed");
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    let r = right_code(&app, &jar, &sia, &secret).await.ok("unlocked");
    assert_eq!(r.json["response"]["status"], "complete");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_codes_never_buy_more_than_the_budget() {
    let (app, secret) = app_with_totp_user().await;
    let wrong = wrong_totp_code(&secret, app.now());
    // Four sign-ins from four browsers, five wrong codes each, all at once.
    let mut reqs = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let jar = Jar::new();
        let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
        for _ in 0..5 {
            reqs.push(
                app.call(Method::POST, &format!("/v1/client/sign_ins/{sia}/attempt_second_factor"))
                    .jar(&jar)
                    .form(&[("strategy", "totp"), ("code", &wrong)])
                    .build(),
            );
        }
        last = Some((jar, sia));
    }
    let (mut incorrect, mut locked) = (0, 0);
    for r in send_concurrently(&app, reqs).await {
        match r.code().as_str() {
            "form_code_incorrect" => incorrect += 1,
            "user_locked" => locked += 1,
            other => panic!("unexpected answer {other}: {} {}", r.status, r.text()),
        }
    }
    assert_eq!(incorrect, 10, "exactly the budget of wrong codes was checked ({locked} locked)");
    assert_eq!(locked, 10);
    app.sign_in(&Jar::new(), EMAIL, PASSWORD).await.expect_error(403, "user_locked");
    let (jar, sia) = last.expect("a sign-in");
    app.attempt_second_factor(&jar, &sia, "totp", &totp_code(&secret, app.now(), 0)).await.expect_error(403, "user_locked");
}

#[tokio::test]
async fn a_compromised_password_still_needs_the_second_factor() {
    let (app, secret) = app_with_totp_user().await;
    let user = app.backend(Method::GET, &format!("/users?email_address={EMAIL}"), &[]).await.ok("find user");
    let id = user.json[0]["id"].as_str().or(user.json["data"][0]["id"].as_str()).expect("user id").to_string();
    app.backend(Method::POST, &format!("/users/{id}/password/set_compromised"), &[]).await.ok("set compromised");

    let jar = Jar::new();
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await;
    r.expect_error(422, "form_password_compromised");
    let sia = app.client(&jar).await.sign_in.expect("sign-in").id;
    app.post(&format!("/v1/client/sign_ins/{sia}/prepare_first_factor"), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare email code");
    let code = app.outbox_code(EMAIL).await;
    let r = app
        .post(&format!("/v1/client/sign_ins/{sia}/attempt_first_factor"), &[("strategy", "email_code"), ("code", &code)], &jar)
        .await
        .ok("email code");
    assert_eq!(r.json["response"]["status"], "needs_second_factor", "{}", r.text());
    assert!(r.json["response"]["created_session_id"].is_null());

    let r = right_code(&app, &jar, &sia, &secret).await.ok("totp");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session");
    let s = app.session(&jar, sid).await.expect("session");
    let tasks: Vec<_> = s.tasks.unwrap_or_default().into_iter().map(|t| t.key.as_str()).collect();
    assert_eq!(tasks, ["reset-password", "choose-organization"]);
}

fn task_keys(v: &serde_json::Value) -> Vec<String> {
    v["tasks"].as_array().map(|a| a.iter().map(|t| t["key"].as_str().expect("key").to_string()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn setup_mfa_is_asked_at_sign_up_and_every_sign_in_until_enrolment() {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    app.patch_instance(&[("mfa_required", "true")]).await;
    let env = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    assert_eq!(env.json["user_settings"]["sign_up"]["mfa"]["required"], true);
    assert_eq!(env.json["user_settings"]["attributes"]["authenticator_app"]["second_factors"], json!(["totp"]));
    assert_eq!(env.json["user_settings"]["attributes"]["backup_code"]["second_factors"], json!(["backup_code"]));
    assert_eq!(env.json["user_settings"]["attributes"]["phone_number"]["used_for_second_factor"], false, "SMS is off by default");
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    let env = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    let phone = &env.json["user_settings"]["attributes"]["phone_number"];
    assert_eq!(phone["second_factors"], json!(["phone_code"]));
    assert_eq!(phone["verifications"], json!(["phone_code"]));

    let me = app.sign_up("ada@example.com", PASSWORD).await;
    let s = app.get("/v1/client", &me.jar).await.ok("client").json["response"]["sessions"][0].clone();
    assert_eq!(s["status"], "pending");
    assert_eq!(task_keys(&s), ["setup-mfa", "choose-organization"]);
    app.post(&format!("/v1/client/sessions/{}/end", me.session_id), &[], &me.jar).await.ok("end");

    // Again at the next sign-in.
    let sid = app.sign_in_ok(&me.jar, "ada@example.com", PASSWORD).await;
    let s = app.session(&me.jar, &sid).await.expect("session");
    assert_eq!(s.tasks.as_ref().map(|t| t[0].key.as_str()), Some("setup-mfa"));

    // The pending session may enrol; the task is then gone.
    let r = app.post("/v1/me/totp", &[], &me.jar).await.ok("create totp");
    let secret = r.json["response"]["secret"].as_str().expect("secret").to_string();
    let r = app
        .post("/v1/me/totp/attempt_verification", &[("code", &totp_code(&secret, app.now(), 0))], &me.jar)
        .await
        .ok("verify");
    let s = &r.json["client"]["sessions"][0];
    assert_eq!(task_keys(s), ["choose-organization"], "the piggybacked client drops setup-mfa");

    // From now on every sign-in asks for the second factor, and no task.
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &me.jar).await.ok("end");
    app.advance(MINUTE);
    let sia = app.sign_in_to_second_factor(&me.jar, "ada@example.com", PASSWORD).await;
    let r = app.attempt_second_factor(&me.jar, &sia, "totp", &totp_code(&secret, app.now(), 0)).await.ok("totp");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    let s = app.get("/v1/client", &me.jar).await.ok("client").json["response"]["sessions"][0].clone();
    assert_eq!(s["id"], sid.as_str());
    assert_eq!(task_keys(&s), ["choose-organization"]);
}

#[tokio::test]
async fn setup_mfa_order_and_when_it_does_not_apply() {
    let app = TestApp::new().await;
    let user = app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();

    // Not required: no setup-mfa.
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    assert_eq!(task_keys(&serde_json::to_value(app.session(&jar, &sid).await.expect("s")).expect("json")), ["choose-organization"]);

    // Required, with a compromised password: reset-password, setup-mfa, choose-organization.
    app.patch_instance(&[("mfa_required", "true")]).await;
    app.backend(Method::POST, &format!("/users/{user}/password/set_compromised"), &[("revoke_all_sessions", "false")])
        .await
        .ok("set compromised");
    let s = serde_json::to_value(app.session(&jar, &sid).await.expect("s")).expect("json");
    assert_eq!(task_keys(&s), ["reset-password", "setup-mfa", "choose-organization"]);

    // No method that could be enrolled: setup-mfa could never end, so it is not asked.
    app.patch_instance(&[("totp_enabled", "false"), ("phone_code_enabled", "false"), ("backup_code_enabled", "false")]).await;
    let s = serde_json::to_value(app.session(&jar, &sid).await.expect("s")).expect("json");
    assert_eq!(task_keys(&s), ["reset-password", "choose-organization"]);

    // Backup codes alone are a second factor.
    app.patch_instance(&[("backup_code_enabled", "true")]).await;
    let s = serde_json::to_value(app.session(&jar, &sid).await.expect("s")).expect("json");
    assert_eq!(task_keys(&s), ["reset-password", "setup-mfa", "choose-organization"]);
    let r = app.post("/v1/me/backup_codes", &[], &jar).await.ok("backup codes");
    assert_eq!(task_keys(&r.json["client"]["sessions"][0]), ["reset-password", "choose-organization"]);
}
