//! The `__client` cookie's lifetime (`security.md`: 7 days, sliding): the
//! client JSON's `cookie_expires_at` is the expiry of the cookie the
//! browser holds, a request a day or more after the cookie was set sets it
//! again for the whole lifetime, and a client unused for the whole
//! lifetime is gone even when its cookie is sent again. The cookie is
//! `Secure` when the public URL is https.

mod common;

use common::*;
use vestibule_server::ctx::SLIDE_AFTER_MS;

const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const LIFETIME: i64 = 7 * DAY;

/// The `__client` cookie a response sets, if any.
fn client_cookie(r: &Resp) -> Option<String> {
    r.set_cookies().into_iter().find(|c| c.starts_with("__client="))
}

/// A browser with a client of its own (made by its first visit): its jar
/// and the client's id.
async fn visitor(app: &TestApp) -> (Jar, String) {
    let jar = Jar::new();
    let r = app.get("/v1/client", &jar).await.ok("first visit");
    assert!(client_cookie(&r).is_some(), "the first visit sets the cookie");
    let id = app.client(&jar).await.id;
    (jar, id)
}

#[tokio::test]
async fn cookie_expires_at_is_the_expiry_of_the_cookie_the_browser_holds() {
    let app = TestApp::new().await;
    let (jar, _) = visitor(&app).await;
    let set_at = app.now();
    assert_eq!(app.client(&jar).await.cookie_expires_at, Some(set_at + LIFETIME));

    // A change to the client that sets no cookie leaves the expiry alone.
    app.advance(HOUR);
    let r = app.post("/v1/client/sign_ups", &[("email_address", "ada@example.com")], &jar).await.ok("a sign-up");
    assert!(client_cookie(&r).is_none(), "starting a sign-up sets no cookie");
    assert_eq!(r.json["client"]["cookie_expires_at"].as_i64(), Some(set_at + LIFETIME), "{}", r.text());

    // A sign-in gives the client a new cookie, and so a new expiry.
    let done = app.sign_up("bob@example.com", PASSWORD).await;
    let signed_in_at = app.now();
    assert_eq!(app.client(&done.jar).await.cookie_expires_at, Some(signed_in_at + LIFETIME));
}

#[tokio::test]
async fn a_request_a_day_after_the_cookie_was_set_sets_it_again_for_the_whole_lifetime() {
    let app = TestApp::new().await;
    let done = app.sign_up("ada@example.com", PASSWORD).await;
    let token = done.jar.token().expect("a client cookie");
    let set_at = app.now();

    app.advance(SLIDE_AFTER_MS - 1);
    let r = app.get("/v1/client", &done.jar).await.ok("just under a day later");
    assert!(client_cookie(&r).is_none(), "the cookie is set again before a day passed");
    assert_eq!(r.json["response"]["cookie_expires_at"].as_i64(), Some(set_at + LIFETIME));

    app.advance(1);
    // An error answer sets no cookie, so it renews nothing either.
    let refused = app.post("/v1/client/sign_ins", &[("identifier", "nobody@example.com")], &done.jar).await;
    refused.expect_error(422, "form_identifier_not_found");
    assert!(client_cookie(&refused).is_none(), "an error answer set the cookie");
    let r = app.get("/v1/client", &done.jar).await.ok("a day later");
    let cookie = client_cookie(&r).expect("a day later the cookie is set again");
    assert!(cookie.starts_with(&format!("__client={token};")), "the same token: other tabs keep working ({cookie})");
    assert!(cookie.contains("Max-Age=604800"), "{cookie}");
    assert_eq!(r.json["response"]["cookie_expires_at"].as_i64(), Some(app.now() + LIFETIME));

    // Six more days: the cookie set a day in still names the client, and
    // the request extends it again.
    app.advance(6 * DAY);
    let r = app.get("/v1/client", &done.jar).await.ok("six days on");
    assert!(client_cookie(&r).is_some_and(|c| c.starts_with(&format!("__client={token};"))));
    assert_eq!(r.json["response"]["cookie_expires_at"].as_i64(), Some(app.now() + LIFETIME));
}

#[tokio::test]
async fn a_client_unused_for_the_whole_lifetime_is_gone() {
    let app = TestApp::new().await;
    let (jar, id) = visitor(&app).await;
    app.advance(LIFETIME - 1);
    assert_eq!(app.client(&jar).await.id, id, "a millisecond before the end the cookie still names the client");

    // Another browser, then the whole lifetime without a request: its
    // cookie, sent again, names nothing.
    let (jar, id) = visitor(&app).await;
    app.advance(LIFETIME);
    let r = app.get("/v1/client", &jar).await.ok("seven idle days later");
    assert_ne!(r.json["response"]["id"].as_str(), Some(id.as_str()), "the expired cookie still names its client: {}", r.text());
}

/// The process itself, configured with an https public URL (as behind a
/// TLS-terminating proxy) and reached over plain http on 127.0.0.1: the
/// cookie it sets is `Secure`; one started without is not.
#[tokio::test]
async fn the_client_cookie_is_secure_when_the_public_url_is_https() {
    for (public_url, secure) in [(Some("https://accounts.example.test"), true), (None, false)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut env = vec![("VESTIBULE_INSTANCE_TYPE", "development")];
        if let Some(url) = public_url {
            env.push(("VESTIBULE_PUBLIC_URL", url));
        }
        let served = common::binary::serve(dir.path(), &[], &env);
        let base = served.base.clone().unwrap_or_else(|| panic!("the server did not start:\n{}", served.output()));
        let r = reqwest::get(format!("{base}/v1/client")).await.expect("GET /v1/client");
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("__client="))
            .expect("the client cookie")
            .to_string();
        assert_eq!(cookie.split(';').any(|a| a.trim() == "Secure"), secure, "{public_url:?}: {cookie}");
        served.stop();
    }
}

/// A sign-in days after the first visit gives the client a new token: the
/// answer sets that one cookie (not the old token renewed beside it), and
/// it names the signed-in client.
#[tokio::test]
async fn a_sign_in_days_after_the_first_visit_sets_only_its_new_token() {
    let app = TestApp::new().await;
    app.create_user("ada@example.com", Some(PASSWORD)).await;
    let (jar, _) = visitor(&app).await;
    let first = jar.token().expect("a client cookie");
    app.advance(2 * DAY);
    let r = app.sign_in(&jar, "ada@example.com", PASSWORD).await.ok("sign in");
    let set: Vec<String> = r.set_cookies().into_iter().filter(|c| c.starts_with("__client=")).collect();
    assert_eq!(set.len(), 1, "{set:?}");
    assert!(!set[0].starts_with(&format!("__client={first};")), "the old token came back: {}", set[0]);
    assert_eq!(app.sessions(&jar).await.len(), 1, "the new token names the signed-in client");
}
