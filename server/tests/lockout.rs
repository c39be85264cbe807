//! Sign-in attempts and lockout (`security.md`): 10 consecutive failures
//! lock a user for an hour, a success resets the count, concurrent guesses
//! never buy more than the budget, and one IP gets 30 attempts a minute.

mod common;

use common::*;

const EMAIL: &str = "grace@example.com";
const HOUR: i64 = 60 * MINUTE;

/// An instance whose per-IP limit stays out of the way of the per-user one.
async fn app_with_user() -> TestApp {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    app
}

async fn wrong(app: &TestApp, jar: &Jar, n: usize) {
    for i in 1..=n {
        let r = app.sign_in(jar, EMAIL, WRONG).await;
        assert_eq!(r.code(), "form_password_incorrect", "wrong attempt {i}: {}", r.text());
    }
}

async fn sign_out(app: &TestApp, jar: &Jar, sid: &str) {
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], jar).await.ok("end");
}

#[tokio::test]
async fn nine_failures_then_success_resets_the_count() {
    let app = app_with_user().await;
    let jar = Jar::new();
    wrong(&app, &jar, 9).await;
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    sign_out(&app, &jar, &sid).await;

    // Had the count not been reset, the first of these would lock.
    wrong(&app, &jar, 9).await;
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
}

#[tokio::test]
async fn ten_failures_lock_for_an_hour() {
    let app = app_with_user().await;
    let jar = Jar::new();
    // The 10th wrong answer is still just wrong...
    wrong(&app, &jar, 10).await;

    // ...the 11th attempt is refused even with the right password.
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await;
    r.expect_error(403, "user_locked");
    assert_eq!(r.envelope().errors[0].meta.lockout_expires_in_seconds, Some(3600), "{}", r.text());
    app.sign_in(&jar, EMAIL, WRONG).await.expect_error(403, "user_locked");

    // 59:59 later: still locked, one second to go.
    app.advance(HOUR - SECOND);
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await;
    r.expect_error(403, "user_locked");
    assert_eq!(r.envelope().errors[0].meta.lockout_expires_in_seconds, Some(1), "{}", r.text());

    // 60:01 after the lock: the right password works.
    app.advance(2 * SECOND);
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_guesses_never_buy_more_than_the_budget() {
    let app = app_with_user().await;
    // Each guess from its own browser, on its own router clone.
    let requests = (0..20)
        .map(|_| {
            app.call(axum::http::Method::POST, "/v1/client/sign_ins")
                .form(&[("identifier", EMAIL), ("password", WRONG), ("strategy", "password")])
                .build()
        })
        .collect();
    let (mut incorrect, mut locked) = (0, 0);
    for r in send_concurrently(&app, requests).await {
        match r.code().as_str() {
            "form_password_incorrect" => incorrect += 1,
            "user_locked" => locked += 1,
            other => panic!("unexpected answer {other}: {} {}", r.status, r.text()),
        }
    }
    assert_eq!(incorrect, 10, "exactly the budget of wrong guesses was checked ({locked} locked)");
    assert_eq!(locked, 10);

    // Locked: the right password does not get in.
    let jar = Jar::new();
    app.sign_in(&jar, EMAIL, PASSWORD).await.expect_error(403, "user_locked");

    // After the lock, a fresh budget: 9 wrong and the right one succeed.
    app.advance(HOUR + SECOND);
    wrong(&app, &jar, 9).await;
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
}

#[tokio::test]
async fn thirty_sign_in_attempts_per_ip_per_minute() {
    // Default configuration; requests without ConnectInfo count as 127.0.0.1.
    let app = TestApp::new().await;
    let jar = Jar::new();
    let attempt = || app.post("/v1/client/sign_ins", &[("identifier", "nobody@example.com")], &jar);
    for i in 1..=30 {
        let r = attempt().await;
        assert_eq!(r.code(), "form_identifier_not_found", "attempt {i}: {}", r.text());
    }
    app.advance(59 * SECOND);
    let r = attempt().await;
    r.expect_error(429, "too_many_requests");
    let retry: i64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert_eq!(retry, 1, "one second left in the minute");

    // The limiter counts sign-in attempts of every kind, passwords included.
    let r = app.sign_in(&jar, "nobody@example.com", PASSWORD).await;
    r.expect_error(429, "too_many_requests");

    // A minute after the first attempt the window starts again.
    app.advance(SECOND);
    let r = attempt().await;
    assert_eq!(r.code(), "form_identifier_not_found", "{}", r.text());
}
