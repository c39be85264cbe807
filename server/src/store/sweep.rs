//! Deleting what nobody can use any more, in small batches: each statement
//! removes at most [`BATCH`] rows, so no write lock is held for long and the
//! server keeps answering while a large backlog drains.

use super::db::{on_db, Db};
use super::sessions::LIVE;

/// Rows one statement deletes at most.
pub const BATCH: i64 = 500;

/// The times (ms since the epoch) before which each kind of row goes.
#[derive(Clone, Copy, Debug)]
pub struct Cutoffs {
    /// Clients that never held a session and have not changed since.
    pub anonymous_clients: i64,
    /// Sign-ins and sign-ups abandoned before, that no client points at.
    pub attempts: i64,
    /// Verification codes that expired before.
    pub codes: i64,
    /// Sessions that ended, or expired, before.
    pub sessions: i64,
    /// Development outbox messages sent before.
    pub outbox: i64,
    /// Per-IP counting windows that started before.
    pub ip_windows: i64,
}

/// Rows deleted, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub clients: u64,
    pub sign_ins: u64,
    pub sign_ups: u64,
    pub codes: u64,
    pub sessions: u64,
    pub outbox: u64,
    pub ip_windows: u64,
}

impl Swept {
    /// All rows deleted.
    pub fn total(&self) -> u64 {
        self.clients + self.sign_ins + self.sign_ups + self.codes + self.sessions + self.outbox + self.ip_windows
    }
}

/// Deletes the rows of `table` (keyed by the columns `key`) that match `condition`
/// (whose every `?` is the cut-off), [`BATCH`] per statement, until a
/// statement deletes fewer; rows deleted.
async fn drain(db: &Db, table: &str, key: &str, condition: &str, cutoff: i64) -> sqlx::Result<u64> {
    let statement = format!("DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} WHERE {condition} LIMIT {BATCH})");
    let binds = condition.matches('?').count();
    let mut total = 0;
    loop {
        let deleted = on_db!(db, |ex, sql| {
            let mut q = sqlx::query(sql(&statement));
            for _ in 0..binds {
                q = q.bind(cutoff);
            }
            q.execute(ex).await.map(|r| r.rows_affected())
        })?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Sessions that ended (or whose life ran out) before the cut-off, with
/// the client pointers to them cleared in the same transaction, batch by
/// batch; rows deleted.
async fn drain_sessions(db: &Db, cutoff: i64) -> sqlx::Result<u64> {
    let chosen = format!(
        "SELECT id FROM sessions WHERE (status <> '{LIVE}' AND updated_at < ?) OR (status = '{LIVE}' AND expire_at < ?) ORDER BY id LIMIT {BATCH}"
    );
    let unlink = format!("UPDATE clients SET last_active_session_id = NULL WHERE last_active_session_id IN ({chosen})");
    let delete = format!("DELETE FROM sessions WHERE id IN ({chosen})");
    let mut total = 0;
    loop {
        let mut tx = db.begin().await?;
        on_db!(&mut tx, |ex, sql| sqlx::query(sql(&unlink)).bind(cutoff).bind(cutoff).execute(ex).await.map(|_| ()))?;
        let deleted =
            on_db!(&mut tx, |ex, sql| sqlx::query(sql(&delete)).bind(cutoff).bind(cutoff).execute(ex).await.map(|r| r.rows_affected()))?;
        tx.commit().await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Deletes every row past its cut-off, table by table.
pub async fn sweep(db: &Db, cut: Cutoffs) -> sqlx::Result<Swept> {
    let sessions = drain_sessions(db, cut.sessions).await?;
    let clients = drain(
        db,
        "clients",
        "id",
        "updated_at < ? AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.client_id = clients.id)",
        cut.anonymous_clients,
    )
    .await?;
    let sign_ins =
        drain(db, "sign_ins", "id", "abandon_at < ? AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.sign_in_id = sign_ins.id)", cut.attempts)
            .await?;
    let sign_ups =
        drain(db, "sign_ups", "id", "abandon_at < ? AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.sign_up_id = sign_ups.id)", cut.attempts)
            .await?;
    let codes = drain(db, "verification_codes", "id", "expires_at < ?", cut.codes).await?;
    let outbox = drain(db, "outbox", "id", "created_at < ?", cut.outbox).await?;
    let ip_windows = drain(db, "ip_windows", "bucket, ip", "window_start < ?", cut.ip_windows).await?;
    Ok(Swept { clients, sign_ins, sign_ups, codes, sessions, outbox, ip_windows })
}
