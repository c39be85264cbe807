//! Sessions of the client: touch (set the active organization), tokens,
//! end, remove, and sign out of all.

use crate::ctx::{Ctx, LiveSession};
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::openapi::{Api, Operation, Param};
use crate::store;
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::{ClientJson, SessionJson, TokenJson};
use vestibule_protocol::{ErrorCode, SessionStatus};

/// Routes of this module.
pub fn api() -> Api {
    Api::new()
        .route(Operation::delete("/client/sessions", "Sign out of every session of this client.").replies::<ClientJson>(), sign_out_all)
        .route(
            Operation::post("/client/sessions/{id}/touch", "Make a session the active one, or set its active organization.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id")
                .form([Param::one_of("intent", &["select_org", "select_session", "focus"]), Param::text("active_organization_id")])
                .replies::<SessionJson>(),
            touch,
        )
        .route(
            Operation::post("/client/sessions/{id}/tokens", "A fresh session token.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id").form([Param::text("organization_id")]).answers::<TokenJson>(),
            tokens,
        )
        .route(
            Operation::post("/client/sessions/{id}/tokens/{template}", "Tokens from JWT templates: none is configured, so 404 `resource_not_found` naming the template for a live session of the caller.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id")
                .answers::<TokenJson>(),
            tokens_template,
        )
        .route(Operation::post("/client/sessions/{id}/end", "Sign out of one session.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id").replies::<SessionJson>(), end)
        .route(Operation::post("/client/sessions/{id}/remove", "Remove one session.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id").replies::<SessionJson>(), remove)
}

async fn touch(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    if let Some(intent) = f.opt("intent")? {
        if !matches!(intent, "select_org" | "select_session" | "focus") {
            return Err(ApiError::invalid("intent"));
        }
    }
    let LiveSession { session: row, user, .. } = ctx.live_session(&id).await?;
    let now = ctx.state.now();
    let org = if f.has("active_organization_id") {
        match f.opt("active_organization_id")? {
            Some(org_id) => {
                if store::orgs::role_of(&ctx.state.pool, org_id, &user.id).await?.is_none() {
                    return Err(ApiError::field(
                        ErrorCode::NotAMemberInOrganization,
                        "active_organization_id",
                        "You are not a member of this organization.",
                    ));
                }
                Some(org_id.to_string())
            }
            None => None,
        }
    } else {
        row.active_organization_id.clone()
    };
    let mut tx = ctx.state.pool.begin().await?;
    store::sessions::set_active_organization(&mut tx, &row.id, org.as_deref(), now).await?;
    store::clients::set_last_active_session(&mut tx, &row.client_id, Some(&row.id), now).await?;
    tx.commit().await?;
    let row = store::sessions::by_id(&ctx.state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    let (json, _) = crate::resources::session(&ctx.state, &ctx.state.settings(), &row, &ctx.azp()).await?;
    ctx.reply(StatusCode::OK, json).await
}

async fn tokens(mut ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let LiveSession { session: row, user, state: view } = ctx.live_session(&id).await?;
    if let Some(org_id) = f.opt("organization_id")? {
        if row.active_organization_id.as_deref() != Some(org_id)
            && store::orgs::role_of(&ctx.state.pool, org_id, &user.id).await?.is_none()
        {
            return Err(ApiError::field(ErrorCode::NotAMemberInOrganization, "organization_id", "You are not a member of this organization."));
        }
    }
    store::sessions::touch(&ctx.state.pool, &row.id, ctx.state.now()).await?;
    let jwt = crate::resources::mint_token(&ctx.state, &ctx.state.settings(), &row, &view, &ctx.azp()).await?;
    let is_last_active = ctx.client()?.last_active_session_id.as_deref() == Some(row.id.as_str());
    if is_last_active {
        ctx.session_cookie(Some(jwt.clone()));
    }
    Ok(ctx.reply_bare(StatusCode::OK, TokenJson { object: "token".into(), jwt }))
}

/// `POST /client/sessions/{id}/tokens/{template}`: no JWT template is
/// configured on an instance, so for a live session of the caller this is
/// 404 `resource_not_found` naming the template (what Clerk answers for a
/// template that does not exist, which clerk-js's `getToken({ template })`
/// rejects with); a session that is not the caller's is not found either.
async fn tokens_template(ctx: Ctx, Path((id, template)): Path<(String, String)>) -> ApiResult<Response> {
    ctx.live_session(&id).await?;
    let mut error = ApiError::not_found();
    error.message = format!("No JWT template named {template:?} exists on this instance.");
    Err(error)
}

async fn finish(ctx: Ctx, id: String, status: SessionStatus) -> ApiResult<Response> {
    let row = ctx.live_session(&id).await?.session;
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    store::sessions::finish(&mut tx, &row.id, status, now).await?;
    if ctx.client()?.last_active_session_id.as_deref() == Some(row.id.as_str()) {
        store::clients::set_last_active_session(&mut tx, &row.client_id, None, now).await?;
    }
    tx.commit().await?;
    let row = store::sessions::by_id(&ctx.state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    let (json, _) = crate::resources::session(&ctx.state, &ctx.state.settings(), &row, &ctx.azp()).await?;
    ctx.reply(StatusCode::OK, json).await
}

async fn end(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    finish(ctx, id, SessionStatus::Ended).await
}

async fn remove(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    finish(ctx, id, SessionStatus::Removed).await
}

async fn sign_out_all(ctx: Ctx) -> ApiResult<Response> {
    let client = ctx.client()?.clone();
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    store::sessions::finish_all_of_client(&mut tx, &client.id, SessionStatus::Ended, now).await?;
    store::clients::set_last_active_session(&mut tx, &client.id, None, now).await?;
    tx.commit().await?;
    let json = crate::resources::client(&ctx.state, &client, &ctx.azp()).await?;
    ctx.reply(StatusCode::OK, json).await
}
