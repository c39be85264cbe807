//! The server side of the reset-password task: a compromised password
//! cannot finish sign-in, the email code can, the session is pending with
//! `reset-password` (before `choose-organization`), and
//! `POST /v1/me/change_password` ends the task.

mod common;

use axum::http::Method;
use common::*;
use vestibule_protocol::TaskKey;

const OLD: &str = "old-horse-battery-1";
const NEW: &str = "new-horse-battery-2";

async fn compromised_user(app: &TestApp, email: &str, revoke: bool) -> String {
    let id = app.create_user(email, Some(OLD)).await;
    let mut form = vec![];
    if revoke {
        form.push(("revoke_all_sessions", "true"));
    }
    app.backend(Method::POST, &format!("/users/{id}/password/set_compromised"), &form).await.ok("set compromised");
    id
}

/// Signs in with the old password (refused as compromised), then with the
/// emailed code; returns the new session's id.
async fn sign_in_with_code(app: &TestApp, jar: &Jar, email: &str) -> String {
    app.sign_in(jar, email, OLD).await.expect_error(422, "form_password_compromised");
    let client = app.client(jar).await;
    let sign_in = client.sign_in.expect("the sign-in stays on the client");
    assert!(
        sign_in.supported_first_factors.iter().any(|f| f.strategy == "email_code"),
        "email_code is offered: {:?}",
        sign_in.supported_first_factors
    );
    app.post(&format!("/v1/client/sign_ins/{}/prepare_first_factor", sign_in.id), &[("strategy", "email_code")], jar)
        .await
        .ok("prepare email code");
    let code = app.outbox_code(email).await;
    let r = app
        .post(
            &format!("/v1/client/sign_ins/{}/attempt_first_factor", sign_in.id),
            &[("strategy", "email_code"), ("code", &code)],
            jar,
        )
        .await
        .ok("attempt email code");
    assert_eq!(r.json["response"]["status"], "complete");
    r.json["response"]["created_session_id"].as_str().expect("session").to_string()
}

fn keys(s: &vestibule_protocol::wire::SessionJson) -> Vec<TaskKey> {
    s.tasks.iter().flatten().map(|t| t.key).collect()
}

#[tokio::test]
async fn a_compromised_password_leads_to_the_email_code_and_the_reset_task_first() {
    let app = TestApp::new().await;
    compromised_user(&app, "ada@example.com", false).await;
    let jar = Jar::new();
    let sid = sign_in_with_code(&app, &jar, "ada@example.com").await;
    let s = app.session(&jar, &sid).await.expect("session");
    assert_eq!(keys(&s), vec![TaskKey::ResetPassword, TaskKey::ChooseOrganization]);
}

#[tokio::test]
async fn a_wrong_email_code_does_not_sign_in() {
    let app = TestApp::new().await;
    compromised_user(&app, "ada@example.com", false).await;
    let jar = Jar::new();
    app.sign_in(&jar, "ada@example.com", OLD).await.expect_error(422, "form_password_compromised");
    let sign_in = app.client(&jar).await.sign_in.expect("sign-in");
    app.post(&format!("/v1/client/sign_ins/{}/prepare_first_factor", sign_in.id), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare");
    let code = app.outbox_code("ada@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    app.post(
        &format!("/v1/client/sign_ins/{}/attempt_first_factor", sign_in.id),
        &[("strategy", "email_code"), ("code", wrong)],
        &jar,
    )
    .await
    .expect_error(422, "form_code_incorrect");
    assert!(app.sessions(&jar).await.is_empty());
}

#[tokio::test]
async fn change_password_needs_the_current_one_without_the_task() {
    let app = TestApp::new().await;
    app.create_user("bob@example.com", Some(OLD)).await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, "bob@example.com", OLD).await;
    // Ten minutes after sign-in, the password proved then is too old.
    app.advance(10 * 60 * 1000);
    app.post("/v1/me/change_password", &[("new_password", NEW)], &jar).await.expect_error(403, "session_reverification_required");
    app.post("/v1/me/change_password", &[("new_password", NEW), ("current_password", "wrong-password-9")], &jar)
        .await
        .expect_error(422, "form_password_incorrect");
    app.post("/v1/me/change_password", &[("new_password", NEW), ("current_password", OLD)], &jar)
        .await
        .ok("change with the current password");
}

