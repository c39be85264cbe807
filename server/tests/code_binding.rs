//! A code verifies only the destination it was sent to (`security.md`,
//! "Safe by default"): changing a sign-up's email address or an unverified
//! phone number between prepare and attempt invalidates the code, and the
//! attempt is refused without verifying or creating anything.

mod common;

use axum::http::Method;
use common::*;

const ATTACKER: &str = "mallory@example.com";
const VICTIM: &str = "victim@example.com";

#[tokio::test]
async fn a_code_sent_to_one_address_cannot_verify_another_after_a_patch() {
    let app = TestApp::new().await;
    let jar = Jar::new();
    let r = app
        .post("/v1/client/sign_ups", &[("email_address", ATTACKER), ("password", PASSWORD)], &jar)
        .await
        .ok("create sign-up");
    let id = r.json["response"]["id"].as_str().expect("sign-up id").to_string();
    app.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare");
    let code = app.outbox_code(ATTACKER).await;

    let r = app
        .call(Method::PATCH, &format!("/v1/client/sign_ups/{id}"))
        .jar(&jar)
        .form(&[("email_address", VICTIM)])
        .send()
        .await
        .ok("patch the address");
    assert_eq!(r.json["response"]["email_address"], VICTIM);

    let r = app.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)], &jar).await;
    assert!(r.status.is_client_error(), "the attacker's code was accepted: {} {}", r.status, r.text());
    assert_eq!(r.code(), "verification_failed", "{}", r.text());
    assert!(r.envelope().errors[0].message.contains("Request one"), "{}", r.text());

    // Nothing was verified and no user exists for either address.
    let r = app.get(&format!("/v1/client/sign_ups/{id}"), &jar).await.ok("read sign-up");
    assert_eq!(r.json["response"]["status"], "missing_requirements");
    assert_eq!(r.json["response"]["unverified_fields"], serde_json::json!(["email_address"]));
    assert!(r.json["response"]["created_user_id"].is_null());
    for email in [VICTIM, ATTACKER] {
        assert!(vestibule_server::store::users::by_email(&app.state.pool, email).await.expect("db").is_none(), "{email}");
    }

    // The attacker's code stays dead even if the address is patched back.
    app.call(Method::PATCH, &format!("/v1/client/sign_ups/{id}"))
        .jar(&jar)
        .form(&[("email_address", ATTACKER)])
        .send()
        .await
        .ok("patch back");
    let r = app.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)], &jar).await;
    assert!(r.status.is_client_error(), "{}", r.text());

    // A code sent to the new address works: the owner of that address can sign up.
    app.advance(31 * SECOND);
    app.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare again");
    let fresh = app.outbox_code(ATTACKER).await;
    let r = app.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &fresh)], &jar).await.ok("verify");
    assert_eq!(r.json["response"]["status"], "complete");
}

#[tokio::test]
async fn a_code_texted_to_one_number_cannot_verify_the_corrected_number() {
    let app = TestApp::new().await;
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    let user = app.sign_up("ada@example.com", PASSWORD).await;
    let jar = &user.jar;
    let r = app.post("/v1/me/phone_numbers", &[("phone_number", "+15550100111")], jar).await.ok("add phone");
    let id = r.json["response"]["id"].as_str().expect("phone id").to_string();
    app.post(&format!("/v1/me/phone_numbers/{id}/prepare_verification"), &[("strategy", "phone_code")], jar)
        .await
        .ok("prepare");
    let code = app.outbox_code("+15550100111").await;

    let r = app
        .call(Method::PATCH, &format!("/v1/me/phone_numbers/{id}"))
        .jar(jar)
        .form(&[("phone_number", "+15550100222")])
        .send()
        .await
        .ok("correct the number");
    assert_eq!(r.json["response"]["phone_number"], "+15550100222");

    let r = app.post(&format!("/v1/me/phone_numbers/{id}/attempt_verification"), &[("code", &code)], jar).await;
    assert!(r.status.is_client_error(), "the old number's code was accepted: {} {}", r.status, r.text());
    assert_eq!(r.code(), "verification_failed", "{}", r.text());
    let phones = vestibule_server::store::phones::of_user(&app.state.pool, &user.user_id).await.expect("db");
    assert_eq!(phones.len(), 1);
    assert!(!phones[0].verified, "nothing was verified");

    // The corrected number verifies with its own code; a verified number's
    // digits cannot be changed.
    app.post(&format!("/v1/me/phone_numbers/{id}/prepare_verification"), &[("strategy", "phone_code")], jar)
        .await
        .ok("prepare for the new number");
    let fresh = app.outbox_code("+15550100222").await;
    app.post(&format!("/v1/me/phone_numbers/{id}/attempt_verification"), &[("code", &fresh)], jar).await.ok("verify");
    app.call(Method::PATCH, &format!("/v1/me/phone_numbers/{id}"))
        .jar(jar)
        .form(&[("phone_number", "+15550100333")])
        .send()
        .await
        .expect_error(422, "form_param_format_invalid");
}
