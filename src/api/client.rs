//! The environment, the client and its sessions.

use super::param::{ACTIVE_ORGANIZATION_ID, INTENT};
use super::{Api, ApiError};
use crate::locale::Messages;
use vestibule_protocol::wire::{ClientJson, Envelope, EnvironmentJson, SessionJson, TokenJson};

/// `GET /environment`.
pub async fn environment(api: &Api) -> Result<EnvironmentJson, ApiError> {
    api.get_bare("/environment").await
}

/// `GET /locale/<tag>.json`: the message table of a locale (the built-in
/// one with the operator's changes).
pub async fn messages(api: &Api, tag: &'static str) -> Result<Messages, ApiError> {
    let text = api.get_text(&format!("/locale/{tag}.json")).await?;
    Messages::from_json(tag, &text).ok_or(ApiError::Network(crate::api::UNEXPECTED))
}

/// `GET /client`: the client, or none yet.
pub async fn client(api: &Api) -> Result<Option<ClientJson>, ApiError> {
    api.get::<Option<ClientJson>>("/client").await.map(|r| r.response)
}

/// `POST /client/sessions/{id}/touch`: sets (or clears) the active organization.
pub async fn touch(api: &Api, session_id: &str, organization_id: Option<&str>) -> Result<Envelope<SessionJson>, ApiError> {
    api.send(
        "POST",
        &format!("/client/sessions/{session_id}/touch"),
        &[(ACTIVE_ORGANIZATION_ID, organization_id.unwrap_or("")), (INTENT, "select_org")],
    )
    .await
}

/// `POST /client/sessions/{id}/end`: signs this session out.
pub async fn end_session(api: &Api, session_id: &str) -> Result<Envelope<SessionJson>, ApiError> {
    api.send("POST", &format!("/client/sessions/{session_id}/end"), &[]).await
}

/// `POST /client/sessions/{id}/tokens`: a fresh session token (and cookie).
pub async fn token(api: &Api, session_id: &str) -> Result<TokenJson, ApiError> {
    api.send_bare(&format!("/client/sessions/{session_id}/tokens")).await
}
