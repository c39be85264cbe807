//! Emailed codes at their boundaries (`security.md`: valid 10 minutes,
//! single use, a resend invalidates the previous code, 30 s cooldown, 10
//! sends a day, 5 wrong tries), for every flow that emails a code: the
//! sign-up's address verification, the sign-in's `email_code` first factor
//! and its "forgot password" code (`reset_password_email_code`). The users
//! here carry no password, so no Argon2 hash is computed.

mod common;

use common::*;

const DAY: i64 = 24 * 60 * MINUTE;

/// The two flows that email a code.
#[derive(Clone, Copy, Debug)]
enum Flow {
    SignUp,
    SignIn,
    ResetPassword,
}

const FLOWS: [Flow; 3] = [Flow::SignUp, Flow::SignIn, Flow::ResetPassword];

impl Flow {
    /// The sign-in strategy the code proves.
    fn strategy(self) -> &'static str {
        match self {
            Flow::ResetPassword => "reset_password_email_code",
            Flow::SignUp | Flow::SignIn => "email_code",
        }
    }
}

impl Flow {
    /// Starts the flow for `email` and sends the first code; returns the
    /// client's jar and the sign-up's or sign-in's id.
    async fn start(self, app: &TestApp, email: &str) -> (Jar, String) {
        match self {
            Flow::SignUp => app.start_email_sign_up(email).await,
            Flow::SignIn | Flow::ResetPassword => {
                app.create_user(email, None).await;
                let jar = Jar::new();
                let r = app
                    .post("/v1/client/sign_ins", &[("identifier", email)], &jar)
                    .await
                    .ok("sign-in");
                let id = r.json["response"]["id"]
                    .as_str()
                    .expect("sign-in id")
                    .to_string();
                self.prepare(app, &jar, &id).await.ok("first code");
                (jar, id)
            }
        }
    }

    async fn attempt(self, app: &TestApp, jar: &Jar, id: &str, code: &str) -> Resp {
        match self {
            Flow::SignUp => {
                app.post(
                    &format!("/v1/client/sign_ups/{id}/attempt_verification"),
                    &[("code", code)],
                    jar,
                )
                .await
            }
            Flow::SignIn | Flow::ResetPassword => {
                app.post(
                    &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
                    &[("strategy", self.strategy()), ("code", code)],
                    jar,
                )
                .await
            }
        }
    }

    async fn prepare(self, app: &TestApp, jar: &Jar, id: &str) -> Resp {
        let path = match self {
            Flow::SignUp => format!("/v1/client/sign_ups/{id}/prepare_verification"),
            Flow::SignIn | Flow::ResetPassword => format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
        };
        app.post(&path, &[("strategy", self.strategy())], jar).await
    }

    /// The code was accepted: the address is verified, the sign-in done, or
    /// the new password next.
    fn assert_verified(self, r: &Resp) {
        assert!(r.status.is_success(), "{self:?}: {}", r.text());
        match self {
            Flow::SignUp => {
                assert_eq!(
                    r.json["response"]["verifications"]["email_address"]["status"],
                    "verified",
                    "{}",
                    r.text()
                );
                assert_eq!(
                    r.json["response"]["unverified_fields"],
                    serde_json::json!([])
                );
            }
            Flow::SignIn => {
                assert_eq!(r.json["response"]["status"], "complete", "{}", r.text());
                assert!(
                    r.json["response"]["created_session_id"].is_string(),
                    "{}",
                    r.text()
                );
            }
            Flow::ResetPassword => {
                assert_eq!(r.json["response"]["status"], "needs_new_password", "{}", r.text());
                assert!(r.json["response"]["created_session_id"].is_null(), "{}", r.text());
            }
        }
    }
}

/// Four wrong codes, each answered `form_code_incorrect`.
async fn four_wrong_codes(flow: Flow, app: &TestApp, jar: &Jar, id: &str, code: &str) {
    for k in 1..=4 {
        flow.attempt(app, jar, id, &other_than(code, k)).await.expect_error(422, "form_code_incorrect");
    }
}

/// A six-digit code that is not `code`.
fn other_than(code: &str, k: u32) -> String {
    format!(
        "{:06}",
        (code.parse::<u32>().expect("digits") + k) % 1_000_000
    )
}

#[tokio::test]
async fn code_is_valid_at_9_59() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let code = app.outbox_code("ada@example.com").await;
        app.advance(9 * MINUTE + 59 * SECOND);
        flow.assert_verified(&flow.attempt(&app, &jar, &id, &code).await);
    }
}

