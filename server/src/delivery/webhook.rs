//! Messages as a signed HTTP POST, for any channel: the receiver (an email
//! or SMS provider's adapter) gets JSON and checks the `Vestibule-Signature`
//! header with the shared secret. The first try answers the caller; later
//! tries run in the background with doubling waits, and those still to come
//! at shutdown are written down for the next start (`pending`).

use super::{Delivery, Message, PendingMessage};
use crate::clock::Clock;
use crate::config::WebhookConfig;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vestibule_protocol::Channel;

/// How long one POST may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Header naming the message; the same on every try of one message.
pub const ID_HEADER: &str = "Vestibule-Id";

/// Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "Vestibule-Signature";

type HmacSha256 = Hmac<Sha256>;

/// The JSON body of a webhook POST.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    id: &'a str,
    channel: Channel,
    to: &'a str,
    subject: &'a str,
    body: &'a str,
    code: Option<&'a str>,
    created_at: i64,
}

fn mac(secret: &str, t: &str, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `Vestibule-Signature` value for `body` sent at `t` (Unix seconds):
/// `t=<t>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature_header(secret: &str, t: i64, body: &[u8]) -> Option<String> {
    let t = t.to_string();
    let digest = mac(secret, &t, body)?.finalize().into_bytes();
    Some(format!("t={t},v1={}", crate::ids::hex(&digest)))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let nibble = |b: u8| char::from(b).to_digit(16);
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some((nibble(*hi)? * 16 + nibble(*lo)?) as u8),
            _ => None,
        })
        .collect()
}

/// Whether `header` (a `Vestibule-Signature` value) signs `body` with
/// `secret`, at a time no further than `tolerance_s` seconds from `now_s`.
/// The comparison is constant-time; any `v1=` entry may match, so a
/// receiver can accept during a secret rotation.
pub fn verify_signature(secret: &str, header: &str, body: &[u8], now_s: i64, tolerance_s: i64) -> bool {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) if t.is_none() => t = Some(v),
            Some(("t", _)) => return false,
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let Ok(sent) = t.parse::<i64>() else { return false };
    if tolerance_s < 0 || now_s.abs_diff(sent) > tolerance_s.unsigned_abs() {
        return false;
    }
    signatures.into_iter().any(|s| match (unhex(s), mac(secret, t, body)) {
        (Some(expected), Some(mac)) => mac.verify_slice(&expected).is_ok(),
        _ => false,
    })
}

/// Sends messages as signed JSON POSTs to one URL.
pub struct WebhookSender {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: String,
    attempts: u32,
    initial_backoff: Duration,
    /// Messages whose retries are still to come, by id, with the tries made.
    pending: Pending,
    /// What the waits between tries sleep on.
    clock: Arc<dyn Clock>,
}

/// The messages a sender is still retrying, shared with the retry tasks.
type Pending = Arc<Mutex<HashMap<String, (Post, u32)>>>;

impl WebhookSender {
    /// A sender for one `[*.webhook]` table, sharing `client`, its waits
    /// between tries on `clock`.
    pub fn new(client: reqwest::Client, config: &WebhookConfig, clock: Arc<dyn Clock>) -> Result<WebhookSender, String> {
        let url = reqwest::Url::parse(&config.url).map_err(|e| format!("webhook url {}: {e}", config.url))?;
        Ok(WebhookSender {
            client,
            url,
            secret: config.secret.clone(),
            attempts: config.attempts.max(1),
            initial_backoff: Duration::from_millis(config.initial_backoff_ms),
            pending: Pending::default(),
            clock,
        })
    }

    /// Retries `post`, `tries` tries made, in the background.
    fn retry_later(&self, post: Post, tries: u32) {
        if let Ok(mut p) = self.pending.lock() {
            p.insert(post.id.clone(), (post.clone(), tries));
        }
        tokio::spawn(post.retry(tries + 1, self.attempts, self.initial_backoff, self.pending.clone(), self.clock.clone()));
    }
}

/// What one try came to.
enum Outcome {
    /// 2xx.
    Delivered,
    /// Network error, 5xx or 429: worth another try.
    Retry(String),
    /// Another answer: trying again would not help.
    Refused(String),
}

/// One message, ready to POST as often as needed.
#[derive(Clone)]
struct Post {
    client: reqwest::Client,
    url: reqwest::Url,
    id: String,
    channel: Channel,
    signature: String,
    body: Vec<u8>,
}

impl Post {
    async fn once(&self) -> Outcome {
        let sent = self
            .client
            .post(self.url.clone())
            .timeout(TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(ID_HEADER, &self.id)
            .header(SIGNATURE_HEADER, &self.signature)
            .body(self.body.clone())
            .send()
            .await;
        match sent {
            Err(e) => Outcome::Retry(e.to_string()),
            Ok(r) if r.status().is_success() => Outcome::Delivered,
            Ok(r) if r.status().is_server_error() || r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                Outcome::Retry(format!("HTTP {}", r.status()))
            }
            Ok(r) => Outcome::Refused(format!("HTTP {}", r.status())),
        }
    }

    /// Tries `first` to `attempts`, waiting `backoff` before the first of
    /// them and twice as long before each next one, keeping the tries made
    /// in `pending` until the message is delivered or given up.
    async fn retry(self, first: u32, attempts: u32, mut backoff: Duration, pending: Pending, clock: Arc<dyn Clock>) {
        for attempt in first..=attempts {
            clock.sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
            let done = match self.once().await {
                Outcome::Delivered => {
                    tracing::info!(id = %self.id, channel = %self.channel, attempt, "webhook delivered");
                    true
                }
                Outcome::Retry(reason) if attempt < attempts => {
                    tracing::warn!(id = %self.id, channel = %self.channel, url = %self.url, attempt, %reason, "webhook failed; will retry");
                    false
                }
                Outcome::Retry(reason) | Outcome::Refused(reason) => {
                    tracing::error!(id = %self.id, channel = %self.channel, url = %self.url, attempt, %reason, "webhook failed; giving up");
                    true
                }
            };
            if let Ok(mut p) = pending.lock() {
                if done {
                    p.remove(&self.id);
                } else if let Some(entry) = p.get_mut(&self.id) {
                    entry.1 = attempt;
                }
            }
            if done {
                return;
            }
        }
    }
}

