//! `sign_ups`: a sign-up in progress on a client. Each step is one function
//! that writes it and returns the row as it now stands (`RETURNING`).

use super::columns::{from_rows, word};
use super::db::{on_db, Exec};

use vestibule_protocol::SignUpStatus;

/// A sign-up row. The password hash is kept out of `Debug`.
#[derive(Clone)]
pub struct SignUpRow {
    pub id: String,
    pub client_id: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email_verified: bool,
    pub status: SignUpStatus,
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

from_rows!(SignUpRow, |row| {
    Ok(SignUpRow {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        email_verified: row.try_get("email_verified")?,
        status: word(row, "status")?,
        created_user_id: row.try_get("created_user_id")?,
        created_session_id: row.try_get("created_session_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        abandon_at: row.try_get("abandon_at")?,
    })
});

/// What a create or update call gives; `None` leaves a field as it is.
#[derive(Default)]
pub struct SignUpFields {
    /// A new address: it starts unverified unless it is the one already there.
    pub email: Option<String>,
    pub password_hash: Option<String>,
    /// `Some(None)` clears the name.
    pub first_name: Option<Option<String>>,
    /// `Some(None)` clears the name.
    pub last_name: Option<Option<String>>,
}

const COLS: &str = "id, client_id, email, password_hash, first_name, last_name, email_verified, status, created_user_id, created_session_id, created_at, updated_at, abandon_at";

/// Starts a sign-up with `fields`: it has missing requirements until
/// [`complete`].
pub async fn start(ex: impl Into<Exec<'_>>, client_id: &str, fields: &SignUpFields, now: i64, lifetime_ms: i64) -> sqlx::Result<SignUpRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "INSERT INTO sign_ups (id, client_id, email, password_hash, first_name, last_name, email_verified, status, created_at, updated_at, abandon_at)
             VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?8, ?8, ?9) RETURNING {COLS}"
        )))
        .bind(crate::ids::new_id("sua"))
        .bind(client_id)
        .bind(&fields.email)
        .bind(&fields.password_hash)
        .bind(fields.first_name.clone().flatten())
        .bind(fields.last_name.clone().flatten())
        .bind(SignUpStatus::MissingRequirements.as_str())
        .bind(now)
        .bind(now + lifetime_ms)
        .fetch_one(ex)
        .await
    })
}

/// Applies `fields` to an open sign-up. A changed address is unverified.
pub async fn update(ex: impl Into<Exec<'_>>, id: &str, fields: &SignUpFields, now: i64) -> sqlx::Result<SignUpRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ups SET
                 email_verified = CASE WHEN ?1 IS NOT NULL AND ?1 IS DISTINCT FROM email THEN FALSE ELSE email_verified END,
                 email = COALESCE(?1, email),
                 password_hash = COALESCE(?2, password_hash),
                 first_name = CASE WHEN ?3 THEN ?4 ELSE first_name END,
                 last_name = CASE WHEN ?5 THEN ?6 ELSE last_name END,
                 updated_at = ?7
             WHERE id = ?8 RETURNING {COLS}"
        )))
        .bind(&fields.email)
        .bind(&fields.password_hash)
        .bind(fields.first_name.is_some())
        .bind(fields.first_name.clone().flatten())
        .bind(fields.last_name.is_some())
        .bind(fields.last_name.clone().flatten())
        .bind(now)
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// The address was proven by its code.
pub async fn email_verified(ex: impl Into<Exec<'_>>, id: &str, now: i64) -> sqlx::Result<SignUpRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("UPDATE sign_ups SET email_verified = TRUE, updated_at = ? WHERE id = ? RETURNING {COLS}")))
            .bind(now)
            .bind(id)
            .fetch_one(ex)
            .await
    })
}

/// The sign-up created `user_id` and `session_id`.
pub async fn complete(ex: impl Into<Exec<'_>>, id: &str, user_id: &str, session_id: &str, now: i64) -> sqlx::Result<SignUpRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ups SET status = ?, created_user_id = ?, created_session_id = ?, updated_at = ? WHERE id = ? RETURNING {COLS}"
        )))
        .bind(SignUpStatus::Complete.as_str())
        .bind(user_id)
        .bind(session_id)
        .bind(now)
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// The sign-up with this id on this client.
pub async fn by_id(ex: impl Into<Exec<'_>>, client_id: &str, id: &str) -> sqlx::Result<Option<SignUpRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {COLS} FROM sign_ups WHERE id = ? AND client_id = ?")))
            .bind(id)
            .bind(client_id)
            .fetch_optional(ex)
            .await
    })
}
