//! `webhook_retries`: messages a stopped server still had to retry.

use super::db::{on_db, Db, Exec};
use sqlx::FromRow;

/// One written-down message.
#[derive(Clone, Debug, FromRow)]
pub struct RetryRow {
    pub id: String,
    pub channel: String,
    pub url: String,
    pub signature: String,
    pub sealed_body: String,
    pub tries: i64,
    pub created_at: i64,
}

/// Writes `row` down (a message already written down stays as it was).
pub async fn insert(ex: impl Into<Exec<'_>>, row: &RetryRow) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql(
            "INSERT INTO webhook_retries (id, channel, url, signature, sealed_body, tries, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING",
        ))
        .bind(&row.id)
        .bind(&row.channel)
        .bind(&row.url)
        .bind(&row.signature)
        .bind(&row.sealed_body)
        .bind(row.tries)
        .bind(row.created_at)
        .execute(ex)
        .await
        .map(|_| ())
    })
}

/// Takes every written-down message: deleted and returned in one
/// statement, so two servers starting together never take the same one.
pub async fn take_all(db: &Db) -> sqlx::Result<Vec<RetryRow>> {
    on_db!(db, |ex, sql| {
        sqlx::query_as(sql("DELETE FROM webhook_retries RETURNING id, channel, url, signature, sealed_body, tries, created_at")).fetch_all(ex).await
    })
}
