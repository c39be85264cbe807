//! Reverification: confirming the first factor again before a sensitive
//! change (new backup codes, removing a factor, a password change without
//! the current one). The server keeps one verification per session; these
//! calls start it, email a code for it and attempt it.

use super::param::{CODE, EMAIL_ADDRESS_ID, LEVEL, PASSWORD, STRATEGY};
use super::{Api, ApiError};
use vestibule_protocol::wire::{Envelope, SessionVerificationJson};
use vestibule_protocol::Strategy;

/// `POST /client/sessions/{id}/verify` with `level=first_factor`: starts a
/// verification (complete straight away when the factor is still fresh).
pub async fn start(api: &Api, session_id: &str) -> Result<Envelope<SessionVerificationJson>, ApiError> {
    api.send("POST", &format!("/client/sessions/{session_id}/verify"), &[(LEVEL, "first_factor")]).await
}

/// `POST /client/sessions/{id}/verify/prepare_first_factor` with the
/// email-code strategy: emails a code to `email_address_id` (the primary
/// address when `None`).
pub async fn send_code(
    api: &Api,
    session_id: &str,
    email_address_id: Option<&str>,
) -> Result<Envelope<SessionVerificationJson>, ApiError> {
    let mut pairs = vec![(STRATEGY, Strategy::EmailCode.as_str())];
    if let Some(id) = email_address_id {
        pairs.push((EMAIL_ADDRESS_ID, id));
    }
    api.send("POST", &format!("/client/sessions/{session_id}/verify/prepare_first_factor"), &pairs).await
}

/// `POST /client/sessions/{id}/verify/attempt_first_factor` with the
/// password.
pub async fn with_password(api: &Api, session_id: &str, password: &str) -> Result<Envelope<SessionVerificationJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sessions/{session_id}/verify/attempt_first_factor"),
        &[(STRATEGY, Strategy::Password.as_str()), (PASSWORD, password)],
    )
    .await
}

/// `POST /client/sessions/{id}/verify/attempt_first_factor` with the
/// emailed code.
pub async fn with_code(api: &Api, session_id: &str, code: &str) -> Result<Envelope<SessionVerificationJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sessions/{session_id}/verify/attempt_first_factor"),
        &[(STRATEGY, Strategy::EmailCode.as_str()), (CODE, code)],
    )
    .await
}
