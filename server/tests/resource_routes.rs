//! What the routes that read or change one resource by its id do: a
//! session removed, the whole client deleted, a sign-in and a sign-up read
//! back, a sign-up changed, the environment by `POST`, and a user read by
//! the Backend API.

mod common;

use axum::http::{Method, StatusCode};
use common::*;

const EMAIL: &str = "mary@example.com";

/// The stored status of a session.
async fn stored_status(app: &TestApp, id: &str) -> Vec<String> {
    app.db_strings(&format!("SELECT status FROM sessions WHERE id = '{id}'")).await
}

#[tokio::test]
async fn removing_a_session_signs_it_out_of_the_client() {
    let app = TestApp::new().await;
    let signed = app.sign_up(EMAIL, PASSWORD).await;
    let r = app.post(&format!("/v1/client/sessions/{}/remove", signed.session_id), &[], &signed.jar).await.ok("remove");
    assert_eq!(r.json["response"]["id"], signed.session_id.as_str());
    assert_eq!(r.json["response"]["status"], "removed");
    assert_eq!(r.json["client"]["sessions"], serde_json::json!([]), "{}", r.text());
    assert!(r.json["client"]["last_active_session_id"].is_null());
    assert_eq!(stored_status(&app, &signed.session_id).await, ["removed"]);
    app.post(&format!("/v1/client/sessions/{}/tokens", signed.session_id), &[], &signed.jar)
        .await
        .expect_error(401, "authentication_invalid");
}

#[tokio::test]
async fn deleting_the_client_ends_its_sessions_and_forgets_it() {
    let app = TestApp::new().await;
    let signed = app.sign_up(EMAIL, PASSWORD).await;
    let old = signed.jar.token().expect("client cookie");
    let r = app.call(Method::DELETE, "/v1/client").jar(&signed.jar).send().await.ok("delete");
    assert_eq!(r.json["response"]["sessions"], serde_json::json!([]), "{}", r.text());
    assert!(r.json["response"]["last_active_session_id"].is_null());
    assert!(
        r.headers.get_all("set-cookie").iter().any(|c| c.to_str().is_ok_and(|c| c.starts_with("__client=;") && c.contains("Max-Age=0"))),
        "the client cookie is expired: {:?}",
        r.headers
    );
    assert_eq!(stored_status(&app, &signed.session_id).await, ["ended"]);
    // A browser that kept the old cookie is signed in nowhere.
    let again = Jar::with_token(&old);
    let client = app.client(&again).await;
    assert!(client.sessions.is_empty() && client.last_active_session_id.is_none(), "{client:?}");
}

#[tokio::test]
async fn a_sign_in_is_read_by_its_id() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let started = app.post("/v1/client/sign_ins", &[("identifier", EMAIL)], &jar).await.ok("start");
    let id = started.json["response"]["id"].as_str().expect("id").to_string();
    let r = app.get(&format!("/v1/client/sign_ins/{id}"), &jar).await.ok("read");
    assert_eq!(r.json["response"]["id"], id.as_str());
    assert_eq!(r.json["response"]["status"], "needs_first_factor");
    assert_eq!(r.json["response"]["identifier"], EMAIL);
    assert_eq!(r.json["response"]["supported_first_factors"], started.json["response"]["supported_first_factors"]);
    let email_id = app.db_strings(&format!("SELECT id FROM email_addresses WHERE email = '{EMAIL}'")).await;
    let factors = r.json["response"]["supported_first_factors"].as_array().expect("factors").clone();
    let email_code = factors.iter().find(|f| f["strategy"] == "email_code").expect("an email_code factor");
    assert_eq!(email_code["email_address_id"], email_id[0].as_str(), "clerk-js prepares the code with it: {email_code}");
    assert_eq!(email_code["safe_identifier"], EMAIL);
    let prepare = format!("/v1/client/sign_ins/{id}/prepare_first_factor");
    app.post(&prepare, &[("strategy", "email_code"), ("email_address_id", "idn_another")], &jar)
        .await
        .expect_error(422, "form_param_format_invalid");
    app.post(&prepare, &[("strategy", "email_code"), ("email_address_id", &email_id[0])], &jar).await.ok("the factor's own address");
    assert_eq!(app.outbox_codes(EMAIL).await.len(), 1, "one code, for the right address");
    app.get("/v1/client/sign_ins/sia_unknown", &jar).await.expect_error(404, "resource_not_found");
}

