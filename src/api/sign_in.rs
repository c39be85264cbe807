//! Sign-in.

use super::param::{CODE, IDENTIFIER, PASSWORD, SIGN_OUT_OF_OTHER_SESSIONS, STRATEGY};
use super::{Api, ApiError};
use vestibule_protocol::wire::{Envelope, SignInJson};
use vestibule_protocol::Strategy;

/// `POST /client/sign_ins` with identifier and password.
pub async fn with_password(api: &Api, identifier: &str, password: &str) -> Result<Envelope<SignInJson>, ApiError> {
    api.send(
        "POST",
        "/client/sign_ins",
        &[(IDENTIFIER, identifier), (STRATEGY, Strategy::Password.as_str()), (PASSWORD, password)],
    )
    .await
}

/// `POST /client/sign_ins` with the identifier alone (a first factor
/// follows).
pub async fn start(api: &Api, identifier: &str) -> Result<Envelope<SignInJson>, ApiError> {
    api.send("POST", "/client/sign_ins", &[(IDENTIFIER, identifier)]).await
}

/// `POST /client/sign_ins/{id}/prepare_first_factor`: emails a code that
/// signs in (`email_code`) or lets the password be reset
/// (`reset_password_email_code`).
pub async fn send_code(api: &Api, id: &str, strategy: Strategy) -> Result<Envelope<SignInJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ins/{id}/prepare_first_factor"), &[(STRATEGY, strategy.as_str())])
        .await
}

/// `POST /client/sign_ins/{id}/attempt_first_factor` with the emailed code
/// of `strategy`.
pub async fn verify(api: &Api, id: &str, strategy: Strategy, code: &str) -> Result<Envelope<SignInJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sign_ins/{id}/attempt_first_factor"),
        &[(STRATEGY, strategy.as_str()), (CODE, code)],
    )
    .await
}

/// `POST /client/sign_ins/{id}/reset_password`: the new password after a
/// right reset code; the sign-in goes on (signed in, or a second factor).
pub async fn reset_password(api: &Api, id: &str, password: &str, sign_out_others: bool) -> Result<Envelope<SignInJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sign_ins/{id}/reset_password"),
        &[(PASSWORD, password), (SIGN_OUT_OF_OTHER_SESSIONS, if sign_out_others { "true" } else { "false" })],
    )
    .await
}

/// `POST /client/sign_ins/{id}/prepare_second_factor`: texts a code to the
/// user's second-factor phone.
pub async fn send_second_factor_code(api: &Api, id: &str) -> Result<Envelope<SignInJson>, ApiError> {
    api.send("POST", &format!("/client/sign_ins/{id}/prepare_second_factor"), &[(STRATEGY, Strategy::PhoneCode.as_str())])
        .await
}

/// `POST /client/sign_ins/{id}/attempt_second_factor` with a second-factor
/// `strategy` (authenticator, texted or backup code).
pub async fn verify_second_factor(api: &Api, id: &str, strategy: Strategy, code: &str) -> Result<Envelope<SignInJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sign_ins/{id}/attempt_second_factor"),
        &[(STRATEGY, strategy.as_str()), (CODE, code)],
    )
    .await
}
