//! Numbers of `security.md` pinned through the API at their boundary and
//! just past it: the request body limit, the longest password (counted in
//! characters, so multi-byte text shows a byte count), and the default
//! zxcvbn strength.

mod common;

use axum::http::{Method, StatusCode};
use common::*;

/// A form body of exactly `len` bytes: a sign-in whose identifier is padded.
fn sign_in_body(len: usize) -> String {
    let start = "strategy=password&password=x&identifier=";
    assert!(len > start.len());
    format!("{start}{}", "a".repeat(len - start.len()))
}

#[tokio::test]
async fn the_body_limit_is_65536_bytes() {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 1000).await;
    let at = app
        .call(Method::POST, "/v1/client/sign_ins")
        .raw("application/x-www-form-urlencoded", sign_in_body(65_536))
        .send()
        .await;
    assert_eq!(sign_in_body(65_536).len(), 65_536);
    assert_eq!(at.status, StatusCode::UNPROCESSABLE_ENTITY, "read and answered on its fields: {}", at.text());
    assert_eq!(at.envelope().errors[0].code, "form_identifier_not_found", "{}", at.text());

    let past = app
        .call(Method::POST, "/v1/client/sign_ins")
        .raw("application/x-www-form-urlencoded", sign_in_body(65_537))
        .send()
        .await;
    assert_eq!(past.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", past.text());
    let envelope = past.envelope();
    assert_eq!(envelope.errors[0].code, "request_invalid");
    assert!(envelope.errors[0].message.contains("64 KiB"), "{}", past.text());
}

/// A strong password of `n` characters, each of two or three bytes.
fn multibyte_password(n: usize) -> String {
    let alphabet: Vec<char> = "ßøåæñçéüöäłżźśćńğış漢字仮名語話雪月花風".chars().collect();
    // A walk with an odd stride over the alphabet: no repeats or sequences
    // for zxcvbn to find.
    (0..n).map(|i| alphabet[(i * 7 + i / alphabet.len()) % alphabet.len()]).collect()
}

#[tokio::test]
async fn passwords_are_128_characters_at_most_counted_in_characters() {
    let app = TestApp::new().await;
    let longest = multibyte_password(128);
    assert_eq!(longest.chars().count(), 128);
    assert!(longest.len() > 256, "more bytes than characters: {}", longest.len());
    let at = app
        .post("/v1/client/sign_ups", &[("email_address", "longest@example.com"), ("password", &longest)], &Jar::new())
        .await;
    assert_eq!(at.status, StatusCode::OK, "128 characters are accepted: {}", at.text());
    assert_eq!(at.json["response"]["has_password"], true, "{}", at.text());

    let past = multibyte_password(129);
    let refused = app
        .post("/v1/client/sign_ups", &[("email_address", "past@example.com"), ("password", &past)], &Jar::new())
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    let error = &refused.envelope().errors[0];
    assert_eq!((error.code.as_str(), error.meta.param_name.as_deref()), ("form_password_length_too_long", Some("password")));
    assert!(error.message.contains("128 characters or fewer"), "{}", error.message);
}

/// The first of `candidates` with zxcvbn score `score` that is not on the
/// offline breached list (which is checked first and answers otherwise).
fn with_score(app: &TestApp, score: u8, candidates: &[&'static str]) -> &'static str {
    candidates
        .iter()
        .copied()
        .find(|p| u8::from(zxcvbn::zxcvbn(p, &[]).score()) == score && !app.state.breached.contains(p) && p.chars().count() >= 8)
        .unwrap_or_else(|| panic!("no candidate scores {score}"))
}

#[tokio::test]
async fn the_default_strength_refuses_score_1_and_accepts_score_2() {
    let app = TestApp::new().await;
    assert_eq!(app.state.settings().password_min_zxcvbn_strength, 2, "the default");
    let candidates = [
        "qwerty12", "abcd1234x", "passw0rd99", "summer2019", "Summer2019!", "jennifer1985", "vestibule1", "bluehouse7",
        "river-stone9", "Tr0ub4dor&3", "lamp-cloud-42", "correct-horse-battery-1",
    ];
    let weak = with_score(&app, 1, &candidates);
    let refused = app.post("/v1/client/sign_ups", &[("email_address", "weak@example.com"), ("password", weak)], &Jar::new()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak:?} (score 1): {}", refused.text());
    let error = &refused.envelope().errors[0];
    assert_eq!(error.code, "form_password_not_strong_enough", "{}", refused.text());
    assert!(error.message.contains("too easy to guess"), "{}", error.message);

    let fair = with_score(&app, 2, &candidates);
    let accepted = app.post("/v1/client/sign_ups", &[("email_address", "fair@example.com"), ("password", fair)], &Jar::new()).await;
    assert_eq!(accepted.status, StatusCode::OK, "{fair:?} (score 2): {}", accepted.text());
}
