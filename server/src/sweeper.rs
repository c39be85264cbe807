//! Bounded growth. Anyone's `GET /v1/client` writes a client row, every
//! sign-in attempt a row, every code a row; without a sweeper the database
//! grows with traffic forever. The sweeper deletes, in small batches
//! ([`crate::store::sweep`]), what nobody can use any more, on every
//! replica every [`EVERY`] (deleting twice is harmless).

use crate::state::AppState;
use crate::store::sweep::{Cutoffs, Swept};
use std::time::Duration;

/// How often a replica sweeps.
pub const EVERY: Duration = Duration::from_secs(60);

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Abandoned sign-ins and sign-ups are kept this long after abandonment.
pub const ATTEMPT_RETENTION_MS: i64 = DAY_MS;
/// Expired codes are kept this long after expiry: the daily send cap
/// counts the codes sent to an address in the last 24 hours.
pub const CODE_RETENTION_MS: i64 = 2 * DAY_MS;
/// Ended and expired sessions are kept this long.
pub const SESSION_RETENTION_MS: i64 = 30 * DAY_MS;
/// Development outbox messages are kept this long.
pub const OUTBOX_RETENTION_MS: i64 = 7 * DAY_MS;
/// Per-IP counting windows (a minute long) are kept this long.
pub const IP_WINDOW_RETENTION_MS: i64 = 2 * DAY_MS;

/// The cut-offs at `now` for a state whose clients live `client_lifetime_ms`.
pub fn cutoffs(now: i64, client_lifetime_ms: i64) -> Cutoffs {
    Cutoffs {
        anonymous_clients: now - client_lifetime_ms,
        attempts: now - ATTEMPT_RETENTION_MS,
        codes: now - CODE_RETENTION_MS,
        sessions: now - SESSION_RETENTION_MS,
        outbox: now - OUTBOX_RETENTION_MS,
        ip_windows: now - IP_WINDOW_RETENTION_MS,
    }
}

/// One sweep of `state`'s database at its clock's now.
pub async fn sweep(state: &AppState) -> sqlx::Result<Swept> {
    crate::store::sweep::sweep(&state.pool, cutoffs(state.now(), state.client_lifetime_ms)).await
}

/// Sweeps every [`EVERY`] until the state is dropped.
pub fn spawn(state: &AppState) {
    let weak = state.weak();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(EVERY).await;
            let Some(state) = AppState::upgrade(&weak) else { return };
            match sweep(&state).await {
                Ok(swept) if swept.total() > 0 => tracing::info!(?swept, "swept"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the sweep failed; the next one tries again"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_outlive_the_daily_cap_window() {
        let c = cutoffs(10 * DAY_MS, 7 * DAY_MS);
        assert_eq!(c.anonymous_clients, 3 * DAY_MS);
        assert!(c.codes < 10 * DAY_MS - DAY_MS, "a code of the last 24 hours counts towards the daily cap");
        assert!(c.ip_windows < 10 * DAY_MS - DAY_MS);
        assert_eq!(c.sessions, -20 * DAY_MS);
    }
}
