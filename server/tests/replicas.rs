//! Two replicas on one database behave as one server: they share the
//! signing key, the MFA key and the secret key, a settings change on one
//! reaches the other within a second, and every limit holds exactly when
//! the requests alternate between them. Runs on SQLite (two pools on one
//! file) and, in `cargo xtask test`, on PostgreSQL.

mod common;

use common::*;
use std::time::{Duration, Instant};

const EMAIL: &str = "ada@example.com";

/// Two replicas with `tweak` applied to both.
async fn pair(tweak: fn(&mut vestibule_server::Config)) -> (TestApp, TestApp) {
    let a = TestApp::with_config(tweak).await;
    let b = a.replica(tweak).await;
    (a, b)
}

fn no_ip_limit(c: &mut vestibule_server::Config) {
    c.sign_in_attempts_per_ip_per_minute = 100_000;
    c.sign_up_attempts_per_ip_per_minute = 100_000;
}

async fn jwks(app: &TestApp) -> serde_json::Value {
    app.get("/v1/jwks", &Jar::new()).await.ok("jwks").json["keys"].clone()
}

async fn client_id(app: &TestApp, dev_browser: &str) -> serde_json::Value {
    app.get(&format!("/v1/client?__clerk_db_jwt={dev_browser}"), &Jar::new()).await.ok("client").json["response"]["id"].clone()
}

/// Replica `i % 2` of the pair.
fn pick(pair: &(TestApp, TestApp), i: usize) -> &TestApp {
    if i.is_multiple_of(2) {
        &pair.0
    } else {
        &pair.1
    }
}

#[tokio::test]
async fn replicas_share_the_signing_key_the_mfa_key_and_the_secret_key() {
    let (a, b) = pair(no_ip_limit).await;
    assert_eq!(jwks(&a).await, jwks(&b).await, "one JWKS");
    assert_eq!(a.secret_key, b.secret_key);

    // A token minted by A names the key B publishes.
    a.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = a.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let s = b.session(&jar, &sid).await.expect("B reads the session A made");
    let kid = jwt_header(&token_of(&s))["kid"].clone();
    assert_eq!(jwks(&b).await[0]["kid"], kid);

    // A TOTP sealed by A opens on B: enrol on A, sign in with it on B.
    let enrolled = a.enrol_totp(&jar).await;
    a.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    b.advance(MINUTE);
    let sia = b.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    let r = b.attempt_second_factor(&jar, &sia, "totp", &totp_code(&enrolled.secret, b.now(), 0)).await.ok("totp on B");
    assert_eq!(r.json["response"]["status"], "complete");
}

