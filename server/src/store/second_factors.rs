//! `totps` and `backup_codes`: a user's second factors. Codes are consumed
//! and TOTP steps advanced in single conditional statements, so two
//! concurrent requests can never both spend the same secret.

use super::db::{on_db, Exec};
use sqlx::FromRow;

/// A user's TOTP. The secret is sealed; see `crate::mfa_keys`.
#[derive(Clone, FromRow)]
pub struct TotpRow {
    pub id: String,
    pub user_id: String,
    pub secret_enc: String,
    pub verified: bool,
    pub last_step: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for TotpRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpRow").field("id", &self.id).field("verified", &self.verified).finish_non_exhaustive()
    }
}

const TOTP_COLS: &str = "id, user_id, secret_enc, verified, last_step, created_at, updated_at";

/// The user's TOTP, verified or not.
pub async fn totp_of(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<Option<TotpRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {TOTP_COLS} FROM totps WHERE user_id = ?"))).bind(user_id).fetch_optional(ex).await
    })
}

/// Stores a new unverified TOTP unless the user already has one; returns
/// the row that is there afterwards (so two concurrent creates agree).
pub async fn insert_totp_if_absent(ex: impl Into<Exec<'_>>, user_id: &str, secret_enc: &str, now: i64) -> sqlx::Result<Option<TotpRow>> {
    let mut ex: Exec<'_> = ex.into();
    on_db!(ex.reborrow(), |c, sql| {
        sqlx::query(sql("INSERT INTO totps (id, user_id, secret_enc, verified, created_at, updated_at) VALUES (?, ?, ?, FALSE, ?, ?) ON CONFLICT(user_id) DO NOTHING"))
        .bind(crate::ids::new_id(vestibule_protocol::wire::TotpJson::OBJECT))
        .bind(user_id)
        .bind(secret_enc)
        .bind(now)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected())
    })?;
    totp_of(ex.reborrow(), user_id).await
}

/// Accepts `step` for the user's TOTP if it is later than every step
/// accepted before; `verify` also marks an unverified TOTP verified (and
/// is required for one). `true` when the step was taken.
pub async fn take_step(ex: impl Into<Exec<'_>>, user_id: &str, step: i64, verify: bool, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("UPDATE totps SET last_step = ?1, verified = TRUE, updated_at = ?2
                 WHERE user_id = ?3 AND (last_step IS NULL OR last_step < ?1) AND (verified = TRUE OR ?4)"))
        .bind(step)
        .bind(now)
        .bind(user_id)
        .bind(verify)
        .execute(ex)
        .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Removes the user's TOTP; `true` when there was one.
pub async fn delete_totp(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("DELETE FROM totps WHERE user_id = ?")).bind(user_id).execute(ex).await?;
        Ok(r.rows_affected() > 0)
    })
}

/// Replaces the user's backup codes with a new set of hashes (call inside
/// a transaction); returns the set id.
pub async fn replace_backup_codes(ex: impl Into<Exec<'_>>, user_id: &str, hashes: &[String], now: i64) -> sqlx::Result<String> {
    let mut ex: Exec<'_> = ex.into();
    on_db!(ex.reborrow(), |c, sql| sqlx::query(sql("DELETE FROM backup_codes WHERE user_id = ?"))
        .bind(user_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    let set_id = crate::ids::new_id("bcs");
    for hash in hashes {
        on_db!(ex.reborrow(), |c, sql| sqlx::query(sql(
            "INSERT INTO backup_codes (id, set_id, user_id, code_hash, created_at) VALUES (?, ?, ?, ?, ?)"
        ))
        .bind(crate::ids::new_id("bc"))
        .bind(&set_id)
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(set_id)
}

/// Uses up one unused backup code in one statement; `true` when it was there.
pub async fn consume_backup_code(ex: impl Into<Exec<'_>>, user_id: &str, hash: &str, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("UPDATE backup_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL"))
            .bind(now)
            .bind(user_id)
            .bind(hash)
            .execute(ex)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// How many of the user's backup codes are left.
pub async fn backup_codes_remaining(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<i64> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT COUNT(*) FROM backup_codes WHERE user_id = ? AND used_at IS NULL")).bind(user_id).fetch_one(ex).await
    })
}

/// What second factors a user has, for `GET /me` and sign-in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Enrolled {
    /// A verified TOTP.
    pub totp: bool,
    /// Unused backup codes left.
    pub backup_codes_remaining: i64,
    /// Verified phone numbers reserved for the second factor.
    pub phones: i64,
}

impl Enrolled {
    /// Whether the user has any second factor.
    pub fn any(&self) -> bool {
        self.totp || self.backup_codes_remaining > 0 || self.phones > 0
    }
}

/// The user's second factors.
pub async fn enrolled(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<Enrolled> {
    // One statement: this is read for every session of every client read.
    let (totp, backup_codes_remaining, phones): (i64, i64, i64) = on_db!(ex, |c, sql| {
        sqlx::query_as(sql(
            "SELECT (SELECT COUNT(*) FROM totps WHERE user_id = ?1 AND verified = TRUE),
                    (SELECT COUNT(*) FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL),
                    (SELECT COUNT(*) FROM phone_numbers WHERE user_id = ?1 AND verified = TRUE AND reserved_for_second_factor = TRUE)",
        ))
        .bind(user_id)
        .fetch_one(c)
        .await
    })?;
    Ok(Enrolled { totp: totp > 0, backup_codes_remaining, phones })
}

/// Counts one wrong code against an unverified TOTP; returns the count.
pub async fn count_enrolment_miss(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<i64> {
    on_db!(ex, |ex, sql| {
        let n: Option<i64> =
            sqlx::query_scalar(sql("UPDATE totps SET tries = tries + 1 WHERE user_id = ? AND verified = FALSE RETURNING tries"))
                .bind(user_id)
                .fetch_optional(ex)
                .await?;
        Ok(n.unwrap_or(0))
    })
}

/// Removes the user's TOTP if it is still unverified.
pub async fn delete_unverified_totp(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("DELETE FROM totps WHERE user_id = ? AND verified = FALSE")).bind(user_id).execute(ex).await.map(|_| ())
    })
}
