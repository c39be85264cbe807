//! Protecting an application: the example app (`vestibule-example-app`,
//! axum behind `vestibule-middleware`) on its own port of 127.0.0.1 beside
//! the real server, whose `allowed_origins` names the app. Cookies do not
//! depend on the port, so the app reads the `__session` and `__client_uat`
//! the server sets, as sibling hosts do with `cookie_domain`. Run with
//! `cargo test -p vestibule-e2e --test protect_app -- --ignored --test-threads=1`
//! (see `common` for the environment variables).

mod common;

use common::{Browser, ExampleApp, Server, PASSWORD};
use serde_json::{json, Value};
use thirtyfour::prelude::*;

const CHOOSE_ORG: &str = "/sign-in/tasks/choose-organization";
/// The example's own route for the task (its Yew page's `task_urls`).
const YEW_CHOOSE_ORG: &str = "/session-tasks/choose-organization";

/// Sets the cookie `vb_saw_sign_in=1` whenever a document whose path
/// starts with `/sign-in` is loaded (installed before any page script
/// runs). Cookies ignore the port, so the app's pages see the mark the
/// portal's set.
const SIGN_IN_WATCH: &str = r#"
(() => {
  if (location.pathname.startsWith('/sign-in')) {
    document.cookie = 'vb_saw_sign_in=1; path=/';
  }
})();
"#;

/// A data directory, the server with the app's origin allowed, the app,
/// and a browser.
struct World {
    _dir: tempfile::TempDir,
    server: Server,
    app: ExampleApp,
    b: Browser,
}

impl World {
    async fn start() -> World {
        let dir = tempfile::Builder::new().prefix("vestibule-e2e-data-").tempdir().unwrap();
        let origin = ExampleApp::reserve_origin();
        let server = Server::start_with(dir.path(), &[("VESTIBULE_ALLOWED_ORIGINS", &origin)]);
        let app = ExampleApp::start(&origin, &server.base);
        let b = Browser::start().await;
        World { _dir: dir, server, app, b }
    }

    /// The text of the app page's element `#id`.
    async fn fact(&self, id: &str) -> String {
        self.b.el(&format!("#{id}")).await.text().await.unwrap_or_default()
    }

    /// Waits until the browser is exactly at `url` on an app page named `page`.
    async fn expect_app_page(&self, url: &str, page: &str) {
        self.b
            .until(&format!("the app's {page} page at {url}"), || async move {
                let here = self.b.current_url().await.ok()?;
                if here.as_str() != url {
                    return None;
                }
                let main = self.b.find(By::Css("main#page")).await.ok()?;
                (main.attr("data-page").await.ok()?? == page).then_some(())
            })
            .await;
    }

    /// The `redirect_url` of the current URL's query.
    async fn redirect_url(&self) -> Option<String> {
        let here = self.b.current_url().await.unwrap();
        here.query_pairs().find(|(k, _)| k == "redirect_url").map(|(_, v)| v.into_owned())
    }

    /// On the portal's sign-in page: identifier and password.
    async fn sign_in_here(&self, email: &str) {
        self.b.type_into("#vb-identifier", email).await;
        self.b.type_into("#vb-password", PASSWORD).await;
        self.b.submit().await;
    }

    /// Where the app sends a navigation to `path` with the browser's
    /// cookies: the status and `Location` of its first answer.
    async fn first_hop(&self, path: &str) -> (u16, String) {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let res = http
            .get(self.app.url(path))
            .header("accept", "text/html,application/xhtml+xml")
            .header("sec-fetch-dest", "document")
            .header("cookie", self.b.cookie_header().await)
            .send()
            .await
            .unwrap();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        (res.status().as_u16(), location)
    }

    /// The active organization of the browser's session, as the server says.
    async fn active_org(&self) -> String {
        let client = self.server.client_with_cookies(&self.b.cookie_header().await).await;
        client["sessions"][0]["last_active_organization_id"].as_str().unwrap_or_default().to_string()
    }

    /// `POST /api/get-teams` by `fetch` from the current app page.
    async fn get_teams(&self) -> Value {
        let script = r#"
            const done = arguments[arguments.length - 1];
            fetch('/api/get-teams', { method: 'POST', headers: { accept: 'application/json' } })
              .then(async (r) => done({ status: r.status, body: await r.json() }))
              .catch((e) => done({ error: String(e) }));
        "#;
        self.b.execute_async(script, Vec::new()).await.expect("fetch /api/get-teams").json().clone()
    }

