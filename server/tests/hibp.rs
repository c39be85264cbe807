//! The optional HIBP range check, against a range server on 127.0.0.1
//! that answers like api.pwnedpasswords.com (padding lines included) and
//! records what it was asked: a known password is refused with
//! `form_password_pwned`, only five hex characters of its SHA-1 leave the
//! server, padding never matches, an unreachable service fails open, and an
//! empty `hibp_url` makes no request.

mod common;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::get;
use axum::Router;
use common::*;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use vestibule_server::hibp::split_hash;

/// Strong by zxcvbn, absent from the offline list, "known" to the range server.
const PWNED: &str = "Tr1cky-but-pwned-Passw0rd!";
/// Strong, and in the range answer only as a padding line (count 0).
const PADDED: &str = "Quiet-Harbour-Lantern-93";

/// One request the range server got.
#[derive(Clone, Debug)]
struct Seen {
    path_and_query: String,
    add_padding: Option<String>,
}

#[derive(Clone)]
struct RangeServer {
    /// Full uppercase SHA-1 → count.
    known: Arc<HashMap<String, u64>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn range(State(s): State<RangeServer>, Path(prefix): Path<String>, uri: Uri, headers: HeaderMap) -> String {
    s.seen.lock().expect("seen").push(Seen {
        path_and_query: uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
        add_padding: headers.get("add-padding").and_then(|v| v.to_str().ok()).map(str::to_string),
    });
    let mut lines: Vec<String> = (0..40).map(|i| format!("{:035X}:0", i * 7_919 + 11)).collect();
    lines.extend(
        s.known
            .iter()
            .filter_map(|(hash, count)| hash.strip_prefix(&prefix).map(|suffix| format!("{suffix}:{count}"))),
    );
    lines.sort();
    lines.join("\r\n")
}

/// A range server knowing `PWNED` (seen 3 times) and `PADDED` (padding
/// only); returns its address and what it saw.
async fn range_server() -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let mut known = HashMap::new();
    for (password, count) in [(PWNED, 3), (PADDED, 0)] {
        let (prefix, suffix) = split_hash(password);
        known.insert(format!("{prefix}{suffix}"), count);
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = RangeServer { known: Arc::new(known), seen: seen.clone() };
    let addr = serve_local(Router::new().route("/range/{prefix}", get(range)).with_state(state)).await;
    (addr, seen)
}

async fn app_with_hibp(url: String) -> TestApp {
    TestApp::with_config(|c| c.instance.hibp_url = url).await
}

async fn create_sign_up(app: &TestApp, email: &str, password: &str) -> Resp {
    app.post("/v1/client/sign_ups", &[("email_address", email), ("password", password)], &Jar::new()).await
}

fn seen(s: &Arc<Mutex<Vec<Seen>>>) -> Vec<Seen> {
    s.lock().expect("seen").clone()
}

#[tokio::test]
async fn a_password_in_the_range_answer_is_refused_as_pwned() {
    let (addr, _log) = range_server().await;
    let app = app_with_hibp(format!("http://{addr}/range/")).await;

    let r = create_sign_up(&app, "ada@example.com", PWNED).await;
    r.expect_error(422, "form_password_pwned");
    assert_eq!(r.envelope().errors[0].meta.param_name.as_deref(), Some("password"));
}

#[tokio::test]
async fn only_the_five_character_prefix_leaves_the_server_with_add_padding() {
    let (addr, log) = range_server().await;
    let app = app_with_hibp(format!("http://{addr}/range/")).await;
    create_sign_up(&app, "ada@example.com", PWNED).await.expect_error(422, "form_password_pwned");

    let (prefix, suffix) = split_hash(PWNED);
    let requests = seen(&log);
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.path_and_query, format!("/range/{prefix}"), "the path is the prefix, and no query");
    assert!(!request.path_and_query.to_uppercase().contains(&suffix), "the rest of the hash never leaves");
    assert!(!request.path_and_query.contains(PWNED), "the password never leaves");
    assert_eq!(request.add_padding.as_deref(), Some("true"));
}

#[tokio::test]
async fn a_suffix_present_only_as_padding_is_accepted() {
    let (addr, log) = range_server().await;
    let app = app_with_hibp(format!("http://{addr}/range/")).await;

    let r = create_sign_up(&app, "ada@example.com", PADDED).await.ok("a padding line does not match");
    assert_eq!(r.json["response"]["status"], "missing_requirements");
    let (prefix, _) = split_hash(PADDED);
    assert_eq!(seen(&log).len(), 1, "the check was made");
    assert_eq!(seen(&log)[0].path_and_query, format!("/range/{prefix}"));
}

#[tokio::test]
async fn an_unreachable_range_service_fails_open() {
    let port = closed_port().await;
    let app = app_with_hibp(format!("http://127.0.0.1:{port}/range/")).await;

    let r = create_sign_up(&app, "ada@example.com", PWNED).await.ok("accepted without the online check");
    assert_eq!(r.json["response"]["status"], "missing_requirements");
}

#[tokio::test]
async fn an_empty_hibp_url_makes_no_request() {
    let (addr, log) = range_server().await;
    let app = app_with_hibp(format!("http://{addr}/range/")).await;
    app.patch_instance(&[("hibp_url", "")]).await;

    create_sign_up(&app, "ada@example.com", PWNED).await.ok("accepted with the online check off");
    assert!(seen(&log).is_empty(), "no request: {:?}", seen(&log));
}

#[tokio::test]
async fn change_password_refuses_a_pwned_new_password() {
    let (addr, log) = range_server().await;
    let app = app_with_hibp(format!("http://{addr}/range/")).await;
    let user = app.sign_up("ada@example.com", PASSWORD).await;

    let r = app
        .post(
            "/v1/me/change_password",
            &[("current_password", PASSWORD), ("new_password", PWNED)],
            &user.jar,
        )
        .await;
    r.expect_error(422, "form_password_pwned");
    assert_eq!(r.envelope().errors[0].meta.param_name.as_deref(), Some("new_password"));
    assert_eq!(seen(&log).len(), 2, "sign-up and change both checked: {:?}", seen(&log));
}

#[tokio::test]
async fn hibp_url_must_be_an_http_url() {
    let app = TestApp::new().await;
    for bad in ["ftp://example.com/range/", "not a url"] {
        let r = app.backend(Method::PATCH, "/instance", &[("hibp_url", bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", r.text());
        let error = &r.envelope().errors[0];
        assert_eq!((error.code.as_str(), error.meta.param_name.as_deref()), ("form_param_format_invalid", Some("hibp_url")), "{bad:?}");
    }
}
