//! CSRF and open redirects (`security.md`, "CSRF, origins and redirects"):
//! state-changing calls need an allowed `Origin`; the handshake only
//! redirects to allowed targets and falls back to `/`.

mod common;

use axum::http::Method;
use common::*;

#[tokio::test]
async fn state_changing_calls_need_an_allowed_origin() {
    let app = TestApp::new().await;
    let bad: [Option<&str>; 6] = [
        None,
        Some("https://evil.example"),
        Some("null"),
        Some("http://127.0.0.1:8081"),
        Some("https://127.0.0.1:8080"),
        Some("http://127.0.0.1:8080.evil.example"),
    ];
    type Form<'a> = &'a [(&'a str, &'a str)];
    let routes: [(Method, &str, Form); 5] = [
        (Method::POST, "/v1/client/sign_ins", &[("identifier", "nobody@example.com")]),
        (Method::POST, "/v1/client", &[]),
        (Method::POST, "/v1/client/sign_ups", &[("email_address", "ada@example.com")]),
        (Method::POST, "/v1/organizations", &[("name", "Acme")]),
        (Method::DELETE, "/v1/client/sessions", &[]),
    ];
    for origin in bad {
        for (method, path, form) in &routes {
            let jar = Jar::new();
            let r = app.call(method.clone(), path).origin(origin).form(form).jar(&jar).send().await;
            assert_eq!(r.status.as_u16(), 403, "{method} {path} with Origin {origin:?}: {}", r.text());
            assert_eq!(r.code(), "origin_invalid");
            assert!(jar.token().is_none(), "a refused call creates no client");
        }
    }
    // The method override does not dodge the check.
    let r = app.call(Method::POST, "/v1/client/sessions?_method=DELETE").origin(Some("https://evil.example")).send().await;
    r.expect_error(403, "origin_invalid");

    // Nothing was created: the sign-up address is still free.
    app.post("/v1/client/sign_ups", &[("email_address", "ada@example.com")], &Jar::new())
        .await
        .ok("sign-up from the right origin");

    // The allowed origin passes the check (and reaches the handler).
    let r = app.post("/v1/client/sign_ins", &[("identifier", "nobody@example.com")], &Jar::new()).await;
    r.expect_error(422, "form_identifier_not_found");
    // Reads need no Origin.
    app.call(Method::GET, "/v1/environment").origin(None).send().await.ok("GET without Origin");
}

#[tokio::test]
async fn configured_origins_are_allowed_too() {
    let app = TestApp::new().await;
    app.patch_instance(&[("allowed_origins", "https://app.example")]).await;
    let r = app
        .call(Method::POST, "/v1/client/sign_ins")
        .origin(Some("https://app.example"))
        .form(&[("identifier", "nobody@example.com")])
        .send()
        .await;
    r.expect_error(422, "form_identifier_not_found");
    let r = app.call(Method::POST, "/v1/client").origin(Some("https://other.example")).send().await;
    r.expect_error(403, "origin_invalid");
}

async fn handshake(app: &TestApp, jar: &Jar, redirect_url: Option<&str>) -> Resp {
    let path = match redirect_url {
        Some(t) => format!(
            "/v1/client/handshake?redirect_url={}",
            form_urlencoded::byte_serialize(t.as_bytes()).collect::<String>()
        ),
        None => "/v1/client/handshake".to_string(),
    };
    app.get(&path, jar).await
}

#[tokio::test]
async fn handshake_redirects_only_to_allowed_targets() {
    let app = TestApp::new().await;
    let cases: [(Option<&str>, &str); 14] = [
        (Some("/welcome"), "/welcome"),
        (Some("/welcome?a=1#x"), "/welcome?a=1#x"),
        (Some("http://127.0.0.1:8080/dashboard"), "http://127.0.0.1:8080/dashboard"),
        (Some("https://evil.example/"), "/"),
        (Some("//evil.example"), "/"),
        (Some("/\\evil.example"), "/"),
        (Some("\\\\evil.example"), "/"),
        (Some("javascript:alert(1)"), "/"),
        (Some("data:text/html,hi"), "/"),
        (Some("http://127.0.0.1:8080@evil.example/"), "/"),
        (Some("https://a@127.0.0.1:8080/"), "/"),
        (Some("/\u{0}evil"), "/"),
        (Some("http://127.0.0.1:8080.evil.example/"), "/"),
        (None, "/"),
    ];
    let jar = Jar::new();
    for (target, expected) in cases {
        let r = handshake(&app, &jar, target).await;
        assert_eq!(r.status.as_u16(), 302, "{target:?}: {}", r.text());
        assert_eq!(r.header("location"), Some(expected), "redirect_url {target:?}");
    }
}

#[tokio::test]
async fn handshake_sets_a_fresh_session_token() {
    let app = TestApp::new().await;
    let me = app.sign_up("ada@example.com", PASSWORD).await;
    app.advance(30 * SECOND);
    let r = handshake(&app, &me.jar, Some("/welcome")).await;
    assert_eq!(r.header("location"), Some("/welcome"));
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__session="))
        .expect("a __session cookie");
    assert!(cookie.contains("SameSite=Lax") && !cookie.contains("HttpOnly"), "{cookie}");
    let jwt = cookie.trim_start_matches("__session=").split(';').next().expect("value");
    let claims = jwt_claims(jwt);
    assert_eq!(claims["sid"], me.session_id.as_str());
    assert_eq!(claims["iat"], (T0 + 30 * SECOND) / 1000, "minted now");
    assert_eq!(claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat"), 60);
    let header = jwt_header(jwt);
    assert_eq!(header["alg"], "RS256");
    let jwks = app.get("/v1/jwks", &Jar::new()).await.ok("jwks");
    assert_eq!(header["kid"], jwks.json["keys"][0]["kid"]);
}

#[tokio::test]
async fn responses_carry_the_security_headers() {
    let app = TestApp::new().await;
    let ok = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    let refused = app.call(Method::POST, "/v1/client").origin(None).send().await;
    assert_eq!(refused.status.as_u16(), 403);
    for r in [&ok, &refused] {
        let csp = r.header("content-security-policy").expect("CSP");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let script_src = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).expect("script-src");
        assert!(!script_src.contains("'unsafe-inline'"), "no inline script: {csp}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("strict-origin-when-cross-origin"));
    }
}

#[tokio::test]
async fn the_environment_names_the_origins_the_portal_may_send_users_to() {
    let app = TestApp::new().await;
    let env = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    assert_eq!(env.json["display_config"]["allowed_redirect_origins"], serde_json::json!([ORIGIN]));
    app.patch_instance(&[("allowed_origins", "https://app.example")]).await;
    let env = app.get("/v1/environment", &Jar::new()).await.ok("environment");
    assert_eq!(env.json["display_config"]["allowed_redirect_origins"], serde_json::json!([ORIGIN, "https://app.example"]));
}
