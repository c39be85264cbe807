//! The cookies applications read: `__session` (the token, living as long as
//! the token) and `__client_uat` (when the client's active session last
//! changed, `0` when signed out), their optional `Domain`, and the token the
//! handshake mints for the application it returns to.

mod common;

use axum::http::{header, Method};
use common::*;

/// The `Set-Cookie` value of cookie `name` in a response, if any.
fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}=")))
}

/// The value part of a `Set-Cookie`.
fn value(cookie: &str) -> &str {
    cookie.split(';').next().and_then(|p| p.split_once('=')).map(|(_, v)| v).unwrap_or_default()
}

/// Whether a `Set-Cookie` carries attribute `attr` (case-sensitive, exact).
fn has_attr(cookie: &str, attr: &str) -> bool {
    cookie.split(';').skip(1).any(|a| a.trim() == attr)
}

/// `__client_uat` of a response, as a number.
fn uat(r: &Resp) -> i64 {
    let c = set_cookie(r, "__client_uat").unwrap_or_else(|| panic!("no __client_uat in {:?}", r.set_cookies()));
    value(&c).parse().unwrap_or_else(|_| panic!("__client_uat is not a number: {c}"))
}

/// The token a response puts in `__session`.
fn session_token(r: &Resp) -> String {
    let c = set_cookie(r, "__session").unwrap_or_else(|| panic!("no __session in {:?}", r.set_cookies()));
    value(&c).to_string()
}

/// A sign-up completed by hand, returning the last response as well.
async fn sign_up(app: &TestApp, email: &str) -> (Jar, String, Resp) {
    let jar = Jar::new();
    let r = app
        .post("/v1/client/sign_ups", &[("email_address", email), ("password", PASSWORD)], &jar)
        .await
        .ok("create sign-up");
    let id = r.json["response"]["id"].as_str().expect("sign-up id").to_string();
    app.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], &jar)
        .await
        .ok("prepare verification");
    let code = app.outbox_code(email).await;
    let done = app
        .post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)], &jar)
        .await
        .ok("attempt verification");
    let session = done.json["response"]["created_session_id"].as_str().expect("session id").to_string();
    (jar, session, done)
}

/// `GET <route>?redirect_url=<url>` as the browser holding `jar`.
async fn redirecting(app: &TestApp, jar: &Jar, route: &str, redirect_url: &str) -> Resp {
    let target: String = form_urlencoded::byte_serialize(redirect_url.as_bytes()).collect();
    app.get(&format!("{route}?redirect_url={target}"), jar).await
}

async fn handshake(app: &TestApp, jar: &Jar, redirect_url: &str) -> Resp {
    redirecting(app, jar, "/v1/client/handshake", redirect_url).await
}

#[tokio::test]
async fn client_uat_follows_the_active_session() {
    let app = TestApp::new().await;

    // Sign-up completion: a pending session becomes the client's active one.
    let (jar, sid, done) = sign_up(&app, "ada@example.com").await;
    let jwt = session_token(&done);
    let iat = jwt_claims(&jwt)["iat"].as_i64().expect("iat");
    assert_eq!(jwt_claims(&jwt)["sts"], "pending");
    assert_eq!(uat(&done), iat, "the time of the token set beside it");
    let c = set_cookie(&done, "__client_uat").expect("__client_uat");
    for attr in ["Path=/", "SameSite=Lax", "Max-Age=604800"] {
        assert!(has_attr(&c, attr), "{attr} in {c}");
    }
    assert!(!c.contains("HttpOnly") && !c.contains("Domain="), "{c}");
    let s = set_cookie(&done, "__session").expect("__session");
    assert!(has_attr(&s, "Max-Age=60"), "the cookie lives as long as the token: {s}");

    // Activation (choosing an organization) moves it forward.
    app.advance(5 * SECOND);
    let user = done.json["response"]["created_user_id"].as_str().expect("user id").to_string();
    let org = app.backend_org("Acme", "acme", Some(&user)).await;
    let touched = app
        .post(&format!("/v1/client/sessions/{sid}/touch"), &[("active_organization_id", &org)], &jar)
        .await
        .ok("touch");
    let active = session_token(&touched);
    assert!(jwt_claims(&active)["sts"].is_null(), "active now");
    assert_eq!(uat(&touched), (T0 + 5 * SECOND) / 1000);
    assert!(uat(&touched) > iat);

    // A refreshed token (past the cache's half-life) carries it too.
    app.advance(40 * SECOND);
    let refreshed = app.post(&format!("/v1/client/sessions/{sid}/tokens"), &[], &jar).await.ok("tokens");
    assert_eq!(uat(&refreshed), (T0 + 45 * SECOND) / 1000);
    assert_eq!(uat(&refreshed), jwt_claims(&session_token(&refreshed))["iat"].as_i64().expect("iat"));

    // The handshake, for a live client.
    app.advance(40 * SECOND);
    let back = handshake(&app, &jar, "/welcome").await;
    assert_eq!(back.header("location"), Some("/welcome"));
    assert_eq!(uat(&back), (T0 + 85 * SECOND) / 1000);

    // Sign-out: 0, and so from the handshake once no session is live.
    let out = app.call(Method::DELETE, "/v1/client/sessions").jar(&jar).send().await.ok("sign out");
    assert_eq!(uat(&out), 0);
    let back = handshake(&app, &jar, "/welcome").await;
    assert_eq!(uat(&back), 0);
    assert!(set_cookie(&back, "__session").is_none(), "nothing to clear: the request had no __session");
}

