//! Sign-in.

use super::{Api, ApiError, Reply};
use vestibule_protocol::wire::SignInJson;

/// `POST /client/sign_ins` with identifier and password.
pub async fn with_password(api: &Api, identifier: &str, password: &str) -> Result<Reply<SignInJson>, ApiError> {
    api.send(
        "POST",
        "/client/sign_ins",
        &[("identifier", identifier), ("strategy", "password"), ("password", password)],
    )
    .await
}

/// `POST /client/sign_ins/{id}/prepare_first_factor`: emails a code.
pub async fn send_code(api: &Api, id: &str) -> Result<Reply<SignInJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ins/{id}/prepare_first_factor"), &[("strategy", "email_code")]).await
}

/// `POST /client/sign_ins/{id}/attempt_first_factor` with the emailed code.
pub async fn verify(api: &Api, id: &str, code: &str) -> Result<Reply<SignInJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sign_ins/{id}/attempt_first_factor"),
        &[("strategy", "email_code"), ("code", code)],
    )
    .await
}

/// `POST /client/sign_ins/{id}/prepare_second_factor`: texts a code to the
/// user's second-factor phone.
pub async fn send_second_factor_code(api: &Api, id: &str) -> Result<Reply<SignInJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ins/{id}/prepare_second_factor"), &[("strategy", "phone_code")]).await
}

/// `POST /client/sign_ins/{id}/attempt_second_factor` with `strategy`
/// `totp`, `phone_code` or `backup_code`.
pub async fn verify_second_factor(api: &Api, id: &str, strategy: &str, code: &str) -> Result<Reply<SignInJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ins/{id}/attempt_second_factor"), &[("strategy", strategy), ("code", code)]).await
}
