//! Password hashing (Argon2id, OWASP parameters) and the rules a new
//! password must pass: length counted in Unicode characters, the offline
//! breached list, the optional HIBP range check, then zxcvbn.

use crate::error::{ApiError, ApiResult};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use vestibule_protocol::ErrorCode;

/// Longest password accepted, in characters.
pub const MAX_LENGTH: usize = 128;

/// A password as received; redacted in `Debug`.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant Argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes off the async executor; returns a PHC string.
pub async fn hash(password: &Secret) -> ApiResult<String> {
    let pw = password.0.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// Verifies off the async executor. A missing hash verifies against a dummy
/// so that unknown users cost the same time.
pub async fn verify(password: &Secret, phc: Option<String>, dummy: &str) -> ApiResult<bool> {
    let pw = password.0.clone();
    let real = phc.is_some();
    let phc = phc.unwrap_or_else(|| dummy.to_string());
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|h| argon2().verify_password(pw.as_bytes(), &h).is_ok())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    Ok(ok && real)
}

/// A dummy hash made once at start.
pub fn dummy_hash() -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(b"vestibule-dummy-password", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks the length rules: at least `min`, at most [`MAX_LENGTH`], counted
/// in characters, never truncated.
pub fn check_length(password: &str, min: u32, param: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < min as usize {
        return Err(ApiError::field(
            ErrorCode::FormPasswordLengthTooShort,
            param,
            format!("Passwords must be {min} characters or more."),
        ));
    }
    if n > MAX_LENGTH {
        return Err(ApiError::field(
            ErrorCode::FormPasswordValidationFailed,
            param,
            format!("Passwords must be {MAX_LENGTH} characters or fewer."),
        ));
    }
    Ok(())
}

fn pwned(param: &str) -> ApiError {
    ApiError::field(
        ErrorCode::FormPasswordPwned,
        param,
        "This password has appeared in a data breach and can't be used. Please choose another.",
    )
}

/// The rules for a new password: length, the offline breached list, the
/// HIBP range check when `hibp_url` is set (failing open), then the zxcvbn
/// score (`user_inputs`, such as the email address, count against it).
pub async fn check_new(
    state: &crate::state::AppState,
    password: &str,
    param: &str,
    user_inputs: &[&str],
) -> ApiResult<()> {
    let settings = state.settings();
    check_length(password, settings.password_min_length, param)?;
    if state.breached.contains(password) {
        return Err(pwned(param));
    }
    if !settings.hibp_url.is_empty() && crate::hibp::is_pwned(&state.http, &settings.hibp_url, password).await {
        return Err(pwned(param));
    }
    check_strength(password, settings.password_min_zxcvbn_strength, param, user_inputs)
}

/// Refuses a password whose zxcvbn score is below `min`, with zxcvbn's
/// suggestions in `meta.zxcvbn`.
pub fn check_strength(password: &str, min: u32, param: &str, user_inputs: &[&str]) -> ApiResult<()> {
    if min == 0 {
        return Ok(());
    }
    let entropy = zxcvbn::zxcvbn(password, user_inputs);
    if u32::from(u8::from(entropy.score())) >= min {
        return Ok(());
    }
    let suggestions = entropy
        .feedback()
        .map(|f| {
            f.suggestions()
                .iter()
                .map(|s| vestibule_protocol::error::ZxcvbnSuggestion { code: format!("{s:?}"), message: s.to_string() })
                .collect()
        })
        .unwrap_or_default();
    let mut e = ApiError::field(
        ErrorCode::FormPasswordValidationFailed,
        param,
        "This password is too easy to guess. Please choose a stronger one.",
    );
    e.meta.zxcvbn = Some(vestibule_protocol::error::ZxcvbnMeta { suggestions });
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_at_and_past_its_boundaries() {
        assert!(check_length("1234567", 8, "password").is_err());
        assert!(check_length("12345678", 8, "password").is_ok());
        assert!(check_length(&"é".repeat(8), 8, "password").is_ok(), "characters, not bytes");
        assert!(check_length(&"x".repeat(128), 8, "password").is_ok());
        let e = check_length(&"x".repeat(129), 8, "password").expect_err("too long");
        assert_eq!(e.code, ErrorCode::FormPasswordValidationFailed);
        let e = check_length("short", 8, "password").expect_err("too short");
        assert_eq!(e.code, ErrorCode::FormPasswordLengthTooShort);
    }

    #[test]
    fn strength_below_and_at_the_minimum() {
        assert!(check_strength("qwerty12", 2, "password", &[]).is_err(), "a keyboard walk scores below 2");
        let e = check_strength("qwerty12", 2, "password", &[]).expect_err("weak");
        assert_eq!(e.code, ErrorCode::FormPasswordValidationFailed);
        assert!(e.meta.zxcvbn.is_some_and(|z| !z.suggestions.is_empty()), "suggestions are given");
        assert!(check_strength("qwerty12", 0, "password", &[]).is_ok(), "0 turns the check off");
        assert!(check_strength("correct-horse-battery-1", 2, "password", &[]).is_ok());
        assert!(check_strength("ada@example.com1", 2, "password", &["ada@example.com"]).is_err(), "user inputs count");
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters() {
        let h = hash(&Secret("correct horse".into())).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        let dummy = dummy_hash();
        assert!(verify(&Secret("correct horse".into()), Some(h.clone()), &dummy).await.expect("verify"));
        assert!(!verify(&Secret("wrong".into()), Some(h), &dummy).await.expect("verify"));
        assert!(!verify(&Secret("vestibule-dummy-password".into()), None, &dummy).await.expect("verify"));
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "Secret(***)");
    }
}
