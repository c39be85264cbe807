//! Phone numbers and SMS codes (`security.md`, "SMS codes"): numbers are
//! normalised to E.164; a number is verified with a texted code and, once
//! reserved for the second factor, signs in with `phone_code`. The code
//! rules (10 minutes, resend invalidates, 5 wrong tries, 30 s cooldown, 10
//! sends a day) hold for the sign-in's SMS code; the SMS webhook is signed
//! like the email one.

mod common;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::*;
use serde_json::Value;
use tokio::sync::mpsc;
use vestibule_server::config::{SmsSender, WebhookConfig};

const EMAIL: &str = "katherine@example.com";
const PHONE: &str = "+15550100123";
const DAY: i64 = 24 * 60 * MINUTE;

async fn app() -> TestApp {
    app_with(|_| {}).await
}

async fn app_with(tweak: impl FnOnce(&mut vestibule_server::Config)) -> TestApp {
    let app = TestApp::with_config(|c| {
        c.sign_in_attempts_per_ip_per_minute = 100_000;
        tweak(c);
    })
    .await;
    app.patch_instance(&[("phone_code_enabled", "true")]).await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    app
}

/// Signs in, adds `PHONE`, verifies it with the texted code and reserves
/// it for the second factor; returns the jar (signed in) and the number's id.
async fn enrol_phone(app: &TestApp) -> (Jar, String) {
    let jar = Jar::new();
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let r = app.post("/v1/me/phone_numbers", &[("phone_number", "+1 (555) 010-0123")], &jar).await.ok("add phone");
    let p = &r.json["response"];
    assert_eq!(p["object"], "phone_number");
    assert_eq!(p["phone_number"], PHONE);
    assert_eq!(p["verification"]["status"], "unverified");
    let id = p["id"].as_str().expect("phone id").to_string();
    // Not verified yet: it cannot be a second factor.
    app.call(axum::http::Method::PATCH, &format!("/v1/me/phone_numbers/{id}"))
        .jar(&jar)
        .form(&[("reserved_for_second_factor", "true")])
        .send()
        .await
        .expect_error(422, "request_invalid");
    app.post(&format!("/v1/me/phone_numbers/{id}/prepare_verification"), &[("strategy", "phone_code")], &jar)
        .await
        .ok("prepare");
    let code = app.outbox_code(PHONE).await;
    let r = app.post(&format!("/v1/me/phone_numbers/{id}/attempt_verification"), &[("code", &code)], &jar).await.ok("verify");
    assert_eq!(r.json["response"]["verification"]["status"], "verified");
    let r = app
        .post(&format!("/v1/me/phone_numbers/{id}?_method=PATCH"), &[("reserved_for_second_factor", "true"), ("default_second_factor", "true")], &jar)
        .await
        .ok("reserve");
    assert_eq!(r.json["response"]["reserved_for_second_factor"], true);
    assert_eq!(r.json["response"]["default_second_factor"], true);
    assert_eq!(r.json["response"]["backup_codes"].as_array().map(Vec::len), Some(10), "first second factor brings backup codes");
    let me = app.me(&jar).await;
    assert_eq!(me["two_factor_enabled"], true);
    assert_eq!(me["phone_numbers"][0]["id"], id.as_str());
    assert_eq!(me["primary_phone_number_id"], id.as_str());
    (jar, id)
}

async fn sign_out(app: &TestApp, jar: &Jar) {
    let sid = app.client(jar).await.last_active_session_id.expect("signed in");
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], jar).await.ok("end");
}

/// A signed-out user with an SMS second factor and a sign-in waiting for it,
/// its first code sent.
async fn waiting_for_sms(app: &TestApp) -> (Jar, String) {
    let (jar, _) = enrol_phone(app).await;
    sign_out(app, &jar).await;
    app.advance(MINUTE);
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    prepare(app, &jar, &sia).await.ok("prepare second factor");
    (jar, sia)
}

async fn prepare(app: &TestApp, jar: &Jar, sia: &str) -> Resp {
    app.post(&format!("/v1/client/sign_ins/{sia}/prepare_second_factor"), &[("strategy", "phone_code")], jar).await
}

fn other_than(code: &str, k: u32) -> String {
    format!("{:06}", (code.parse::<u32>().expect("digits") + k) % 1_000_000)
}

