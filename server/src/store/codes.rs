//! `verification_codes`: one-time codes sent by email (and later SMS).
//! Each check is a single statement, so concurrent guesses cannot exceed
//! the per-code budget.

use sqlx::SqliteExecutor;

/// Supersedes every pending code of `subject` (a resend invalidates them).
pub async fn supersede(ex: impl SqliteExecutor<'_>, subject: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE verification_codes SET status = 'superseded' WHERE subject = ? AND status = 'pending'")
        .bind(subject)
        .execute(ex)
        .await
        .map(|_| ())
}

/// Stores a new pending code.
pub async fn insert(ex: impl SqliteExecutor<'_>, subject: &str, destination: &str, code_hash: &str, expires_at: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO verification_codes (id, subject, destination, code_hash, attempts, status, expires_at, created_at) VALUES (?, ?, ?, ?, 0, 'pending', ?, ?)")
        .bind(crate::ids::new_id("ver"))
        .bind(subject)
        .bind(destination)
        .bind(code_hash)
        .bind(expires_at)
        .bind(now)
        .execute(ex)
        .await
        .map(|_| ())
}

/// How many codes went to `destination` since `since`, and when the first
/// and the last of them went.
pub async fn sends_since(ex: impl SqliteExecutor<'_>, destination: &str, since: i64) -> sqlx::Result<(i64, Option<i64>, Option<i64>)> {
    sqlx::query_as("SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM verification_codes WHERE destination = ? AND created_at > ?")
        .bind(destination)
        .bind(since)
        .fetch_one(ex)
        .await
}

/// Uses the pending code if it matches, is unexpired and has tries left.
pub async fn consume(ex: impl SqliteExecutor<'_>, subject: &str, code_hash: &str, max_attempts: u32, now: i64) -> sqlx::Result<bool> {
    let used: Option<String> = sqlx::query_scalar(
        "UPDATE verification_codes SET status = 'used' WHERE subject = ? AND status = 'pending' AND code_hash = ? AND expires_at > ? AND attempts < ? RETURNING id",
    )
    .bind(subject)
    .bind(code_hash)
    .bind(now)
    .bind(max_attempts as i64)
    .fetch_optional(ex)
    .await?;
    Ok(used.is_some())
}

/// Counts a wrong guess against the pending code; the code fails at the
/// last try. Returns the tries used, or `None` when no live code was there.
pub async fn count_wrong(ex: impl SqliteExecutor<'_>, subject: &str, max_attempts: u32, now: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE verification_codes SET attempts = attempts + 1,
             status = CASE WHEN attempts + 1 >= ?1 THEN 'failed' ELSE status END
         WHERE subject = ?2 AND status = 'pending' AND expires_at > ?3
         RETURNING attempts",
    )
    .bind(max_attempts as i64)
    .bind(subject)
    .bind(now)
    .fetch_optional(ex)
    .await
}

/// The status of the newest code of `subject` (`pending`, `used`, `failed`,
/// `superseded`), and whether it has expired.
pub async fn latest(ex: impl SqliteExecutor<'_>, subject: &str, now: i64) -> sqlx::Result<Option<(String, bool)>> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT status, expires_at FROM verification_codes WHERE subject = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
    .bind(subject)
    .fetch_optional(ex)
    .await?;
    Ok(row.map(|(s, exp)| (s, exp <= now)))
}
