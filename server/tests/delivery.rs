//! Email delivery through the real senders: a sign-up's code goes out by
//! SMTP (to a small SMTP server on 127.0.0.1) or by a signed webhook (to an
//! axum receiver on 127.0.0.1), and the code that arrives verifies the
//! sign-up through the API. A send that fails is answered 503
//! `delivery_failed` and stores nothing.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use common::*;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use vestibule_server::config::{EmailSender, SmtpConfig, SmtpSecurity, WebhookConfig};
use vestibule_server::delivery::verify_signature;

const EMAIL: &str = "ada@example.com";
const FROM: &str = "Acme Accounts <accounts@acme.test>";
const SMTP_USER: &str = "vestibule-relay";
const SMTP_PASSWORD: &str = "relay-password-7f3a";
const WEBHOOK_SECRET: &str = "whsec_test_0123456789abcdef";
/// How long a test waits for something that must happen (a mail, a POST).
const EVENT_WAIT: Duration = Duration::from_secs(10);

// ---- the SMTP server ---------------------------------------------------

/// One mail as the SMTP server received it.
#[derive(Clone, Debug, Default)]
struct Mail {
    /// The AUTH user and password of the session.
    auth: Option<(String, String)>,
    /// The `MAIL FROM` address.
    mail_from: String,
    /// The `RCPT TO` addresses.
    rcpt_to: Vec<String>,
    /// What followed `DATA`, dot-unstuffed, lines joined with CRLF.
    data: String,
}

impl Mail {
    /// A header's value (first occurrence).
    fn header(&self, name: &str) -> Option<&str> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    /// The body, with quoted-printable soft line breaks undone.
    fn body(&self) -> String {
        let body = self.data.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        if self.header("Content-Transfer-Encoding").is_some_and(|e| e.eq_ignore_ascii_case("quoted-printable")) {
            body.replace("=\r\n", "")
        } else {
            body.to_string()
        }
    }
}

/// Serves SMTP on `listener`: greeting, EHLO (advertising AUTH PLAIN
/// LOGIN), AUTH, MAIL, RCPT, DATA, QUIT. Each mail is sent on the channel.
fn smtp_server(listener: TcpListener) -> mpsc::UnboundedReceiver<Mail> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = smtp_session(stream, tx).await;
            });
        }
    });
    rx
}

fn b64(s: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s.trim()).expect("base64 from the client");
    String::from_utf8(bytes).expect("utf-8 credentials")
}

fn angle_addr(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line[start..].find('>').map_or(line.len(), |i| start + i);
    line[start..end].to_string()
}

async fn next(lines: &mut Lines<BufReader<OwnedReadHalf>>) -> std::io::Result<String> {
    lines.next_line().await?.ok_or_else(|| std::io::Error::other("client went away"))
}

