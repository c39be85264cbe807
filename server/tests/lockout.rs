//! Sign-in attempts and lockout (`security.md`): 10 consecutive failures
//! lock a user for an hour, a success resets the count, concurrent guesses
//! never buy more than the budget, and one IP gets 30 attempts a minute.

mod common;

use axum::http::Method;
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

    // The limit is per address: another one keeps its own 30, then is
    // limited in turn, while the first stays limited.
    let other = Jar::new();
    let from_other = || app.call(Method::POST, "/v1/client/sign_ins").peer("192.0.2.7").jar(&other).form(&[("identifier", "nobody@example.com")]).send();
    for i in 1..=30 {
        let r = from_other().await;
        assert_eq!(r.code(), "form_identifier_not_found", "second address, attempt {i}: {}", r.text());
    }
    from_other().await.expect_error(429, "too_many_requests");
    attempt().await.expect_error(429, "too_many_requests");

    // A minute after the first attempt the window starts again.
    app.advance(SECOND);
    let r = attempt().await;
    assert_eq!(r.code(), "form_identifier_not_found", "{}", r.text());
}

/// An instance with a lockout of 3 attempts for a minute.
async fn app_with_small_lockout() -> TestApp {
    let app = app_with_user().await;
    app.patch_instance(&[("lockout_max_attempts", "3"), ("lockout_duration_seconds", "60")]).await;
    app
}

/// `POST /v1/me/change_password` from the signed-in `jar`.
async fn change_password(app: &TestApp, jar: &Jar, current: &str, new: &str) -> Resp {
    app.post("/v1/me/change_password", &[("current_password", current), ("new_password", new)], jar).await
}

#[tokio::test]
async fn a_right_answer_on_the_last_attempt_leaves_no_lock_that_never_ends() {
    let app = app_with_small_lockout().await;
    let session = Jar::new();
    app.sign_in_ok(&session, EMAIL, PASSWORD).await;
    let jar = Jar::new();
    wrong(&app, &jar, 2).await;
    // The third attempt of the budget is a right current password.
    let new = "another-long-passphrase-for-grace-93";
    change_password(&app, &session, PASSWORD, new).await.ok("change password");
    // Reproduced defect: the count stood at the maximum with no lock, and
    // the right password answered user_locked forever.
    app.sign_in_ok(&jar, EMAIL, new).await;
}

#[tokio::test]
async fn reaching_the_maximum_always_sets_a_lock_that_ends() {
    let app = app_with_small_lockout().await;
    let jar = Jar::new();
    wrong(&app, &jar, 3).await;
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await;
    r.expect_error(403, "user_locked");
    assert_eq!(r.envelope().errors[0].meta.lockout_expires_in_seconds, Some(60));
    let locked_until = vestibule_server::store::users::locked_until(&app.state.pool, &user_id(&app).await).await.expect("db");
    assert_eq!(locked_until, Some(T0 + 60 * SECOND), "the third wrong answer set the lock");
    app.advance(60 * SECOND - 1);
    app.sign_in(&jar, EMAIL, PASSWORD).await.expect_error(403, "user_locked");
    app.advance(1);
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
}

async fn user_id(app: &TestApp) -> String {
    vestibule_server::store::users::by_email(&app.state.pool, EMAIL).await.expect("db").expect("user").id
}

