//! Reverification: sensitive changes (removing a second factor, making new
//! backup codes, removing a verified phone number, changing the password
//! outside the reset-password task) need a first factor the session proved
//! in the last 10 minutes. Otherwise the answer is 403
//! `session_reverification_required`, whose `meta.reverification` says what
//! to prove; `POST /client/sessions/{id}/verify` and its first-factor steps
//! prove it again (`crate::routes::reverification`).

use crate::error::{ApiError, ApiResult};
use crate::store::{sessions::SessionRow, users::UserRow};
use axum::http::StatusCode;
use vestibule_protocol::error::ReverificationMeta;
use vestibule_protocol::ErrorCode;

/// How recent the first factor must be, in minutes.
pub const FIRST_FACTOR_MAX_AGE_MINUTES: u32 = 10;
const MINUTE_MS: i64 = 60_000;

/// Whether the session proved a first factor less than 10 minutes ago.
pub fn first_factor_is_fresh(session: &SessionRow, now: i64) -> bool {
    let at = session.first_factor_verified_at.unwrap_or(session.created_at);
    now - at < i64::from(FIRST_FACTOR_MAX_AGE_MINUTES) * MINUTE_MS
}

/// `Ok` when the session's first factor is fresh, else the 403 that asks
/// for it again.
pub fn require_fresh_first_factor(session: &SessionRow, now: i64) -> ApiResult<()> {
    if first_factor_is_fresh(session, now) {
        return Ok(());
    }
    let mut e = ApiError::new(StatusCode::FORBIDDEN, ErrorCode::SessionReverificationRequired, "Confirm it's you to continue.");
    e.meta.session_id = Some(session.id.clone());
    e.meta.reverification =
        Some(ReverificationMeta { level: "first_factor".into(), after_minutes: FIRST_FACTOR_MAX_AGE_MINUTES });
    Err(e)
}

/// `factor_verification_age`: minutes since the session proved its first
/// and its second factor; `-1` for the second when the user has none.
pub fn factor_ages(session: &SessionRow, user: &UserRow, now: i64) -> Vec<i64> {
    let minutes = |at: i64| ((now - at).max(0)) / MINUTE_MS;
    let first = minutes(session.first_factor_verified_at.unwrap_or(session.created_at));
    let second = match (user.two_factor_enabled, session.second_factor_verified_at) {
        (false, _) => -1,
        (true, Some(at)) => minutes(at),
        (true, None) => minutes(session.created_at),
    };
    vec![first, second]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(first: Option<i64>) -> SessionRow {
        SessionRow {
            id: "sess_1".into(),
            client_id: "client_1".into(),
            user_id: "user_1".into(),
            status: vestibule_protocol::SessionStatus::Active,
            active_organization_id: None,
            created_at: 0,
            updated_at: 0,
            last_active_at: 0,
            expire_at: i64::MAX,
            abandon_at: i64::MAX,
            first_factor_verified_at: first,
            second_factor_verified_at: None,
        }
    }

    #[test]
    fn the_first_factor_is_fresh_for_ten_minutes() {
        let s = session(Some(1_000));
        assert!(require_fresh_first_factor(&s, 1_000 + 10 * MINUTE_MS - 1).is_ok());
        let e = require_fresh_first_factor(&s, 1_000 + 10 * MINUTE_MS).expect_err("stale");
        assert_eq!((e.status.as_u16(), e.code), (403, ErrorCode::SessionReverificationRequired));
        let meta = e.meta.reverification.expect("meta");
        assert_eq!((meta.level.as_str(), meta.after_minutes), ("first_factor", 10));
        assert_eq!(e.meta.session_id.as_deref(), Some("sess_1"));
    }
}