    /// Whether the browser holds the cookie `name`.
    async fn has_cookie(&self, name: &str) -> bool {
        self.b.get_all_cookies().await.unwrap().iter().any(|c| c.name == name && !c.value.is_empty())
    }
}

/// A signed-out visitor of `/dashboard?tab=teams&x=1` signs in on the
/// portal, finishes the choose-organization task there, and is back on
/// exactly that URL, signed in with the new organization; `/forum` then
/// lets them in too.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and Chromium"]
async fn protect_signed_out_visitor_signs_in_does_the_task_and_comes_back() {
    let w = World::start().await;
    let email = "ada@example.com";
    let user_id = w.server.create_user(email).await;
    let page = w.app.url("/dashboard?tab=teams&x=1");

    w.b.open(&page).await;
    w.b.wait_path("/sign-in").await;
    assert_eq!(w.b.origin().await, w.server.base, "sign-in is the portal's");
    assert_eq!(w.redirect_url().await.as_deref(), Some(page.as_str()));
    w.sign_in_here(email).await;

    w.b.wait_path(CHOOSE_ORG).await;
    assert_eq!(w.redirect_url().await.as_deref(), Some(page.as_str()), "the task keeps the way back");
    w.b.create_org("Acme", "acme", None).await;

    w.expect_app_page(&page, "dashboard").await;
    assert_eq!(w.fact("session-status").await, "active");
    assert_eq!(w.fact("user-id").await, user_id);
    let org = w.active_org().await;
    assert!(org.starts_with("org_"), "{org}");
    assert_eq!(w.fact("org-id").await, org);
    assert_eq!(w.fact("request-url").await, page);

    let forum = w.app.url("/forum/t/7?sort=new");
    w.b.open(&forum).await;
    w.expect_app_page(&forum, "forum").await;
    assert_eq!(w.fact("user-id").await, user_id);
    w.b.quit().await;
}

/// A pending user (signed in, no organization yet) asking for a protected
/// page is sent to the portal's task resolver with the page as
/// `redirect_url`, completes the task, and is back on that page signed in.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and Chromium"]
async fn protect_pending_user_goes_through_the_portal_task_and_back() {
    let w = World::start().await;
    let email = "pending@example.com";
    let user_id = w.server.create_user(email).await;
    w.b.sign_in(&w.server, email, "").await;
    w.b.wait_path(CHOOSE_ORG).await;

    let page = w.app.url("/forum?topic=7&sort=new");
    let (status, location) = w.first_hop("/forum?topic=7&sort=new").await;
    let encoded: String = form_urlencoded_encode(&page);
    assert_eq!((status, location), (307, format!("{}/sign-in/tasks?redirect_url={encoded}", w.server.base)));

    w.b.open(&page).await;
    w.b.wait_path(CHOOSE_ORG).await;
    assert_eq!(w.redirect_url().await.as_deref(), Some(page.as_str()));
    w.b.create_org("Globex", "globex", None).await;

    w.expect_app_page(&page, "forum").await;
    assert_eq!(w.fact("session-status").await, "active");
    assert_eq!(w.fact("user-id").await, user_id);
    assert_eq!(w.fact("org-id").await, w.active_org().await);
    w.b.quit().await;
}

/// The `is_authenticated` + `session_status` version on `/custom`: signed
/// out goes to sign-in; pending goes to the app's own `/session-tasks`,
/// whose link leads through the portal's task and back to `/custom`.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and Chromium"]
async fn custom_rule_sends_pending_users_to_the_apps_own_task_page() {
    let w = World::start().await;
    let email = "custom@example.com";
    let user_id = w.server.create_user(email).await;

    w.b.open(&w.app.url("/custom")).await;
    w.b.wait_path("/sign-in").await;
    assert_eq!(w.b.origin().await, w.server.base);
    assert_eq!(w.redirect_url().await, Some(w.app.url("/custom")));

    w.sign_in_here(email).await;
    w.b.wait_path(CHOOSE_ORG).await;
    w.b.open(&w.app.url("/custom")).await;
    w.expect_app_page(&w.app.url("/session-tasks"), "session-tasks").await;
    assert_eq!(w.fact("session-status").await, "pending");
    assert_eq!(w.fact("user-id").await, "\u{2014}", "pending is signed out by default");

    w.b.el("#finish-tasks").await.click().await.unwrap();
    w.b.wait_path(CHOOSE_ORG).await;
    w.b.create_org("Initech", "initech", None).await;
    w.expect_app_page(&w.app.url("/custom"), "custom").await;
    assert_eq!(w.fact("session-status").await, "active");
    assert_eq!(w.fact("user-id").await, user_id);
    w.b.quit().await;
}

