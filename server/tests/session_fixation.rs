//! No session fixation (`security.md`, "Safe by default"): the `__client`
//! token is replaced whenever a session is created, so a token known before
//! sign-in or sign-up (one a sibling host planted) does not reach the
//! session; a request with several `__client` cookies of different clients
//! acts for none of them.

mod common;

use axum::http::{header, Method};
use common::*;

const EMAIL: &str = "grace@example.com";

#[tokio::test]
async fn signing_in_replaces_the_client_token() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    // The attacker makes a client and plants its token in the victim's browser.
    let planted = Jar::new();
    app.post("/v1/client", &[], &planted).await.ok("create client");
    let attacker_token = planted.token().expect("a client token");
    let victim = Jar::with_token(&attacker_token);
    let r = app.sign_in(&victim, EMAIL, PASSWORD).await.ok("sign in");
    let fresh = client_cookie_set(&r).expect("a new __client cookie");
    assert_ne!(fresh, attacker_token, "the token was rotated");
    assert_eq!(app.sessions(&victim).await.len(), 1, "the victim is signed in with the new token");
    // The planted token no longer names the client that holds the session.
    let victim_client = app.client(&victim).await.id;
    let r = app.get("/v1/client", &Jar::with_token(&attacker_token)).await.ok("client");
    assert_ne!(r.json["response"]["id"].as_str(), Some(victim_client.as_str()), "the old token reaches another client: {}", r.text());
    assert_eq!(r.json["response"]["sessions"], serde_json::json!([]), "{}", r.text());
}

#[tokio::test]
async fn signing_up_replaces_the_client_token() {
    let app = TestApp::new().await;
    let (jar, id) = app.start_email_sign_up(EMAIL).await;
    let before = jar.token().expect("token");
    let code = app.outbox_code(EMAIL).await;
    app.call(Method::PATCH, &format!("/v1/client/sign_ups/{id}")).jar(&jar).form(&[("password", PASSWORD)]).send().await.ok("password");
    let r = app.post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", &code)], &jar).await.ok("verify");
    assert_eq!(r.json["response"]["status"], "complete");
    let after = jar.token().expect("token");
    assert_ne!(before, after);
    assert_eq!(app.sessions(&jar).await.len(), 1);
    let r = app.get("/v1/client", &Jar::with_token(&before)).await.ok("client");
    assert_ne!(r.json["response"]["id"].as_str(), Some(app.client(&jar).await.id.as_str()));
    assert_eq!(r.json["response"]["sessions"], serde_json::json!([]));
}

#[tokio::test]
async fn several_client_cookies_of_different_clients_act_for_none() {
    let app = TestApp::new().await;
    let user = app.sign_up(EMAIL, PASSWORD).await;
    let victim_token = user.jar.token().expect("token");
    let victim_client = app.client(&user.jar).await.id;
    let planted = Jar::new();
    app.post("/v1/client", &[], &planted).await.ok("attacker client");
    let attacker_token = planted.token().expect("token");
    let attacker_client = app.client(&planted).await.id;
    for cookie in [format!("__client={attacker_token}; __client={victim_token}"), format!("__client={victim_token}; __client={attacker_token}")] {
        let r = app.call(Method::GET, "/v1/client").header(header::COOKIE, &cookie).send().await.ok("client");
        let id = r.json["response"]["id"].as_str().unwrap_or_default().to_string();
        assert!(id != victim_client && id != attacker_client, "{cookie}: acted for a known client: {}", r.text());
        let expired: Vec<&str> = r.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).filter(|c| c.starts_with("__client=;")).collect();
        assert!(!expired.is_empty(), "the ambiguous cookies are expired");
        // A sign-in in that state does not land on the attacker's client.
        let r = app
            .call(Method::POST, "/v1/client/sign_ins")
            .header(header::COOKIE, &cookie)
            .form(&[("identifier", EMAIL), ("password", PASSWORD), ("strategy", "password")])
            .send()
            .await;
        assert!(app.sessions(&Jar::with_token(&attacker_token)).await.is_empty(), "{}", r.text());
    }
    // The same token twice, or an unknown one beside the real one, is no ambiguity.
    let r = app.call(Method::GET, "/v1/client").header(header::COOKIE, &format!("__client=unknown; __client={victim_token}; __client={victim_token}")).send().await;
    assert_eq!(r.json["response"]["sessions"].as_array().map(Vec::len), Some(1), "{}", r.text());
}
