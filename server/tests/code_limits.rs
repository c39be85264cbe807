//! Every code limit is one atomic check-and-record (`security.md`, "Safe by
//! default"): concurrent guesses at one code are judged at most 5 times,
//! concurrent sends to one destination deliver one message, the daily cap
//! holds, and a user holds at most 10 phone numbers.

mod common;

use axum::http::Method;
use common::*;
use vestibule_server::routes::phone_numbers::MAX_PHONE_NUMBERS;

const EMAIL: &str = "grace@example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_guesses_at_one_code_are_judged_at_most_five_times() {
    let app = TestApp::new().await;
    let (jar, id) = app.start_email_sign_up(EMAIL).await;
    let right = app.outbox_code(EMAIL).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let path = format!("/v1/client/sign_ups/{id}/attempt_verification");
    // 99 wrong guesses and, last, the right code: had the guesses been
    // checked and counted in separate statements, the right one could land
    // after more than five wrong ones had been judged.
    let requests = (0..100)
        .map(|i| app.call(Method::POST, &path).jar(&jar).form(&[("code", if i == 99 { &right } else { wrong })]).build())
        .collect();
    let (mut incorrect, mut dead, mut accepted, mut after_done) = (0, 0, 0, 0);
    for r in send_concurrently(&app, requests).await {
        if r.status.is_success() {
            accepted += 1;
            continue;
        }
        match r.code().as_str() {
            "form_code_incorrect" => incorrect += 1,
            "verification_failed" => dead += 1,
            // The right code was judged early: the sign-up is complete and
            // the client's token was replaced with the new session.
            "request_invalid" | "session_exists" | "authentication_invalid" => after_done += 1,
            other => panic!("unexpected answer {other}: {}", r.text()),
        }
    }
    assert!(after_done == 0 || accepted == 1, "{after_done} answered after a completion that did not happen");
    let subject = format!("sign_up:{id}:email_address");
    let attempts = vestibule_server::store::codes::attempts_of_latest(&app.state.pool, &subject).await.expect("db");
    assert!(incorrect + accepted <= 5, "{incorrect} judged wrong and {accepted} right");
    assert!(attempts <= Some(5), "{attempts:?} tries recorded");
    if accepted == 0 {
        assert_eq!(incorrect, 4, "four wrong answers, then the fifth kills the code");
        assert_eq!(attempts, Some(5));
        assert_eq!(dead, 96);
        // The code is dead: the right one no longer works.
        let r = app.post(&path, &[("code", &right)], &jar).await;
        r.expect_error(422, "verification_failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_sends_deliver_exactly_one_message() {
    let app = TestApp::new().await;
    let jar = Jar::new();
    let r = app.post("/v1/client/sign_ups", &[("email_address", EMAIL)], &jar).await.ok("create");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    let path = format!("/v1/client/sign_ups/{id}/prepare_verification");
    let requests = (0..20).map(|_| app.call(Method::POST, &path).jar(&jar).form(&[("strategy", "email_code")]).build()).collect();
    let answers = send_concurrently(&app, requests).await;
    let sent = answers.iter().filter(|r| r.status.is_success()).count();
    let limited = answers.iter().filter(|r| r.status == 429 && r.code() == "too_many_requests").count();
    assert_eq!((sent, limited), (1, 19), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(answers.iter().filter(|r| r.status == 429).all(|r| r.header("retry-after") == Some("30")));
    assert_eq!(app.outbox_codes(EMAIL).await.len(), 1, "one message delivered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_daily_cap_holds_under_concurrency() {
    let app = TestApp::new().await;
    let jar = Jar::new();
    let r = app.post("/v1/client/sign_ups", &[("email_address", EMAIL)], &jar).await.ok("create");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    let path = format!("/v1/client/sign_ups/{id}/prepare_verification");
    for i in 1..=9 {
        app.post(&path, &[("strategy", "email_code")], &jar).await.ok(&format!("send {i}"));
        app.advance(31 * SECOND);
    }
    // The tenth send, raced twenty times: one wins, and then the cap is reached.
    let requests = (0..20).map(|_| app.call(Method::POST, &path).jar(&jar).form(&[("strategy", "email_code")]).build()).collect();
    let sent = send_concurrently(&app, requests).await.iter().filter(|r| r.status.is_success()).count();
    assert_eq!(sent, 1);
    assert_eq!(app.outbox_codes(EMAIL).await.len(), 10);
    app.advance(31 * SECOND);
    let r = app.post(&path, &[("strategy", "email_code")], &jar).await;
    r.expect_error(429, "too_many_requests");
    assert_eq!(app.outbox_codes(EMAIL).await.len(), 10, "the 11th send of the day is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_user_holds_at_most_ten_phone_numbers_even_when_adding_concurrently() {
    let app = TestApp::new().await;
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    let user = app.sign_up(EMAIL, PASSWORD).await;
    let numbers: Vec<String> = (0..20).map(|i| format!("+1555010{i:04}")).collect();
    let requests = numbers
        .iter()
        .map(|n| app.call(Method::POST, "/v1/me/phone_numbers").jar(&user.jar).form(&[("phone_number", n)]).build())
        .collect();
    let answers = send_concurrently(&app, requests).await;
    let added = answers.iter().filter(|r| r.status.is_success()).count();
    assert_eq!(added as i64, MAX_PHONE_NUMBERS);
    for r in answers.iter().filter(|r| !r.status.is_success()) {
        r.expect_error(422, "form_param_format_invalid");
        assert!(r.envelope().errors[0].message.contains("at most 10"), "{}", r.text());
    }
    let held = vestibule_server::store::phones::of_user(&app.state.pool, &user.user_id).await.expect("db");
    assert_eq!(held.len() as i64, MAX_PHONE_NUMBERS);
    // Adding one of the held numbers again still answers it (a reload).
    app.post("/v1/me/phone_numbers", &[("phone_number", &held[0].phone)], &user.jar).await.ok("same number again");
}
