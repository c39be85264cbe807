//! The development outbox: nothing leaves the machine. Each message is
//! stored in the database, where `GET /v1/dev/outbox` lists it in a
//! development instance, and logged.

use super::{Delivery, Message};
use crate::store::outbox;
use async_trait::async_trait;
use sqlx::SqlitePool;

/// The development outbox.
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