#[tokio::test]
async fn a_sign_up_is_read_and_changed_by_its_id() {
    let app = TestApp::new().await;
    let (jar, id) = app.start_email_sign_up(EMAIL).await;
    let r = app.get(&format!("/v1/client/sign_ups/{id}"), &jar).await.ok("read");
    assert_eq!((r.json["response"]["id"].as_str(), r.json["response"]["email_address"].as_str()), (Some(id.as_str()), Some(EMAIL)));
    assert_eq!(r.json["response"]["has_password"], false);
    let old_code = app.outbox_code(EMAIL).await;

    let path = format!("/v1/client/sign_ups/{id}");
    let r = app.call(Method::PATCH, &path).jar(&jar).form(&[("password", PASSWORD), ("first_name", "Mary")]).send().await.ok("patch");
    assert_eq!(r.json["response"]["has_password"], true, "{}", r.text());
    assert_eq!(r.json["response"]["first_name"], "Mary");
    assert_eq!(r.json["response"]["email_address"], EMAIL, "unchanged fields stay");

    // A new address: the code sent to the old one no longer verifies it.
    let r = app.call(Method::PATCH, &path).jar(&jar).form(&[("email_address", "mary.new@example.com")]).send().await.ok("new address");
    assert_eq!(r.json["response"]["email_address"], "mary.new@example.com");
    let r = app.post(&format!("{path}/attempt_verification"), &[("strategy", "email_code"), ("code", &old_code)], &jar).await;
    r.expect_error(422, "verification_failed");
    assert_eq!(app.get(&path, &jar).await.ok("read").json["response"]["status"], "missing_requirements");
}

#[tokio::test]
async fn post_environment_answers_the_environment() {
    let app = TestApp::new().await;
    let got = app.get("/v1/environment", &Jar::new()).await.ok("get");
    let posted = app.post("/v1/environment", &[], &Jar::new()).await.ok("post");
    assert_eq!(posted.json, got.json);
    assert_eq!(posted.json["object"], "environment");
}

#[tokio::test]
async fn the_backend_reads_a_user_by_id() {
    let app = TestApp::new().await;
    let user = app.create_user(EMAIL, Some(PASSWORD)).await;
    let r = app.backend(Method::GET, &format!("/users/{user}"), &[]).await.ok("read");
    assert_eq!(r.json["id"], user.as_str(), "{}", r.text());
    assert_eq!(r.json["email_addresses"][0]["email_address"], EMAIL);
    assert_eq!(r.json["password_enabled"], true);
    app.backend(Method::GET, "/users/user_unknown", &[]).await.expect_error(404, "resource_not_found");
    let r = app.call(Method::GET, &format!("/backend/v1/users/{user}")).send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "no key: {}", r.text());
}

#[tokio::test]
async fn a_jwt_template_is_not_found_by_name_and_only_for_the_callers_session() {
    let app = TestApp::new().await;
    let signed = app.sign_up(EMAIL, PASSWORD).await;
    let r = app.post(&format!("/v1/client/sessions/{}/tokens/supabase", signed.session_id), &[], &signed.jar).await;
    r.expect_error(404, "resource_not_found");
    assert!(r.envelope().errors[0].message.contains("\"supabase\""), "the template is named: {}", r.text());
    let stranger = Jar::new();
    let r = app.post(&format!("/v1/client/sessions/{}/tokens/supabase", signed.session_id), &[], &stranger).await;
    assert!(matches!(r.code().as_str(), "resource_not_found" | "authentication_invalid"), "{}", r.text());
    assert!(!r.text().contains("supabase"), "another client learns nothing of the session: {}", r.text());
}

