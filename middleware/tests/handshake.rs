//! The token-expiry handshake, end to end over real sockets: a browser
//! (simulated with its cookie jar) with an expired `__session` is sent to
//! the instance's `/v1/client/handshake`, which answers as the server does
//! (a fresh `__session` cookie for the client's last active session and a
//! 302 back), and arrives back signed in.

mod common;

use axum::extract::Query;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::*;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use vestibule_middleware::{create_route_matcher, VestibuleLayer};
use vestibule_protocol::url::encode;

/// `/v1/client/handshake` as the server answers it: a live client (cookie
/// `__client=live`) gets a fresh token for its session; any other gets its
/// `__session` cleared. Then 302 to `redirect_url`.
async fn handshake(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let cookies = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let live = cookies.split(';').any(|c| c.trim() == "__client=live");
    let set = if live {
        format!("__session={}; Path=/; SameSite=Lax; Max-Age=60", TestKey::shared().sign(&claims(false)))
    } else {
        "__session=; Path=/; SameSite=Lax; Max-Age=0".to_string()
    };
    let target = q.get("redirect_url").cloned().unwrap_or_else(|| "/".into());
    (StatusCode::FOUND, [(header::LOCATION, target), (header::SET_COOKIE, set)]).into_response()
}

/// A browser's cookie jar for one host (cookies do not depend on the port).
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.into(), value.into());
    }

    fn take(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap_or_default();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if value.is_empty() || attrs.contains("Max-Age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.into(), value.into());
            }
        }
    }

    fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

struct World {
    fapi: Jwks,
    app_origin: String,
    http: reqwest::Client,
}

impl World {
    async fn start() -> World {
        let fapi = Jwks::serve_with(
            vec![TestKey::shared().jwk.clone()],
            std::time::Duration::ZERO,
            Router::new().route("/v1/client/handshake", get(handshake)),
        )
        .await;
        let layer = VestibuleLayer::new(fapi.config())
            .expect("layer")
            .protect_routes(create_route_matcher(["/dashboard(.*)"]).expect("matcher"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app_origin = format!("http://{}", listener.local_addr().expect("addr"));
        let router = app(layer);
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        World { fapi, app_origin, http }
    }

    /// One navigation, as a browser sends it.
    async fn navigate(&self, url: &str, jar: &mut Jar) -> reqwest::Response {
        let res = self
            .http
            .get(url)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header("sec-fetch-dest", "document")
            .header(header::COOKIE, jar.header())
            .send()
            .await
            .expect("request");
        jar.take(&res);
        res
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

fn expired_token() -> String {
    let mut c = claims(false);
    c["iat"] = json!(NOW - 120);
    c["nbf"] = json!(NOW - 130);
    c["exp"] = json!(NOW - 60);
    TestKey::shared().sign(&c)
}

#[tokio::test]
async fn an_expired_session_comes_back_signed_in_through_the_handshake() {
    let w = World::start().await;
    let page = format!("{}/dashboard/teams?tab=a%20b&x=1", w.app_origin);
    let mut jar = Jar::default();
    jar.set("__client", "live");
    jar.set("__client_uat", &(NOW - 300).to_string());
    jar.set("__session", &expired_token());

    let first = w.navigate(&page, &mut jar).await;
    assert_eq!(first.status(), StatusCode::TEMPORARY_REDIRECT);
    let to_handshake = location(&first);
    assert_eq!(to_handshake, format!("{}/v1/client/handshake?redirect_url={}", w.fapi.origin, encode(&page)));
    assert!(jar.0.contains_key("__vestibule_handshake"));

    let second = w.navigate(&to_handshake, &mut jar).await;
    assert_eq!(second.status(), StatusCode::FOUND);
    assert_eq!(location(&second), page, "the handshake returns to the exact original URL");

    let third = w.navigate(&page, &mut jar).await;
    assert_eq!(third.status(), StatusCode::OK);
    assert!(!jar.0.contains_key("__vestibule_handshake"), "the in-flight mark is cleared once signed in");
    assert_eq!(third.text().await.expect("body"), "dashboard user_1");
}

#[tokio::test]
async fn a_missing_token_with_client_uat_goes_through_the_handshake() {
    let w = World::start().await;
    let mut jar = Jar::default();
    jar.set("__client", "live");
    jar.set("__client_uat", &(NOW - 300).to_string());
    let page = format!("{}/dashboard", w.app_origin);
    let first = w.navigate(&page, &mut jar).await;
    assert!(location(&first).starts_with(&format!("{}/v1/client/handshake?", w.fapi.origin)), "{}", location(&first));
    let back = w.navigate(&location(&first), &mut jar).await;
    let done = w.navigate(&location(&back), &mut jar).await;
    assert_eq!(done.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_handshake_that_cannot_help_is_not_repeated() {
    let w = World::start().await;
    let mut jar = Jar::default();
    jar.set("__client", "ended");
    jar.set("__client_uat", &(NOW - 300).to_string());
    jar.set("__session", &expired_token());
    let page = format!("{}/dashboard", w.app_origin);
    let first = w.navigate(&page, &mut jar).await;
    assert!(location(&first).contains("/v1/client/handshake?"));
    let back = w.navigate(&location(&first), &mut jar).await;
    assert!(!jar.0.contains_key("__session"), "the handshake cleared the dead token");
    let again = w.navigate(&location(&back), &mut jar).await;
    assert_eq!(again.status(), StatusCode::TEMPORARY_REDIRECT);
    assert!(location(&again).starts_with(&format!("{}/sign-in?redirect_url=", w.fapi.origin)), "{}", location(&again));
}

#[tokio::test]
async fn no_handshake_without_a_sign_in_or_for_api_calls() {
    let w = World::start().await;
    let page = format!("{}/dashboard", w.app_origin);
    // Never signed in: straight to sign-in.
    let mut jar = Jar::default();
    let res = w.navigate(&page, &mut jar).await;
    assert!(location(&res).contains("/sign-in?"), "{}", location(&res));
    // Signed out (`__client_uat=0`) with a leftover expired token.
    let mut jar = Jar::default();
    jar.set("__client_uat", "0");
    jar.set("__session", &expired_token());
    let res = w.navigate(&page, &mut jar).await;
    assert!(location(&res).contains("/sign-in?"), "{}", location(&res));
    // An API call with an expired token is simply signed out.
    let res = w
        .http
        .get(format!("{}/whoami", w.app_origin))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, format!("__client_uat={}; __session={}", NOW - 300, expired_token()))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let who: serde_json::Value = serde_json::from_str(&res.text().await.expect("body")).expect("json");
    assert_refused(&who, "Expired");
    // A bearer token is never sent through the handshake.
    let res = w
        .http
        .get(&page)
        .header(header::ACCEPT, "text/html")
        .header(header::AUTHORIZATION, format!("Bearer {}", expired_token()))
        .header(header::COOKIE, format!("__client_uat={}", NOW - 300))
        .send()
        .await
        .expect("request");
    assert!(location(&res).contains("/sign-in?"), "{}", location(&res));
}

#[tokio::test]
async fn a_token_older_than_the_last_sign_in_is_refreshed() {
    let w = World::start().await;
    let mut jar = Jar::default();
    jar.set("__client", "live");
    let mut stale = claims(true);
    stale["iat"] = json!(NOW - 20);
    jar.set("__session", &TestKey::shared().sign(&stale));
    jar.set("__client_uat", &(NOW - 5).to_string());
    let page = format!("{}/dashboard", w.app_origin);
    let first = w.navigate(&page, &mut jar).await;
    assert!(location(&first).contains("/v1/client/handshake?"), "{}", location(&first));
}
