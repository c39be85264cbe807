//! Safe by default (`security.md`): an instance is production unless the
//! operator says otherwise; a production instance needs a real email sender
//! (or the outbox named on purpose), lists no codes and logs none; a
//! development instance warns, names its outbox, and stays on loopback
//! unless a flag says otherwise. Each test runs the real binary.

mod common;

use common::binary::{serve, Served};

/// Waits for a refused start to end; returns what it printed.
fn refused(mut served: Served) -> String {
    assert!(served.base.is_none(), "the server started: {}", served.output());
    let status = served.child.wait().expect("exits");
    assert!(!status.success());
    std::thread::sleep(std::time::Duration::from_millis(100));
    served.output()
}

#[test]
fn with_no_configuration_the_server_refuses_to_start_without_an_email_sender() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = refused(serve(dir.path(), &[], &[]));
    assert!(out.contains("a production instance needs a real email sender"), "{out}");
    assert!(out.contains("email.sender") && out.contains("VESTIBULE_EMAIL_SENDER"), "names the setting: {out}");
}

#[tokio::test]
async fn a_production_instance_lists_no_codes_and_logs_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = "sk_live_do_not_print_this_key_0123";
    let served = serve(dir.path(), &[], &[("VESTIBULE_EMAIL_SENDER", "outbox"), ("VESTIBULE_SECRET_KEY", secret)]);
    let base = served.base.clone().unwrap_or_else(|| panic!("not started: {}", served.output()));
    let http = reqwest::Client::new();
    let form = |path: &str, body: &[(&str, &str)]| {
        http.post(format!("{base}{path}")).header("Origin", base.as_str()).form(body).send()
    };

    // The outbox route does not exist on a production instance.
    let r = http.get(format!("{base}/v1/dev/outbox")).send().await.expect("outbox");
    assert_eq!(r.status(), 404);
    let text = http.get(format!("{base}/v1/environment")).send().await.expect("env").text().await.expect("body");
    let env: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(env["display_config"]["instance_environment_type"], "production");

    // A sign-up with a password and an emailed code.
    let r = form("/v1/client/sign_ups", &[("email_address", "ada@example.com"), ("password", common::PASSWORD)]).await.expect("sign-up");
    assert_eq!(r.status(), 200);
    let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().split(';').next().unwrap_or_default().to_string();
    let body: serde_json::Value = serde_json::from_str(&r.text().await.expect("body")).expect("json");
    let id = body["response"]["id"].as_str().expect("id").to_string();
    let r = http
        .post(format!("{base}/v1/client/sign_ups/{id}/prepare_verification"))
        .header("Origin", base.as_str())
        .header("Cookie", cookie)
        .form(&[("strategy", "email_code")])
        .send()
        .await
        .expect("prepare");
    assert_eq!(r.status(), 200);
    let out = served.stop();

    // The code reached the database outbox, and nothing of it the log.
    let location = vestibule_server::store::Location::of(None, dir.path()).expect("location");
    let pool = vestibule_server::store::open(&location, vestibule_server::store::PoolLimits::command()).await.expect("db");
    let messages = vestibule_server::store::outbox::list(&pool, 10, 0).await.expect("outbox");
    let code = messages[0].code.clone().expect("a code");
    assert!(out.contains("development outbox: message stored"), "the send is logged: {out}");
    for secret_text in [code.as_str(), common::PASSWORD, secret] {
        assert!(!out.contains(secret_text), "{secret_text:?} reached the log:\n{out}");
    }
    assert!(!out.contains("sk_"), "no secret key printed:\n{out}");
}

#[test]
fn a_development_instance_warns_and_names_its_outbox() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = serve(dir.path(), &[], &[("VESTIBULE_INSTANCE_TYPE", "development")]);
    assert!(served.base.is_some(), "started: {}", served.output());
    std::thread::sleep(std::time::Duration::from_millis(100));
    let out = served.stop();
    assert!(out.contains("WARN") && out.contains("development instance") && out.contains("GET /v1/dev/outbox"), "{out}");
}

#[test]
fn a_development_instance_stays_on_loopback_unless_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dev = [("VESTIBULE_INSTANCE_TYPE", "development")];
    let out = refused(serve(dir.path(), &["--listen", "0.0.0.0:0"], &dev));
    assert!(out.contains("listens only on loopback") && out.contains("--allow-non-loopback-development"), "{out}");
    let served = serve(dir.path(), &["--listen", "0.0.0.0:0", "--allow-non-loopback-development"], &dev);
    assert!(served.base.is_some(), "the flag lets it listen: {}", served.output());
    served.stop();
    // A production instance may listen anywhere.
    let served = serve(dir.path(), &["--listen", "0.0.0.0:0"], &[("VESTIBULE_INSTANCE_TYPE", "production"), ("VESTIBULE_EMAIL_SENDER", "outbox")]);
    assert!(served.base.is_some(), "production on 0.0.0.0: {}", served.output());
    served.stop();
}

#[tokio::test]
async fn the_test_clock_asks_for_a_development_instance_on_every_call() {
    let dir = tempfile::tempdir().expect("tempdir");
    let served = serve(dir.path(), &["--test-clock"], &[("VESTIBULE_INSTANCE_TYPE", "development")]);
    let base = served.base.clone().unwrap_or_else(|| panic!("not started: {}", served.output()));
    let secret = std::fs::read_to_string(dir.path().join("secret_key")).expect("secret key file");
    let http = reqwest::Client::new();
    let advance = || http.post(format!("{base}/v1/dev/clock")).header("Origin", base.as_str()).form(&[("advance_ms", "1000")]).send();
    assert_eq!(advance().await.expect("clock").status(), 200);
    let r = http
        .patch(format!("{base}/backend/v1/instance"))
        .bearer_auth(secret.trim())
        .form(&[("instance_type", "production")])
        .send()
        .await
        .expect("patch instance");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let r = advance().await.expect("clock");
    assert_eq!(r.status(), 404, "the clock stopped with the development instance");
    served.stop();
}
