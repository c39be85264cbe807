//! The Backend API: the secret key guard, and the invitation flow it starts
//! (operator invites, the invited address sees it once verified, accepts,
//! and can make the organization active).

mod common;

use axum::http::{header, Method, StatusCode};
use common::*;
use vestibule_protocol::SessionStatus;

#[tokio::test]
async fn invited_address_sees_the_invitation_once_verified_and_joins() {
    let app = TestApp::new().await;
    let org = app.backend_org("Acme Inc", "acme", None).await;
    let r = app
        .backend(Method::POST, &format!("/organizations/{org}/invitations"), &[("email_address", "Member@Example.com")])
        .await
        .ok("invite");
    let inv = r.json["id"].as_str().expect("invitation id").to_string();
    assert!(inv.starts_with("orginv_"));
    assert_eq!(r.json["status"], "pending");
    assert_eq!(r.json["email_address"], "member@example.com");
    assert_eq!(r.json["role"], "org:member");

    // The invited address, signing up: while unverified there is no session,
    // so nothing can be listed.
    let jar = Jar::new();
    let r = app
        .post("/v1/client/sign_ups", &[("email_address", "member@example.com"), ("password", PASSWORD)], &jar)
        .await
        .ok("sign-up");
    let sua = r.json["response"]["id"].as_str().expect("sua").to_string();
    app.get("/v1/me/organization_invitations?status=pending", &jar)
        .await
        .expect_error(401, "authentication_invalid");
    app.post(&format!("/v1/me/organization_invitations/{inv}/accept"), &[], &jar)
        .await
        .expect_error(401, "authentication_invalid");

    // Verified: the invitation is there.
    app.post(&format!("/v1/client/sign_ups/{sua}/prepare_verification"), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare");
    let code = app.outbox_code("member@example.com").await;
    let r = app
        .post(&format!("/v1/client/sign_ups/{sua}/attempt_verification"), &[("code", &code)], &jar)
        .await
        .ok("verify");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    let r = app.get("/v1/me/organization_invitations?status=pending", &jar).await.ok("invitations");
    assert_eq!(r.json["response"]["total_count"], 1, "{}", r.text());
    let listed = &r.json["response"]["data"][0];
    assert_eq!(listed["id"], inv.as_str());
    assert_eq!(listed["object"], "organization_invitation");
    assert_eq!(listed["public_organization_data"]["id"], org.as_str());
    assert_eq!(listed["public_organization_data"]["slug"], "acme");

    // Another user made by the same sign-up flow does not see it, nor can
    // accept it.
    let stranger = app.sign_up("stranger@example.com", PASSWORD).await;
    let r = app.get("/v1/me/organization_invitations?status=pending", &stranger.jar).await.ok("invitations");
    assert_eq!(r.json["response"]["data"], serde_json::json!([]));
    let r = app.post(&format!("/v1/me/organization_invitations/{inv}/accept"), &[], &stranger.jar).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a stranger cannot accept: {}", r.text());
    assert_eq!(r.envelope().errors[0].code, "resource_not_found");
    app.post(
        &format!("/v1/client/sessions/{}/touch", stranger.session_id),
        &[("active_organization_id", &org)],
        &stranger.jar,
    )
    .await
    .expect_error(422, "not_a_member_in_organization");

    // Before accepting, the invitee is not a member either.
    app.post(&format!("/v1/client/sessions/{sid}/touch"), &[("active_organization_id", &org)], &jar)
        .await
        .expect_error(422, "not_a_member_in_organization");

    // Accept, then the membership is listed and the org can be made active.
    let r = app.post(&format!("/v1/me/organization_invitations/{inv}/accept"), &[], &jar).await.ok("accept");
    assert_eq!(r.json["response"]["status"], "accepted");
    let r = app.get("/v1/me/organization_invitations?status=pending", &jar).await.ok("invitations");
    assert_eq!(r.json["response"]["data"], serde_json::json!([]));
    let r = app.get("/v1/me/organization_memberships?paginated=true", &jar).await.ok("memberships");
    assert_eq!(r.json["response"]["total_count"], 1);
    assert_eq!(r.json["response"]["data"][0]["organization"]["id"], org.as_str());
    assert_eq!(r.json["response"]["data"][0]["role"], "org:member");
    let r = app
        .post(
            &format!("/v1/client/sessions/{sid}/touch"),
            &[("active_organization_id", &org), ("intent", "select_org")],
            &jar,
        )
        .await
        .ok("touch");
    assert_eq!(r.json["response"]["status"], "active");
    let claims = jwt_claims(r.json["response"]["last_active_token"]["jwt"].as_str().expect("jwt"));
    assert_eq!(claims["o"]["id"], org.as_str());
    assert_eq!(claims["o"]["rol"], "org:member");
    assert_eq!(app.session(&jar, &sid).await.expect("session").status, SessionStatus::Active);

    // Accepting twice is refused.
    let r = app.post(&format!("/v1/me/organization_invitations/{inv}/accept"), &[], &jar).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.envelope().errors[0].code, "request_invalid");
}

