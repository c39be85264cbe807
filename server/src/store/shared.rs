//! `instance_secrets` and `ip_windows`: what several replicas on one
//! database must share rather than keep in memory. A secret is created
//! once, by whichever replica stores it first; an IP window is counted in
//! one upsert, so the limit holds across replicas.

use super::db::{on_db, Exec};

/// The secret `name`, if stored.
pub async fn secret(ex: impl Into<Exec<'_>>, name: &str) -> sqlx::Result<Option<String>> {
    on_db!(ex, |ex, sql| sqlx::query_scalar(sql("SELECT value FROM instance_secrets WHERE name = ?")).bind(name).fetch_optional(ex).await)
}

/// Stores `value` as the secret `name` unless one is there already, and
/// returns the one that is there afterwards (so racing replicas agree).
pub async fn secret_or_insert(ex: impl Into<Exec<'_>>, name: &str, value: &str, now: i64) -> sqlx::Result<String> {
    let mut ex: Exec<'_> = ex.into();
    on_db!(ex.reborrow(), |c, sql| {
        sqlx::query(sql("INSERT INTO instance_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING"))
            .bind(name)
            .bind(value)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    on_db!(ex, |c, sql| sqlx::query_scalar(sql("SELECT value FROM instance_secrets WHERE name = ?")).bind(name).fetch_one(c).await)
}

/// Counts one call of `ip` in `bucket` at `now`, in one statement: a window
/// older than `window_ms` starts again at 1. Returns the window's start and
/// its count including this call.
pub async fn count_call(ex: impl Into<Exec<'_>>, bucket: &str, ip: &str, now: i64, window_ms: i64) -> sqlx::Result<(i64, i64)> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(
            "INSERT INTO ip_windows (bucket, ip, window_start, calls) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT(bucket, ip) DO UPDATE SET
                 window_start = CASE WHEN ip_windows.window_start <= ?3 - ?4 THEN ?3 ELSE ip_windows.window_start END,
                 calls = CASE WHEN ip_windows.window_start <= ?3 - ?4 THEN 1 ELSE ip_windows.calls + 1 END
             RETURNING window_start, calls",
        ))
        .bind(bucket)
        .bind(ip)
        .bind(now)
        .bind(window_ms)
        .fetch_one(ex)
        .await
    })
}
