//! One-time codes (`security.md`, "SMS codes"; the same rules for email):
//! 6 random digits, valid 10 minutes, single use, a resend invalidates the
//! previous code, 5 wrong tries kill a code, 30 s between sends and at most
//! 10 sends a day per destination. A code is stored only once it has been
//! sent, so a failed send changes nothing: the previous code stays valid and
//! the failure counts towards neither the cooldown nor the daily cap.

use crate::delivery::Message;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::codes;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use vestibule_protocol::ErrorCode;

/// How long a code is valid.
pub const TTL_MS: i64 = 10 * 60 * 1000;
/// Least time between two sends to one destination.
pub const COOLDOWN_MS: i64 = 30 * 1000;
/// Most sends to one destination in 24 hours.
pub const DAILY_CAP: i64 = 10;
/// Wrong tries a code survives.
pub const MAX_TRIES: u32 = 5;
const DAY_MS: i64 = 24 * 3600 * 1000;

fn hash(subject: &str, code: &str) -> String {
    crate::ids::hex(&Sha256::digest(format!("{subject}:{code}").as_bytes()))
}

/// Makes a new code for `subject`, sends it, then stores it in place of the
/// old one. A failed send is answered 503 `delivery_failed`.
pub async fn send(state: &AppState, subject: &str, channel: &'static str, to: &str, what: &str) -> ApiResult<()> {
    let now = state.now();
    let (count, first, last) = codes::sends_since(&state.pool, to, now - DAY_MS).await?;
    if let Some(last) = last.filter(|l| now - l < COOLDOWN_MS) {
        return Err(ApiError::too_many((last + COOLDOWN_MS - now + 999) / 1000));
    }
    if count >= DAILY_CAP {
        let until = first.unwrap_or(now) + DAY_MS;
        return Err(ApiError::too_many((until - now + 999) / 1000));
    }
    let code = crate::ids::digits(6);
    let code_hash = hash(subject, &code);
    let app = state.settings().application_name;
    let message = Message {
        channel,
        to: to.to_string(),
        subject: format!("{code} is your {app} verification code"),
        body: format!("Your {app} code to {what} is {code}. It expires in 10 minutes."),
        code: Some(code),
    };
    state.delivery.send(message, now).await.map_err(ApiError::delivery_failed)?;
    let mut tx = state.pool.begin().await?;
    codes::supersede(&mut *tx, subject).await?;
    codes::insert(&mut *tx, subject, to, &code_hash, now + TTL_MS, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a code for `subject`; a match uses it up.
pub async fn check(state: &AppState, subject: &str, code: &str) -> ApiResult<()> {
    let now = state.now();
    let code = code.trim();
    if codes::consume(&state.pool, subject, &hash(subject, code), MAX_TRIES, now).await? {
        return Ok(());
    }
    let incorrect = || ApiError::field(ErrorCode::FormCodeIncorrect, "code", "Incorrect code.");
    let failed = || {
        ApiError::field(ErrorCode::VerificationFailed, "code", "Too many failed attempts. Request a new code.")
    };
    if let Some(tries) = codes::count_wrong(&state.pool, subject, MAX_TRIES, now).await? {
        return Err(if tries >= MAX_TRIES as i64 { failed() } else { incorrect() });
    }
    Err(match codes::latest(&state.pool, subject, now).await? {
        Some((status, expired)) if status == "pending" && expired => {
            ApiError::field(ErrorCode::VerificationExpired, "code", "This code has expired. Request a new one.")
        }
        Some(_) => failed(),
        None => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::VerificationFailed, "No code was sent. Request one first."),
    })
}
