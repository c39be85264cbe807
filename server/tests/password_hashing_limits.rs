//! Password hashing cannot be used to exhaust the server: sign-up calls are
//! limited per IP like sign-in, and concurrent Argon2 work is bounded by a
//! gate (slots and a short queue; past it 429 with `Retry-After`).

mod common;

use axum::http::Method;
use common::*;

#[tokio::test]
async fn thirty_sign_up_calls_per_ip_per_minute() {
    let app = TestApp::new().await;
    let create = |n: u32, peer: &'static str| {
        app.call(Method::POST, "/v1/client/sign_ups").peer(peer).form(&[("email_address", &format!("user{n}@example.com"))]).send()
    };
    for i in 0..30 {
        create(i, "198.51.100.1").await.ok(&format!("sign-up {i}"));
    }
    let r = create(30, "198.51.100.1").await;
    r.expect_error(429, "too_many_requests");
    assert!(r.header("retry-after").is_some());
    // Updates count too: they hash passwords as well.
    let jar = Jar::new();
    let r = app.call(Method::POST, "/v1/client/sign_ups").peer("198.51.100.2").jar(&jar).form(&[("email_address", "x@example.com")]).send().await.ok("other ip");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    app.call(Method::PATCH, &format!("/v1/client/sign_ups/{id}"))
        .peer("198.51.100.1")
        .jar(&jar)
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .expect_error(429, "too_many_requests");
    app.advance(60 * SECOND);
    create(31, "198.51.100.1").await.ok("a minute later");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_sign_ups_hash_at_most_as_many_passwords_at_once_as_there_are_slots() {
    let app = TestApp::with_config(|c| {
        c.sign_up_attempts_per_ip_per_minute = 1000;
        c.password_hashing_concurrency = 2;
        c.password_hashing_queue = 4;
    })
    .await;
    let requests = (0..100)
        .map(|i| {
            app.call(Method::POST, "/v1/client/sign_ups")
                .form(&[("email_address", &format!("user{i}@example.com")), ("password", PASSWORD)])
                .build()
        })
        .collect();
    let answers = send_concurrently(&app, requests).await;
    let created = answers.iter().filter(|r| r.status.is_success()).count();
    let busy: Vec<&Resp> = answers.iter().filter(|r| r.status == 429).collect();
    assert_eq!(created + busy.len(), 100, "no other answer: {:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(created >= 6, "the slots and the queue were served: {created}");
    assert!(!busy.is_empty(), "past the queue, callers are told to come back");
    for r in busy {
        r.expect_error(429, "too_many_requests");
        assert_eq!(r.header("retry-after"), Some("1"));
    }
    assert!(app.state.hashing.peak() <= 2, "at most two hashes at once, saw {}", app.state.hashing.peak());
}
