//! `protect()`, the route matcher, the seed's API route and the other
//! answers the middleware gives on an application's behalf.

// Rules answer with `Err(Response)`, as axum handlers do.
#![allow(clippy::result_large_err)]

mod common;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use common::*;
use serde_json::json;
use vestibule_middleware::{create_route_matcher, Auth, SignedState, VestibuleConfig, VestibuleLayer};

const PAGE: (&str, &str) = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
const ORIGINAL: &str = "/dashboard/teams?tab=a%20b&sort=name&x=%2F";

async fn protected() -> (Jwks, Router) {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let layer = VestibuleLayer::new(jwks.config())
        .expect("layer")
        .protect_routes(create_route_matcher(["/dashboard(.*)", "/forum(.*)"]).expect("matcher"));
    (jwks, app(layer))
}

fn session(pending: bool) -> String {
    format!("__session={}", TestKey::shared().sign(&claims(pending)))
}

/// The `redirect_url` query value of a Location, decoded.
fn redirect_url(location: &str) -> String {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "redirect_url")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn signed_out_pages_go_to_sign_in_and_come_back_to_the_exact_url() {
    let (jwks, app) = protected().await;
    let reply = send(&app, "GET", ORIGINAL, &[PAGE]).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    let sign_in = format!("{}/sign-in?redirect_url=", jwks.origin);
    assert!(reply.location().starts_with(&sign_in), "{}", reply.location());
    assert_eq!(redirect_url(reply.location()), format!("{APP_ORIGIN}{ORIGINAL}"));
    assert_eq!(
        reply.location(),
        format!("{sign_in}http%3A%2F%2Fapp.test%3A3000%2Fdashboard%2Fteams%3Ftab%3Da%2520b%26sort%3Dname%26x%3D%252F")
    );
    // A refused token is signed out too.
    let mut expired = claims(false);
    expired["exp"] = json!(NOW - 100);
    let cookie = format!("__session={}", TestKey::shared().sign(&expired));
    let reply = send(&app, "GET", "/forum/1", &[PAGE, ("cookie", &cookie)]).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(redirect_url(reply.location()), format!("{APP_ORIGIN}/forum/1"));
}

#[tokio::test]
async fn pending_pages_go_to_the_tasks_and_come_back() {
    let (jwks, app) = protected().await;
    let reply = send(&app, "GET", ORIGINAL, &[PAGE, ("cookie", &session(true))]).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
    assert!(reply.location().starts_with(&format!("{}/sign-in/tasks?redirect_url=", jwks.origin)), "{}", reply.location());
    assert_eq!(redirect_url(reply.location()), format!("{APP_ORIGIN}{ORIGINAL}"));
}