/// `POST /api/get-teams` from the page: 401 with the seed's body when
/// signed out, 201 with the user id for a pending user (the route treats
/// pending as signed in).
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and Chromium"]
async fn api_route_answers_pending_users_with_their_id() {
    let w = World::start().await;
    let email = "api@example.com";
    let user_id = w.server.create_user(email).await;

    w.b.open(&w.app.url("/")).await;
    w.expect_app_page(&w.app.url("/"), "home").await;
    assert_eq!(w.get_teams().await, json!({ "status": 401, "body": { "error": "User is signed-out" } }));

    w.b.sign_in(&w.server, email, "").await;
    w.b.wait_path(CHOOSE_ORG).await;
    w.b.open(&w.app.url("/")).await;
    w.expect_app_page(&w.app.url("/"), "home").await;
    assert_eq!(w.fact("session-status").await, "pending");
    assert_eq!(w.get_teams().await, json!({ "status": 201, "body": { "user_id": user_id } }));
    w.b.quit().await;
}

/// The Yew page (`examples/yew-app`): a pending user who opens `/app` is
/// sent by `<RedirectToTasks/>` to the application's own
/// `/session-tasks/choose-organization` (its `task_urls`), not the
/// portal's; `<TaskChooseOrganization redirect_url_complete="/dashboard"/>`
/// there creates the organization through the app's `/v1` pass-through,
/// and the user lands on `/dashboard`, signed in. `/app` then shows the
/// active session.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and its Yew page, and Chromium"]
async fn yew_page_sends_pending_users_to_the_apps_own_task_route_and_on_to_the_dashboard() {
    let w = World::start().await;
    assert!(w.app.yew_page, "the example app serves no Yew page: build it (trunk build in examples/yew-app) or set VESTIBULE_EXAMPLE_YEW_DIR");
    let email = "yew@example.com";
    let user_id = w.server.create_user(email).await;
    w.b.sign_in(&w.server, email, "").await;
    w.b.wait_path(CHOOSE_ORG).await;

    w.b.open(&w.app.url("/app")).await;
    let query = w.b.wait_path(YEW_CHOOSE_ORG).await;
    assert_eq!(w.b.origin().await, w.app.base, "the task is on the application's own route");
    assert_eq!(query, None);
    // The portal's component on the application's page has its words (the
    // message table comes through the application's pass-through).
    w.b.el_with_text(".vb-task-choose-organization h1", "Create an organization").await;
    w.b.create_org("Umbrella", "umbrella", Some("yew-choose-organization")).await;

    let dashboard = w.app.url("/dashboard");
    w.expect_app_page(&dashboard, "dashboard").await;
    assert_eq!(w.fact("session-status").await, "active");
    assert_eq!(w.fact("user-id").await, user_id);
    let org = w.active_org().await;
    assert!(org.starts_with("org_"), "{org}");
    assert_eq!(w.fact("org-id").await, org);

    let yew_home = w.app.url("/app");
    w.b.open(&yew_home).await;
    w.b.until("the Yew page to show the active session", || async {
        let main = w.b.find(By::Css("main#page[data-page=yew-home][data-loaded=true]")).await.ok()?;
        let status = main.find(By::Id("session-status")).await.ok()?.text().await.ok()?;
        (status == "active").then_some(())
    })
    .await;
    assert_eq!(w.b.current_url().await.unwrap().as_str(), yew_home, "an active user stays on the page");
    assert_eq!(w.fact("user-id").await, user_id);
    assert_eq!(w.fact("org-id").await, org);
    w.b.quit().await;
}