#[tokio::test]
async fn backend_api_requires_the_secret_key() {
    let app = TestApp::new().await;
    assert!(app.secret_key.starts_with("sk_test_"));
    assert!(app.secret_key_new, "a first start generates the secret key");

    let cases: [(&str, Option<String>); 4] = [
        ("no header", None),
        ("wrong key", Some("Bearer sk_test_wrong".to_string())),
        ("not bearer", Some(format!("Basic {}", app.secret_key))),
        ("key with a suffix", Some(format!("Bearer {}x", app.secret_key))),
    ];
    for (what, auth) in cases {
        for (method, path) in [(Method::GET, "/backend/v1/instance"), (Method::POST, "/backend/v1/users"), (Method::POST, "/backend/v1/organizations")] {
            let mut call = app.call(method.clone(), path).form(&[("email_address", "x@example.com"), ("name", "X")]);
            if let Some(a) = &auth {
                call = call.header(header::AUTHORIZATION, a);
            }
            let r = call.send().await;
            assert_eq!(r.status.as_u16(), 401, "{what} {method} {path}: {}", r.text());
            assert_eq!(r.code(), "authentication_invalid", "{what} {method} {path}");
        }
    }
    // Nothing was created by the refused calls.
    let r = app.backend(Method::GET, "/users?email_address=x@example.com", &[]).await.ok("find users");
    assert_eq!(r.json, serde_json::json!([]));

    // With the key: fine.
    let r = app.backend(Method::GET, "/instance", &[]).await.ok("instance");
    assert_eq!(r.json["force_organization_selection"], true);
    assert_eq!(r.json["lockout_max_attempts"], 10);
}

#[tokio::test]
async fn backend_users_and_instance_settings() {
    let app = TestApp::new().await;
    let id = app.create_user("Op@Example.com", None).await;
    let r = app.backend(Method::GET, "/users?email_address=op@example.com", &[]).await.ok("find");
    assert_eq!(r.json[0]["id"], id.as_str());
    assert_eq!(r.json[0]["email_addresses"][0]["verification"]["status"], "verified");
    app.backend(Method::POST, "/users", &[("email_address", "op@example.com")])
        .await
        .expect_error(422, "form_identifier_exists");
    app.backend(Method::POST, "/users", &[("email_address", "x@example.com"), ("password", "short")])
        .await
        .expect_error(422, "form_password_length_too_short");

    // PATCH through the method override; unknown keys and wrong types refused.
    let r = app
        .call(Method::POST, "/backend/v1/instance?_method=PATCH")
        .bearer(&app.secret_key)
        .form(&[("application_name", "Acme Login")])
        .send()
        .await
        .ok("patch via override");
    assert_eq!(r.json["application_name"], "Acme Login");
    app.backend(Method::PATCH, "/instance", &[("no_such_setting", "1")]).await.expect_error(422, "form_param_format_invalid");
    app.backend(Method::PATCH, "/instance", &[("mfa_required", "maybe")]).await.expect_error(422, "form_param_format_invalid");
    let env = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    assert_eq!(env.json["display_config"]["application_name"], "Acme Login");
}