async fn smtp_session(stream: TcpStream, tx: mpsc::UnboundedSender<Mail>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 smtp.test ESMTP ready\r\n").await?;
    let mut mail = Mail::default();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write.write_all(b"250-smtp.test\r\n250 AUTH PLAIN LOGIN\r\n").await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 smtp.test\r\n").await?;
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = match line.split_whitespace().nth(2) {
                Some(v) => v.to_string(),
                None => {
                    write.write_all(b"334 \r\n").await?;
                    next(&mut lines).await?
                }
            };
            let decoded = b64(&initial);
            let parts: Vec<&str> = decoded.split('\0').collect();
            assert_eq!(parts.len(), 3, "AUTH PLAIN is authzid\\0user\\0password");
            mail.auth = Some((parts[1].to_string(), parts[2].to_string()));
            write.write_all(b"235 2.7.0 Authentication successful\r\n").await?;
        } else if upper.starts_with("AUTH LOGIN") {
            write.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
            let user = b64(&next(&mut lines).await?);
            write.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            let password = b64(&next(&mut lines).await?);
            mail.auth = Some((user, password));
            write.write_all(b"235 2.7.0 Authentication successful\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail.mail_from = angle_addr(&line);
            write.write_all(b"250 2.1.0 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            mail.rcpt_to.push(angle_addr(&line));
            write.write_all(b"250 2.1.5 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = Vec::new();
            loop {
                let l = next(&mut lines).await?;
                if l == "." {
                    break;
                }
                data.push(l.strip_prefix('.').map(str::to_string).unwrap_or(l));
            }
            let done = Mail { data: data.join("\r\n"), ..mail.clone() };
            mail.mail_from.clear();
            mail.rcpt_to.clear();
            let _ = tx.send(done);
            write.write_all(b"250 2.0.0 Queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 2.0.0 Bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else {
            write.write_all(b"502 5.5.2 Command not recognized\r\n").await?;
        }
    }
    Ok(())
}

async fn smtp_app(port: u16) -> TestApp {
    TestApp::with_config(|c| {
        c.email.chosen_sender = Some(EmailSender::Smtp);
        c.email.from = FROM.to_string();
        c.email.smtp = SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::None,
            username: Some(SMTP_USER.into()),
            password: Some(SMTP_PASSWORD.into()),
        };
    })
    .await
}

// ---- the API flow ------------------------------------------------------

/// Creates a sign-up with email and password; returns the jar and its id.
async fn create_sign_up(app: &TestApp) -> (Jar, String) {
    let jar = Jar::new();
    let r = app
        .post("/v1/client/sign_ups", &[("email_address", EMAIL), ("password", PASSWORD)], &jar)
        .await
        .ok("create sign-up");
    (jar, r.json["response"]["id"].as_str().expect("sign-up id").to_string())
}

async fn prepare(app: &TestApp, jar: &Jar, id: &str) -> Resp {
    app.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")], jar).await
}

/// Attempts the code and asserts that it completes the sign-up.
async fn assert_code_completes(app: &TestApp, jar: &Jar, id: &str, code: &str) {
    let r = app
        .post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), &[("code", code)], jar)
        .await
        .ok("attempt verification");
    assert_eq!(r.json["response"]["status"], "complete", "{}", r.text());
    assert!(r.json["response"]["created_session_id"].is_string(), "{}", r.text());
}

/// The only run of exactly six digits in `text`.
fn six_digits(text: &str) -> String {
    let runs: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 6)
        .collect();
    assert_eq!(runs.len(), 1, "one 6-digit code in {text:?}");
    runs[0].to_string()
}

async fn codes_stored(app: &TestApp) -> i64 {
    app.db_i64("SELECT COUNT(*) FROM verification_codes").await
}

async fn outbox_count(app: &TestApp) -> usize {
    let r = app.get("/v1/dev/outbox?limit=100", &Jar::new()).await.ok("dev outbox");
    r.json["response"]["data"].as_array().expect("outbox list").len()
}

// ---- SMTP --------------------------------------------------------------

#[tokio::test]
async fn smtp_sends_the_sign_up_code_from_the_configured_address_with_the_configured_login() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut mails = smtp_server(listener);
    let app = smtp_app(port).await;

    let (jar, id) = create_sign_up(&app).await;
    prepare(&app, &jar, &id).await.ok("prepare verification");
    let mail = tokio::time::timeout(EVENT_WAIT, mails.recv()).await.expect("a mail in time").expect("a mail");

    assert_eq!(mail.auth, Some((SMTP_USER.to_string(), SMTP_PASSWORD.to_string())), "AUTH used the configured login");
    assert_eq!(mail.mail_from, "accounts@acme.test");
    assert_eq!(mail.rcpt_to, vec![EMAIL.to_string()]);
    let from = mail.header("From").expect("From header");
    assert!(from.contains("Acme Accounts") && from.contains("<accounts@acme.test>"), "{from}");
    assert_eq!(mail.header("To"), Some(EMAIL));
    let code = six_digits(&mail.body());
    assert!(mail.header("Subject").is_some_and(|s| s.contains(&code)), "the subject carries the code: {}", mail.data);
    assert!(mail.header("Content-Type").is_some_and(|t| t.starts_with("text/plain")), "{}", mail.data);
    assert_eq!(outbox_count(&app).await, 0, "nothing went to the development outbox");

    assert_code_completes(&app, &jar, &id, &code).await;
    assert!(mails.try_recv().is_err(), "one mail for one code");
}

