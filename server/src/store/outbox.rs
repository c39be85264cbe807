//! `outbox`: what the development delivery has "sent".

use super::db::{on_db, Exec};
use sqlx::FromRow;
use vestibule_protocol::Channel;

/// One stored message.
#[derive(Clone, Debug, FromRow)]
pub struct OutboxRow {
    pub id: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub code: Option<String>,
    pub created_at: i64,
}

/// A message to store.
pub struct NewOutboxMessage<'a> {
    pub channel: Channel,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub code: Option<&'a str>,
}

/// Stores a message.
pub async fn insert(ex: impl Into<Exec<'_>>, m: &NewOutboxMessage<'_>, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("INSERT INTO outbox (id, channel, recipient, subject, body, code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"))
            .bind(crate::ids::new_id("msg"))
            .bind(m.channel.as_str())
            .bind(m.recipient)
            .bind(m.subject)
            .bind(m.body)
            .bind(m.code)
            .bind(now)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// The newest messages first.
pub async fn list(ex: impl Into<Exec<'_>>, limit: i64, offset: i64) -> sqlx::Result<Vec<OutboxRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql("SELECT id, channel, recipient, subject, body, code, created_at FROM outbox ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?"))
            .bind(limit)
            .bind(offset)
            .fetch_all(ex)
            .await
    })
}

/// How many messages there are.
pub async fn count(ex: impl Into<Exec<'_>>) -> sqlx::Result<i64> {
    on_db!(ex, |ex, sql| sqlx::query_scalar(sql("SELECT COUNT(*) FROM outbox")).fetch_one(ex).await)
}