#[tokio::test]
async fn active_sessions_and_unprotected_routes_pass() {
    let (_jwks, app) = protected().await;
    let reply = send(&app, "GET", ORIGINAL, &[PAGE, ("cookie", &session(false))]).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "dashboard user_1"));
    let reply = send(&app, "GET", "/public", &[PAGE]).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "public"));
    let reply = send(&app, "GET", "/public", &[PAGE, ("cookie", &session(true))]).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn signed_out_api_calls_to_protected_routes_get_404() {
    let (_jwks, app) = protected().await;
    for cookie in [String::new(), session(true)] {
        let reply = send(&app, "GET", "/dashboard", &[("accept", "application/json"), ("cookie", &cookie)]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{cookie}");
        assert!(reply.location().is_empty());
    }
}

#[tokio::test]
async fn a_form_post_is_redirected_with_see_other() {
    let (_jwks, app) = protected().await;
    let reply = send(&app, "POST", "/dashboard", &[PAGE]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn protect_can_let_pending_sessions_through() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let matcher = create_route_matcher(["/dashboard(.*)"]).expect("matcher");
    let layer = VestibuleLayer::new(jwks.config()).expect("layer").with_rule(move |auth, req| {
        if matcher.matches(req) {
            auth.treat_pending_as_signed_out(false).protect()?;
        }
        Ok(())
    });
    let app = app(layer);
    let reply = send(&app, "GET", "/dashboard", &[PAGE, ("cookie", &session(true))]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.location());
    // The handler's own `Auth` still treats pending as signed out by default.
    assert_eq!(reply.body, "dashboard -");
    let reply = send(&app, "GET", "/dashboard", &[PAGE]).await;
    assert_eq!(reply.status, StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
async fn is_authenticated_rules_can_send_pending_users_to_custom_task_pages() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let is_protected_route = create_route_matcher(["/dashboard(.*)", "/forum(.*)"]).expect("matcher");
    let layer = VestibuleLayer::new(jwks.config()).expect("layer").with_rule(move |auth, req| {
        if !auth.is_authenticated() && auth.session_status() == SignedState::Pending && is_protected_route.matches(req) {
            return Err(Redirect::temporary("/session-tasks").into_response());
        }
        if !auth.is_authenticated() && is_protected_route.matches(req) {
            return Err(auth.redirect_to_sign_in());
        }
        Ok(())
    });
    let app = app(layer);
    let reply = send(&app, "GET", "/forum/9", &[("cookie", &session(true))]).await;
    assert_eq!((reply.status, reply.location()), (StatusCode::TEMPORARY_REDIRECT, "/session-tasks"));
    let reply = send(&app, "GET", "/forum/9?page=2", &[]).await;
    assert_eq!(redirect_url(reply.location()), format!("{APP_ORIGIN}/forum/9?page=2"));
    let reply = send(&app, "GET", "/forum/9", &[("cookie", &session(false))]).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "authenticated: passes the rule, no such route");
}

#[tokio::test]
async fn get_teams_answers_401_signed_out_and_201_for_a_pending_user_who_opted_in() {
    let (_jwks, app) = protected().await;
    let api = [("accept", "application/json")];
    let reply = send(&app, "POST", "/api/get-teams", &api).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json(), json!({ "error": "User is signed-out" }));

    let pending = session(true);
    let reply = send(&app, "POST", "/api/get-teams", &[api[0], ("cookie", &pending)]).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.json(), json!({ "data": { "user_id": "user_1" } }));

    // The same handler with the default option: pending is signed out.
    let reply = send(&app, "POST", "/api/default-teams", &[api[0], ("cookie", &pending)]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = send(&app, "POST", "/api/default-teams", &[api[0], ("cookie", &session(false))]).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test]
async fn role_protection_answers_404_without_the_role() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let layer = VestibuleLayer::new(jwks.config()).expect("layer");
    let app = Router::new()
        .route("/admin", get(|auth: Auth| async move { auth.protect_role("org:admin").map(|()| "admin") }))
        .route("/billing", get(|auth: Auth| async move { auth.protect_role("org:billing").map(|()| "billing") }))
        .layer(layer);
    assert_eq!(send(&app, "GET", "/admin", &[PAGE, ("cookie", &session(false))]).await.status, StatusCode::OK);
    assert_eq!(send(&app, "GET", "/billing", &[PAGE, ("cookie", &session(false))]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&app, "GET", "/admin", &[PAGE, ("cookie", &session(true))]).await.status, StatusCode::TEMPORARY_REDIRECT);
}

#[tokio::test]
async fn under_a_nested_router_the_full_original_url_is_used() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let inner = Router::new()
        .route("/dashboard", get(|auth: Auth| async move { auth.protect().map(|()| "ok") }))
        .layer(VestibuleLayer::new(jwks.config()).expect("layer"));
    let app = Router::new().nest("/app", inner);
    let reply = send(&app, "GET", "/app/dashboard?q=1", &[PAGE]).await;
    assert_eq!(redirect_url(reply.location()), format!("{APP_ORIGIN}/app/dashboard?q=1"));
}

#[tokio::test]
async fn a_portal_on_its_own_paths_is_honoured() {
    let jwks = Jwks::serve(vec![TestKey::shared().jwk.clone()]).await;
    let config = VestibuleConfig {
        sign_in_url: "https://accounts.example.com/login".into(),
        tasks_url: Some("/session-tasks".into()),
        ..jwks.config()
    };
    let layer = VestibuleLayer::new(config).expect("layer").protect_routes(create_route_matcher(["/dashboard"]).expect("matcher"));
    let app = app(layer);
    let reply = send(&app, "GET", "/dashboard", &[PAGE]).await;
    assert!(reply.location().starts_with("https://accounts.example.com/login?redirect_url="), "{}", reply.location());
    let reply = send(&app, "GET", "/dashboard", &[PAGE, ("cookie", &session(true))]).await;
    assert!(reply.location().starts_with("/session-tasks?redirect_url="), "{}", reply.location());
}

#[tokio::test]
async fn auth_without_the_layer_is_a_server_error() {
    let app = Router::new().route("/x", get(|auth: Auth| async move { auth.is_authenticated().to_string() }));
    assert_eq!(send(&app, "GET", "/x", &[]).await.status, StatusCode::INTERNAL_SERVER_ERROR);
}
