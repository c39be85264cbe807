//! `sign_ins`: a sign-in in progress on a client.

use sqlx::{FromRow, SqliteExecutor};

/// A sign-in row.
#[derive(Clone, Debug, FromRow)]
pub struct SignInRow {
    pub id: String,
    pub client_id: String,
    pub identifier: Option<String>,
    pub user_id: Option<String>,
    pub status: String,
    pub first_factor_strategy: Option<String>,
    pub first_factor_status: Option<String>,
    pub created_session_id: Option<String>,
    /// The second factors offered, as a JSON list of `FactorJson`.
    pub second_factors: Option<String>,
    pub second_factor_strategy: Option<String>,
    pub second_factor_status: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub abandon_at: i64,
}

const COLS: &str = "id, client_id, identifier, user_id, status, first_factor_strategy, first_factor_status, created_session_id, second_factors, second_factor_strategy, second_factor_status, created_at, updated_at, abandon_at";

/// Creates a sign-in.
pub async fn insert(ex: impl SqliteExecutor<'_>, row: &SignInRow) -> sqlx::Result<()> {
    sqlx::query(&format!("INSERT INTO sign_ins ({COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        .bind(&row.id)
        .bind(&row.client_id)
        .bind(&row.identifier)
        .bind(&row.user_id)
        .bind(&row.status)
        .bind(&row.first_factor_strategy)
        .bind(&row.first_factor_status)
        .bind(&row.created_session_id)
        .bind(&row.second_factors)
        .bind(&row.second_factor_strategy)
        .bind(&row.second_factor_status)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(row.abandon_at)
        .execute(ex)
        .await
        .map(|_| ())
}

/// The sign-in with this id on this client.
pub async fn by_id(ex: impl SqliteExecutor<'_>, client_id: &str, id: &str) -> sqlx::Result<Option<SignInRow>> {
    sqlx::query_as(&format!("SELECT {COLS} FROM sign_ins WHERE id = ? AND client_id = ?"))
        .bind(id)
        .bind(client_id)
        .fetch_optional(ex)
        .await
}

/// Records the first factor's outcome and, when complete, the session.
pub async fn update_first_factor(
    ex: impl SqliteExecutor<'_>,
    id: &str,
    status: &str,
    strategy: &str,
    factor_status: &str,
    session_id: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sign_ins SET status = ?, first_factor_strategy = ?, first_factor_status = ?, created_session_id = ?, updated_at = ? WHERE id = ?")
        .bind(status)
        .bind(strategy)
        .bind(factor_status)
        .bind(session_id)
        .bind(now)
        .bind(id)
        .execute(ex)
        .await
        .map(|_| ())
}

/// A right first factor of a user with second factors: the sign-in now
/// waits for one of `factors` (JSON list).
pub async fn await_second_factor(ex: impl SqliteExecutor<'_>, id: &str, strategy: &str, factors: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sign_ins SET status = 'needs_second_factor', first_factor_strategy = ?, first_factor_status = 'verified', second_factors = ?, updated_at = ? WHERE id = ?",
    )
    .bind(strategy)
    .bind(factors)
    .bind(now)
    .bind(id)
    .execute(ex)
    .await
    .map(|_| ())
}

/// Records the second factor's outcome and the session it created.
pub async fn complete_second_factor(ex: impl SqliteExecutor<'_>, id: &str, strategy: &str, session_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE sign_ins SET status = 'complete', second_factor_strategy = ?, second_factor_status = 'verified', created_session_id = ?, updated_at = ? WHERE id = ?",
    )
    .bind(strategy)
    .bind(session_id)
    .bind(now)
    .bind(id)
    .execute(ex)
    .await
    .map(|_| ())
}

/// A second-factor code was sent for `strategy`.
pub async fn second_factor_prepared(ex: impl SqliteExecutor<'_>, id: &str, strategy: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sign_ins SET second_factor_strategy = ?, second_factor_status = 'unverified', updated_at = ? WHERE id = ?")
        .bind(strategy)
        .bind(now)
        .bind(id)
        .execute(ex)
        .await
        .map(|_| ())
}

/// Reserves one TOTP or backup-code try of this sign-in in one statement;
/// `false` when its `max` tries are spent.
pub async fn reserve_second_factor_try(ex: impl SqliteExecutor<'_>, id: &str, max: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE sign_ins SET second_factor_tries = second_factor_tries + 1 WHERE id = ? AND second_factor_tries < ?")
        .bind(id)
        .bind(max)
        .execute(ex)
        .await?;
    Ok(r.rows_affected() == 1)
}
