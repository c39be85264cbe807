//! The authenticator app (TOTP, RFC 6238; `security.md`, "TOTP"): a
//! 160-bit secret, SHA-1, 6 digits, 30-second steps. A code is accepted for
//! the current step and the previous one only, and never for a step at or
//! before the last one accepted for that user, so a code works once — the
//! code that verified enrolment cannot be replayed to sign in.

use crate::error::{ApiError, ApiResult};
use crate::lockout::Guess;
use crate::state::AppState;
use crate::store::second_factors;
use rand::RngCore;
use totp_rs::{Algorithm, TOTP};
use vestibule_protocol::ErrorCode;

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Bytes of secret (160 bits).
pub const SECRET_BYTES: usize = 20;

fn totp(secret: &[u8], issuer: Option<String>, account: String) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, secret.to_vec(), issuer, account)
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The secret as authenticator apps take it: base32 without padding.
pub fn encode(secret: &[u8]) -> String {
    totp(secret, None, String::new()).get_secret_base32()
}

/// The `otpauth://totp/...` URI (for a QR code) naming the instance as
/// issuer and the user's email as account.
pub fn uri(secret: &[u8], issuer: &str, account: &str) -> String {
    totp(secret, Some(issuer.to_string()), account.to_string()).get_url()
}

/// The step that contains `now_ms`.
pub fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(STEP_SECONDS as i64 * 1000)
}

/// The code for `step`.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    totp(secret, None, String::new()).generate(step.max(0) as u64 * STEP_SECONDS)
}

/// The steps (latest first) of the window whose code is `code`: the
/// current step and the previous one. Input may carry spaces.
pub fn matching_steps(secret: &[u8], code: &str, now_ms: i64) -> Vec<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let current = step_at(now_ms);
    [current, current - 1]
        .into_iter()
        .filter(|s| constant_time_eq(code_at_step(secret, *s).as_bytes(), code.as_bytes()))
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer to a wrong, reused or stale code.
pub fn incorrect() -> ApiError {
    ApiError::field(ErrorCode::FormCodeIncorrect, "code", "Incorrect code.")
}

/// Checks `code` against the user's verified TOTP and, when right, records
/// its step so it cannot be used again.
pub async fn check(state: &AppState, user_id: &str, code: &str) -> ApiResult<Guess> {
    take(state, user_id, code, None).await
}

/// Checks `code` against the user's TOTP that is not verified yet and, when
/// right, records its step and marks it verified, storing
/// `backup_code_hashes` (the user's first codes when it is the first second
/// factor) in the same transaction: a verified authenticator app never
/// lacks the codes its enrolment answered with.
pub async fn enrol(state: &AppState, user_id: &str, code: &str, backup_code_hashes: &[String]) -> ApiResult<Guess> {
    take(state, user_id, code, Some(backup_code_hashes)).await
}

/// Takes the step `code` is for. `enrolment` is `None` outside an
/// enrolment (only a verified TOTP counts), or the backup-code hashes to
/// store with the verification (none when empty).
async fn take(state: &AppState, user_id: &str, code: &str, enrolment: Option<&[String]>) -> ApiResult<Guess> {
    let enrolling = enrolment.is_some();
    let Some(row) = second_factors::totp_of(&state.pool, user_id).await? else {
        return Ok(Guess::Wrong(incorrect()));
    };
    if enrolling && row.verified {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RequestInvalid,
            "The authenticator app is already verified.",
        ));
    }
    let secret = state.mfa_keys.open(&row.secret_enc, user_id).map_err(ApiError::internal)?;
    let now = state.now();
    for step in matching_steps(&secret, code, now) {
        let mut tx = state.pool.begin().await?;
        if second_factors::take_step(&mut tx, user_id, step, enrolling, now).await? {
            if let Some(hashes) = enrolment.filter(|h| !h.is_empty()) {
                second_factors::replace_backup_codes(&mut tx, user_id, hashes, now).await?;
            }
            tx.commit().await?;
            return Ok(Guess::Right);
        }
    }
    Ok(Guess::Wrong(incorrect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors_with_six_digits() {
        // RFC 6238 appendix B, key "12345678901234567890", last six digits.
        let secret = b"12345678901234567890";
        for (t, code) in [(59i64, "287082"), (1111111109, "081804"), (1111111111, "050471"), (1234567890, "005924"), (2000000000, "279037")] {
            assert_eq!(code_at_step(secret, t / 30), code, "t = {t}");
        }
    }

    #[test]
    fn the_window_is_the_current_and_previous_step() {
        let secret = new_secret();
        let now = 1_800_000_012_345;
        let step = step_at(now);
        assert_eq!(matching_steps(&secret, &code_at_step(&secret, step), now), vec![step]);
        assert_eq!(matching_steps(&secret, &code_at_step(&secret, step - 1), now), vec![step - 1]);
        assert!(matching_steps(&secret, &code_at_step(&secret, step - 2), now).is_empty());
        assert!(matching_steps(&secret, &code_at_step(&secret, step + 1), now).is_empty());
        let spaced = code_at_step(&secret, step);
        assert_eq!(matching_steps(&secret, &format!(" {} {} ", &spaced[..3], &spaced[3..]), now), vec![step]);
        assert!(matching_steps(&secret, "12345", now).is_empty());
        assert!(matching_steps(&secret, "abcdef", now).is_empty());
    }

    #[test]
    fn uri_names_issuer_account_and_parameters() {
        let secret = new_secret();
        let uri = uri(&secret, "Vestibule", "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Vestibule:ada%40example.com?"), "{uri}");
        assert!(uri.contains(&format!("secret={}", encode(&secret))), "{uri}");
        assert!(uri.contains("issuer=Vestibule"), "{uri}");
        assert_eq!(encode(&secret).len(), 32, "160 bits in base32");
    }
}
