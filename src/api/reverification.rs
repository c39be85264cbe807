//! Reverification: confirming the first factor again before a sensitive
//! change (new backup codes, removing a factor, a password change without
//! the current one). The server keeps one verification per session; these
//! calls start it, email a code for it and attempt it.

use super::{Api, ApiError, Reply};
use vestibule_protocol::wire::SessionVerificationJson;

/// `POST /client/sessions/{id}/verify` with `level=first_factor`: starts a
/// verification (`complete` straight away when the factor is still fresh).
pub async fn start(api: &Api, session_id: &str) -> Result<Reply<SessionVerificationJson>, ApiError> {
    api.send("POST", &format!("/client/sessions/{session_id}/verify"), &[("level", "first_factor")]).await
}

/// `POST /client/sessions/{id}/verify/prepare_first_factor` with
/// `strategy=email_code`: emails a code to `email_address_id` (the primary
/// address when `None`).
pub async fn send_code(api: &Api, session_id: &str, email_address_id: Option<&str>) -> Result<Reply<SessionVerificationJson>, ApiError> {
    let mut pairs = vec![("strategy", "email_code")];
    if let Some(id) = email_address_id {
        pairs.push(("email_address_id", id));
    }
    api.send("POST", &format!("/client/sessions/{session_id}/verify/prepare_first_factor"), &pairs).await
}

/// `POST /client/sessions/{id}/verify/attempt_first_factor` with the
/// password.
pub async fn with_password(api: &Api, session_id: &str, password: &str) -> Result<Reply<SessionVerificationJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sessions/{session_id}/verify/attempt_first_factor"),
        &[("strategy", "password"), ("password", password)],
    )
    .await
}

/// `POST /client/sessions/{id}/verify/attempt_first_factor` with the
/// emailed code.
pub async fn with_code(api: &Api, session_id: &str, code: &str) -> Result<Reply<SessionVerificationJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sessions/{session_id}/verify/attempt_first_factor"),
        &[("strategy", "email_code"), ("code", code)],
    )
    .await
}
