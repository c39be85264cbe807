//! Bounded growth: the sweeper deletes what nobody can use any more, and
//! nothing else. 10,000 anonymous `GET /v1/client` calls leave 10,000
//! client rows; once the clock is past the cookie's lifetime a sweep takes
//! the table back to the signed-in client. Each rule is shown at its
//! cut-off and just past it.

mod common;

use common::*;
use vestibule_server::store::copy::count;
use vestibule_server::sweeper::{sweep, CODE_RETENTION_MS, SESSION_RETENTION_MS};

const EMAIL: &str = "ada@example.com";

async fn rows(app: &TestApp, table: &str) -> i64 {
    count(&app.state.pool, table).await.expect("count")
}

#[tokio::test]
async fn ten_thousand_anonymous_visits_are_swept_once_their_cookie_expired() {
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let signed_in = app.get("/v1/client", &jar).await.ok("the signed-in client").json["response"]["id"].clone();
    let before = rows(&app, "clients").await;

    for _ in 0..20 {
        let visits = (0..500).map(|_| app.call(axum::http::Method::GET, "/v1/client").build()).collect();
        for r in send_concurrently(&app, visits).await {
            r.ok("an anonymous visit");
        }
    }
    assert_eq!(rows(&app, "clients").await, before + 10_000, "each anonymous visit wrote a client");

    // At the cookie's lifetime the visits are still within it: kept.
    app.advance(app.state.client_lifetime_ms);
    let swept = sweep(&app.state).await.expect("sweep");
    assert_eq!(swept.clients, 0);
    assert_eq!(rows(&app, "clients").await, before + 10_000);

    // One millisecond past it, they go; the signed-in client stays.
    app.advance(1);
    let swept = sweep(&app.state).await.expect("sweep");
    assert_eq!(swept.clients, 10_000);
    assert_eq!(rows(&app, "clients").await, before);
    // Its cookie has expired too (a browser has dropped it), but its row,
    // which holds the session, is kept.
    let id = signed_in.as_str().expect("the client id");
    assert_eq!(app.db_i64(&format!("SELECT COUNT(*) FROM clients WHERE id = '{id}'")).await, 1, "the client that held a session is kept");
}

#[tokio::test]
async fn codes_and_ended_sessions_go_after_their_retention_and_not_before() {
    let app = TestApp::new().await;
    // A sign-up leaves a code; a signed-out session stays ended.
    let (_jar, _sign_up) = app.start_email_sign_up("grace@example.com").await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    assert!(rows(&app, "verification_codes").await >= 1);
    assert_eq!(rows(&app, "sessions").await, 1);

    // Codes expire after 10 minutes and are kept two days past that, so
    // the daily send cap still sees them.
    app.advance(10 * MINUTE + CODE_RETENTION_MS);
    sweep(&app.state).await.expect("sweep");
    assert!(rows(&app, "verification_codes").await >= 1, "a code at its retention is kept");
    app.advance(MINUTE);
    sweep(&app.state).await.expect("sweep");
    assert_eq!(rows(&app, "verification_codes").await, 0);

    // The ended session is kept 30 days from its end.
    assert_eq!(rows(&app, "sessions").await, 1, "the ended session is within its retention");
    app.advance(SESSION_RETENTION_MS - CODE_RETENTION_MS - 11 * MINUTE);
    sweep(&app.state).await.expect("sweep");
    assert_eq!(rows(&app, "sessions").await, 1, "at its retention");
    app.advance(1);
    let swept = sweep(&app.state).await.expect("sweep");
    assert_eq!(swept.sessions, 1);
    assert_eq!(rows(&app, "sessions").await, 0);
    // Its client no longer points at it and answers as signed out.
    let client = app.get("/v1/client", &jar).await.ok("the client after the sweep");
    assert_eq!(client.json["response"]["last_active_session_id"], serde_json::Value::Null, "{}", client.json);
}

#[tokio::test]
async fn replaced_sign_ins_outbox_messages_and_ip_windows_go_after_their_retention() {
    use vestibule_server::sweeper::{ATTEMPT_RETENTION_MS, IP_WINDOW_RETENTION_MS, OUTBOX_RETENTION_MS};
    let app = TestApp::new().await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    // Two sign-ins on one client: the first is replaced, nobody points at it.
    let jar = Jar::new();
    let first = app.post("/v1/client/sign_ins", &[("identifier", EMAIL)], &jar).await.ok("first sign-in");
    let abandon_at = first.json["response"]["abandon_at"].as_i64().expect("abandon_at");
    app.post("/v1/client/sign_ins", &[("identifier", EMAIL)], &jar).await.ok("second sign-in");
    // A code in the outbox.
    app.start_email_sign_up("grace@example.com").await;
    let (sign_ins, outbox, windows) = (rows(&app, "sign_ins").await, rows(&app, "outbox").await, rows(&app, "ip_windows").await);
    assert_eq!(sign_ins, 2);
    assert!(outbox >= 1 && windows >= 1, "outbox {outbox}, ip windows {windows}");

    // A sign-in is abandoned after a day: the replaced one is kept a day
    // past that. Per-IP windows are kept two days. Both cut-offs fall here.
    assert_eq!(abandon_at + ATTEMPT_RETENTION_MS, T0 + IP_WINDOW_RETENTION_MS);
    app.advance(T0 + IP_WINDOW_RETENTION_MS - app.now());
    sweep(&app.state).await.expect("sweep");
    assert_eq!(rows(&app, "sign_ins").await, 2, "at the retention");
    assert_eq!(rows(&app, "ip_windows").await, windows, "at the retention");
    app.advance(1);
    let swept = sweep(&app.state).await.expect("sweep");
    assert_eq!(swept.sign_ins, 1);
    assert_eq!(rows(&app, "sign_ins").await, 1, "the sign-in the client points at stays");
    assert_eq!(rows(&app, "ip_windows").await, 0);

    // Outbox messages: kept seven days.
    app.advance(T0 + OUTBOX_RETENTION_MS - app.now());
    sweep(&app.state).await.expect("sweep");
    assert_eq!(rows(&app, "outbox").await, outbox, "at the retention");
    app.advance(1);
    sweep(&app.state).await.expect("sweep");
    assert_eq!(rows(&app, "outbox").await, 0);
}
