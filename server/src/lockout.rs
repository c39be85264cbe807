//! The user lockout: every guess at one of a user's secrets (the password
//! at sign-in, an emailed code, the current password when changing it)
//! spends from one budget, `lockout_max_attempts` per
//! `lockout_duration_seconds`. The attempt is reserved in the same
//! statement that checks the budget, so concurrent guesses cannot overspend.
//!
//! The states stay consistent: a reservation that reaches the maximum locks
//! the user in that statement; a right answer (or a server error) gives its
//! reservation back, lifting the lock if it was the one that set it; an
//! expired lock grants a fresh budget. So every lock ends
//! `lockout_duration_seconds` after the wrong answer that set it.

use crate::error::{ApiError, ApiResult};
use crate::store::{self, users::Attempt};
use axum::http::StatusCode;
use vestibule_protocol::ErrorCode;

/// The outcome of checking a secret.
pub enum Guess {
    /// It was right.
    Right,
    /// It was wrong; this is what to answer.
    Wrong(ApiError),
}

/// The lockout as the instance sets it, at one moment.
pub struct Lockout<'a> {
    /// Where the attempts are counted.
    pub pool: &'a crate::store::db::Db,
    /// Wrong guesses before the user is locked.
    pub max_attempts: u32,
    /// How long a lock lasts, in milliseconds.
    pub duration_ms: i64,
    /// Now, in milliseconds.
    pub now: i64,
}

impl Lockout<'_> {
    /// Runs `check` within the user's lockout budget: the attempt is
    /// reserved before the secret is checked (the last of the budget locks
    /// the user at once); a right guess or a server error gives it back, a
    /// wrong one keeps it spent.
    pub async fn within_budget(&self, user_id: &str, check: impl std::future::Future<Output = ApiResult<Guess>>) -> ApiResult<()> {
        let (pool, max, now) = (self.pool, self.max_attempts, self.now);
        let n = match store::users::reserve_attempt(pool, user_id, max, self.duration_ms, now).await? {
            Attempt::Granted(n) => n,
            Attempt::Locked(until) => {
                let until = store::users::locked_until(pool, user_id).await?.unwrap_or(until);
                return Err(locked(until, now));
            }
        };
        match check.await {
            Ok(Guess::Right) => {
                store::users::release_attempt(pool, user_id, n, max).await?;
                Ok(())
            }
            Ok(Guess::Wrong(e)) => Err(e),
            Err(e) => {
                store::users::release_attempt(pool, user_id, n, max).await?;
                Err(e)
            }
        }
    }
}

/// `user_locked` with the seconds left, in the message too.
pub fn locked(until: i64, now: i64) -> ApiError {
    let seconds = ((until - now).max(0) + 999) / 1000;
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::UserLocked,
        format!("Your account is locked after too many failed attempts. Try again in {}.", crate::error::wait_text(seconds)),
    );
    e.meta.lockout_expires_in_seconds = Some(seconds);
    e
}

#[cfg(test)]
mod tests {
    use super::locked;

    #[test]
    fn the_lockout_message_says_when_to_retry() {
        let message = |ms: i64| locked(ms, 0).message;
        assert!(message(3_600_000).ends_with("Try again in 60 minutes."), "{}", message(3_600_000));
        assert!(message(3_599_000).ends_with("Try again in 60 minutes."));
        assert!(message(61_000).ends_with("Try again in 2 minutes."));
        assert!(message(60_000).ends_with("Try again in 1 minute."));
        assert!(message(59_000).ends_with("Try again in 59 seconds."));
        assert!(message(1).ends_with("Try again in 1 second."));
        assert_eq!(locked(3_600_000, 0).meta.lockout_expires_in_seconds, Some(3600));
    }
}
