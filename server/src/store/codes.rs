//! `verification_codes`: one-time codes sent by email or SMS. Every limit is
//! one statement that checks and records together (the send limits when a
//! send is reserved, the tries when a guess is judged), so concurrent calls
//! cannot exceed a budget. A code is bound to the destination it was sent
//! to: every lookup names both the subject and the destination.

use super::db::{on_db, Exec};

/// The send limits a reservation must pass.
#[derive(Clone, Copy, Debug)]
pub struct SendLimits {
    /// No send to the destination may be newer than this (the cooldown).
    pub quiet_since: i64,
    /// Sends to the destination counted for the daily cap start here.
    pub day_since: i64,
    /// Most sends in that day.
    pub daily_cap: i64,
}

/// A new code to reserve.
#[derive(Clone, Copy, Debug)]
pub struct NewCode<'a> {
    /// Its id.
    pub id: &'a str,
    /// What it verifies (`sign_up:<id>:email_address`, ...).
    pub subject: &'a str,
    /// Where it is sent.
    pub destination: &'a str,
    /// Hash of the code.
    pub code_hash: &'a str,
    /// When it stops being valid (ms).
    pub expires_at: i64,
    /// Now (ms).
    pub now: i64,
}

/// Reserves a send: stores the code as `sending` when the destination is
/// outside its cooldown and under its daily cap, in one statement. Returns
/// whether the reservation was made.
pub async fn reserve(ex: impl Into<Exec<'_>>, code: &NewCode<'_>, limits: SendLimits) -> sqlx::Result<bool> {
    let mut ex: Exec<'_> = ex.into();
    let mut own = ex.serialize_on(&format!("codes:{}", code.destination)).await?;
    let exec = match &mut own {
        Some(tx) => Exec::from(tx),
        None => ex.reborrow(),
    };
    let reserved = on_db!(exec, |ex, sql| {
        let r = sqlx::query(sql(
            "INSERT INTO verification_codes (id, subject, destination, code_hash, attempts, status, expires_at, created_at)
                 SELECT ?1, ?2, ?3, ?4, 0, 'sending', ?5, ?6
                 WHERE NOT EXISTS (SELECT 1 FROM verification_codes WHERE destination = ?3 AND created_at > ?7)
                   AND (SELECT COUNT(*) FROM verification_codes WHERE destination = ?3 AND created_at > ?8) < ?9",
        ))
        .bind(code.id)
        .bind(code.subject)
        .bind(code.destination)
        .bind(code.code_hash)
        .bind(code.expires_at)
        .bind(code.now)
        .bind(limits.quiet_since)
        .bind(limits.day_since)
        .bind(limits.daily_cap)
        .execute(ex)
        .await?;
        Ok::<_, sqlx::Error>(r.rows_affected() == 1)
    })?;
    if let Some(tx) = own {
        tx.commit().await?;
    }
    Ok(reserved)
}

/// Forgets a reservation whose message could not be sent.
pub async fn cancel(ex: impl Into<Exec<'_>>, id: &str) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("DELETE FROM verification_codes WHERE id = ? AND status = 'sending'")).bind(id).execute(ex).await.map(|_| ())
    })
}

/// Makes a sent code the pending one of its subject, superseding the others
/// (a resend invalidates the previous code). Call inside a transaction.
pub async fn activate(ex: impl Into<Exec<'_>>, id: &str, subject: &str) -> sqlx::Result<()> {
    let mut ex: Exec<'_> = ex.into();
    supersede(ex.reborrow(), subject).await?;
    on_db!(ex.reborrow(), |c, sql| sqlx::query(sql("UPDATE verification_codes SET status = 'pending' WHERE id = ? AND status = 'sending'"))
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map(|_| ())
}

/// Supersedes every pending code of `subject` (a resend, or a change of
/// the destination, invalidates them).
pub async fn supersede(ex: impl Into<Exec<'_>>, subject: &str) -> sqlx::Result<()> {
    on_db!(ex, |ex, sql| {
        sqlx::query(sql("UPDATE verification_codes SET status = 'superseded' WHERE subject = ? AND status = 'pending'"))
            .bind(subject)
            .execute(ex)
            .await
            .map(|_| ())
    })
}

/// How many codes went to `destination` since `since`, and when the first
/// and the last of them went (for the wait a refused send is told).
pub async fn sends_since(ex: impl Into<Exec<'_>>, destination: &str, since: i64) -> sqlx::Result<(i64, Option<i64>, Option<i64>)> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql(
            "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM verification_codes WHERE destination = ? AND created_at > ?",
        ))
        .bind(destination)
        .bind(since)
        .fetch_one(ex)
        .await
    })
}