#[tokio::test]
async fn the_environment_requires_what_a_sign_up_requires_under_every_setting() {
    let app = TestApp::with_config(|c| c.sign_up_attempts_per_ip_per_minute = 1000).await;
    let flag = |on: bool| if on { "true" } else { "false" };
    for combination in 0..32u32 {
        let on = |bit: u32| flag(combination & (1 << bit) != 0);
        let settings = [
            ("email_verification_at_sign_up", on(0)),
            ("phone_code_enabled", on(1)),
            ("totp_enabled", on(2)),
            ("backup_code_enabled", on(3)),
            ("mfa_required", on(4)),
        ];
        app.patch_instance(&settings).await.ok("settings");
        let environment = app.get("/v1/environment", &Jar::new()).await.ok("environment").json;
        let required: std::collections::BTreeSet<String> = environment["user_settings"]["attributes"]
            .as_object()
            .expect("attributes")
            .iter()
            .filter(|(_, a)| a["required"] == true)
            .map(|(name, _)| name.clone())
            .collect();
        let email = format!("combination{combination}@example.com");
        let sign_up = app.post("/v1/client/sign_ups", &[("email_address", &email)], &Jar::new()).await.ok("sign-up").json;
        let fields: std::collections::BTreeSet<String> =
            serde_json::from_value(sign_up["response"]["required_fields"].clone()).expect("required_fields");
        assert_eq!(required, fields, "{settings:?}");
        assert!(fields.contains("password"), "a password is required: {settings:?}");
        assert_eq!(environment["user_settings"]["attributes"]["password"]["enabled"], true);
    }
}

#[tokio::test]
async fn organization_suggestions_are_an_empty_page_for_a_signed_in_user() {
    let app = TestApp::new().await;
    let signed = app.sign_up(EMAIL, PASSWORD).await;
    for query in ["", "?status=pending", "?status=pending&status=accepted&limit=10&offset=0"] {
        let r = app.get(&format!("/v1/me/organization_suggestions{query}"), &signed.jar).await.ok(query);
        assert_eq!(r.json["response"], serde_json::json!({ "data": [], "total_count": 0 }), "{query}: {}", r.text());
        assert!(r.json["client"]["id"].is_string(), "the client rides along: {}", r.text());
    }
    let r = app.get("/v1/me/organization_suggestions?status=maybe", &signed.jar).await;
    r.expect_error(422, "form_param_format_invalid");
    app.get("/v1/me/organization_suggestions", &Jar::new()).await.expect_error(401, "authentication_invalid");
}

#[tokio::test]
async fn a_sign_ups_email_verification_says_whether_a_code_was_sent() {
    let app = TestApp::new().await;
    let jar = Jar::new();
    let created = app.post("/v1/client/sign_ups", &[("email_address", EMAIL), ("password", PASSWORD)], &jar).await.ok("create");
    let id = created.json["response"]["id"].as_str().expect("id").to_string();
    let v = &created.json["response"]["verifications"]["email_address"];
    assert_eq!(v["status"], "unverified", "{v}");
    assert!(v["strategy"].is_null(), "no code was sent, so no strategy: {v}");
    assert_eq!((v["next_action"].as_str(), &v["supported_strategies"]), (Some("needs_prepare"), &serde_json::json!(["email_code"])));
    assert_eq!(app.outbox_codes(EMAIL).await.len(), 0, "creating a sign-up sends no code");

    let path = format!("/v1/client/sign_ups/{id}");
    let prepared = app.post(&format!("{path}/prepare_verification"), &[("strategy", "email_code")], &jar).await.ok("prepare");
    let v = &prepared.json["response"]["verifications"]["email_address"];
    assert_eq!((v["strategy"].as_str(), v["next_action"].as_str()), (Some("email_code"), Some("needs_attempt")), "{v}");
    assert_eq!(v["attempts"], 0);
    assert_eq!(v["expire_at"], app.now() + 10 * MINUTE);
    let wrong = if app.outbox_code(EMAIL).await == "000000" { "111111" } else { "000000" };
    app.post(&format!("{path}/attempt_verification"), &[("strategy", "email_code"), ("code", wrong)], &jar)
        .await
        .expect_error(422, "form_code_incorrect");
    let read = app.get(&path, &jar).await.ok("read");
    assert_eq!(read.json["response"]["verifications"]["email_address"]["attempts"], 1, "{}", read.text());
    assert_eq!(app.client(&jar).await.sign_up.expect("in the client").verifications.email_address.and_then(|v| v.attempts), Some(1));

    let code = app.outbox_code(EMAIL).await;
    let done = app.post(&format!("{path}/attempt_verification"), &[("strategy", "email_code"), ("code", &code)], &jar).await.ok("verify");
    let v = &done.json["response"]["verifications"]["email_address"];
    assert_eq!((v["status"].as_str(), v["strategy"].as_str()), (Some("verified"), Some("email_code")), "{v}");
}