#[tokio::test]
async fn a_token_served_from_the_cache_keeps_client_uat_at_its_issue_time() {
    let app = TestApp::new().await;
    let (jar, _, done) = sign_up(&app, "ada@example.com").await;
    let iat = jwt_claims(&session_token(&done))["iat"].as_i64().expect("iat");
    app.advance(10 * SECOND);
    let r = app.get("/v1/client", &jar).await.ok("client");
    let again = session_token(&r);
    assert_eq!(jwt_claims(&again)["iat"].as_i64(), Some(iat), "the cached token");
    assert_eq!(uat(&r), iat, "never later than the token beside it");
    let s = set_cookie(&r, "__session").expect("__session");
    assert!(has_attr(&s, "Max-Age=50"), "the cookie ends with the token: {s}");
}

#[tokio::test]
async fn cookie_domain_scopes_the_application_cookies() {
    let app = TestApp::with_config(|c| c.cookie_domain = Some("example.test".into())).await;
    let (jar, _, done) = sign_up(&app, "ada@example.com").await;
    for name in ["__session", "__client_uat"] {
        let c = set_cookie(&done, name).unwrap_or_else(|| panic!("no {name}"));
        assert!(has_attr(&c, "Domain=example.test"), "{c}");
    }
    let created = app.post("/v1/client", &[], &Jar::new()).await.ok("create client");
    let client = set_cookie(&created, "__client").expect("__client");
    assert!(!client.contains("Domain="), "the client cookie stays on the portal's host: {client}");

    // Cleared with the same Domain, or the browser would keep them.
    let out = app
        .call(Method::DELETE, "/v1/client/sessions")
        .jar(&jar)
        .header(header::COOKIE, &format!("__session={}", session_token(&done)))
        .send()
        .await
        .ok("sign out");
    let cleared = set_cookie(&out, "__session").expect("__session cleared");
    assert!(value(&cleared).is_empty() && has_attr(&cleared, "Max-Age=0") && has_attr(&cleared, "Domain=example.test"), "{cleared}");
    let zero = set_cookie(&out, "__client_uat").expect("__client_uat");
    assert!(value(&zero) == "0" && has_attr(&zero, "Domain=example.test"), "{zero}");

    // Without the setting, the cookies are host-only.
    let plain = TestApp::new().await;
    let (_, _, done) = sign_up(&plain, "bob@example.com").await;
    for name in ["__session", "__client_uat"] {
        assert!(!set_cookie(&done, name).expect("cookie").contains("Domain="));
    }
}

#[tokio::test]
async fn the_handshake_mints_the_token_for_the_application_it_returns_to() {
    let app = TestApp::new().await;
    app.patch_instance(&[("allowed_origins", "http://app.test:3000")]).await;
    let (jar, sid, _) = sign_up(&app, "ada@example.com").await;

    let page = "http://app.test:3000/dashboard?tab=teams&x=1";
    let back = handshake(&app, &jar, page).await;
    assert_eq!(back.header("location"), Some(page));
    let claims = jwt_claims(&session_token(&back));
    assert_eq!(claims["azp"], "http://app.test:3000");
    assert_eq!(claims["sid"], sid.as_str());

    // A relative target, or a refused one (sent to `/`), keeps the server's own origin.
    for target in ["/welcome", "https://evil.example/dashboard"] {
        let back = handshake(&app, &jar, target).await;
        assert_eq!(jwt_claims(&session_token(&back))["azp"], ORIGIN, "{target}");
    }
}

/// `GET /v1/client/touch?redirect_url=<url>` as the browser holding `jar`.
async fn touch(app: &TestApp, jar: &Jar, redirect_url: &str) -> Resp {
    redirecting(app, jar, "/v1/client/touch", redirect_url).await
}

#[tokio::test]
async fn touch_renews_the_client_cookie_for_its_lifetime_and_goes_on() {
    let app = TestApp::new().await;
    app.patch_instance(&[("allowed_origins", "http://app.test:3000")]).await;
    let (jar, _session, _) = sign_up(&app, "touch@example.com").await;
    let token = jar.token().expect("a client cookie");
    const DAY: i64 = 24 * 60 * MINUTE;
    // Half a day: too soon for any request to renew the cookie by itself.
    app.advance(DAY / 2);
    let before = app.client(&jar).await.cookie_expires_at.expect("an expiry");
    assert_eq!(before - app.now(), 6 * DAY + DAY / 2, "six and a half days of the seven left");

    let r = touch(&app, &jar, "http://app.test:3000/dashboard?tab=1").await;
    assert_eq!(r.status.as_u16(), 302, "{}", r.text());
    assert_eq!(r.header("location"), Some("http://app.test:3000/dashboard?tab=1"));
    let cookie = set_cookie(&r, "__client").expect("the client cookie is set again");
    assert_eq!(value(&cookie), token, "the same client, the same cookie: other tabs keep working");
    assert!(has_attr(&cookie, "Max-Age=604800") && has_attr(&cookie, "HttpOnly"), "{cookie}");
    assert_eq!(app.client(&jar).await.cookie_expires_at, Some(app.now() + 7 * DAY), "the client JSON says the cookie's real expiry");

    // A redirect elsewhere falls back to the portal; a browser with no
    // client is sent on with nothing set.
    let r = touch(&app, &jar, "https://evil.example/").await;
    assert_eq!(r.header("location"), Some("/"));
    let r = touch(&app, &Jar::new(), "http://app.test:3000/").await;
    assert_eq!((r.status.as_u16(), r.header("location")), (302, Some("http://app.test:3000/")));
    assert!(set_cookie(&r, "__client").is_none(), "no client is made by a touch");
}
