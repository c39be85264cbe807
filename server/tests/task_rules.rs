//! The task rules of `frontend-api.md` section 4, seen through
//! `GET /v1/client`, the touch route and the session token's claims.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;
use vestibule_protocol::{SessionStatus, TaskKey};

#[tokio::test]
async fn session_is_pending_until_an_organization_is_chosen() {
    let app = TestApp::new().await;
    let me = app.sign_up("ada@example.com", PASSWORD).await;

    // Fresh from sign-up: pending, with exactly the choose-organization task.
    let r = app.get("/v1/client", &me.jar).await.ok("client");
    let raw = &r.json["response"]["sessions"][0];
    assert_eq!(raw["id"], me.session_id.as_str());
    assert_eq!(raw["status"], "pending");
    assert_eq!(raw["tasks"], json!([{ "key": "choose-organization" }]));
    let s = app.session(&me.jar, &me.session_id).await.expect("session on the client");
    assert_eq!(s.current_task(), Some(TaskKey::ChooseOrganization));
    let claims = jwt_claims(&token_of(&s));
    assert_eq!(claims["sts"], "pending", "a pending session's token says so: {claims}");
    assert!(claims.get("o").is_none(), "no organization yet: {claims}");
    assert_eq!(claims["sid"], me.session_id.as_str());
    assert_eq!(claims["sub"], me.user_id.as_str());
    assert_eq!(claims["v"], 2);
    assert_eq!(claims["iss"], PUBLIC_URL);
    assert_eq!(claims["azp"], ORIGIN);
    assert_eq!(claims["iat"], T0 / 1000);
    assert_eq!(claims["exp"], T0 / 1000 + 60, "session tokens live 60 s");
    assert_eq!(jwt_header(&token_of(&s))["alg"], "RS256");

    // Creating an organization does not by itself make it active.
    let r = app.post("/v1/organizations", &[("name", "Acme Inc"), ("slug", "acme")], &me.jar).await.ok("create org");
    let org_id = r.json["response"]["id"].as_str().expect("org id").to_string();
    assert_eq!(r.json["response"]["slug"], "acme");
    assert_eq!(r.json["client"]["sessions"][0]["status"], "pending", "the piggybacked client is still pending");

    // Touch into it: active, no tasks, and the token names the organization.
    let r = app
        .post(
            &format!("/v1/client/sessions/{}/touch", me.session_id),
            &[("active_organization_id", &org_id), ("intent", "select_org")],
            &me.jar,
        )
        .await
        .ok("touch");
    assert_eq!(r.json["response"]["status"], "active");
    assert!(r.json["response"]["tasks"].is_null(), "no tasks once active: {}", r.json["response"]["tasks"]);
    assert_eq!(r.json["response"]["last_active_organization_id"], org_id.as_str());
    let claims = jwt_claims(r.json["response"]["last_active_token"]["jwt"].as_str().expect("touch returns a token"));
    assert!(claims.get("sts").is_none(), "an active session's token has no sts: {claims}");
    assert_eq!(claims["o"]["id"], org_id.as_str());
    assert_eq!(claims["o"]["slg"], "acme");
    assert_eq!(claims["o"]["rol"], "org:admin");

    // GET /client agrees, and so does a token from /tokens.
    let r = app.get("/v1/client", &me.jar).await.ok("client");
    assert_eq!(r.json["response"]["sessions"][0]["status"], "active");
    assert!(r.json["response"]["sessions"][0]["tasks"].is_null());
    let r = app.post(&format!("/v1/client/sessions/{}/tokens", me.session_id), &[], &me.jar).await.ok("tokens");
    assert_eq!(r.json["object"], "token");
    let claims = jwt_claims(r.json["jwt"].as_str().expect("jwt"));
    assert!(claims.get("sts").is_none());
    assert_eq!(claims["o"]["id"], org_id.as_str());

    // An empty active_organization_id means none: the task comes back.
    let r = app
        .post(&format!("/v1/client/sessions/{}/touch", me.session_id), &[("active_organization_id", "")], &me.jar)
        .await
        .ok("touch to none");
    assert_eq!(r.json["response"]["status"], "pending");
    assert_eq!(r.json["response"]["tasks"], json!([{ "key": "choose-organization" }]));
    let claims = jwt_claims(r.json["response"]["last_active_token"]["jwt"].as_str().expect("jwt"));
    assert_eq!(claims["sts"], "pending");
    assert!(claims.get("o").is_none());
}

