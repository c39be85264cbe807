//! One-time codes (`security.md`, "SMS codes"; the same rules for email):
//! 6 random digits, valid 10 minutes, single use, a resend invalidates the
//! previous code, 5 wrong tries kill a code, 30 s between sends and at most
//! 10 sends a day per destination.
//!
//! A code is bound to its destination: it verifies only the address or
//! number it was sent to, so a caller that changes the address after the
//! code went out cannot verify the new one with it. Each limit is one
//! atomic check-and-record in the store: a send is reserved before the
//! message goes (a failed send gives the reservation back, so it counts
//! towards neither the cooldown nor the daily cap, and the previous code
//! stays valid), and each guess is judged and counted in one statement.

use crate::delivery::Message;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::codes::{self, Judged, NewCode, SendLimits};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use vestibule_protocol::{Channel, ErrorCode};

/// How long a code is valid.
pub const TTL_MS: i64 = 10 * 60 * 1000;
/// Least time between two sends to one destination.
pub const COOLDOWN_MS: i64 = 30 * 1000;
/// Most sends to one destination in 24 hours.
pub const DAILY_CAP: i64 = 10;
/// Wrong tries a code survives.
pub const MAX_TRIES: u32 = 5;
const DAY_MS: i64 = 24 * 3600 * 1000;

fn hash(subject: &str, destination: &str, code: &str) -> String {
    crate::ids::hex(&Sha256::digest(format!("{subject}:{destination}:{code}").as_bytes()))
}

/// The subject of a sign-up's email code.
pub fn sign_up_subject(sign_up_id: &str) -> String {
    format!("sign_up:{sign_up_id}:email_address")
}

/// Makes a new code for `subject`, reserves its send to `to` within the
/// limits, sends it, then makes it the subject's pending code. A refused
/// reservation is answered 429 with the wait; a failed send 503
/// `delivery_failed`.
pub async fn send(state: &AppState, subject: &str, channel: Channel, to: &str, what: &str) -> ApiResult<()> {
    let now = state.now();
    let code = crate::ids::digits(6);
    let id = crate::ids::new_id("ver");
    let code_hash = hash(subject, to, &code);
    let new = NewCode { id: &id, subject, destination: to, code_hash: &code_hash, expires_at: now + TTL_MS, now };
    let limits = SendLimits { quiet_since: now - COOLDOWN_MS, day_since: now - DAY_MS, daily_cap: DAILY_CAP };
    if !codes::reserve(&state.pool, &new, limits).await? {
        return Err(refused(state, to, now).await?);
    }
    let app = state.settings().application_name;
    let message = Message {
        channel,
        to: to.to_string(),
        subject: format!("{code} is your {app} verification code"),
        body: format!("Your {app} code to {what} is {code}. It expires in 10 minutes."),
        code: Some(code),
    };
    if let Err(e) = state.delivery.send(message, now).await {
        codes::cancel(&state.pool, &id).await?;
        return Err(ApiError::delivery_failed(e));
    }
    let mut tx = state.pool.begin().await?;
    codes::activate(&mut tx, &id, subject).await?;
    tx.commit().await?;
    Ok(())
}

/// The 429 for a send the limits refused, with how long to wait.
async fn refused(state: &AppState, to: &str, now: i64) -> ApiResult<ApiError> {
    let (count, first, last) = codes::sends_since(&state.pool, to, now - DAY_MS).await?;
    if let Some(last) = last.filter(|l| now - l < COOLDOWN_MS) {
        return Ok(ApiError::too_many((last + COOLDOWN_MS - now + 999) / 1000));
    }
    let until = if count >= DAILY_CAP { first.unwrap_or(now) + DAY_MS } else { now + COOLDOWN_MS };
    Ok(ApiError::too_many((until - now + 999) / 1000))
}

/// Checks a code for `subject` that must have been sent to `destination`;
/// a match uses it up.
pub async fn check(state: &AppState, subject: &str, destination: &str, code: &str) -> ApiResult<()> {
    let now = state.now();
    let code = code.trim();
    let failed = || {
        ApiError::field(ErrorCode::VerificationFailed, "code", "Too many failed attempts. Request a new code.")
    };
    match codes::judge(&state.pool, subject, destination, &hash(subject, destination, code), MAX_TRIES, now).await? {
        Judged::Right => return Ok(()),
        Judged::Wrong => return Err(ApiError::field(ErrorCode::FormCodeIncorrect, "code", "Incorrect code.")),
        Judged::WrongLast => return Err(failed()),
        Judged::NoLiveCode => {}
    }
    Err(match codes::latest(&state.pool, subject, destination, now).await? {
        Some((status, expired)) if status == "pending" && expired => {
            ApiError::field(ErrorCode::VerificationExpired, "code", "This code has expired. Request a new one.")
        }
        Some(_) => failed(),
        None => not_sent(),
    })
}

/// [`check`] as a guess within the user lockout: a wrong or dead code is a
/// wrong guess, a server error stays an error (and spends nothing).
pub async fn guess(state: &AppState, subject: &str, destination: &str, code: &str) -> ApiResult<crate::lockout::Guess> {
    use crate::lockout::Guess;
    match check(state, subject, destination, code).await {
        Ok(()) => Ok(Guess::Right),
        Err(e) if e.status.is_server_error() => Err(e),
        Err(e) => Ok(Guess::Wrong(e)),
    }
}

/// The answer when no code was sent to the destination being verified.
pub fn not_sent() -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::VerificationFailed, "No code was sent to this address. Request one first.")
}

/// Invalidates the pending codes of `subject` (its destination changed).
pub async fn invalidate(ex: impl Into<crate::store::db::Exec<'_>>, subject: &str) -> ApiResult<()> {
    codes::supersede(ex, subject).await.map_err(Into::into)
}