#[tokio::test]
async fn code_expires_at_10_01() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let code = app.outbox_code("ada@example.com").await;
        app.advance(10 * MINUTE + SECOND);
        flow.attempt(&app, &jar, &id, &code)
            .await
            .expect_error(422, "verification_expired");
    }
}

#[tokio::test]
async fn code_is_single_use() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let code = app.outbox_code("ada@example.com").await;
        flow.assert_verified(&flow.attempt(&app, &jar, &id, &code).await);
        let r = flow.attempt(&app, &jar, &id, &code).await;
        assert!(r.status.is_client_error(), "{}", r.text());
        match flow {
            Flow::SignUp => assert_eq!(r.code(), "verification_failed"),
            Flow::SignIn => assert_eq!(app.sessions(&jar).await.len(), 1, "the used code made no second session"),
            Flow::ResetPassword => assert_eq!(r.code(), "request_invalid", "the sign-in waits for the new password"),
        }
    }
}

#[tokio::test]
async fn resend_after_the_cooldown_invalidates_the_old_code() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let first = app.outbox_code("ada@example.com").await;
        app.advance(30 * SECOND);
        flow.prepare(&app, &jar, &id)
            .await
            .ok("resend at exactly 30 s");
        let codes = app.outbox_codes("ada@example.com").await;
        assert_eq!(codes.len(), 2, "two messages sent");
        let second = codes[0].clone();
        if first != second {
            // One chance in a million that both codes are the same digits.
            flow.attempt(&app, &jar, &id, &first)
                .await
                .expect_error(422, "form_code_incorrect");
        }
        flow.assert_verified(&flow.attempt(&app, &jar, &id, &second).await);
    }
}

#[tokio::test]
async fn resend_within_30_seconds_is_429() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let code = app.outbox_code("ada@example.com").await;
        app.advance(29 * SECOND);
        let r = flow.prepare(&app, &jar, &id).await;
        r.expect_error(429, "too_many_requests");
        assert_eq!(
            r.header("retry-after"),
            Some("1"),
            "one second of cooldown left"
        );
        assert_eq!(
            app.outbox_codes("ada@example.com").await.len(),
            1,
            "nothing sent"
        );
        // The refused resend did not invalidate the code that was sent.
        flow.assert_verified(&flow.attempt(&app, &jar, &id, &code).await);
    }
}

#[tokio::test]
async fn eleventh_send_in_a_day_is_429() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await; // send 1
        for n in 2..=10 {
            app.advance(30 * SECOND);
            flow.prepare(&app, &jar, &id)
                .await
                .ok(&format!("send {n}"));
        }
        app.advance(30 * SECOND);
        let r = flow.prepare(&app, &jar, &id).await;
        r.expect_error(429, "too_many_requests");
        let retry: i64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert_eq!(
            retry,
            (DAY - 10 * 30 * SECOND) / SECOND,
            "until the first send is a day old"
        );
        assert_eq!(app.outbox_codes("ada@example.com").await.len(), 10);

        // The cap is per address: another sign-up is not affected.
        let (_, _) = flow.start(&app, "bob@example.com").await;

        // A day after the first send, sending works again.
        app.advance(retry * SECOND);
        flow.prepare(&app, &jar, &id).await.ok("send after a day");
    }
}

#[tokio::test]
async fn four_wrong_codes_then_the_right_one() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let code = app.outbox_code("ada@example.com").await;
        four_wrong_codes(flow, &app, &jar, &id, &code).await;
        flow.assert_verified(&flow.attempt(&app, &jar, &id, &code).await);
    }
}

#[tokio::test]
async fn five_wrong_codes_kill_the_code() {
    for flow in FLOWS {
        let app = TestApp::new().await;
        let (jar, id) = flow.start(&app, "ada@example.com").await;
        let code = app.outbox_code("ada@example.com").await;
        four_wrong_codes(flow, &app, &jar, &id, &code).await;
        let r = flow.attempt(&app, &jar, &id, &other_than(&code, 5)).await;
        assert_eq!(r.status.as_u16(), 422, "{}", r.text());
        let fifth = r.code();
        assert!(
            fifth == "verification_failed" || fifth == "form_code_incorrect",
            "{fifth}"
        );
        flow.attempt(&app, &jar, &id, &code)
            .await
            .expect_error(422, "verification_failed");

        // A new code (after the cooldown) starts over.
        app.advance(30 * SECOND);
        flow.prepare(&app, &jar, &id).await.ok("resend");
        let code = app.outbox_code("ada@example.com").await;
        flow.assert_verified(&flow.attempt(&app, &jar, &id, &code).await);
    }
}
