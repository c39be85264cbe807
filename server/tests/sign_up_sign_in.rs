//! Sign-up with the emailed code, sign-in with a password, sign out of one
//! session and of all of them.

mod common;

use axum::http::Method;
use common::*;
use vestibule_protocol::SessionStatus;

#[tokio::test]
async fn sign_up_needs_the_emailed_code_before_a_session_exists() {
    let app = TestApp::new().await;
    let jar = Jar::new();
    let r = app
        .post("/v1/client/sign_ups", &[("email_address", "Ada@Example.com"), ("password", PASSWORD)], &jar)
        .await
        .ok("create sign-up");
    assert!(jar.token().is_some(), "the first call sets the __client cookie");
    let cookie = r.set_cookies().into_iter().find(|c| c.starts_with("__client=")).expect("__client cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("Max-Age=604800"), "7 days: {cookie}");
    assert!(!cookie.contains("Secure"), "no Secure over plain http: {cookie}");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("sua_"));
    assert_eq!(r.json["response"]["status"], "missing_requirements");
    assert_eq!(r.json["response"]["email_address"], "ada@example.com", "addresses are normalised");
    assert_eq!(r.json["response"]["unverified_fields"], serde_json::json!(["email_address"]));
    assert!(app.client(&jar).await.sessions.is_empty(), "no session before verification");

    // A wrong code does not complete it.
    app.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare");
    let code = app.outbox_code("ada@example.com").await;
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let wrong = format!("{:06}", (code.parse::<u32>().expect("digits") + 1) % 1_000_000);
    app.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &wrong)], &jar)
        .await
        .expect_error(422, "form_code_incorrect");
    assert!(app.client(&jar).await.sessions.is_empty());

    let r = app
        .post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)], &jar)
        .await
        .ok("attempt");
    assert_eq!(r.json["response"]["status"], "complete");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    let client = app.client(&jar).await;
    assert_eq!(client.last_active_session_id.as_deref(), Some(sid.as_str()));
    assert_eq!(client.sessions[0].status, SessionStatus::Pending);

    // The address is now taken.
    app.post("/v1/client/sign_ups", &[("email_address", "ada@example.com")], &Jar::new())
        .await
        .expect_error(422, "form_identifier_exists");
}

#[tokio::test]
async fn sign_in_with_password() {
    let app = TestApp::new().await;
    app.create_user("grace@example.com", Some(PASSWORD)).await;
    let jar = Jar::new();

    let r = app.sign_in(&jar, "grace@example.com", WRONG).await;
    r.expect_error(422, "form_password_incorrect");
    assert_eq!(r.envelope().errors[0].meta.param_name.as_deref(), Some("password"));

    let r = app.sign_in(&jar, "nobody@example.com", PASSWORD).await;
    r.expect_error(422, "form_identifier_not_found");
    assert_eq!(r.envelope().errors[0].meta.param_name.as_deref(), Some("identifier"));
    assert!(app.sessions(&jar).await.is_empty());

    let r = app.sign_in(&jar, "Grace@Example.com", PASSWORD).await.ok("sign in");
    assert_eq!(r.json["response"]["object"], "sign_in");
    assert_eq!(r.json["response"]["status"], "complete", "a sign-in ending in a pending session is still complete");
    let sid = r.json["response"]["created_session_id"].as_str().expect("created_session_id").to_string();
    assert!(sid.starts_with("sess_"));
    let s = app.session(&jar, &sid).await.expect("the session is on the client");
    assert_eq!(s.status, SessionStatus::Pending);
    assert_eq!(jwt_claims(&token_of(&s))["sts"], "pending");

    // Single-session mode: a second sign-in on this client is refused.
    let r = app.sign_in(&jar, "grace@example.com", PASSWORD).await;
    r.expect_error(422, "session_exists");
    assert_eq!(r.envelope().errors[0].meta.session_id.as_deref(), Some(sid.as_str()));

    // Identifier first, then the password as first factor.
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    let r = app.post("/v1/client/sign_ins", &[("identifier", "grace@example.com")], &jar).await.ok("identifier");
    assert_eq!(r.json["response"]["status"], "needs_first_factor");
    assert_eq!(r.json["response"]["supported_first_factors"][0]["strategy"], "password");
    let sia = r.json["response"]["id"].as_str().expect("sia id").to_string();
    let r = app
        .post(
            &format!("/v1/client/sign_ins/{sia}/attempt_first_factor"),
            &[("strategy", "password"), ("password", PASSWORD)],
            &jar,
        )
        .await
        .ok("first factor");
    assert_eq!(r.json["response"]["status"], "complete");
    assert!(r.json["response"]["created_session_id"].is_string());
}

#[tokio::test]
async fn sign_out_of_one_session_removes_it_from_the_client() {
    let app = TestApp::new().await;
    app.create_user("grace@example.com", Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, "grace@example.com", PASSWORD).await;
    assert!(app.session(&jar, &sid).await.is_some());

    let r = app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    assert_eq!(r.json["response"]["status"], "ended");
    assert!(r.json["response"]["last_active_token"].is_null(), "an ended session gets no token");
    let client = app.client(&jar).await;
    assert!(client.sessions.is_empty(), "the ended session is gone: {:?}", client.sessions);
    assert_eq!(client.last_active_session_id, None);

    // It stays ended: no touch, no tokens, no /me.
    app.post(&format!("/v1/client/sessions/{sid}/touch"), &[], &jar).await.expect_error(401, "authentication_invalid");
    app.post(&format!("/v1/client/sessions/{sid}/tokens"), &[], &jar).await.expect_error(401, "authentication_invalid");
    app.get("/v1/me", &jar).await.expect_error(401, "authentication_invalid");
}

#[tokio::test]
async fn sign_out_of_all_sessions_through_the_method_override() {
    let app = TestApp::new().await;
    app.create_user("grace@example.com", Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, "grace@example.com", PASSWORD).await;

    // A plain POST is not the DELETE route...
    let r = app.post("/v1/client/sessions", &[], &jar).await;
    assert_eq!(r.status.as_u16(), 405, "{}", r.text());
    r.envelope();
    assert!(app.session(&jar, &sid).await.is_some());

    // ...but POST ?_method=DELETE is.
    let r = app.post("/v1/client/sessions?_method=DELETE", &[], &jar).await.ok("sign out all");
    assert_eq!(r.json["response"]["object"], "client");
    let client = app.client(&jar).await;
    assert!(client.sessions.is_empty(), "{:?}", client.sessions);
    assert_eq!(client.last_active_session_id, None);
    app.post(&format!("/v1/client/sessions/{sid}/touch"), &[], &jar).await.expect_error(401, "authentication_invalid");

    // The real verb works too.
    let sid = app.sign_in_ok(&jar, "grace@example.com", PASSWORD).await;
    app.call(Method::DELETE, "/v1/client/sessions").jar(&jar).send().await.ok("DELETE");
    assert!(app.session(&jar, &sid).await.is_none());
}
