//! Sign-up and its email verification.

use super::{Api, ApiError, Reply};
use vestibule_protocol::wire::SignUpJson;

/// `POST /client/sign_ups`.
pub async fn create(api: &Api, email: &str, password: &str) -> Result<Reply<SignUpJson>, ApiError> {
    api.send("POST", "/client/sign_ups", &[("email_address", email), ("password", password)]).await
}

/// `POST /client/sign_ups/{id}/prepare_verification`: emails a code.
pub async fn send_code(api: &Api, id: &str) -> Result<Reply<SignUpJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")]).await
}

/// `POST /client/sign_ups/{id}/attempt_verification`.
pub async fn verify(api: &Api, id: &str, code: &str) -> Result<Reply<SignUpJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sign_ups/{id}/attempt_verification"),
        &[("strategy", "email_code"), ("code", code)],
    )
    .await
}
