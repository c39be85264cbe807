//! Organizations and the current user's place in them: memberships,
//! invitations (and accepting one), creating an organization, reading one.
//! Pending sessions may call these: they are what the choose-organization
//! task needs.

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Path, Query};
use crate::render;
use crate::openapi::{Api, Operation, Param};
use crate::store::{self, orgs};
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::{is_valid_slug, slug_from_name, InvitationJson, ListJson, MembershipJson, OrganizationJson, OrganizationSuggestionJson};
use vestibule_protocol::{ErrorCode, InvitationStatus};

/// Routes of this module.
pub fn api() -> Api {
    let statuses: Vec<&str> = InvitationStatus::ALL.iter().map(|s| s.as_str()).collect();
    Api::new()
        .route(
            Operation::get("/me/organization_memberships", "The signed-in user's memberships.").query(Param::page()).replies::<ListJson<MembershipJson>>(),
            memberships,
        )
        .route(
            Operation::get("/me/organization_invitations", "Invitations to the signed-in user's email addresses.")
                .query(Param::page())
                .query([Param::one_of("status", &statuses).repeated()])
                .replies::<ListJson<InvitationJson>>(),
            invitations,
        )
        .route(
            Operation::get("/me/organization_suggestions", "Organizations the signed-in user may join by email domain: none while domains are off.")
                .query(Param::page())
                .query([Param::one_of("status", &["pending", "accepted"]).repeated()])
                .replies::<ListJson<OrganizationSuggestionJson>>(),
            suggestions,
        )
        .route(Operation::post("/me/organization_invitations/{id}/accept", "Join the organization of an invitation.")
                .param_from("id", "get_me_organization_invitations", "/response/data/0/id").replies::<InvitationJson>(), accept)
        .route(
            Operation::post("/organizations", "Make an organization; the signed-in user is its admin.")
                .form([Param::text("name").required(), Param::text("slug")])
                .replies::<OrganizationJson>(),
            create_organization,
        )
        .route(Operation::get("/organizations/{id}", "An organization of the signed-in user.")
                .param_from("id", "post_organizations", "/response/id").replies::<OrganizationJson>(), organization)
}

async fn memberships(ctx: Ctx, Query(q): Query) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let (limit, offset) = q.page()?;
    let rows = orgs::memberships_of_user(&ctx.state.pool, &user.id, limit, offset).await?;
    let total = orgs::count_memberships(&ctx.state.pool, &user.id).await?;
    let list = ListJson { data: rows.iter().map(render::membership).collect(), total_count: total.max(0) as u64 };
    ctx.reply(StatusCode::OK, list).await
}

async fn invitations(ctx: Ctx, Query(q): Query) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let (limit, offset) = q.page()?;
    let statuses = q.all("status");
    let status = match statuses.as_slice() {
        [] => InvitationStatus::Pending,
        [s] => InvitationStatus::parse(s).ok_or_else(|| ApiError::invalid("status"))?,
        _ => return Err(ApiError::invalid("status")),
    };
    let rows = orgs::invitations_for_user(&ctx.state.pool, &user.id, status.as_str(), limit, offset).await?;
    let total = orgs::count_invitations_for_user(&ctx.state.pool, &user.id, status.as_str()).await?;
    let list = ListJson { data: rows.iter().map(render::invitation).collect(), total_count: total.max(0) as u64 };
    ctx.reply(StatusCode::OK, list).await
}

/// `GET /me/organization_suggestions`: the paginated list Clerk's
/// choose-organization task reads beside the memberships and invitations;
/// always empty, since organization domains are off.
async fn suggestions(ctx: Ctx, Query(q): Query) -> ApiResult<Response> {
    ctx.current_user().await?;
    q.page()?;
    for status in q.all("status") {
        if !["pending", "accepted"].contains(&status) {
            return Err(ApiError::invalid("status"));
        }
    }
    let none: ListJson<OrganizationSuggestionJson> = ListJson { data: Vec::new(), total_count: 0 };
    ctx.reply(StatusCode::OK, none).await
}

async fn accept(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let inv = orgs::invitation(&ctx.state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    let verified = store::users::emails(&ctx.state.pool, &user.id)
        .await?
        .into_iter()
        .any(|e| e.verified && e.email == inv.email);
    if !verified {
        return Err(ApiError::not_found());
    }
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    if !orgs::accept_invitation(&mut tx, &inv.id, now).await? {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This invitation is no longer pending."));
    }
    orgs::add_member(&mut tx, &inv.organization_id, &user.id, &inv.role, now).await?;
    tx.commit().await?;
    let inv = orgs::invitation(&ctx.state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::invitation(&inv)).await
}

/// Reads and checks an organization's name and slug (derived from the name
/// when absent).
pub fn name_and_slug(f: &crate::input::Fields) -> ApiResult<(String, String)> {
    let name = f.req("name")?.trim().to_string();
    if name.is_empty() || name.chars().count() > 256 {
        return Err(ApiError::field(ErrorCode::FormParamFormatInvalid, "name", "Enter a name of 1 to 256 characters."));
    }
    let slug = match f.opt("slug")? {
        Some(s) => s.trim().to_string(),
        None => slug_from_name(&name),
    };
    if !is_valid_slug(&slug) || slug.len() > 64 {
        return Err(ApiError::field(
            ErrorCode::FormParamFormatInvalid,
            "slug",
            "Use lowercase letters, digits and single hyphens (for example acme-inc).",
        ));
    }
    Ok((name, slug))
}

/// The error for a taken slug.
pub fn slug_taken() -> ApiError {
    ApiError::field(ErrorCode::FormIdentifierExists, "slug", "This slug is already taken. Choose another.")
}

async fn create_organization(ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let settings = ctx.state.settings();
    let (name, slug) = name_and_slug(&f)?;
    if !(settings.organizations_enabled && settings.create_organization_enabled && user.create_organization_enabled) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "You cannot create organizations."));
    }
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    let id = orgs::insert(&mut tx, &name, &slug, Some(&user.id), now).await?.ok_or_else(slug_taken)?;
    tx.commit().await?;
    let org = orgs::by_id(&ctx.state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::organization(&org)).await
}

async fn organization(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let not_found = || {
        ApiError::new(StatusCode::NOT_FOUND, ErrorCode::OrganizationNotFoundOrUnauthorized, "Organization not found, or you are not a member.")
    };
    orgs::role_of(&ctx.state.pool, &id, &user.id).await?.ok_or_else(not_found)?;
    let org = orgs::by_id(&ctx.state.pool, &id).await?.ok_or_else(not_found)?;
    ctx.reply(StatusCode::OK, render::organization(&org)).await
}