#[async_trait]
impl Delivery for WebhookSender {
    async fn send(&self, message: Message, now_ms: i64) -> Result<(), String> {
        let id = crate::ids::new_id("msg");
        let payload = Payload {
            id: &id,
            channel: message.channel,
            to: &message.to,
            subject: &message.subject,
            body: &message.body,
            code: message.code.as_deref(),
            created_at: now_ms,
        };
        let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
        let signature = signature_header(&self.secret, now_ms.div_euclid(1000), &body)
            .ok_or_else(|| "the webhook secret cannot key HMAC-SHA256".to_string())?;
        let post = Post { client: self.client.clone(), url: self.url.clone(), id, channel: message.channel, signature, body };
        match post.once().await {
            Outcome::Delivered => Ok(()),
            Outcome::Retry(reason) if self.attempts > 1 => {
                tracing::warn!(id = %post.id, channel = %post.channel, url = %post.url, attempt = 1, %reason, "webhook failed; will retry");
                self.retry_later(post, 1);
                Ok(())
            }
            Outcome::Retry(reason) | Outcome::Refused(reason) => {
                tracing::error!(id = %post.id, channel = %post.channel, url = %post.url, attempt = 1, %reason, "webhook failed; giving up");
                Err(format!("webhook: {reason}"))
            }
        }
    }

    fn pending(&self) -> Vec<PendingMessage> {
        let Ok(p) = self.pending.lock() else { return Vec::new() };
        p.values()
            .map(|(post, tries)| PendingMessage {
                id: post.id.clone(),
                channel: post.channel,
                url: post.url.to_string(),
                signature: post.signature.clone(),
                body: post.body.clone(),
                tries: *tries,
            })
            .collect()
    }

    fn resume(&self, message: PendingMessage) -> bool {
        let Ok(url) = reqwest::Url::parse(&message.url) else { return false };
        let post = Post {
            client: self.client.clone(),
            url,
            id: message.id,
            channel: message.channel,
            signature: message.signature,
            body: message.body,
        };
        self.retry_later(post, message.tries.min(self.attempts.saturating_sub(1)));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef-secret";
    const BODY: &[u8] = br#"{"id":"msg_1"}"#;
    const T: i64 = 1_800_000_000;

    #[test]
    fn the_signature_is_hmac_sha256_of_t_dot_body_in_lowercase_hex() {
        // Computed independently: Python's hmac.new(SECRET, b'1800000000.{"id":"msg_1"}', sha256).
        let expected = "t=1800000000,v1=d3fbe95d05261a90f743d53d9ad0498e463a905ecf53dac3a6a9fbfe3d059044";
        assert_eq!(signature_header(SECRET, T, BODY).as_deref(), Some(expected));
    }

    #[test]
    fn a_fresh_signature_with_the_right_secret_verifies() {
        let header = signature_header(SECRET, T, BODY).expect("sign");
        assert!(verify_signature(SECRET, &header, BODY, T, 300));
        assert!(verify_signature(SECRET, &header, BODY, T + 300, 300), "300 s late is within a 300 s tolerance");
        assert!(verify_signature(SECRET, &header, BODY, T - 300, 300), "so is 300 s early");
    }

    #[test]
    fn a_wrong_secret_is_refused() {
        let header = signature_header(SECRET, T, BODY).expect("sign");
        assert!(!verify_signature("0123456789abcdef-other", &header, BODY, T, 300));
    }

    #[test]
    fn a_changed_body_is_refused() {
        let header = signature_header(SECRET, T, BODY).expect("sign");
        assert!(!verify_signature(SECRET, &header, br#"{"id":"msg_2"}"#, T, 300));
    }

    #[test]
    fn a_timestamp_outside_the_tolerance_is_refused() {
        let header = signature_header(SECRET, T, BODY).expect("sign");
        assert!(!verify_signature(SECRET, &header, BODY, T + 301, 300), "too old");
        assert!(!verify_signature(SECRET, &header, BODY, T - 301, 300), "from the future");
    }

    #[test]
    fn a_changed_timestamp_is_refused() {
        let header = signature_header(SECRET, T, BODY).expect("sign");
        let moved = header.replace("t=1800000000", "t=1800000001");
        assert!(!verify_signature(SECRET, &moved, BODY, T, 300), "t is part of what is signed");
    }

    #[test]
    fn malformed_headers_are_refused() {
        let good = signature_header(SECRET, T, BODY).expect("sign");
        let v1 = good.split_once(",v1=").map(|(_, v)| v.to_string()).expect("v1");
        for header in [
            String::new(),
            format!("v1={v1}"),
            format!("t=soon,v1={v1}"),
            format!("t={T}"),
            format!("t={T},v1=zz"),
            format!("t={T},v1=+{}", &v1[1..]),
            format!("t={T},v1={}", &v1[..63]),
            format!("t={T},t={T},v1={v1}"),
        ] {
            assert!(!verify_signature(SECRET, &header, BODY, T, 300), "{header:?}");
        }
        assert!(verify_signature(SECRET, &format!("t={T}, v1=00, v1={v1}"), BODY, T, 300), "any v1 may match");
    }
}