/// How a guess was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// The code matched and is now used.
    Right,
    /// Wrong; the code has tries left.
    Wrong,
    /// Wrong, and that was the code's last try.
    WrongLast,
    /// No live code of this subject was sent to this destination.
    NoLiveCode,
}

/// Judges a guess against the pending, unexpired code of `subject` sent to
/// `destination`, in one statement: a match uses the code up, a miss
/// spends a try and the last try kills the code.
pub async fn judge(
    ex: impl Into<Exec<'_>>,
    subject: &str,
    destination: &str,
    code_hash: &str,
    max_attempts: u32,
    now: i64,
) -> sqlx::Result<Judged> {
    on_db!(ex, |ex, sql| {
        let row: Option<(String, i64)> = sqlx::query_as(sql("UPDATE verification_codes SET
                     attempts = attempts + CASE WHEN code_hash <> ?1 THEN 1 ELSE 0 END,
                     status = CASE WHEN code_hash = ?1 THEN 'used' WHEN attempts + 1 >= ?2 THEN 'failed' ELSE status END
                 WHERE subject = ?3 AND destination = ?4 AND status = 'pending' AND expires_at > ?5
                 RETURNING status, attempts"))
        .bind(code_hash)
        .bind(max_attempts as i64)
        .bind(subject)
        .bind(destination)
        .bind(now)
        .fetch_optional(ex)
        .await?;
        Ok(match row.as_ref().map(|(s, _)| s.as_str()) {
            Some("used") => Judged::Right,
            Some("failed") => Judged::WrongLast,
            Some(_) => Judged::Wrong,
            None => Judged::NoLiveCode,
        })
    })
}

/// The status of the newest code of `subject` sent to `destination`
/// (`pending`, `used`, `failed`, `superseded`), and whether it has expired.
pub async fn latest(ex: impl Into<Exec<'_>>, subject: &str, destination: &str, now: i64) -> sqlx::Result<Option<(String, bool)>> {
    on_db!(ex, |ex, sql| {
        let row: Option<(String, i64)> = sqlx::query_as(sql(
            "SELECT status, expires_at FROM verification_codes WHERE subject = ? AND destination = ? AND status <> 'sending'
                 ORDER BY created_at DESC, rowid DESC LIMIT 1",
        ))
        .bind(subject)
        .bind(destination)
        .fetch_optional(ex)
        .await?;
        Ok(row.map(|(s, exp)| (s, exp <= now)))
    })
}

/// The tries spent on the newest code sent for `subject` and when it
/// expires, if one was sent.
pub async fn newest_sent(ex: impl Into<Exec<'_>>, subject: &str) -> sqlx::Result<Option<(i64, i64)>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_as(sql("SELECT attempts, expires_at FROM verification_codes WHERE subject = ? AND status <> 'sending'
                 ORDER BY created_at DESC, rowid DESC LIMIT 1"))
        .bind(subject)
        .fetch_optional(ex)
        .await
    })
}

/// Where the newest code of `subject` was sent, if one was.
pub async fn latest_destination(ex: impl Into<Exec<'_>>, subject: &str) -> sqlx::Result<Option<String>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT destination FROM verification_codes WHERE subject = ? AND status <> 'sending'
                 ORDER BY created_at DESC, rowid DESC LIMIT 1"))
        .bind(subject)
        .fetch_optional(ex)
        .await
    })
}

/// The tries spent on the newest code of `subject` (for tests and tools).
pub async fn attempts_of_latest(ex: impl Into<Exec<'_>>, subject: &str) -> sqlx::Result<Option<i64>> {
    on_db!(ex, |ex, sql| {
        sqlx::query_scalar(sql("SELECT attempts FROM verification_codes WHERE subject = ? ORDER BY created_at DESC, rowid DESC LIMIT 1"))
            .bind(subject)
            .fetch_optional(ex)
            .await
    })
}