#[tokio::test]
async fn smtp_down_is_503_delivery_failed_and_stores_nothing() {
    let port = closed_port().await;
    let app = smtp_app(port).await;
    let (jar, id) = create_sign_up(&app).await;

    let r = prepare(&app, &jar, &id).await;
    r.expect_error(503, "delivery_failed");
    assert_eq!(r.envelope().errors[0].message, "We couldn't send the code. Please try again.");
    assert_eq!(codes_stored(&app).await, 0, "no code is stored for a failed send");

    // The server comes up on that port; the retry is not held back by a
    // cooldown, since the failed send counted for nothing.
    let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("rebind the SMTP port");
    let mut mails = smtp_server(listener);
    prepare(&app, &jar, &id).await.ok("prepare again at once");
    let mail = tokio::time::timeout(EVENT_WAIT, mails.recv()).await.expect("a mail in time").expect("a mail");
    assert_code_completes(&app, &jar, &id, &six_digits(&mail.body())).await;
}

// ---- webhook -----------------------------------------------------------

/// One POST as the receiver saw it.
#[derive(Clone, Debug)]
struct Hook {
    id: Option<String>,
    signature: Option<String>,
    content_type: Option<String>,
    signature_valid: bool,
    json: Value,
}

#[derive(Clone)]
struct Receiver {
    /// Status to answer to the n-th request; the last one repeats.
    plan: Arc<Vec<StatusCode>>,
    seen: Arc<AtomicUsize>,
    tx: mpsc::UnboundedSender<Hook>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let n = r.seen.fetch_add(1, Ordering::SeqCst);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let signature = header("vestibule-signature");
    let signature_valid = signature
        .as_deref()
        .is_some_and(|s| verify_signature(WEBHOOK_SECRET, s, &body, T0 / 1000, 300));
    let _ = r.tx.send(Hook {
        id: header("vestibule-id"),
        signature,
        content_type: header("content-type"),
        signature_valid,
        json: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let last = r.plan.len() - 1;
    r.plan[n.min(last)]
}

/// A webhook receiver answering `plan`; returns its address and the POSTs.
async fn webhook_receiver(plan: &[u16]) -> (SocketAddr, mpsc::UnboundedReceiver<Hook>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let plan = Arc::new(plan.iter().map(|s| StatusCode::from_u16(*s).expect("status")).collect());
    let state = Receiver { plan, seen: Arc::new(AtomicUsize::new(0)), tx };
    let addr = serve_local(Router::new().route("/hooks/email", post(receive)).with_state(state)).await;
    (addr, rx)
}

async fn webhook_app(addr: SocketAddr, attempts: u32) -> TestApp {
    TestApp::with_config(|c| {
        c.email.chosen_sender = Some(EmailSender::Webhook);
        c.email.webhook = WebhookConfig {
            url: format!("http://{addr}/hooks/email"),
            secret: WEBHOOK_SECRET.into(),
            attempts,
            initial_backoff_ms: 5,
        };
    })
    .await
}

/// How far the test clock moves while a retry is awaited: past every
/// backoff of these tests (5 ms doubling), well within a code's lifetime.
const RETRY_STEP_MS: i64 = SECOND;

/// Moves the test clock a step (a retry sleeps on it, so it comes only
/// when the clock passes its backoff), then waits a moment for a POST.
async fn step(app: &TestApp, rx: &mut mpsc::UnboundedReceiver<Hook>) -> Option<Hook> {
    app.advance(RETRY_STEP_MS);
    tokio::time::timeout(Duration::from_millis(20), rx.recv()).await.ok().flatten()
}

/// The next POST: the first try's is there at once, each retry's once the
/// clock has passed its backoff.
async fn next_hook(app: &TestApp, rx: &mut mpsc::UnboundedReceiver<Hook>) -> Hook {
    if let Ok(hook) = rx.try_recv() {
        return hook;
    }
    let started = std::time::Instant::now();
    loop {
        if let Some(hook) = step(app, rx).await {
            return hook;
        }
        assert!(started.elapsed() < EVENT_WAIT, "a POST in time");
    }
}

/// Asserts that no further POST comes while the clock moves on until the
/// senders hold no message still to try.
async fn assert_no_more_hooks(app: &TestApp, rx: &mut mpsc::UnboundedReceiver<Hook>) {
    let started = std::time::Instant::now();
    loop {
        if let Ok(more) = rx.try_recv() {
            panic!("no further POST: {more:?}");
        }
        if app.state.delivery.pending().is_empty() {
            return;
        }
        assert!(started.elapsed() < EVENT_WAIT, "the retries end");
        if let Some(more) = step(app, rx).await {
            panic!("no further POST: {more:?}");
        }
    }
}

#[tokio::test]
async fn webhook_retries_5xx_with_the_same_id_and_signature_until_delivered() {
    let (addr, mut hooks) = webhook_receiver(&[500, 500, 200]).await;
    let app = webhook_app(addr, 5).await;
    let (jar, id) = create_sign_up(&app).await;

    prepare(&app, &jar, &id).await.ok("a failed first try is retried in the background");
    let received = [next_hook(&app, &mut hooks).await, next_hook(&app, &mut hooks).await, next_hook(&app, &mut hooks).await];
    assert_no_more_hooks(&app, &mut hooks).await;

    let first = &received[0];
    let message_id = first.id.clone().expect("Vestibule-Id");
    assert!(message_id.starts_with("msg_"), "{message_id}");
    for hook in &received {
        assert!(hook.signature_valid, "signature checks out with the shared secret: {hook:?}");
        assert_eq!(hook.id.as_deref(), Some(message_id.as_str()), "same id on every try");
        assert_eq!(hook.signature, first.signature, "same signature on every try");
        assert_eq!(hook.content_type.as_deref(), Some("application/json"));
        assert_eq!(hook.json, first.json, "same body on every try");
    }
    let json = &first.json;
    assert_eq!(json["id"], message_id.as_str());
    assert_eq!(json["channel"], "email");
    assert_eq!(json["to"], EMAIL);
    assert_eq!(json["created_at"], T0);
    let code = json["code"].as_str().expect("code").to_string();
    assert_eq!(six_digits(&code), code);
    assert!(json["subject"].as_str().is_some_and(|s| s.contains(&code)), "{json}");
    assert!(json["body"].as_str().is_some_and(|s| s.contains(&code)), "{json}");
    assert_eq!(first.signature.as_deref().and_then(|s| s.split(',').next()), Some("t=1800000000"), "t is the send time");
    assert_eq!(outbox_count(&app).await, 0, "nothing went to the development outbox");

    assert_code_completes(&app, &jar, &id, &code).await;
}

#[tokio::test]
async fn webhook_gives_up_after_the_configured_attempts() {
    let (addr, mut hooks) = webhook_receiver(&[503]).await;
    let app = webhook_app(addr, 2).await;
    let (jar, id) = create_sign_up(&app).await;

    prepare(&app, &jar, &id).await.ok("a failed first try is retried in the background");
    let a = next_hook(&app, &mut hooks).await;
    let b = next_hook(&app, &mut hooks).await;
    assert_no_more_hooks(&app, &mut hooks).await;
    assert_eq!(a.id, b.id);
}

#[tokio::test]
async fn webhook_4xx_is_not_retried_and_is_503_delivery_failed() {
    let (addr, mut hooks) = webhook_receiver(&[400, 200]).await;
    let app = webhook_app(addr, 5).await;
    let (jar, id) = create_sign_up(&app).await;

    prepare(&app, &jar, &id).await.expect_error(503, "delivery_failed");
    let hook = next_hook(&app, &mut hooks).await;
    assert!(hook.signature_valid);
    assert_no_more_hooks(&app, &mut hooks).await;
    assert_eq!(codes_stored(&app).await, 0, "a refused message stores no code");
}

#[tokio::test]
async fn webhook_429_is_retried() {
    let (addr, mut hooks) = webhook_receiver(&[429, 200]).await;
    let app = webhook_app(addr, 5).await;
    let (jar, id) = create_sign_up(&app).await;

    prepare(&app, &jar, &id).await.ok("prepare verification");
    let first = next_hook(&app, &mut hooks).await;
    let second = next_hook(&app, &mut hooks).await;
    assert_eq!(first.id, second.id);
    let code = second.json["code"].as_str().expect("code").to_string();
    assert_code_completes(&app, &jar, &id, &code).await;
}
