//! The real client IP behind a proxy (`security.md`, "Safe by default"):
//! `Forwarded` / `X-Forwarded-For` count only when the TCP peer is in
//! `trusted_proxies`, so the per-IP limits keep one bucket per user behind
//! a proxy and a direct caller cannot pick its own bucket.

mod common;

use axum::http::{HeaderName, Method};
use common::*;

const PROXY: &str = "10.0.0.5";

async fn app() -> TestApp {
    TestApp::with_config(|c| {
        c.sign_in_attempts_per_ip_per_minute = 3;
        c.trusted_proxies = vec!["10.0.0.0/8".into()];
    })
    .await
}

async fn attempt(app: &TestApp, peer: &str, forwarded_for: Option<&str>) -> Resp {
    let mut call = app.call(Method::POST, "/v1/client/sign_ins").peer(peer).form(&[("identifier", "nobody@example.com")]);
    if let Some(xff) = forwarded_for {
        call = call.header(HeaderName::from_static("x-forwarded-for"), xff);
    }
    call.send().await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    let app = app().await;
    for _ in 0..3 {
        assert_eq!(attempt(&app, PROXY, Some("203.0.113.1")).await.code(), "form_identifier_not_found");
    }
    attempt(&app, PROXY, Some("203.0.113.1")).await.expect_error(429, "too_many_requests");
    // Another user behind the same proxy keeps a budget of their own, and a
    // spoofed left-most hop does not move the first user to a fresh bucket.
    assert_eq!(attempt(&app, PROXY, Some("203.0.113.2")).await.code(), "form_identifier_not_found");
    attempt(&app, PROXY, Some("198.51.100.9, 203.0.113.1")).await.expect_error(429, "too_many_requests");
    // `Forwarded` works the same way.
    let r = app
        .call(Method::POST, "/v1/client/sign_ins")
        .peer(PROXY)
        .header(HeaderName::from_static("forwarded"), "for=203.0.113.3;proto=https")
        .form(&[("identifier", "nobody@example.com")])
        .send()
        .await;
    assert_eq!(r.code(), "form_identifier_not_found");
}

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_its_bucket() {
    let app = app().await;
    for i in 0..3 {
        let r = attempt(&app, "198.51.100.7", Some(&format!("203.0.113.{i}"))).await;
        assert_eq!(r.code(), "form_identifier_not_found");
    }
    attempt(&app, "198.51.100.7", Some("203.0.113.200")).await.expect_error(429, "too_many_requests");
    attempt(&app, "198.51.100.7", None).await.expect_error(429, "too_many_requests");
    // Its neighbour is its own peer, with its own bucket.
    assert_eq!(attempt(&app, "198.51.100.8", None).await.code(), "form_identifier_not_found");
}

/// The served binary gives each connection's TCP peer to the limits (what
/// `main.rs` wires up around its listener): two addresses of the loopback
/// network, each with a budget of 2, keep their own buckets.
#[tokio::test]
async fn the_served_binary_counts_each_peer_address_on_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("vestibule.toml");
    std::fs::write(&config, "sign_in_attempts_per_ip_per_minute = 2\n").expect("config");
    let config_arg = config.to_string_lossy().to_string();
    let served = common::binary::serve(&dir.path().join("data"), &["--config", &config_arg], &[("VESTIBULE_EMAIL_SENDER", "outbox")]);
    let base = served.base.clone().unwrap_or_else(|| panic!("the server did not start: {}", served.output()));
    // A caller whose connections leave from 127.0.0.`last`.
    let from = |last: u8| {
        let http = reqwest::Client::builder()
            .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, last)))
            .build()
            .expect("client");
        common::binary::Caller::new(&http, &base)
    };
    let mut first = from(2);
    for _ in 0..2 {
        assert_eq!(sign_in_status(&mut first).await, 422);
    }
    assert_eq!(sign_in_status(&mut first).await, 429, "127.0.0.2 spent its budget");
    assert_eq!(sign_in_status(&mut from(3)).await, 422, "127.0.0.3 has a budget of its own");
    served.stop();
}

/// The status of a sign-in attempt for an unknown address.
async fn sign_in_status(caller: &mut common::binary::Caller) -> u16 {
    let answer = caller.call(reqwest::Method::POST, "/v1/client/sign_ins", &[("identifier", "nobody@example.com")]).await;
    answer.expect("the server answers").0
}
