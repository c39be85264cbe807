//! Emailed sign-up codes at their boundaries (`security.md`: valid 10
//! minutes, single use, a resend invalidates the previous code, 30 s
//! cooldown, 10 sends a day, 5 wrong tries). The sign-ups here carry no
//! password, so no Argon2 hash is computed.

mod common;

use common::*;

const DAY: i64 = 24 * 60 * MINUTE;

async fn attempt(app: &TestApp, jar: &Jar, sua: &str, code: &str) -> Resp {
    app.post(&format!("/v1/client/sign_ups/{sua}/attempt_verification"), &[("code", code)], jar).await
}

async fn prepare(app: &TestApp, jar: &Jar, sua: &str) -> Resp {
    app.post(&format!("/v1/client/sign_ups/{sua}/prepare_verification"), &[("strategy", "email_code")], jar).await
}

fn assert_verified(r: &Resp) {
    assert!(r.status.is_success(), "{}", r.text());
    assert_eq!(r.json["response"]["verifications"]["email_address"]["status"], "verified", "{}", r.text());
    assert_eq!(r.json["response"]["unverified_fields"], serde_json::json!([]));
}

/// A six-digit code that is not `code`.
fn other_than(code: &str, k: u32) -> String {
    format!("{:06}", (code.parse::<u32>().expect("digits") + k) % 1_000_000)
}

#[tokio::test]
async fn code_is_valid_at_9_59() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let code = app.outbox_code("ada@example.com").await;
    app.advance(9 * MINUTE + 59 * SECOND);
    assert_verified(&attempt(&app, &jar, &sua, &code).await);
}

#[tokio::test]
async fn code_expires_at_10_01() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let code = app.outbox_code("ada@example.com").await;
    app.advance(10 * MINUTE + SECOND);
    attempt(&app, &jar, &sua, &code).await.expect_error(422, "verification_expired");
}

#[tokio::test]
async fn code_is_single_use() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let code = app.outbox_code("ada@example.com").await;
    assert_verified(&attempt(&app, &jar, &sua, &code).await);
    let r = attempt(&app, &jar, &sua, &code).await;
    assert!(r.status.is_client_error(), "{}", r.text());
    assert_eq!(r.code(), "verification_failed");
}

#[tokio::test]
async fn resend_after_the_cooldown_invalidates_the_old_code() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let first = app.outbox_code("ada@example.com").await;
    app.advance(30 * SECOND);
    prepare(&app, &jar, &sua).await.ok("resend at exactly 30 s");
    let codes = app.outbox_codes("ada@example.com").await;
    assert_eq!(codes.len(), 2, "two messages sent");
    let second = codes[0].clone();
    if first != second {
        // One chance in a million that both codes are the same digits.
        attempt(&app, &jar, &sua, &first).await.expect_error(422, "form_code_incorrect");
    }
    assert_verified(&attempt(&app, &jar, &sua, &second).await);
}

#[tokio::test]
async fn resend_within_30_seconds_is_429() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let code = app.outbox_code("ada@example.com").await;
    app.advance(29 * SECOND);
    let r = prepare(&app, &jar, &sua).await;
    r.expect_error(429, "too_many_requests");
    assert_eq!(r.header("retry-after"), Some("1"), "one second of cooldown left");
    assert_eq!(app.outbox_codes("ada@example.com").await.len(), 1, "nothing sent");
    // The refused resend did not invalidate the code that was sent.
    assert_verified(&attempt(&app, &jar, &sua, &code).await);
}

#[tokio::test]
async fn eleventh_send_in_a_day_is_429() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await; // send 1
    for n in 2..=10 {
        app.advance(30 * SECOND);
        prepare(&app, &jar, &sua).await.ok(&format!("send {n}"));
    }
    app.advance(30 * SECOND);
    let r = prepare(&app, &jar, &sua).await;
    r.expect_error(429, "too_many_requests");
    let retry: i64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert_eq!(retry, (DAY - 10 * 30 * SECOND) / SECOND, "until the first send is a day old");
    assert_eq!(app.outbox_codes("ada@example.com").await.len(), 10);

    // The cap is per address: another sign-up is not affected.
    let (_, _) = app.start_email_sign_up("bob@example.com").await;

    // A day after the first send, sending works again.
    app.advance(retry * SECOND);
    prepare(&app, &jar, &sua).await.ok("send after a day");
}

#[tokio::test]
async fn four_wrong_codes_then_the_right_one() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let code = app.outbox_code("ada@example.com").await;
    for k in 1..=4 {
        attempt(&app, &jar, &sua, &other_than(&code, k)).await.expect_error(422, "form_code_incorrect");
    }
    assert_verified(&attempt(&app, &jar, &sua, &code).await);
}

#[tokio::test]
async fn five_wrong_codes_kill_the_code() {
    let app = TestApp::new().await;
    let (jar, sua) = app.start_email_sign_up("ada@example.com").await;
    let code = app.outbox_code("ada@example.com").await;
    for k in 1..=4 {
        attempt(&app, &jar, &sua, &other_than(&code, k)).await.expect_error(422, "form_code_incorrect");
    }
    let r = attempt(&app, &jar, &sua, &other_than(&code, 5)).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text());
    let fifth = r.code();
    assert!(fifth == "verification_failed" || fifth == "form_code_incorrect", "{fifth}");
    attempt(&app, &jar, &sua, &code).await.expect_error(422, "verification_failed");

    // A new code (after the cooldown) starts over.
    app.advance(30 * SECOND);
    prepare(&app, &jar, &sua).await.ok("resend");
    let code = app.outbox_code("ada@example.com").await;
    assert_verified(&attempt(&app, &jar, &sua, &code).await);
}