#[tokio::test]
async fn a_settings_change_on_one_replica_reaches_the_other_within_a_second() {
    let (a, b) = pair(no_ip_limit).await;
    a.patch_instance(&[("application_name", "Renamed")]).await.ok("patch");
    let started = Instant::now();
    loop {
        let env = b.get("/v1/environment", &Jar::new()).await.ok("environment");
        if env.json["display_config"]["application_name"] == "Renamed" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1), "B still says {}", env.json["display_config"]["application_name"]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_per_ip_sign_in_limit_holds_across_replicas() {
    let pair = pair(|c| c.sign_in_attempts_per_ip_per_minute = 30).await;
    let jar = Jar::new();
    for i in 0..30 {
        let r = pick(&pair, i).post("/v1/client/sign_ins", &[("identifier", "nobody@example.com")], &jar).await;
        assert_eq!(r.code(), "form_identifier_not_found", "attempt {} on replica {}: {}", i + 1, i % 2, r.text());
    }
    pick(&pair, 30).post("/v1/client/sign_ins", &[("identifier", "nobody@example.com")], &jar).await.expect_error(429, "too_many_requests");
    pick(&pair, 31).post("/v1/client/sign_ins", &[("identifier", "nobody@example.com")], &jar).await.expect_error(429, "too_many_requests");
}

#[tokio::test]
async fn the_per_ip_sign_up_limit_holds_across_replicas() {
    let pair = pair(|c| c.sign_up_attempts_per_ip_per_minute = 6).await;
    for i in 0..6 {
        let r = pick(&pair, i).post("/v1/client/sign_ups", &[("first_name", "Ada")], &Jar::new()).await;
        assert!(r.status.is_success(), "sign-up {} on replica {}: {}", i + 1, i % 2, r.text());
    }
    pick(&pair, 6).post("/v1/client/sign_ups", &[("first_name", "Ada")], &Jar::new()).await.expect_error(429, "too_many_requests");
}

#[tokio::test]
async fn the_user_lockout_holds_across_replicas() {
    let pair = pair(no_ip_limit).await;
    pair.0.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    for i in 0..10 {
        let r = pick(&pair, i).sign_in(&jar, EMAIL, WRONG).await;
        assert_eq!(r.code(), "form_password_incorrect", "wrong attempt {} on replica {}: {}", i + 1, i % 2, r.text());
    }
    pick(&pair, 10).sign_in(&jar, EMAIL, PASSWORD).await.expect_error(403, "user_locked");
    pick(&pair, 11).sign_in(&jar, EMAIL, PASSWORD).await.expect_error(403, "user_locked");
}

#[tokio::test]
async fn a_code_takes_five_tries_across_replicas() {
    let pair = pair(no_ip_limit).await;
    let (jar, id) = pair.0.start_email_sign_up(EMAIL).await;
    let right = pair.0.outbox_code(EMAIL).await;
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let path = format!("/v1/client/sign_ups/{id}/attempt_verification");
    for i in 0..4 {
        pick(&pair, i + 1).post(&path, &[("code", wrong)], &jar).await.expect_error(422, "form_code_incorrect");
    }
    // The fifth wrong try, on the other replica, kills the code.
    pick(&pair, 5).post(&path, &[("code", wrong)], &jar).await.expect_error(422, "verification_failed");
    pick(&pair, 6).post(&path, &[("code", &right)], &jar).await.expect_error(422, "verification_failed");
}

#[tokio::test]
async fn the_send_cooldown_and_daily_cap_hold_across_replicas() {
    let pair = pair(no_ip_limit).await;
    let jar = Jar::new();
    let r = pair.0.post("/v1/client/sign_ups", &[("email_address", EMAIL)], &jar).await.ok("create");
    let id = r.json["response"]["id"].as_str().expect("id").to_string();
    let path = format!("/v1/client/sign_ups/{id}/prepare_verification");
    pair.0.post(&path, &[("strategy", "email_code")], &jar).await.ok("first send");
    pair.1.post(&path, &[("strategy", "email_code")], &jar).await.expect_error(429, "too_many_requests");
    // Past the cooldown each send works, alternating, up to the daily cap.
    let mut sent = 1;
    for i in 0..20 {
        pair.0.advance(31 * SECOND);
        pair.1.advance(31 * SECOND);
        if pick(&pair, i).post(&path, &[("strategy", "email_code")], &jar).await.status.is_success() {
            sent += 1;
        } else {
            break;
        }
    }
    assert_eq!(sent, 10, "the daily cap of 10 sends holds across replicas");
}

#[tokio::test]
async fn a_totp_code_and_a_backup_code_are_taken_once_across_replicas() {
    let pair = pair(no_ip_limit).await;
    let (a, b) = (&pair.0, &pair.1);
    a.create_user(EMAIL, Some(PASSWORD)).await;
    let jar = Jar::new();
    let sid = a.sign_in_ok(&jar, EMAIL, PASSWORD).await;
    let enrolled = a.enrol_totp(&jar).await;
    let backup = enrolled.backup_codes.clone().expect("backup codes with the first factor");
    a.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    a.advance(MINUTE);
    b.advance(MINUTE);

    // A TOTP code accepted by A is a replay on B.
    let code = totp_code(&enrolled.secret, a.now(), 0);
    let sia = a.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    let r = a.attempt_second_factor(&jar, &sia, "totp", &code).await.ok("totp on A");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    a.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    let sia = b.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    b.attempt_second_factor(&jar, &sia, "totp", &code).await.expect_error(422, "form_code_incorrect");

    // A backup code used on B is spent on A.
    let r = b.attempt_second_factor(&jar, &sia, "backup_code", &backup[0]).await.ok("backup code on B");
    let sid = r.json["response"]["created_session_id"].as_str().expect("session").to_string();
    b.post(&format!("/v1/client/sessions/{sid}/end"), &[], &jar).await.ok("end");
    let sia = a.sign_in_to_second_factor(&jar, EMAIL, PASSWORD).await;
    a.attempt_second_factor(&jar, &sia, "backup_code", &backup[0]).await.expect_error(422, "form_code_incorrect");
}

#[tokio::test]
async fn a_dev_browser_token_from_one_replica_names_the_client_on_the_other() {
    let (a, b) = pair(no_ip_limit).await;
    let r = a.call(axum::http::Method::POST, "/v1/dev_browser").send().await.ok("dev browser");
    let token = r.json["id"].as_str().or_else(|| r.json["token"].as_str()).expect("token").to_string();
    let on_a = client_id(&a, &token).await;
    assert!(on_a.is_string(), "A names a client");
    assert_eq!(client_id(&b, &token).await, on_a, "B names the same client");
    // An unknown token is refused on either.
    b.get("/v1/client?__clerk_db_jwt=dvb_unknown", &Jar::new()).await.expect_error(401, "dev_browser_unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_starting_together_migrate_once_and_agree_on_their_keys() {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    let (a, b) = tokio::join!(TestApp::start_in(dir.clone(), no_ip_limit), TestApp::start_in(dir.clone(), no_ip_limit));
    assert_eq!(jwks(&a).await, jwks(&b).await, "one signing key");
    assert_eq!(a.secret_key, b.secret_key, "one secret key");
    let applied = a.db_i64("SELECT COUNT(*) FROM _sqlx_migrations").await;
    let versions = a.db_i64("SELECT COUNT(DISTINCT version) FROM _sqlx_migrations").await;
    assert_eq!(applied, versions, "each migration applied once");
}
