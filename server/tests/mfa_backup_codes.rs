//! Backup codes (`security.md`, "Backup codes"): 10 distinct codes of 13
//! characters from a 32-character alphabet, each usable once (even under
//! concurrency), accepted with or without separators and in any case; a new
//! set kills the old one; `GET /v1/me` counts what is left.

mod common;

use axum::http::Method;
use common::*;
use std::collections::BTreeSet;

const EMAIL: &str = "hopper@example.com";

/// A user with backup codes only, signed out; returns the codes.
async fn app_with_codes() -> (TestApp, Vec<String>) {
    let app = TestApp::with_config(|c| c.sign_in_attempts_per_ip_per_minute = 100_000).await;
    app.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = app.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let codes = make_codes(&app, &jar).await;
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    (app, codes)
}

async fn make_codes(app: &TestApp, jar: &Jar) -> Vec<String> {
    let r = app.post("/v1/me/backup_codes", &[], jar).await.ok("backup codes");
    assert_eq!(r.json["response"]["object"], "backup_code");
    assert!(r.json["response"]["id"].is_string());
    r.json["response"]["codes"].as_array().expect("codes").iter().map(|c| c.as_str().expect("code").to_string()).collect()
}

/// Signs in from a new browser with `code` as the second factor.
async fn use_code(app: &TestApp, code: &str) -> Resp {
    use_code_in(app, &Jar::new(), code).await
}

async fn use_code_in(app: &TestApp, jar: &Jar, code: &str) -> Resp {
    let sia = app.sign_in_to_second_factor(jar, EMAIL, PASSWORD).await;
    app.attempt_second_factor(jar, &sia, "backup_code", code).await
}

#[tokio::test]
async fn ten_distinct_codes_of_at_least_64_bits() {
    let (_app, codes) = app_with_codes().await;
    assert_eq!(codes.len(), 10);
    let distinct: BTreeSet<_> = codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    let mut alphabet = BTreeSet::new();
    for c in &codes {
        let groups: Vec<_> = c.split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [5, 5, 3], "grouped abcde-fghjk-mnp: {c}");
        alphabet.extend(c.chars().filter(|ch| *ch != '-'));
    }
    let allowed: BTreeSet<char> = "abcdefghijkmnpqrstuvwxyz23456789".chars().collect();
    assert!(alphabet.is_subset(&allowed), "{alphabet:?}");
    // 130 draws from 32 symbols show about 31 of them; a generator that
    // used 16 (13 x 4 = 52 bits) would show at most 16.
    assert!(alphabet.len() >= 24, "the codes draw from the whole alphabet: {alphabet:?}");
    let per_code = codes[0].chars().filter(|ch| *ch != '-').count();
    assert!(per_code as f64 * (allowed.len() as f64).log2() >= 64.0, "{per_code} characters of 32 symbols");
}

#[tokio::test]
async fn each_code_works_once_in_any_form_and_the_count_goes_down() {
    let (app, codes) = app_with_codes().await;
    // Sign-in offers only what the user has.
    let jar = Jar::new();
    let r = app.sign_in(&jar, EMAIL, PASSWORD).await.ok("sign in");
    assert_eq!(r.json["response"]["supported_second_factors"], serde_json::json!([{"strategy": "backup_code"}]));

    let forms = [
        codes[0].clone(),
        codes[1].replace('-', ""),
        codes[2].to_uppercase(),
        format!(" {} ", codes[3].replace('-', " ").to_uppercase()),
    ];
    for (i, code) in forms.iter().enumerate() {
        let jar = Jar::new();
        let r = use_code_in(&app, &jar, code).await.ok(&format!("form {i}: {code}"));
        assert_eq!(r.json["response"]["status"], "complete");
        assert_eq!(r.json["response"]["second_factor_verification"]["strategy"], "backup_code");
        let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
        let me = app.me(&jar).await;
        assert_eq!(me["backup_codes_remaining"], 10 - (i as i64 + 1), "{me}");
        assert_eq!(me["backup_code_enabled"], true);
        app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    }
    // Used codes are refused, in any form.
    for code in [&codes[0], &codes[1], &codes[2].replace('-', "")] {
        use_code(&app, code).await.expect_error(422, "form_code_incorrect");
    }
    // Not a code at all.
    use_code(&app, "not-a-code").await.expect_error(422, "form_code_incorrect");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_concurrent_uses_of_one_code_yield_one_success() {
    let (app, codes) = app_with_codes().await;
    for (round, code) in codes.iter().take(3).enumerate() {
        let mut reqs = Vec::new();
        for _ in 0..2 {
            let jar = Jar::new();
            let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
            reqs.push(
                app.call(Method::POST, &format!("/v1/client/sign_ins/{sia}/attempt_second_factor"))
                    .jar(&jar)
                    .form(&[("strategy", "backup_code"), ("code", code)])
                    .build(),
            );
        }
        let mut ok = 0;
        for r in send_concurrently(&app, reqs).await {
            if r.status.is_success() {
                ok += 1;
            } else {
                assert_eq!(r.code(), "form_code_incorrect", "{}", r.text());
            }
        }
        assert_eq!(ok, 1, "round {round}: one code, one sign-in");
    }
}

#[tokio::test]
async fn a_new_set_kills_the_old_one() {
    let (app, old) = app_with_codes().await;
    let jar = Jar::new();
    let sia = app.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    app.attempt_second_factor(&jar, &sia, "backup_code", &old[0]).await.ok("old code");
    let new = make_codes(&app, &jar).await;
    assert!(new.iter().all(|c| !old.contains(c)));
    assert_eq!(app.me(&jar).await["backup_codes_remaining"], 10);
    let sid = app.client(&jar).await.last_active_session_id.expect("session");
    app.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");

    for code in &old[1..3] {
        use_code(&app, code).await.expect_error(422, "form_code_incorrect");
    }
    use_code(&app, &new[0]).await.ok("new code");
    // Nothing of the old set is left in the database.
    let rows: i64 = app.db_i64("SELECT COUNT(*) FROM backup_codes").await;
    assert_eq!(rows, 10);
    let stored: Vec<String> = app.db_strings("SELECT code_hash FROM backup_codes").await;
    for c in &new {
        let plain = c.replace('-', "");
        assert!(stored.iter().all(|h| !h.contains(&plain) && h.len() == 64), "codes are stored only as HMAC");
    }
}