#[tokio::test]
async fn numbers_are_normalised_to_e164() {
    let app = app().await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let good = [
        ("+1 555 010 0124", "+15550100124"),
        ("+44 (20) 7946-0958", "+442079460958"),
        ("  +4930123456 ", "+4930123456"),
        ("+123456789012345", "+123456789012345"),
    ];
    for (input, want) in good {
        let r = app.post("/v1/me/phone_numbers", &[("phone_number", input)], &jar).await.ok(input);
        assert_eq!(r.json["response"]["phone_number"], want, "{input}");
    }
    for bad in ["5550100123", "+1234567", "+1234567890123456", "+0155501001", "+1 555 O10 0123", "tel:+15550100123"] {
        let r = app.post("/v1/me/phone_numbers", &[("phone_number", bad)], &jar).await;
        r.expect_error(422, "form_param_format_invalid");
        assert_eq!(r.envelope().errors[0].meta.param_name.as_deref(), Some("phone_number"), "{bad}");
    }
    // The same unverified number again (a reload of the form) answers the
    // same number; once it is verified, adding it again is refused.
    let first = app.post("/v1/me/phone_numbers", &[("phone_number", "+15550100125")], &jar).await.ok("add");
    let again = app.post("/v1/me/phone_numbers", &[("phone_number", "+1 555 010 0125")], &jar).await.ok("add again");
    assert_eq!(first.json["response"]["id"], again.json["response"]["id"]);
    let id = first.json["response"]["id"].as_str().expect("id").to_string();
    app.post(&format!("/v1/me/phone_numbers/{id}/prepare_verification"), &[("strategy", "phone_code")], &jar).await.ok("prepare");
    let code = app.outbox_code("+15550100125").await;
    app.post(&format!("/v1/me/phone_numbers/{id}/attempt_verification"), &[("code", &code)], &jar).await.ok("verify");
    app.post("/v1/me/phone_numbers", &[("phone_number", "+15550100125")], &jar).await.expect_error(422, "phone_number_exists");
}

/// clerk-js adds a number at the collection path with a trailing slash
/// (`POST /v1/me/phone_numbers/?...`) and patches it with `_method`; both
/// reach the routes.
#[tokio::test]
async fn the_sdk_paths_with_a_trailing_slash_reach_the_routes() {
    let app = app().await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let query = "__clerk_api_version=2026-08-20&_clerk_js_version=6.40.0";
    let r = app.post(&format!("/v1/me/phone_numbers/?{query}"), &[("phone_number", "+15550100126")], &jar).await.ok("add");
    assert_eq!(r.json["response"]["phone_number"], "+15550100126");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    let r = app.post(&format!("/v1/me/phone_numbers/{id}/?_method=PATCH&{query}"), &[("default_second_factor", "false")], &jar).await;
    assert_eq!(r.ok("patch").json["response"]["id"], id.as_str());
    app.post("/v1/me/phone_numbers//", &[("phone_number", "+15550100127")], &jar).await.ok("slashes");
}

#[tokio::test]
async fn phone_code_signs_in_as_the_second_factor() {
    let app = app().await;
    let (jar, phone_id) = enrol_phone(&app).await;
    sign_out(&app, &jar).await;
    app.advance(MINUTE);
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await.ok("sign in");
    let sia = r.json["response"]["id"].as_str().expect("id").to_string();
    let factors = r.json["response"]["supported_second_factors"].as_array().expect("factors").clone();
    let phone = factors.iter().find(|f| f["strategy"] == "phone_code").expect("phone_code offered");
    assert_eq!(phone["safe_identifier"], "+*******0123");
    assert_eq!(phone["phone_number_id"], phone_id.as_str());
    assert_eq!(factors.last().map(|f| f["strategy"].clone()), Some(Value::from("backup_code")));

    let r = prepare(&app, &jar, &sia).await.ok("prepare");
    assert_eq!(r.json["response"]["second_factor_verification"]["status"], "unverified");
    let code = app.outbox_code(PHONE).await;
    let outbox = app.get("/v1/dev/outbox", &Jar::new()).await.ok("outbox");
    assert_eq!(outbox.json["response"]["data"][0]["channel"], "sms");
    let r = app.attempt_second_factor(&jar, &sia, "phone_code", &code).await.ok("sms code");
    assert_eq!(r.json["response"]["status"], "complete");
    assert_eq!(r.json["response"]["second_factor_verification"]["strategy"], "phone_code");

    // Un-reserving the only phone leaves the backup codes as the second factor;
    // deleting the number works.
    let r = app
        .post(&format!("/v1/me/phone_numbers/{phone_id}?_method=PATCH"), &[("reserved_for_second_factor", "false")], &jar)
        .await
        .ok("unreserve");
    assert_eq!(r.json["response"]["reserved_for_second_factor"], false);
    assert_eq!(r.json["response"]["default_second_factor"], false);
    let r = app.post(&format!("/v1/me/phone_numbers/{phone_id}?_method=DELETE"), &[], &jar).await.ok("delete");
    assert_eq!(r.json["response"]["deleted"], true);
    assert_eq!(app.me(&jar).await["phone_numbers"], serde_json::json!([]));
}

