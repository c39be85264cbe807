//! Organizations, memberships and invitations of the current user.

use super::param::{NAME, SLUG};
use super::{Api, ApiError};
use vestibule_protocol::wire::{Envelope, InvitationJson, ListJson, MembershipJson, OrganizationJson};

/// `GET /me/organization_memberships` (first 100).
pub async fn memberships(api: &Api) -> Result<Vec<MembershipJson>, ApiError> {
    api.get::<ListJson<MembershipJson>>("/me/organization_memberships?paginated=true&limit=100")
        .await
        .map(|r| r.response.data)
}

/// `GET /me/organization_invitations?status=pending` (first 100).
pub async fn invitations(api: &Api) -> Result<Vec<InvitationJson>, ApiError> {
    api.get::<ListJson<InvitationJson>>("/me/organization_invitations?status=pending&limit=100")
        .await
        .map(|r| r.response.data)
}

/// `POST /me/organization_invitations/{id}/accept`.
pub async fn accept(api: &Api, id: &str) -> Result<Envelope<InvitationJson>, ApiError> {
    api.send("POST", &format!("/me/organization_invitations/{id}/accept"), &[]).await
}

/// `POST /organizations`.
pub async fn create(api: &Api, name: &str, slug: &str) -> Result<Envelope<OrganizationJson>, ApiError> {
    api.send("POST", "/organizations", &[(NAME, name), (SLUG, slug)]).await
}
