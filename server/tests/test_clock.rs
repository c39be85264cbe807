//! `vestibule serve --test-clock`: the real binary on a real socket, whose
//! clock `POST /v1/dev/clock` moves forward. Bad input gets a 4xx with the
//! error envelope; a production instance refuses the flag.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts the binary with `--test-clock` (and `config`); returns it and
/// the base URL it printed, if it started.
fn serve(data_dir: &std::path::Path, config: Option<&std::path::Path>) -> (Child, Option<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vestibule"));
    cmd.args(["serve", "--test-clock", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("VESTIBULE_") {
            cmd.env_remove(&k);
        }
    }
    if config.is_none() {
        cmd.env("VESTIBULE_INSTANCE_TYPE", "development");
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(Stdio::null()).spawn().expect("vestibule runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = lines.by_ref().map_while(Result::ok).find_map(|l| l.strip_prefix("Vestibule listening on ").map(|u| u.trim().to_string()));
    // Keep reading: a closed pipe would end the server at its next line.
    std::thread::spawn(move || lines.for_each(drop));
    (child, base)
}

#[tokio::test]
async fn the_test_clock_moves_forward_and_refuses_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, base) = serve(dir.path(), None);
    let base = base.expect("the server printed its URL");
    let http = reqwest::Client::new();
    let post = |body: &'static str| {
        http.post(format!("{base}/v1/dev/clock"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", base.as_str())
            .body(body)
            .send()
    };
    let json = |r: reqwest::Response| async move { serde_json::from_str::<serde_json::Value>(&r.text().await.expect("body")).expect("json") };
    // Like every state-changing call, the clock needs an allowed Origin.
    for origin in [None, Some("http://evil.test")] {
        let mut req = http.post(format!("{base}/v1/dev/clock")).header("Content-Type", "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header("Origin", o);
        }
        let r = req.body("advance_ms=3600000").send().await.expect("answer");
        assert_eq!(r.status(), 403, "origin {origin:?}");
        assert_eq!(json(r).await["errors"][0]["code"], "origin_invalid");
    }
    let first = post("advance_ms=0").await.expect("answer");
    assert_eq!(first.status(), 200);
    let before = json(first).await["response"]["now"].as_i64().expect("now");
    let after = json(post("advance_ms=3600000").await.expect("answer")).await["response"]["now"].as_i64().expect("now");
    assert!(after - before >= 3_600_000 && after - before < 3_700_000, "{before} -> {after}");
    for bad in ["", "advance_ms=", "advance_ms=-5", "advance_ms=soon", "advance_ms=99999999999999999999999"] {
        let r = post(bad).await.expect("answer");
        assert_eq!(r.status(), 422, "{bad:?}");
        let env = json(r).await;
        assert_eq!(env["errors"][0]["code"], "form_param_format_invalid", "{bad:?}: {env}");
        assert_eq!(env["errors"][0]["meta"]["param_name"], "advance_ms", "{bad:?}: {env}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_production_instance_refuses_the_test_clock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("vestibule.toml");
    std::fs::write(&config, "[instance]\ninstance_type = \"production\"\n[email]\nsender = \"outbox\"\n").expect("write");
    let (child, base) = serve(&dir.path().join("data"), Some(&config));
    assert!(base.is_none(), "the server started: {base:?}");
    let out = child.wait_with_output().expect("exits");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--test-clock needs a development instance"), "{stderr}");
}
