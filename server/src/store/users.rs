//! `users` and `email_addresses`: accounts, their addresses, and the
//! failed-attempt counter behind the lockout.

use super::db::{on_db, Exec};
use sqlx::FromRow;

/// A user row. The password hash is kept out of `Debug`.
#[derive(Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub password_hash: Option<String>,
    pub password_compromised: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub last_sign_in_at: Option<i64>,
    pub create_organization_enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Derived: the user has a second factor (see `store::second_factors`).
    pub two_factor_enabled: bool,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow").field("id", &self.id).finish_non_exhaustive()
    }
}

/// An email address row.
#[derive(Clone, Debug, FromRow)]
pub struct EmailRow {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub verified: bool,
    pub is_primary: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The columns of [`UserRow`]; `two_factor_enabled` must agree with
/// `store::second_factors::Enrolled::any`.
const USER_COLS: &str = "id, password_hash, password_compromised, first_name, last_name, last_sign_in_at, create_organization_enabled, created_at, updated_at, \
     (EXISTS (SELECT 1 FROM totps t WHERE t.user_id = users.id AND t.verified = TRUE) \
      OR EXISTS (SELECT 1 FROM backup_codes b WHERE b.user_id = users.id AND b.used_at IS NULL) \
      OR EXISTS (SELECT 1 FROM phone_numbers p WHERE p.user_id = users.id AND p.verified = TRUE AND p.reserved_for_second_factor = TRUE)) AS two_factor_enabled";
const EMAIL_COLS: &str = "id, user_id, email, verified, is_primary, created_at, updated_at";

/// What a new user starts with.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub email_verified: bool,
    pub password_hash: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
}

/// Creates a user and its primary email address (call inside a transaction).
/// `Ok(None)` when the address is taken.
/// Writes come first so the transaction holds the write lock from its first
/// statement; the unique index on the address decides a race.
pub async fn insert(ex: impl Into<Exec<'_>>, new: &NewUser<'_>, now: i64) -> sqlx::Result<Option<String>> {
    let mut ex: Exec<'_> = ex.into();
    let user_id = crate::ids::new_id("user");
    on_db!(ex.reborrow(), |c, sql| sqlx::query(sql(
        "INSERT INTO users (id, password_hash, first_name, last_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
    ))
    .bind(&user_id)
    .bind(new.password_hash)
    .bind(new.first_name)
    .bind(new.last_name)
    .bind(now)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    let inserted =
        on_db!(ex.reborrow(), |c, sql| {
            sqlx::query(sql(
        "INSERT INTO email_addresses (id, user_id, email, verified, is_primary, created_at, updated_at) VALUES (?, ?, ?, ?, TRUE, ?, ?)"
    ))
    .bind(crate::ids::new_id("idn"))
    .bind(&user_id)
    .bind(new.email)
    .bind(new.email_verified)
    .bind(now)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
        });
    unique_or(inserted, user_id)
}

/// `Ok(None)` when a unique constraint refused the write.
pub fn unique_or<T, R>(result: sqlx::Result<R>, value: T) -> sqlx::Result<Option<T>> {
    match result {
        Ok(_) => Ok(Some(value)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The user with this id.
pub async fn by_id(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<Option<UserRow>> {
    on_db!(ex, |ex, sql| sqlx::query_as(sql(&format!("SELECT {USER_COLS} FROM users WHERE id = ?"))).bind(id).fetch_optional(ex).await)
}

/// The user owning this email address (exact, already lowercased).
pub async fn by_email(ex: impl Into<Exec<'_>>, email: &str) -> sqlx::Result<Option<UserRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {USER_COLS} FROM users WHERE id = (SELECT user_id FROM email_addresses WHERE email = ?)")))
            .bind(email)
            .fetch_optional(ex)
            .await
    })
}

/// Whether any user owns this address.
pub async fn email_taken(ex: impl Into<Exec<'_>>, email: &str) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let n: i64 = sqlx::query_scalar(sql("SELECT COUNT(*) FROM email_addresses WHERE email = ?")).bind(email).fetch_one(ex).await?;
        Ok(n > 0)
    })
}

/// The email addresses of a user, primary first.
pub async fn emails(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<Vec<EmailRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {EMAIL_COLS} FROM email_addresses WHERE user_id = ? ORDER BY is_primary DESC, created_at")))
            .bind(user_id)
            .fetch_all(ex)
            .await
    })
}

/// The id of the user's address `email`, if the user has it.
pub async fn email_id(ex: impl Into<Exec<'_>>, user_id: &str, email: &str) -> sqlx::Result<Option<String>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT id FROM email_addresses WHERE user_id = ? AND email = ?")).bind(user_id).bind(email).fetch_optional(ex).await
    })
}

