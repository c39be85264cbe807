//! `sign_ups`: a sign-up in progress on a client.

use sqlx::{FromRow, SqliteExecutor};

/// A sign-up row. The password hash is kept out of `Debug`.
#[derive(Clone, FromRow)]
pub struct SignUpRow {
    pub id: String,
    pub client_id: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email_verified: bool,
    pub status: String,
    pub created_user_id: Option<String>,
    pub created_session_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub abandon_at: i64,
}

impl std::fmt::Debug for SignUpRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUpRow").field("id", &self.id).field("status", &self.status).finish_non_exhaustive()
    }
}

const COLS: &str = "id, client_id, email, password_hash, first_name, last_name, email_verified, status, created_user_id, created_session_id, created_at, updated_at, abandon_at";

/// Writes the whole row (insert or replace).
pub async fn save(ex: impl SqliteExecutor<'_>, row: &SignUpRow) -> sqlx::Result<()> {
    sqlx::query(&format!("INSERT OR REPLACE INTO sign_ups ({COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        .bind(&row.id)
        .bind(&row.client_id)
        .bind(&row.email)
        .bind(&row.password_hash)
        .bind(&row.first_name)
        .bind(&row.last_name)
        .bind(row.email_verified)
        .bind(&row.status)
        .bind(&row.created_user_id)
        .bind(&row.created_session_id)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(row.abandon_at)
        .execute(ex)
        .await
        .map(|_| ())
}

/// The sign-up with this id on this client.
pub async fn by_id(ex: impl SqliteExecutor<'_>, client_id: &str, id: &str) -> sqlx::Result<Option<SignUpRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM sign_ups WHERE id = ? AND client_id = ?"))
        .bind(id)
        .bind(client_id)
        .fetch_optional(ex)
        .await
}
