//! `sign_ins`: a sign-in in progress on a client. Each step a sign-in can
//! take is one function here that writes the step and returns the row as
//! it now stands (`RETURNING`), so a handler never restates a transition.

use super::columns::{from_rows, opt_word, word};
use super::db::{on_db, Exec};

use vestibule_protocol::wire::FactorJson;
use vestibule_protocol::{SignInStatus, Strategy, VerificationStatus};

/// A sign-in row.
#[derive(Clone, Debug)]
pub struct SignInRow {
    pub id: String,
    pub client_id: String,
    pub identifier: Option<String>,
    pub user_id: Option<String>,
    pub status: SignInStatus,
    pub first_factor_strategy: Option<Strategy>,
    pub first_factor_status: Option<VerificationStatus>,
    pub created_session_id: Option<String>,
    /// The second factors offered once the first factor was right.
    pub second_factors: Vec<FactorJson>,
    pub second_factor_strategy: Option<Strategy>,
    pub second_factor_status: Option<VerificationStatus>,
    /// After a reset code: the hash of the new password, set when the
    /// sign-in completes (after the second factor, when there is one).
    pub new_password_hash: Option<String>,
    /// With the new password: end the user's other sessions.
    pub sign_out_others: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub abandon_at: i64,
}

from_rows!(SignInRow, |row| {
    let factors: Option<String> = row.try_get("second_factors")?;
    let second_factors = match factors {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| sqlx::Error::ColumnDecode { index: "second_factors".into(), source: Box::new(e) })?
        }
        None => Vec::new(),
    };
    Ok(SignInRow {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        identifier: row.try_get("identifier")?,
        user_id: row.try_get("user_id")?,
        status: word(row, "status")?,
        first_factor_strategy: opt_word(row, "first_factor_strategy")?,
        first_factor_status: opt_word(row, "first_factor_status")?,
        created_session_id: row.try_get("created_session_id")?,
        second_factors,
        second_factor_strategy: opt_word(row, "second_factor_strategy")?,
        second_factor_status: opt_word(row, "second_factor_status")?,
        new_password_hash: row.try_get("new_password_hash")?,
        sign_out_others: row.try_get("sign_out_others")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        abandon_at: row.try_get("abandon_at")?,
    })
});

const COLS: &str = "id, client_id, identifier, user_id, status, first_factor_strategy, first_factor_status, created_session_id, second_factors, second_factor_strategy, second_factor_status, new_password_hash, sign_out_others, created_at, updated_at, abandon_at";

/// Starts a sign-in of `user_id` (found by `identifier`): it waits for a
/// first factor.
pub async fn start(
    ex: impl Into<Exec<'_>>,
    client_id: &str,
    identifier: &str,
    user_id: &str,
    now: i64,
    lifetime_ms: i64,
) -> sqlx::Result<SignInRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "INSERT INTO sign_ins (id, client_id, identifier, user_id, status, created_at, updated_at, abandon_at)
             VALUES (?, ?, ?, ?, ?, ?6, ?6, ?7) RETURNING {COLS}"
        )))
        .bind(crate::ids::new_id("sia"))
        .bind(client_id)
        .bind(identifier)
        .bind(user_id)
        .bind(SignInStatus::NeedsFirstFactor.as_str())
        .bind(now)
        .bind(now + lifetime_ms)
        .fetch_one(ex)
        .await
    })
}

/// The sign-in with this id on this client.
pub async fn by_id(ex: impl Into<Exec<'_>>, client_id: &str, id: &str) -> sqlx::Result<Option<SignInRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {COLS} FROM sign_ins WHERE id = ? AND client_id = ?")))
            .bind(id)
            .bind(client_id)
            .fetch_optional(ex)
            .await
    })
}