/// The user's primary email address, if any.
pub async fn primary_email(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<Option<EmailRow>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(&format!("SELECT {EMAIL_COLS} FROM email_addresses WHERE user_id = ? AND is_primary = TRUE LIMIT 1")))
            .bind(user_id)
            .fetch_optional(ex)
            .await
    })
}

/// Marks the password compromised (or not).
pub async fn set_compromised(ex: impl Into<Exec<'_>>, user_id: &str, compromised: bool, now: i64) -> sqlx::Result<bool> {
    on_db!(ex, |ex, sql| {
        let r = sqlx::query(sql("UPDATE users SET password_compromised = ?, updated_at = ? WHERE id = ?"))
            .bind(compromised)
            .bind(now)
            .bind(user_id)
            .execute(ex)
            .await?;
        Ok(r.rows_affected() == 1)
    })
}

/// Replaces the password; a new password is not compromised.
pub async fn set_password(ex: impl Into<Exec<'_>>, user_id: &str, hash: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE users SET password_hash = ?, password_compromised = FALSE, updated_at = ? WHERE id = ?"))
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// Records a successful sign-in: resets the failure count.
pub async fn signed_in(ex: impl Into<Exec<'_>>, user_id: &str, now: i64) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ?, updated_at = ? WHERE id = ?"))
            .bind(now)
            .bind(now)
            .bind(user_id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// The outcome of asking for an attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// An attempt is reserved; it is the n-th consecutive one.
    Granted(u32),
    /// The user is locked until this time (ms).
    Locked(i64),
}

/// Reserves one attempt in a single statement, so concurrent guesses cannot
/// buy more than `max`: the count goes up before the secret is checked, and
/// the reservation that reaches `max` sets the lock at once (a right answer
/// lifts it again through [`release_attempt`]), so a count at the maximum
/// always has a lock that ends. An expired lock, or a count at the maximum
/// without one, starts a fresh budget.
pub async fn reserve_attempt(ex: impl Into<Exec<'_>>, user_id: &str, max: u32, lock_ms: i64, now: i64) -> sqlx::Result<Attempt> {
    on_db!(ex, |ex, sql| {
        // The count after this attempt, from the row as it is when the
        // statement holds it (PostgreSQL re-reads a row a concurrent
        // statement changed; a subquery would read a stale copy).
        let next = "CASE WHEN (locked_until IS NOT NULL AND locked_until <= ?1) OR (locked_until IS NULL AND failed_attempts >= ?3) THEN 1
                        ELSE failed_attempts + 1 END";
        let granted: Option<i64> = sqlx::query_scalar(sql(&format!(
            "UPDATE users SET
                    failed_attempts = {next},
                    locked_until = CASE WHEN {next} >= ?3 THEN ?1 + ?4 ELSE NULL END
                 WHERE id = ?2 AND (locked_until IS NULL OR locked_until <= ?1)
                 RETURNING failed_attempts"
        )))
        .bind(now)
        .bind(user_id)
        .bind(max as i64)
        .bind(lock_ms)
        .fetch_optional(ex)
        .await?;
        Ok(match granted {
            Some(n) => Attempt::Granted(n as u32),
            None => Attempt::Locked(now + lock_ms),
        })
    })
}

/// When the user's lock ends, if locked.
pub async fn locked_until(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar::<_, Option<i64>>(sql("SELECT locked_until FROM users WHERE id = ?"))
            .bind(user_id)
            .fetch_optional(ex)
            .await
            .map(Option::flatten)
    })
}

/// Gives back the `n`-th reserved attempt: its guess was right, or the
/// server (not the guess) failed. The reservation that reached `max` also
/// lifts the lock it set.
pub async fn release_attempt(ex: impl Into<Exec<'_>>, user_id: &str, n: u32, max: u32) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE users SET failed_attempts = CASE WHEN failed_attempts > 0 THEN failed_attempts - 1 ELSE 0 END,
                     locked_until = CASE WHEN ?1 >= ?2 THEN NULL ELSE locked_until END
                 WHERE id = ?3"))
        .bind(n as i64)
        .bind(max as i64)
        .bind(user_id)
        .execute(ex)
        .await
        .map(|_| ())
    })
}

/// A success that proves the user (a changed password): the count starts over.
pub async fn reset_attempts(ex: impl Into<Exec<'_>>, user_id: &str) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?"))
            .bind(user_id)
            .execute(ex)
            .await
            .map(|_| ())
    })
}