/// A wrong current password spends from the same lockout budget as a wrong
/// password at sign-in: the tenth locks the user, here and at sign-in.
#[tokio::test]
async fn wrong_current_passwords_count_toward_the_lockout() {
    let app = TestApp::new().await;
    app.create_user("bob@example.com", Some(OLD)).await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, "bob@example.com", OLD).await;
    for i in 1..=10 {
        let r = app
            .post("/v1/me/change_password", &[("new_password", NEW), ("current_password", "wrong-password-9")], &jar)
            .await;
        assert_eq!(r.code(), "form_password_incorrect", "wrong attempt {i}: {}", r.text());
    }
    let r = app.post("/v1/me/change_password", &[("new_password", NEW), ("current_password", OLD)], &jar).await;
    r.expect_error(403, "user_locked");
    assert!(r.envelope().errors[0].meta.lockout_expires_in_seconds.is_some_and(|s| s > 3590), "{}", r.text());
    app.sign_in(&Jar::new(), "bob@example.com", OLD).await.expect_error(403, "user_locked");
}

#[tokio::test]
async fn the_reset_ends_the_task_and_sts_leaves_the_token() {
    let app = TestApp::new().await;
    app.patch_instance(&[("force_organization_selection", "false")]).await;
    compromised_user(&app, "cy@example.com", false).await;
    let jar = Jar::new();
    let sid = sign_in_with_code(&app, &jar, "cy@example.com").await;
    let s = app.session(&jar, &sid).await.expect("session");
    assert_eq!(keys(&s), vec![TaskKey::ResetPassword]);
    assert_eq!(jwt_claims(&token_of(&s))["sts"], "pending");

    app.post("/v1/me/change_password", &[("new_password", OLD)], &jar)
        .await
        .expect_error(422, "form_new_password_matches_current");
    app.post("/v1/me/change_password", &[("new_password", "short")], &jar)
        .await
        .expect_error(422, "form_password_length_too_short");
    app.post("/v1/me/change_password", &[("new_password", NEW)], &jar).await.ok("reset");

    let s = app.session(&jar, &sid).await.expect("session");
    assert_eq!(s.status, vestibule_protocol::SessionStatus::Active);
    assert!(s.tasks.is_none());
    let r = app.post(&format!("/v1/client/sessions/{sid}/tokens"), &[], &jar).await.ok("token");
    let claims = jwt_claims(r.json["jwt"].as_str().expect("jwt"));
    assert!(claims.get("sts").is_none(), "{claims}");

    // The new password signs in; the old one does not.
    let other = Jar::new();
    app.sign_in(&other, "cy@example.com", OLD).await.expect_error(422, "form_password_incorrect");
    app.sign_in_ok(&other, "cy@example.com", NEW).await;
}

#[tokio::test]
async fn other_sessions_end_when_asked_and_stay_when_not() {
    for sign_out_others in [true, false] {
        let app = TestApp::new().await;
        app.create_user("dee@example.com", Some(OLD)).await;
        let laptop = Jar::new();
        let laptop_sid = app.sign_in_ok(&laptop, "dee@example.com", OLD).await;
        let phone = Jar::new();
        let phone_sid = app.sign_in_ok(&phone, "dee@example.com", OLD).await;
        let flag = if sign_out_others { "true" } else { "false" };
        app.post(
            "/v1/me/change_password",
            &[("new_password", NEW), ("current_password", OLD), ("sign_out_of_other_sessions", flag)],
            &laptop,
        )
        .await
        .ok("change password");
        assert!(app.session(&laptop, &laptop_sid).await.is_some(), "the caller's session stays");
        assert_eq!(app.session(&phone, &phone_sid).await.is_none(), sign_out_others, "sign_out_of_other_sessions={flag}");
    }
}

