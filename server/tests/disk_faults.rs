//! A full disk, made real with a file-size limit on the running binary
//! (`RLIMIT_FSIZE` set from outside with prlimit, as a quota would): writes
//! get 503 with the error envelope, reads go on, the process does not die,
//! and once the limit is lifted writes work again without a restart.

mod common;

use common::binary::serve;
use serde_json::Value;

/// Sets the file-size limit of process `pid` (bytes; `None` lifts it).
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let value = bytes.unwrap_or(libc::RLIM_INFINITY);
    let limit = libc::rlimit { rlim_cur: value, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: prlimit reads `limit` and writes nothing (null old limit).
    let r = unsafe { libc::prlimit(pid as libc::pid_t, libc::RLIMIT_FSIZE, &limit, std::ptr::null_mut()) };
    assert_eq!(r, 0, "prlimit: {}", std::io::Error::last_os_error());
}

async fn sign_up(http: &reqwest::Client, base: &str, email: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/v1/client/sign_ups"))
        .header("Origin", base)
        .form(&[("email_address", email), ("password", "correct-horse-battery-1")])
        .send()
        .await
        .expect("an answer");
    let status = r.status().as_u16();
    (status, serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_full_disk_gives_503_on_writes_keeps_reads_and_recovers_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut served = serve(dir.path(), &[], &[("VESTIBULE_INSTANCE_TYPE", "development")]);
    let base = served.base.clone().expect("the server started");
    let http = reqwest::Client::new();
    assert_eq!(sign_up(&http, &base, "before@example.com").await.0, 200);

    // No file may grow past 1 KB: every write of the database fails.
    limit_file_size(served.child.id(), Some(1024));
    for i in 0..3 {
        let (status, body) = sign_up(&http, &base, &format!("full{i}@example.com")).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["errors"][0]["code"], "service_unavailable", "{body}");
    }
    let env = http.get(format!("{base}/v1/environment")).send().await.expect("an answer");
    assert_eq!(env.status(), 200, "reads go on");
    assert!(served.child.try_wait().expect("try_wait").is_none(), "the process is alive: {}", served.output());

    // Space is back: writes work again, no restart.
    limit_file_size(served.child.id(), None);
    let (status, body) = sign_up(&http, &base, "after@example.com").await;
    assert_eq!(status, 200, "{body}");
    assert!(!served.output().contains("panicked"), "{}", served.output());
    served.stop();
}
