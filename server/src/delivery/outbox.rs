//! The development outbox: nothing leaves the machine. Each message is
//! stored in the database, where `GET /v1/dev/outbox` lists it in a
//! development instance. The log says only that a message was stored:
//! its subject and body carry the code, which never reaches the log.

use super::{Delivery, Message};
use crate::store::outbox;
use async_trait::async_trait;
use crate::store::db::Db;

/// The development outbox.
pub struct DevOutbox {
    pool: Db,
}

impl DevOutbox {
    /// An outbox writing to `pool`.
    pub fn new(pool: Db) -> DevOutbox {
        DevOutbox { pool }
    }
}

#[async_trait]
impl Delivery for DevOutbox {
    async fn send(&self, message: Message, now_ms: i64) -> Result<(), String> {
        tracing::info!(channel = %message.channel, to = %message.to, "development outbox: message stored");
        let stored = outbox::NewOutboxMessage {
            channel: message.channel,
            recipient: &message.to,
            subject: &message.subject,
            body: &message.body,
            code: message.code.as_deref(),
        };
        outbox::insert(&self.pool, &stored, now_ms).await.map_err(|e| e.to_string())
    }
}