/// With the session token gone (as when its 60 s are over) but the client
/// still signed in, opening `/dashboard` goes through the server's
/// handshake and ends on `/dashboard` signed in, and no sign-in page is
/// ever loaded on the way.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and Chromium"]
async fn expired_token_is_renewed_through_the_handshake_without_sign_in() {
    let w = World::start().await;
    let email = "expiry@example.com";
    let user_id = w.server.create_user(email).await;
    w.server.create_org("Acme", "acme", Some(&user_id)).await;
    w.b.cdp()
        .send_raw("Page.addScriptToEvaluateOnNewDocument", json!({ "source": SIGN_IN_WATCH }))
        .await
        .expect("Page.addScriptToEvaluateOnNewDocument");

    // One membership: the sign-in is active at once.
    w.b.sign_in(&w.server, email, "").await;
    w.b.expect_home(email, "Acme").await;
    assert!(w.has_cookie("vb_saw_sign_in").await, "the watcher did not mark the sign-in page");
    let dashboard = w.app.url("/dashboard");
    w.b.open(&dashboard).await;
    w.expect_app_page(&dashboard, "dashboard").await;
    assert_eq!(w.fact("user-id").await, user_id);
    assert!(w.has_cookie("__client_uat").await);

    // The token is gone; the client is not.
    w.b.delete_cookie("__session").await.unwrap();
    w.b.delete_cookie("vb_saw_sign_in").await.unwrap();
    assert!(!w.has_cookie("__session").await);
    let (status, location) = w.first_hop("/dashboard").await;
    assert_eq!(status, 307);
    assert!(location.starts_with(&format!("{}/v1/client/handshake?redirect_url=", w.server.base)), "{location}");

    w.b.open(&dashboard).await;
    w.expect_app_page(&dashboard, "dashboard").await;
    assert_eq!(w.fact("session-status").await, "active");
    assert_eq!(w.fact("user-id").await, user_id);
    assert!(w.has_cookie("__session").await, "the handshake set a fresh token");
    assert!(!w.has_cookie("vb_saw_sign_in").await, "a sign-in page was loaded on the way back");
    assert!(!w.has_cookie("__vestibule_handshake").await, "the in-flight mark is cleared once signed in");
    w.b.quit().await;
}

/// `text` as one `application/x-www-form-urlencoded` value.
fn form_urlencoded_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The middleware in the example app has fetched the server's JWKS; then
/// the operator rotates the signing key (`POST /backend/v1/signing_keys/rotate`).
/// The token the browser held from before still opens the protected API
/// route, the next token the server mints carries the new `kid` and opens
/// it too (the middleware fetches the JWKS once more for it), and the
/// token from before still passes against that newer JWKS.
#[tokio::test]
#[ignore = "end-to-end: needs the built server, portal, example app and Chromium"]
async fn tokens_from_before_and_after_a_key_rotation_pass_the_middleware() {
    let w = World::start().await;
    let email = "rotate@example.com";
    let user_id = w.server.create_user(email).await;
    w.b.sign_in(&w.server, email, "").await;
    w.b.wait_path(CHOOSE_ORG).await;
    w.b.open(&w.app.url("/")).await;
    w.expect_app_page(&w.app.url("/"), "home").await;
    let allowed = json!({ "status": 201, "body": { "user_id": user_id } });
    assert_eq!(w.get_teams().await, allowed, "before the rotation");

    let cookies = w.b.cookie_header().await;
    let token_of = |client: &Value| client["sessions"][0]["last_active_token"]["jwt"].as_str().expect("a token").to_string();
    let before = token_of(&w.server.client_with_cookies(&cookies).await);
    let jwks = w.server.backend_post("/signing_keys/rotate", &[]).await;
    let old_kid = common::jwt_kid(&before);
    let kids: Vec<String> = jwks["keys"].as_array().expect("keys").iter().filter_map(|k| k["kid"].as_str().map(str::to_string)).collect();
    let new_kid = kids.iter().find(|k| **k != old_kid).expect("the new kid").clone();

    assert_eq!(teams_with(&w.app.url("/api/get-teams"), &before).await, allowed, "the token signed before the rotation");
    // The new key signs 2 s after the rotation.
    let after = common::eventually("a token of the new key", || async {
        let token = token_of(&w.server.client_with_cookies(&cookies).await);
        (common::jwt_kid(&token) == new_kid).then_some(token)
    })
    .await;
    assert_eq!(teams_with(&w.app.url("/api/get-teams"), &after).await, allowed, "the token signed after the rotation");
    // The new kid made the middleware fetch the JWKS again: the old key is
    // still in it, so the token from before still passes.
    assert_eq!(teams_with(&w.app.url("/api/get-teams"), &before).await, allowed, "the token from before, after the refetch");
    w.b.quit().await;
}

/// `POST <url>` (the app's `/api/get-teams`) with `token` as `__session`:
/// the status and the body.
async fn teams_with(url: &str, token: &str) -> Value {
    let res = reqwest::Client::new()
        .post(url)
        .header("accept", "application/json")
        .header("cookie", format!("__session={token}"))
        .send()
        .await
        .expect("POST /api/get-teams");
    let status = res.status().as_u16();
    json!({ "status": status, "body": res.json::<Value>().await.unwrap_or(Value::Null) })
}