#[tokio::test]
async fn touch_into_a_foreign_organization_is_refused() {
    let app = TestApp::new().await;
    // Another user (made by the operator, no password needed) owns an org.
    let other = app.create_user("owner@example.com", None).await;
    let foreign = app.backend_org("Elsewhere", "elsewhere", Some(&other)).await;

    let me = app.sign_up("ada@example.com", PASSWORD).await;
    let r = app
        .post(
            &format!("/v1/client/sessions/{}/touch", me.session_id),
            &[("active_organization_id", &foreign), ("intent", "select_org")],
            &me.jar,
        )
        .await;
    r.expect_error(422, "not_a_member_in_organization");
    assert_eq!(r.envelope().errors[0].meta.param_name.as_deref(), Some("active_organization_id"));

    // Nothing changed: still pending, no organization in the token.
    let s = app.session(&me.jar, &me.session_id).await.expect("session");
    assert_eq!(s.status, SessionStatus::Pending);
    assert_eq!(s.last_active_organization_id, None);
    assert!(jwt_claims(&token_of(&s)).get("o").is_none());

    // Nor can it be read or used for a token.
    app.get(&format!("/v1/organizations/{foreign}"), &me.jar)
        .await
        .expect_error(404, "organization_not_found_or_unauthorized");
    app.post(&format!("/v1/client/sessions/{}/tokens", me.session_id), &[("organization_id", &foreign)], &me.jar)
        .await
        .expect_error(422, "not_a_member_in_organization");
}

#[tokio::test]
async fn without_forced_organization_selection_the_fresh_session_is_active() {
    let app = TestApp::new().await;
    let r = app.patch_instance(&[("force_organization_selection", "false")]).await;
    assert_eq!(r.json["force_organization_selection"], false);
    let r = app.backend(Method::GET, "/instance", &[]).await.ok("get instance");
    assert_eq!(r.json["force_organization_selection"], false);
    let env = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    assert_eq!(env.json["organization_settings"]["force_organization_selection"], false);

    let me = app.sign_up("ada@example.com", PASSWORD).await;
    let r = app.get("/v1/client", &me.jar).await.ok("client");
    let raw = &r.json["response"]["sessions"][0];
    assert_eq!(raw["status"], "active");
    assert!(raw["tasks"].is_null());
    let claims = jwt_claims(raw["last_active_token"]["jwt"].as_str().expect("jwt"));
    assert!(claims.get("sts").is_none(), "{claims}");
    assert!(claims.get("o").is_none(), "{claims}");
}

#[tokio::test]
async fn a_compromised_password_puts_reset_password_first() {
    let app = TestApp::new().await;
    let me = app.sign_up("ada@example.com", PASSWORD).await;
    app.backend(Method::POST, &format!("/users/{}/password/set_compromised", me.user_id), &[])
        .await
        .ok("set compromised");
    let r = app.get("/v1/client", &me.jar).await.ok("client");
    let raw = &r.json["response"]["sessions"][0];
    assert_eq!(raw["status"], "pending");
    assert_eq!(raw["tasks"], json!([{ "key": "reset-password" }, { "key": "choose-organization" }]));

    // With revoke_all_sessions the session is gone from the client.
    app.backend(
        Method::POST,
        &format!("/users/{}/password/set_compromised", me.user_id),
        &[("revoke_all_sessions", "true")],
    )
    .await
    .ok("set compromised and revoke");
    assert!(app.session(&me.jar, &me.session_id).await.is_none(), "a revoked session is not listed");
}

#[tokio::test]
async fn a_pending_session_expires_after_30_minutes() {
    let app = TestApp::new().await;
    let me = app.sign_up("ada@example.com", PASSWORD).await;
    app.advance(30 * MINUTE - SECOND);
    let s = app.session(&me.jar, &me.session_id).await.expect("still there at 29:59");
    assert_eq!(s.status, SessionStatus::Pending);

    app.advance(2 * SECOND);
    assert!(app.session(&me.jar, &me.session_id).await.is_none(), "gone at 30:01");
    app.post(&format!("/v1/client/sessions/{}/touch", me.session_id), &[], &me.jar)
        .await
        .expect_error(401, "authentication_invalid");
    app.get("/v1/me", &me.jar).await.expect_error(401, "authentication_invalid");
}

#[tokio::test]
async fn an_active_session_outlives_the_pending_limit() {
    let app = TestApp::new().await;
    app.patch_instance(&[("force_organization_selection", "false")]).await;
    let me = app.sign_up("ada@example.com", PASSWORD).await;
    app.advance(31 * MINUTE);
    let s = app.session(&me.jar, &me.session_id).await.expect("an active session stays");
    assert_eq!(s.status, SessionStatus::Active);
}
