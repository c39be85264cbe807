//! `outbox`: what the development delivery has "sent".

use crate::delivery::Message;
use sqlx::{FromRow, SqliteExecutor};

/// One stored message.
#[derive(Clone, Debug, FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub code: Option<String>,
    pub created_at: i64,
}

/// Stores a message.
pub async fn insert(ex: impl SqliteExecutor<'_>, m: &Message, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO outbox (id, channel, recipient, subject, body, code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(crate::ids::new_id("msg"))
        .bind(m.channel)
        .bind(&m.to)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(&m.code)
        .bind(now)
        .execute(ex)
        .await
        .map(|_| ())
}

/// The newest messages first.
pub async fn list(ex: impl SqliteExecutor<'_>, limit: i64, offset: i64) -> sqlx::Result<Vec<OutboxRow>> {
    sqlx::query_as("SELECT id, channel, recipient, subject, body, code, created_at FROM outbox ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?")
        .bind(limit)
        .bind(offset)
        .fetch_all(ex)
        .await
}

/// How many messages there are.
pub async fn count(ex: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(ex).await
}
