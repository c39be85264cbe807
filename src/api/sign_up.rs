//! Sign-up and its email verification.

use super::param::{CODE, EMAIL_ADDRESS, PASSWORD, STRATEGY};
use super::{Api, ApiError};
use vestibule_protocol::wire::{Envelope, SignUpJson};
use vestibule_protocol::Strategy;

/// `POST /client/sign_ups`.
pub async fn create(api: &Api, email: &str, password: &str) -> Result<Envelope<SignUpJson>, ApiError> {
    api.send("POST", "/client/sign_ups", &[(EMAIL_ADDRESS, email), (PASSWORD, password)]).await
}

/// `POST /client/sign_ups/{id}/prepare_verification`: emails a code.
pub async fn send_code(api: &Api, id: &str) -> Result<Envelope<SignUpJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ups/{id}/prepare_verification"), &[(STRATEGY, Strategy::EmailCode.as_str())])
        .await
}

/// `POST /client/sign_ups/{id}/attempt_verification`.
pub async fn verify(api: &Api, id: &str, code: &str) -> Result<Envelope<SignUpJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sign_ups/{id}/attempt_verification"),
        &[(STRATEGY, Strategy::EmailCode.as_str()), (CODE, code)],
    )
    .await
}
