//! One browser cannot use another's ids: every Frontend API route that
//! takes a sign-in, sign-up, session or phone-number id in its path, called
//! by another client with the first one's id, answers 404 and changes
//! nothing. The routes are read from the served OpenAPI document, so a new
//! route with such an id is covered without a row here.

mod common;

use axum::http::{Method, StatusCode};
use common::*;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// Alice's ids, each from a client of hers.
struct Ids {
    session: String,
    sign_in: String,
    sign_up: String,
    phone: String,
}

/// A form that gets past the parameter checks of the route at `path`.
fn form_for(path: &str) -> [(&'static str, &'static str); 4] {
    let strategy = if path.contains("prepare_second_factor") || path.starts_with("/me/phone_numbers/") {
        "phone_code"
    } else if path.contains("second_factor") {
        "totp"
    } else {
        "email_code"
    };
    [("strategy", strategy), ("code", "123456"), ("level", "first_factor"), ("password", "a-Fresh-password-91")]
}

#[tokio::test]
async fn another_clients_ids_are_not_found_on_every_route() {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    app.create_user(ALICE, Some(PASSWORD)).await;
    app.create_user(BOB, Some(PASSWORD)).await;

    let alice = Jar::new();
    let session = app.sign_in_ok(&alice, ALICE, PASSWORD).await;
    let phone = app.post("/v1/me/phone_numbers", &[("phone_number", "+15550100123")], &alice).await.ok("add phone");
    let phone = phone.json["response"]["id"].as_str().expect("phone id").to_string();
    let signing_in = Jar::new();
    let sign_in = app.post("/v1/client/sign_ins", &[("identifier", ALICE)], &signing_in).await.ok("sign-in started");
    let sign_in = sign_in.json["response"]["id"].as_str().expect("sign-in id").to_string();
    let (signing_up, sign_up) = app.start_email_sign_up("carol@example.com").await;
    let ids = Ids { session, sign_in, sign_up, phone };

    let bob = Jar::new();
    app.sign_in_ok(&bob, BOB, PASSWORD).await;

    let document = app.get("/v1/openapi.json", &Jar::new()).await.ok("the document");
    let mut tried = Vec::new();
    for (path, item) in document.json["paths"].as_object().expect("paths") {
        let Some(filled) = fill(path, &ids) else { continue };
        for verb in item.as_object().expect("path item").keys() {
            let method = Method::from_bytes(verb.to_uppercase().as_bytes()).expect("method");
            let r = app.call(method.clone(), &format!("/v1{filled}")).jar(&bob).form(&form_for(path)).send().await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path} with Alice's id: {}", r.text());
            assert_eq!(r.code(), "resource_not_found", "{method} {path}");
            tried.push(format!("{method} {path}"));
        }
    }
    for kind in ["/client/sign_ins/", "/client/sign_ups/", "/client/sessions/", "/me/phone_numbers/"] {
        assert!(tried.iter().any(|t| t.contains(kind)), "no route of {kind} was tried: {tried:?}");
    }
    assert!(tried.len() >= 15, "{tried:?}");

    // Nothing of Alice's changed.
    let alice_session = app.session(&alice, &ids.session).await.expect("Alice's session");
    assert!(alice_session.status.is_live(), "{:?}", alice_session.status);
    app.post(&format!("/v1/client/sessions/{}/tokens", ids.session), &[], &alice).await.ok("Alice still gets tokens");
    let me = app.me(&alice).await;
    assert_eq!(me["phone_numbers"][0]["id"], ids.phone.as_str(), "Alice's number is still hers");
    let r = app.get(&format!("/v1/client/sign_ins/{}", ids.sign_in), &signing_in).await.ok("the sign-in");
    assert_eq!(r.json["response"]["status"], "needs_first_factor");
    let r = app.get(&format!("/v1/client/sign_ups/{}", ids.sign_up), &signing_up).await.ok("the sign-up");
    assert_eq!(r.json["response"]["status"], "missing_requirements");
    let subject = format!("sign_up:{}:email_address", ids.sign_up);
    let attempts = vestibule_server::store::codes::attempts_of_latest(&app.state.pool, &subject).await.expect("db");
    assert_eq!(attempts, Some(0), "Bob's codes were not tried on Carol's sign-up");
}

/// `path` with Alice's id in its id parameter, or `None` when it takes none
/// of the four kinds (a token template name is `default`).
fn fill(path: &str, ids: &Ids) -> Option<String> {
    let id = if path.starts_with("/client/sign_ins/{") {
        &ids.sign_in
    } else if path.starts_with("/client/sign_ups/{") {
        &ids.sign_up
    } else if path.starts_with("/client/sessions/{") {
        &ids.session
    } else if path.starts_with("/me/phone_numbers/{") {
        &ids.phone
    } else {
        return None;
    };
    let open = path.find('{')?;
    let close = open + path[open..].find('}')?;
    let mut filled = format!("{}{id}{}", &path[..open], &path[close + 1..]);
    while let Some(open) = filled.find('{') {
        let close = open + filled[open..].find('}')?;
        filled.replace_range(open..=close, "default");
    }
    Some(filled)
}
