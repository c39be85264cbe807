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