/// Random sequences of right and wrong answers (sign-in passwords and the
/// current password of a password change), with the clock moving between
/// them: whatever happened, a right password given `lockout_duration` after
/// the last wrong answer signs in.
#[tokio::test]
async fn after_the_lockout_duration_past_the_last_wrong_answer_the_right_password_signs_in() {
    use rand::{Rng, SeedableRng};
    let passwords = ["correct-horse-battery-staple-42", "another-long-passphrase-for-grace-93"];
    for seed in 0..20u64 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let app = app_with_small_lockout().await;
        let session = Jar::new();
        app.sign_in_ok(&session, EMAIL, PASSWORD).await;
        let mut current = 0usize;
        let mut now = T0;
        let mut last_wrong: Option<i64> = None;
        let mut trace = Vec::new();
        for _ in 0..12 {
            let step = rng.gen_range(0..5);
            match step {
                0 => {
                    let r = app.sign_in(&Jar::new(), EMAIL, WRONG).await;
                    assert!(matches!(r.code().as_str(), "form_password_incorrect" | "user_locked"), "seed {seed} {trace:?}: {}", r.text());
                    if r.code() == "form_password_incorrect" {
                        last_wrong = Some(now);
                    }
                }
                1 => {
                    let r = change_password(&app, &session, WRONG, passwords[1 - current]).await;
                    assert!(matches!(r.code().as_str(), "form_password_incorrect" | "user_locked"), "seed {seed} {trace:?}: {}", r.text());
                    if r.code() == "form_password_incorrect" {
                        last_wrong = Some(now);
                    }
                }
                2 => {
                    let jar = Jar::new();
                    let r = app.sign_in(&jar, EMAIL, passwords[current]).await;
                    let due = last_wrong.is_none_or(|t| now >= t + 60 * SECOND);
                    if due || r.status.is_success() {
                        let r = r.ok(&format!("seed {seed} {trace:?}: the right password, a minute after the last wrong one"));
                        let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
                        sign_out(&app, &jar, &sid).await;
                    } else {
                        r.expect_error(403, "user_locked");
                    }
                }
                3 => {
                    let r = change_password(&app, &session, passwords[current], passwords[1 - current]).await;
                    if r.status.is_success() {
                        current = 1 - current;
                    } else {
                        r.expect_error(403, "user_locked");
                    }
                }
                _ => {
                    let ms = rng.gen_range(0..90) * SECOND;
                    app.advance(ms);
                    now += ms;
                }
            }
            trace.push(step);
        }
        if let Some(t) = last_wrong {
            app.advance((t + 60 * SECOND - now).max(0));
        }
        app.sign_in_ok(&Jar::new(), EMAIL, passwords[current]).await;
    }
}

/// The user's failed-attempt count.
async fn failed_attempts(app: &TestApp) -> i64 {
    app.db_i64(&format!("SELECT failed_attempts FROM users WHERE id = (SELECT user_id FROM email_addresses WHERE email = '{EMAIL}')")).await
}

#[tokio::test]
async fn a_server_error_never_spends_an_attempt() {
    let app = app_with_user().await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let enrolled = app.enrol_totp(&jar).await;
    sign_out(&app, &jar, &sid).await;
    app.advance(MINUTE);
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    let wrong_code = wrong_totp_code(&enrolled.secret, app.now());
    app.attempt_second_factor(&jar, &sia, "totp", &wrong_code).await.expect_error(422, "form_code_incorrect");
    assert_eq!(failed_attempts(&app).await, 1, "a wrong code spends one");

    // The right code, but the statement that records its step fails.
    let (install, remove): (&[&str], &[&str]) = match app.database_url() {
        None => (&["CREATE TRIGGER fail_totp BEFORE UPDATE ON totps BEGIN SELECT RAISE(ABORT, 'injected failure'); END"], &["DROP TRIGGER fail_totp"]),
        Some(_) => (
            &[
                "CREATE FUNCTION fail_totp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
                "CREATE TRIGGER fail_totp BEFORE UPDATE ON totps FOR EACH ROW EXECUTE FUNCTION fail_totp()",
            ],
            &["DROP TRIGGER fail_totp ON totps", "DROP FUNCTION fail_totp()"],
        ),
    };
    for statement in install {
        app.db_execute(statement).await;
    }
    let right = totp_code(&enrolled.secret, app.now(), 0);
    let r = app.attempt_second_factor(&jar, &sia, "totp", &right).await;
    assert!(r.status.is_server_error(), "the failed write is the server's: {} {}", r.status, r.text());
    r.envelope();
    assert_eq!(failed_attempts(&app).await, 1, "the server's failure spent no attempt");

    for statement in remove {
        app.db_execute(statement).await;
    }
    let r = app.attempt_second_factor(&jar, &sia, "totp", &right).await.ok("the right code once the database works");
    assert_eq!(r.json["response"]["status"], "complete");
    assert_eq!(failed_attempts(&app).await, 0, "a success resets the count");
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_both_verify_one_hash() {
    let app = app_with_user().await;
    let jar = Jar::new();
    let before = app.state.hashing.finished();
    app.sign_in(&jar, "nobody@example.com", WRONG).await.expect_error(422, "form_identifier_not_found");
    assert_eq!(app.state.hashing.finished(), before + 1, "an unknown user's password is verified against the dummy hash");
    app.sign_in(&jar, EMAIL, WRONG).await.expect_error(422, "form_password_incorrect");
    assert_eq!(app.state.hashing.finished(), before + 2, "a known user's password is verified once");
}