/// A first-factor code was sent: the first factor is now `strategy`,
/// unverified.
pub async fn first_factor_prepared(ex: impl Into<Exec<'_>>, id: &str, strategy: Strategy, now: i64) -> sqlx::Result<SignInRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ins SET first_factor_strategy = ?, first_factor_status = ?, updated_at = ? WHERE id = ? RETURNING {COLS}"
        )))
        .bind(strategy.as_str())
        .bind(VerificationStatus::Unverified.as_str())
        .bind(now)
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// A right first factor of a user with second factors: the sign-in now
/// waits for one of `factors`.
pub async fn await_second_factor(
    ex: impl Into<Exec<'_>>,
    id: &str,
    first: Strategy,
    factors: &[FactorJson],
    now: i64,
) -> sqlx::Result<SignInRow> {
    on_db!(ex, |ex, sql| {
        let factors = serde_json::to_string(factors).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ins SET status = ?, first_factor_strategy = ?, first_factor_status = ?, second_factors = ?, updated_at = ? WHERE id = ? RETURNING {COLS}"
        )))
        .bind(SignInStatus::NeedsSecondFactor.as_str())
        .bind(first.as_str())
        .bind(VerificationStatus::Verified.as_str())
        .bind(factors)
        .bind(now)
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// A right password-reset code: the first factor is verified, and the
/// sign-in waits for the new password.
pub async fn await_new_password(ex: impl Into<Exec<'_>>, id: &str, now: i64) -> sqlx::Result<SignInRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ins SET status = ?, first_factor_strategy = ?, first_factor_status = ?, updated_at = ? WHERE id = ? RETURNING {COLS}"
        )))
        .bind(SignInStatus::NeedsNewPassword.as_str())
        .bind(Strategy::ResetPasswordEmailCode.as_str())
        .bind(VerificationStatus::Verified.as_str())
        .bind(now)
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// Takes the new-password step of the sign-in `id` for one request: keeps
/// `hash` (and whether to end the other sessions) on it and marks it
/// changed now, in one statement that holds only while it waits for the
/// new password, so two requests cannot both take it. `false` when it no
/// longer waits.
pub async fn take_new_password(ex: impl Into<Exec<'_>>, id: &str, hash: &str, sign_out_others: bool, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("UPDATE sign_ins SET new_password_hash = ?, sign_out_others = ?, updated_at = ? WHERE id = ? AND status = ?"))
            .bind(hash)
            .bind(sign_out_others)
            .bind(now)
            .bind(id)
            .bind(SignInStatus::NeedsNewPassword.as_str())
            .execute(ex)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// A second-factor code was sent for `strategy`.
pub async fn second_factor_prepared(ex: impl Into<Exec<'_>>, id: &str, strategy: Strategy, now: i64) -> sqlx::Result<SignInRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ins SET second_factor_strategy = ?, second_factor_status = ?, updated_at = ? WHERE id = ? RETURNING {COLS}"
        )))
        .bind(strategy.as_str())
        .bind(VerificationStatus::Unverified.as_str())
        .bind(now)
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// The sign-in created `session_id`: complete, its first factor `first`
/// verified and, when there was one, its second factor `second` too.
pub async fn complete(
    ex: impl Into<Exec<'_>>,
    id: &str,
    first: Strategy,
    second: Option<Strategy>,
    session_id: &str,
    now: i64,
) -> sqlx::Result<SignInRow> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!(
            "UPDATE sign_ins SET status = ?1, first_factor_strategy = ?2, first_factor_status = ?3, created_session_id = ?4, updated_at = ?5,
                 second_factor_strategy = COALESCE(?6, second_factor_strategy),
                 second_factor_status = CASE WHEN ?6 IS NULL THEN second_factor_status ELSE ?3 END
             WHERE id = ?7 RETURNING {COLS}"
        )))
        .bind(SignInStatus::Complete.as_str())
        .bind(first.as_str())
        .bind(VerificationStatus::Verified.as_str())
        .bind(session_id)
        .bind(now)
        .bind(second.map(Strategy::as_str))
        .bind(id)
        .fetch_one(ex)
        .await
    })
}

/// Reserves one TOTP or backup-code try of this sign-in in one statement;
/// `false` when its `max` tries are spent.
pub async fn reserve_second_factor_try(ex: impl Into<Exec<'_>>, id: &str, max: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r =
            sqlx::query(sql("UPDATE sign_ins SET second_factor_tries = second_factor_tries + 1 WHERE id = ? AND second_factor_tries < ?"))
                .bind(id)
                .bind(max)
                .execute(ex)
                .await?;
        Ok(r.rows_affected() == 1)
    })
}
