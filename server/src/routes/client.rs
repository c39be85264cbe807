//! The environment, the client, the dev-browser token, the handshake and
//! the JWKS.

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::Query;
use crate::render;
use crate::state::AppState;
use crate::openapi::{Api, Operation, Param};
use crate::store;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use vestibule_protocol::token::Jwks;
use vestibule_protocol::wire::{ClientJson, EnvironmentJson, Envelope};
use vestibule_protocol::{RedirectPolicy, SessionStatus};

/// Routes of this module.
pub fn api() -> Api {
    let environment = |op: Operation| op.answers::<EnvironmentJson>();
    Api::new()
        .route(environment(Operation::get("/environment", "The instance's settings, as clerk-js reads them.")), self::environment)
        .route(environment(Operation::patch("/environment", "The same as `GET` (clerk-js sends it on load).")), self::environment)
        .route(environment(Operation::post("/environment", "The same as `GET`.")), self::environment)
        .route(Operation::get("/client", "This browser's client, made on a first visit.").replies::<ClientJson>(), get_client)
        .route(Operation::post("/client", "Make this browser's client.").replies::<ClientJson>(), create_client)
        .route(Operation::delete("/client", "Sign out of every session and forget the client.").replies::<ClientJson>(), delete_client)
        .route(Operation::post("/dev_browser", "A development token that stands in for the client cookie (development instances only)."), dev_browser)
        .route(
            Operation::get("/client/handshake", "A fresh session token, then back to `redirect_url`.")
                .query([Param::text("redirect_url")])
                .redirects(),
            handshake,
        )
        .route(
            Operation::get("/client/touch", "Renew this browser's client for the whole cookie lifetime, then back to `redirect_url`.")
                .query([Param::text("redirect_url")])
                .redirects(),
            touch,
        )
        .route(Operation::get("/jwks", "The public keys that verify session tokens.").answers::<Jwks>(), jwks)
}

/// The environment, gzipped for a browser that takes it: a first visit
/// waits for it beside the portal's wasm.
async fn environment(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match serde_json::to_vec(&render::environment(&state)) {
        Ok(body) => crate::content_coding::json(&headers, body),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// `GET /client`: the caller's client, made (with its cookie) on a first
/// visit, as Clerk's Frontend API does: `@clerk/clerk-js` in cookie mode
/// never asks for a client otherwise, and expects a real id after load.
async fn get_client(mut ctx: Ctx) -> ApiResult<Response> {
    ctx.slide_client_lifetime().await;
    let c = ctx.ensure_client().await?;
    let client = crate::resources::client(&ctx.state, &c, &ctx.azp()).await?;
    ctx.session_cookie_for(Some(&client));
    Ok(ctx.finish(StatusCode::OK, Envelope::alone(client)))
}

async fn create_client(mut ctx: Ctx) -> ApiResult<Response> {
    let c = ctx.ensure_client().await?;
    let json = crate::resources::client(&ctx.state, &c, &ctx.azp()).await?;
    ctx.reply(StatusCode::OK, json).await
}

async fn delete_client(mut ctx: Ctx) -> ApiResult<Response> {
    let c = ctx.client()?.clone();
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    store::sessions::finish_all_of_client(&mut tx, &c.id, SessionStatus::Ended, now).await?;
    store::clients::set_last_active_session(&mut tx, &c.id, None, now).await?;
    tx.commit().await?;
    ctx.clear_client_cookie();
    ctx.session_cookie(None);
    let json = crate::resources::client(&ctx.state, &c, &ctx.azp()).await?;
    ctx.client = None;
    Ok(ctx.finish(StatusCode::OK, Envelope::alone(json)))
}

/// `POST /dev_browser`: a token that stands in for the client cookie
/// (`__clerk_db_jwt`), for development instances only.
async fn dev_browser(mut ctx: Ctx) -> ApiResult<Response> {
    if !ctx.state.settings().is_development() {
        return Err(ApiError::not_found());
    }
    let token = crate::ids::new_token();
    ctx.create_client(&token).await?;
    Ok(ctx.finish(StatusCode::OK, serde_json::json!({ "object": "dev_browser", "id": token, "token": token })))
}

/// `GET /client/handshake?redirect_url=`: a fresh `__session` for the last
/// active session, then back to an allowed `redirect_url`. The token is
/// minted for the application it returns to: its `azp` is the origin of an
/// absolute `redirect_url` (already checked against the allowed origins).
async fn handshake(mut ctx: Ctx, Query(q): Query) -> ApiResult<Response> {
    let policy = ctx.state.redirect_policy();
    let target = policy.or_fallback(q.opt("redirect_url")?, "/");
    let azp = if target.starts_with('/') {
        ctx.azp()
    } else {
        RedirectPolicy::new([target.as_str()]).allowed_origins.into_iter().next().unwrap_or_else(|| ctx.azp())
    };
    let jwt = match ctx.client.as_ref().and_then(|c| c.last_active_session_id.clone()) {
        Some(id) => match ctx.live_session(&id).await {
            Ok(live) => Some(crate::resources::mint_token(&ctx.state, &ctx.state.settings(), &live.session, &live.state, &azp).await?),
            Err(_) => None,
        },
        None => None,
    };
    ctx.session_cookie(jwt);
    Ok(ctx.redirect(&target))
}

/// `GET /client/touch?redirect_url=`: clerk-js navigates here (a top-level
/// `GET`) before its final redirect whenever the client cookie expires
/// within 8 days: the client's lifetime starts again and its cookie is set
/// again for all of it, then the browser goes on to `redirect_url` when it
/// is allowed, to the portal's home otherwise.
async fn touch(mut ctx: Ctx, Query(q): Query) -> ApiResult<Response> {
    let target = ctx.state.redirect_policy().or_fallback(q.opt("redirect_url")?, "/");
    ctx.renew_client().await?;
    Ok(ctx.redirect(&target))
}

/// `GET /jwks`: the public keys that verify session tokens.
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.jwks())
}
