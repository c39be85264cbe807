//! Sending codes to people. Delivery is a trait so that email (and later
//! SMS) can go through the development outbox, SMTP or a webhook; the
//! development outbox is the built-in one.

use crate::store::outbox;
use async_trait::async_trait;
use sqlx::SqlitePool;

/// A message to send.
#[derive(Clone)]
pub struct Message {
    /// `email` or `sms`.
    pub channel: &'static str,
    /// Address or phone number.
    pub to: String,
    /// Subject line (email).
    pub subject: String,
    /// Body text.
    pub body: String,
    /// The code the message carries, if any.
    pub code: Option<String>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("channel", &self.channel).field("to", &self.to).finish_non_exhaustive()
    }
}

/// Something that sends messages.
#[async_trait]
pub trait Delivery: Send + Sync {
    /// Sends one message; an error means it was not sent.
    async fn send(&self, message: Message, now_ms: i64) -> Result<(), String>;
}

/// The development outbox: stores each message in the database, where
/// `GET /v1/dev/outbox` lists it, and logs it.
pub struct DevOutbox {
    pool: SqlitePool,
}

impl DevOutbox {
    /// An outbox writing to `pool`.
    pub fn new(pool: SqlitePool) -> DevOutbox {
        DevOutbox { pool }
    }
}

#[async_trait]
impl Delivery for DevOutbox {
    async fn send(&self, message: Message, now_ms: i64) -> Result<(), String> {
        tracing::info!(
            channel = message.channel,
            to = %message.to,
            subject = %message.subject,
            "development outbox: {}",
            message.body
        );
        outbox::insert(&self.pool, &message, now_ms).await.map_err(|e| e.to_string())
    }
}
