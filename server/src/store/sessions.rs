//! `sessions`: a user signed in on a client. The stored status is `active`
//! for live sessions; `pending` is derived from the task rules on read.

use super::db::{on_db, Exec};
use sqlx::FromRow;
use vestibule_protocol::SessionStatus;

/// The stored status of a live session.
pub(crate) const LIVE: SessionStatus = SessionStatus::Active;

/// A session row.
#[derive(Clone, Debug, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    /// `active` while live, else how it ended.
    #[sqlx(try_from = "String")]
    pub status: SessionStatus,
    pub active_organization_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    pub expire_at: i64,
    pub abandon_at: i64,
    /// When the session last proved a first factor (ms).
    pub first_factor_verified_at: Option<i64>,
    /// When the session last proved a second factor (ms).
    pub second_factor_verified_at: Option<i64>,
}

const COLS: &str = "id, client_id, user_id, status, active_organization_id, created_at, updated_at, last_active_at, expire_at, abandon_at, first_factor_verified_at, second_factor_verified_at";

/// Creates a live session whose first factor (and second, when
/// `second_factor` is true) was verified `now`.
pub async fn insert(
    ex: impl Into<Exec<'_>>,
    client_id: &str,
    user_id: &str,
    now: i64,
    lifetime_ms: i64,
    second_factor: bool,
) -> sqlx::Result<String> {
    on_db!(ex, |ex, sql| {
        let id = crate::ids::new_id("sess");
        sqlx::query(sql(
            "INSERT INTO sessions (id, client_id, user_id, status, created_at, updated_at, last_active_at, expire_at, abandon_at, first_factor_verified_at, second_factor_verified_at)
             VALUES (?1, ?2, ?3, ?7, ?4, ?4, ?4, ?5, ?5, ?4, ?6)",
        ))
        .bind(&id)
        .bind(client_id)
        .bind(user_id)
        .bind(now)
        .bind(now + lifetime_ms)
        .bind(second_factor.then_some(now))
        .bind(LIVE.as_str())
        .execute(ex)
        .await?;
        Ok(id)
    })
}

/// Records a first factor proved again (reverification).
pub async fn first_factor_verified(ex: impl Into<Exec<'_>>, id: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE sessions SET first_factor_verified_at = ?, updated_at = ? WHERE id = ?"))
            .bind(now)
            .bind(now)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// The session with this id.
pub async fn by_id(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<Option<SessionRow>> {
    on_db!(ex, |ex, sql| sqlx::query_as(sql(&format!("SELECT {COLS} FROM sessions WHERE id = ?"))).bind(id).fetch_optional(ex).await)
}

/// The sessions of a client whose stored status is still `active`, newest first.
pub async fn live_of_client(ex: impl Into<Exec<'_>>, client_id: &str) -> sqlx::Result<Vec<SessionRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {COLS} FROM sessions WHERE client_id = ? AND status = '{LIVE}' ORDER BY created_at DESC")))
            .bind(client_id)
            .fetch_all(ex)
            .await
    })
}

/// Sets the active organization and marks the session used.
pub async fn set_active_organization(ex: impl Into<Exec<'_>>, id: &str, org_id: Option<&str>, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE sessions SET active_organization_id = ?, last_active_at = ?, updated_at = ? WHERE id = ?"))
            .bind(org_id)
            .bind(now)
            .bind(now)
            .bind(id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Marks the session used now.
pub async fn touch(ex: impl Into<Exec<'_>>, id: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE sessions SET last_active_at = ? WHERE id = ?")).bind(now).bind(id).execute(ex).await.map(|_| ())
    })
}

/// Ends a live session with a final status (`ended`, `removed`, `revoked`, `expired`).
pub async fn finish(ex: impl Into<Exec<'_>>, id: &str, status: SessionStatus, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql(&format!("UPDATE sessions SET status = ?, updated_at = ? WHERE id = ? AND status = '{LIVE}'")))
            .bind(status.as_str())
            .bind(now)
            .bind(id)
            .execute(ex)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Ends every live session of a client.
pub async fn finish_all_of_client(ex: impl Into<Exec<'_>>, client_id: &str, status: SessionStatus, now: i64) -> sqlx::Result<u64> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql(&format!("UPDATE sessions SET status = ?, updated_at = ? WHERE client_id = ? AND status = '{LIVE}'")))
            .bind(status.as_str())
            .bind(now)
            .bind(client_id)
            .execute(ex)
            .await?;
        Ok(r.rows_affected())
    })
}

/// Ends every live session of a user, except `keep` when given.
pub async fn finish_all_of_user(
    ex: impl Into<Exec<'_>>,
    user_id: &str,
    keep: Option<&str>,
    status: SessionStatus,
    now: i64,
) -> sqlx::Result<u64> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql(&format!(
            "UPDATE sessions SET status = ?, updated_at = ? WHERE user_id = ? AND status = '{LIVE}' AND id IS DISTINCT FROM ?"
        )))
        .bind(status.as_str())
        .bind(now)
        .bind(user_id)
        .bind(keep)
        .execute(ex)
        .await?;
        Ok(r.rows_affected())
    })
}