#[tokio::test]
async fn sms_code_is_valid_at_9_59_and_expired_at_10_01() {
    let app = app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let code = app.outbox_code(PHONE).await;
    app.advance(10 * MINUTE + SECOND);
    app.attempt_second_factor(&jar, &sia, "phone_code", &code).await.expect_error(422, "verification_expired");

    let app = self::app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let code = app.outbox_code(PHONE).await;
    app.advance(9 * MINUTE + 59 * SECOND);
    app.attempt_second_factor(&jar, &sia, "phone_code", &code).await.ok("at 9:59");
}

#[tokio::test]
async fn resend_invalidates_the_old_code() {
    let app = app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let old = app.outbox_code(PHONE).await;
    app.advance(30 * SECOND);
    prepare(&app, &jar, &sia).await.ok("resend");
    let new = app.outbox_code(PHONE).await;
    if old != new {
        app.attempt_second_factor(&jar, &sia, "phone_code", &old).await.expect_error(422, "form_code_incorrect");
    }
    app.attempt_second_factor(&jar, &sia, "phone_code", &new).await.ok("new code");
}

#[tokio::test]
async fn five_wrong_codes_kill_the_code_and_count_toward_the_lockout() {
    let app = app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let code = app.outbox_code(PHONE).await;
    for k in 1..=4 {
        app.attempt_second_factor(&jar, &sia, "phone_code", &other_than(&code, k)).await.expect_error(422, "form_code_incorrect");
    }
    let r = app.attempt_second_factor(&jar, &sia, "phone_code", &other_than(&code, 5)).await;
    assert!(matches!(r.code().as_str(), "form_code_incorrect" | "verification_failed"), "{}", r.text());
    app.attempt_second_factor(&jar, &sia, "phone_code", &code).await.expect_error(422, "verification_failed");
    // Six failed attempts so far (5 wrong codes and the dead code); a new
    // code and four more wrong ones reach the lockout's ten.
    app.advance(30 * SECOND);
    prepare(&app, &jar, &sia).await.ok("new code");
    let code = app.outbox_code(PHONE).await;
    for k in 1..=4 {
        app.attempt_second_factor(&jar, &sia, "phone_code", &other_than(&code, k)).await.expect_error(422, "form_code_incorrect");
    }
    app.attempt_second_factor(&jar, &sia, "phone_code", &code).await.expect_error(403, "user_locked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_sms_guesses_are_judged_at_most_five_times() {
    let app = app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let right = app.outbox_code(PHONE).await;
    let path = format!("/v1/client/sign_ins/{sia}/attempt_second_factor");
    // 19 wrong guesses and, last, the right code.
    let requests = (0..20u32)
        .map(|i| {
            let code = if i == 19 { right.clone() } else { other_than(&right, i + 1) };
            app.call(axum::http::Method::POST, &path).jar(&jar).form(&[("strategy", "phone_code"), ("code", &code)]).build()
        })
        .collect();
    let (mut incorrect, mut accepted, mut refused, mut after_done) = (0, 0, 0, 0);
    for r in send_concurrently(&app, requests).await {
        if r.status.is_success() {
            accepted += 1;
            continue;
        }
        match r.code().as_str() {
            "form_code_incorrect" => incorrect += 1,
            "verification_failed" | "user_locked" => refused += 1,
            // The right code was judged first: the sign-in is complete (or
            // its session exists already), and the client's token was
            // replaced, so the old one no longer names a client.
            "request_invalid" | "session_exists" | "authentication_invalid" => after_done += 1,
            other => panic!("unexpected answer {other}: {}", r.text()),
        }
    }
    assert!(after_done == 0 || accepted == 1, "{after_done} answered after a completion that did not happen");
    let subject = format!("sign_in:{sia}:phone_code");
    let attempts = vestibule_server::store::codes::attempts_of_latest(&app.state.pool, &subject).await.expect("db");
    assert!(incorrect + accepted <= 5, "{incorrect} judged wrong and {accepted} right");
    assert!(attempts <= Some(5), "{attempts:?} tries recorded");
    assert_eq!(incorrect + accepted + refused + after_done, 20);
    if accepted == 0 {
        // The code is dead: the right one no longer works.
        let r = app.attempt_second_factor(&jar, &sia, "phone_code", &right).await;
        assert!(matches!(r.code().as_str(), "verification_failed" | "user_locked"), "{}", r.text());
    }
}

#[tokio::test]
async fn cooldown_and_daily_cap_are_429_with_retry_after() {
    let app = app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let r = prepare(&app, &jar, &sia).await;
    r.expect_error(429, "too_many_requests");
    assert_eq!(r.header("retry-after"), Some("30"));
    app.advance(29 * SECOND);
    let r = prepare(&app, &jar, &sia).await;
    r.expect_error(429, "too_many_requests");
    assert_eq!(r.header("retry-after"), Some("1"));
    app.advance(SECOND);
    prepare(&app, &jar, &sia).await.ok("after the cooldown");
    // The enrolment code and these two make 3 sends; 7 more reach the cap.
    for _ in 0..7 {
        app.advance(30 * SECOND);
        prepare(&app, &jar, &sia).await.ok("within the cap");
    }
    app.advance(30 * SECOND);
    let r = prepare(&app, &jar, &sia).await;
    r.expect_error(429, "too_many_requests");
    let retry: i64 = r.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!(retry > 0 && retry <= DAY / 1000, "{retry}");
}

#[derive(Debug)]
struct Hook {
    signature_valid: bool,
    json: Value,
}

const SECRET: &str = "whsec_sms_test_0123456789abcdef";

#[tokio::test]
async fn the_sms_webhook_is_signed() {
    let (tx, mut rx) = mpsc::unbounded_channel::<Hook>();
    let receiver = Router::new().route(
        "/hooks/sms",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let sig = headers.get("vestibule-signature").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                let valid = vestibule_server::delivery::verify_signature(SECRET, &sig, &body, T0 / 1000, 300);
                let _ = tx.send(Hook { signature_valid: valid, json: serde_json::from_slice(&body).unwrap_or(Value::Null) });
                StatusCode::OK
            }
        }),
    );
    let addr = serve_local(receiver).await;
    let app = app_with(|c| {
        c.sms.sender = SmsSender::Webhook;
        c.sms.webhook = WebhookConfig { url: format!("http://{addr}/hooks/sms"), secret: SECRET.into(), attempts: 2, initial_backoff_ms: 5 };
    })
    .await;
    let jar = Jar::new();
    app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let r = app.post("/v1/me/phone_numbers", &[("phone_number", PHONE)], &jar).await.ok("add");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    app.post(&format!("/v1/me/phone_numbers/{id}/prepare_verification"), &[("strategy", "phone_code")], &jar).await.ok("prepare");
    let hook = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.expect("in time").expect("a POST");
    assert!(hook.signature_valid, "{hook:?}");
    assert_eq!(hook.json["channel"], "sms");
    assert_eq!(hook.json["to"], PHONE);
    let code = hook.json["code"].as_str().expect("code").to_string();
    let r = app.post(&format!("/v1/me/phone_numbers/{id}/attempt_verification"), &[("code", &code)], &jar).await.ok("verify");
    assert_eq!(r.json["response"]["verification"]["status"], "verified");
}

/// An SMS code of a sign-in is bound to the number it went to: once that
/// number is no longer a second factor of the user (removed from another
/// device), the code signs nobody in.
#[tokio::test]
async fn an_sms_code_dies_with_its_number() {
    let app = app().await;
    let (jar, sia) = waiting_for_sms(&app).await;
    let code = app.outbox_code(PHONE).await;
    let user = vestibule_server::store::users::by_email(&app.state.pool, EMAIL).await.expect("db").expect("user");
    let phones = vestibule_server::store::phones::of_user(&app.state.pool, &user.id).await.expect("db");
    vestibule_server::store::phones::delete(&app.state.pool, &phones[0].id).await.expect("remove the number");
    let r = app
        .post(&format!("/v1/client/sign_ins/{sia}/attempt_second_factor"), &[("strategy", "phone_code"), ("code", &code)], &jar)
        .await;
    r.expect_error(422, "verification_failed");
    assert!(r.envelope().errors[0].message.contains("no longer on your account"), "{}", r.text());
    assert!(app.sessions(&jar).await.is_empty(), "no session");
}
