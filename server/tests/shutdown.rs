//! Graceful shutdown of the real binary: at SIGTERM (or Ctrl-C's SIGINT)
//! it stops accepting connections, a request in flight finishes with its
//! answer, and the process exits 0; a request that outlasts
//! `shutdown_timeout_seconds` is cut off and the process exits all the same.

mod common;

use common::binary::{serve, Caller, Served};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

const BODY: &str = "email_address=ada%40example.com&password=correct-horse-battery-1";
const DEV: (&str, &str) = ("VESTIBULE_INSTANCE_TYPE", "development");

fn send_signal(served: &Served, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(served.child.id().to_string()).status().expect("kill runs");
    assert!(status.success(), "kill -{name}");
}

/// Sends the headers of a sign-up with `Expect: 100-continue` and returns
/// once the server answered `100 Continue`: the handler is reading the
/// body, so the request is in flight.
fn sign_up_in_flight(base: &str) -> TcpStream {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "POST /v1/client/sign_ups HTTP/1.1\r\nHost: {host}\r\nOrigin: {base}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        BODY.len()
    );
    stream.write_all(head.as_bytes()).expect("headers");
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).expect("the interim answer"), 1, "the server closed: {}", String::from_utf8_lossy(&seen));
        seen.push(byte[0]);
    }
    assert!(seen.starts_with(b"HTTP/1.1 100 Continue"), "{}", String::from_utf8_lossy(&seen));
    stream
}

/// Polls until `what` holds, failing after 15 s.
fn until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn exit_status(served: &mut Served) -> ExitStatus {
    let mut status = None;
    until("the process to exit", || {
        status = served.child.try_wait().expect("try_wait");
        status.is_some()
    });
    status.expect("exited")
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_refuses_new_ones_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut served = serve(dir.path(), &[], &[DEV]);
    let base = served.base.clone().expect("the server started");
    let mut stream = sign_up_in_flight(&base);

    send_signal(&served, "TERM");
    let host = base.trim_start_matches("http://").to_string();
    until("new connections to be refused", || TcpStream::connect(&host).is_err());

    stream.write_all(BODY.as_bytes()).expect("body");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("the answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"object\":\"sign_up\""), "{answer}");

    let status = exit_status(&mut served);
    assert_eq!(status.code(), Some(0), "{}", served.output());
    assert!(served.output().contains("Vestibule stopped\n"), "{}", served.output());
}

#[test]
fn a_request_past_the_grace_period_is_cut_off_and_ctrl_c_still_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut served = serve(dir.path(), &[], &[DEV, ("VESTIBULE_SHUTDOWN_TIMEOUT_SECONDS", "1")]);
    let base = served.base.clone().expect("the server started");
    // Its body never comes.
    let mut stream = sign_up_in_flight(&base);

    send_signal(&served, "INT");
    let status = exit_status(&mut served);
    assert_eq!(status.code(), Some(0), "{}", served.output());
    assert!(served.output().contains("cut off after 1 s"), "{}", served.output());
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);
    assert!(!String::from_utf8_lossy(&rest).contains("HTTP/1.1 200"), "the cut request was not answered");
}

#[test]
fn the_grace_period_must_be_a_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut served = serve(dir.path(), &[], &[DEV, ("VESTIBULE_SHUTDOWN_TIMEOUT_SECONDS", "soon")]);
    assert!(served.base.is_none());
    let status = exit_status(&mut served);
    assert!(!status.success());
    assert!(served.output().contains("shutdown_timeout_seconds"), "{}", served.output());
}

/// A webhook receiver that answers 500 until `ok` is set, and reports
/// each POST's `Vestibule-Id` and `Vestibule-Signature`.
async fn flaky_receiver(
    ok: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (std::net::SocketAddr, tokio::sync::mpsc::UnboundedReceiver<(String, String)>) {
    use axum::http::{HeaderMap, StatusCode};
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let receive = move |headers: HeaderMap| {
        let (tx, ok) = (tx.clone(), ok.clone());
        async move {
            let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
            let _ = tx.send((header("vestibule-id"), header("vestibule-signature")));
            if ok.load(std::sync::atomic::Ordering::SeqCst) {
                StatusCode::OK
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    };
    let addr = common::serve_local(axum::Router::new().route("/hooks/email", axum::routing::post(receive))).await;
    (addr, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_retries_still_to_come_at_sigterm_are_written_down_and_taken_over_at_the_next_start() {
    let ok = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (addr, mut hooks) = flaky_receiver(ok.clone()).await;
    let url = format!("http://{addr}/hooks/email");
    let env = [
        DEV,
        ("VESTIBULE_EMAIL_SENDER", "webhook"),
        ("VESTIBULE_EMAIL_WEBHOOK_URL", url.as_str()),
        ("VESTIBULE_EMAIL_WEBHOOK_SECRET", "a-webhook-secret-of-32-bytes-xxx"),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut served = serve(dir.path(), &[], &env);
    let base = served.base.clone().expect("the server started");

    // A sign-up's code: the first POST fails, a retry is due in a second.
    let mut browser = Caller::new(&reqwest::Client::new(), &base);
    let created = browser.post("/v1/client/sign_ups", &[("email_address", "ada@example.com"), ("password", "correct-horse-battery-1")]).await;
    let id = created.as_ref().and_then(|b| b["response"]["id"].as_str()).expect("sign-up id").to_string();
    browser.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")]).await.expect("prepare");
    let (first_id, first_signature) = tokio::time::timeout(Duration::from_secs(15), hooks.recv()).await.expect("a POST").expect("a POST");

    send_signal(&served, "TERM");
    let status = exit_status(&mut served);
    assert_eq!(status.code(), Some(0), "{}", served.output());
    assert!(served.output().contains("Wrote down 1 webhook message"), "{}", served.output());

    // The receiver is back; the next start delivers the same message.
    ok.store(true, std::sync::atomic::Ordering::SeqCst);
    while hooks.try_recv().is_ok() {}
    let mut again = serve(dir.path(), &[], &env);
    assert!(again.base.is_some(), "{}", again.output());
    let (id_after, signature_after) = tokio::time::timeout(Duration::from_secs(15), hooks.recv()).await.expect("a POST after the restart").expect("a POST");
    assert_eq!((id_after, signature_after), (first_id, first_signature), "the same message, the same signature");
    // The POST arrived; the server marks it delivered once it reads the
    // answer. A signal before that would (rightly) write it down again.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !again.output().contains("webhook delivered") {
        assert!(std::time::Instant::now() < deadline, "the delivery was never marked done: {}", again.output());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send_signal(&again, "TERM");
    assert_eq!(exit_status(&mut again).code(), Some(0));
    assert!(!again.output().contains("Wrote down"), "delivered, nothing left to write down: {}", again.output());
}