#[tokio::test]
async fn revoke_all_sessions_ends_live_sessions() {
    let app = TestApp::new().await;
    app.create_user("eve@example.com", Some(OLD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, "eve@example.com", OLD).await;
    let id = app.client(&jar).await.sessions[0].user.as_ref().expect("user").id.clone();
    app.backend(Method::POST, &format!("/users/{id}/password/set_compromised"), &[("revoke_all_sessions", "false")])
        .await
        .ok("flag only");
    assert!(app.session(&jar, &sid).await.is_some(), "without revoke the session lives");
    app.backend(Method::POST, &format!("/users/{id}/password/set_compromised"), &[("revoke_all_sessions", "true")])
        .await
        .ok("revoke");
    assert!(app.session(&jar, &sid).await.is_none(), "revoked");
}

#[tokio::test]
async fn breached_passwords_are_refused_for_new_passwords() {
    let app = TestApp::new().await;
    let jar = Jar::new();
    app.post("/v1/client/sign_ups", &[("email_address", "fay@example.com"), ("password", "iloveyou1")], &jar)
        .await
        .expect_error(422, "form_password_pwned");
    app.backend(Method::POST, "/users", &[("email_address", "fay@example.com"), ("password", "iloveyou1")])
        .await
        .expect_error(422, "form_password_pwned");
    app.create_user("fay@example.com", Some(OLD)).await;
    app.sign_in_ok(&jar, "fay@example.com", OLD).await;
    app.post("/v1/me/change_password", &[("new_password", "iloveyou1"), ("current_password", OLD)], &jar)
        .await
        .expect_error(422, "form_password_pwned");
}

#[tokio::test]
async fn a_right_but_breached_password_marks_it_compromised() {
    let app = TestApp::new().await;
    app.backend(
        Method::POST,
        "/users",
        &[("email_address", "gus@example.com"), ("password", "iloveyou1"), ("skip_password_checks", "true")],
    )
    .await
    .ok("an imported user with a breached password");
    let jar = Jar::new();
    app.sign_in(&jar, "gus@example.com", "iloveyou1").await.expect_error(422, "form_password_compromised");
    let other = Jar::new();
    app.sign_in(&other, "gus@example.com", "wrong-password-7").await.expect_error(422, "form_password_incorrect");
    let sign_in = app.client(&jar).await.sign_in.expect("sign-in");
    app.post(&format!("/v1/client/sign_ins/{}/prepare_first_factor", sign_in.id), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare");
    let code = app.outbox_code("gus@example.com").await;
    let r = app
        .post(
            &format!("/v1/client/sign_ins/{}/attempt_first_factor", sign_in.id),
            &[("strategy", "email_code"), ("code", &code)],
            &jar,
        )
        .await
        .ok("code");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    let s = app.session(&jar, &sid).await.expect("session");
    assert_eq!(keys(&s).first(), Some(&TaskKey::ResetPassword), "the breached password is now marked compromised");
}

#[tokio::test]
async fn the_admin_command_marks_a_password_compromised() {
    let app = TestApp::new().await;
    app.create_user("hal@example.com", Some(OLD)).await;
    let run = |email: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vestibule"))
            .args(["admin", "--data-dir"])
            .arg(app.data_dir())
            .args(["set-compromised", email])
            .envs(app.database_url().map(|url| ("VESTIBULE_DATABASE_URL", url)))
            .output()
            .expect("vestibule runs")
    };
    let unknown = run("nobody@example.com");
    assert!(!unknown.status.success(), "an unknown address is an error");
    let out = run("HAL@example.com");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    app.sign_in(&Jar::new(), "hal@example.com", OLD).await.expect_error(422, "form_password_compromised");
}
