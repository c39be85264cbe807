//! `clients`: one row per browser, found by the hash of its cookie token.

use super::db::{on_db, Exec};
use sqlx::FromRow;

/// A client row.
#[derive(Clone, Debug, FromRow)]
pub struct ClientRow {
    pub id: String,
    pub last_active_session_id: Option<String>,
    pub sign_in_id: Option<String>,
    pub sign_up_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When its cookie (or dev-browser token) expires; `None` on rows from
    /// before this was recorded (see [`ClientRow::expires_at`]).
    pub cookie_expires_at: Option<i64>,
}

impl ClientRow {
    /// When the client's cookie expires, for a server whose clients live
    /// `lifetime_ms`: as recorded, else `updated_at` plus the lifetime.
    pub fn expires_at(&self, lifetime_ms: i64) -> i64 {
        self.cookie_expires_at.unwrap_or(self.updated_at + lifetime_ms)
    }
}

const COLS: &str = "id, last_active_session_id, sign_in_id, sign_up_id, created_at, updated_at, cookie_expires_at";

/// Creates a client whose cookie token hashes to `token_hash` and expires
/// at `expires_at`.
pub async fn insert(ex: impl Into<Exec<'_>>, id: &str, token_hash: &str, now: i64, expires_at: i64) -> sqlx::Result<ClientRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("INSERT INTO clients (id, token_hash, created_at, updated_at, cookie_expires_at) VALUES (?, ?, ?, ?, ?)"))
            .bind(id)
            .bind(token_hash)
            .bind(now)
            .bind(now)
            .bind(expires_at)
            .execute(ex)
            .await?;
        Ok(ClientRow {
            id: id.into(),
            last_active_session_id: None,
            sign_in_id: None,
            sign_up_id: None,
            created_at: now,
            updated_at: now,
            cookie_expires_at: Some(expires_at),
        })
    })
}

/// The client whose token hashes to `token_hash`.
pub async fn by_token_hash(ex: impl Into<Exec<'_>>, token_hash: &str) -> sqlx::Result<Option<ClientRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {COLS} FROM clients WHERE token_hash = ?"))).bind(token_hash).fetch_optional(ex).await
    })
}

/// The client with this id.
pub async fn by_id(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<Option<ClientRow>> {
    on_db!(ex, |ex, sql| sqlx::query_as(sql(&format!("SELECT {COLS} FROM clients WHERE id = ?"))).bind(id).fetch_optional(ex).await)
}

/// Sets the sign-in in progress (or none).
pub async fn set_sign_in(ex: impl Into<Exec<'_>>, id: &str, sign_in_id: Option<&str>, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE clients SET sign_in_id = ?, updated_at = ? WHERE id = ?"))
            .bind(sign_in_id)
            .bind(now)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Sets the sign-up in progress (or none).
pub async fn set_sign_up(ex: impl Into<Exec<'_>>, id: &str, sign_up_id: Option<&str>, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE clients SET sign_up_id = ?, updated_at = ? WHERE id = ?"))
            .bind(sign_up_id)
            .bind(now)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Sets the last active session (or none).
pub async fn set_last_active_session(ex: impl Into<Exec<'_>>, id: &str, session_id: Option<&str>, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE clients SET last_active_session_id = ?, updated_at = ? WHERE id = ?"))
            .bind(session_id)
            .bind(now)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Gives the client a new cookie token (the old one stops working),
/// expiring at `expires_at`.
pub async fn set_token_hash(ex: impl Into<Exec<'_>>, id: &str, token_hash: &str, now: i64, expires_at: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE clients SET token_hash = ?, updated_at = ?, cookie_expires_at = ? WHERE id = ?"))
            .bind(token_hash)
            .bind(now)
            .bind(expires_at)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Marks the client used now: its cookie's lifetime starts again and ends
/// at `expires_at`.
pub async fn renew(ex: impl Into<Exec<'_>>, id: &str, now: i64, expires_at: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE clients SET updated_at = ?, cookie_expires_at = ? WHERE id = ?"))
            .bind(now)
            .bind(expires_at)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}
