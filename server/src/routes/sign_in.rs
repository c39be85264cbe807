//! Sign-in: identifier, then password as first factor. Failed attempts
//! count toward the user lockout in the same statement that grants them.

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::password::{self, Secret};
use crate::render;
use crate::state::AppState;
use crate::store::{self, sign_ins::SignInRow, users::{Attempt, UserRow}};
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use vestibule_protocol::ErrorCode;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/client/sign_ins", post(create))
        .route("/client/sign_ins/{id}", get(read))
        .route("/client/sign_ins/{id}/attempt_first_factor", post(attempt_first_factor))
}

/// How long a sign-in in progress lives.
const SIGN_IN_LIFETIME_MS: i64 = 24 * 3600 * 1000;

async fn create(mut ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    let identifier = f.req("identifier")?.trim().to_lowercase();
    let strategy = f.opt("strategy")?;
    if strategy.is_some_and(|s| s != "password") {
        return Err(ApiError::invalid("strategy"));
    }
    let password = f.opt("password")?.map(|p| Secret(p.to_string()));
    ctx.state.check_ip(ctx.ip)?;
    if ctx.client.is_some() {
        refuse_second_session(&ctx).await?;
    }
    let user = store::users::by_email(&ctx.state.pool, &identifier).await?;
    let Some(user) = user else {
        if let Some(p) = &password {
            password::verify(p, None, &ctx.state.dummy_hash).await?;
        }
        return Err(ApiError::field(ErrorCode::FormIdentifierNotFound, "identifier", "Couldn't find your account."));
    };
    let client = ctx.ensure_client().await?;
    let now = ctx.state.now();
    let row = SignInRow {
        id: crate::ids::new_id("sia"),
        client_id: client.id.clone(),
        identifier: Some(identifier),
        user_id: Some(user.id.clone()),
        status: "needs_first_factor".into(),
        first_factor_strategy: None,
        first_factor_status: None,
        created_session_id: None,
        created_at: now,
        updated_at: now,
        abandon_at: now + SIGN_IN_LIFETIME_MS,
    };
    let mut tx = ctx.state.pool.begin().await?;
    store::sign_ins::insert(&mut *tx, &row).await?;
    store::clients::set_sign_in(&mut *tx, &client.id, Some(&row.id), now).await?;
    tx.commit().await?;
    let row = match password {
        Some(p) => attempt_password(&ctx, row, &user, &p).await?,
        None => row,
    };
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

async fn read(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let row = store::sign_ins::by_id(&ctx.state.pool, &ctx.client()?.id, &id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

async fn attempt_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.req("strategy")?;
    if strategy != "password" {
        return Err(ApiError::invalid("strategy"));
    }
    let password = Secret(f.req("password")?.to_string());
    ctx.state.check_ip(ctx.ip)?;
    let row = store::sign_ins::by_id(&ctx.state.pool, &ctx.client()?.id, &id).await?.ok_or_else(ApiError::not_found)?;
    if row.status != "needs_first_factor" {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This sign-in is not waiting for a first factor."));
    }
    refuse_second_session(&ctx).await?;
    let user_id = row.user_id.clone().ok_or_else(ApiError::not_found)?;
    let user = store::users::by_id(&ctx.state.pool, &user_id).await?.ok_or_else(ApiError::not_found)?;
    let row = attempt_password(&ctx, row, &user, &password).await?;
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

/// In single-session mode a client holds one live session at a time.
async fn refuse_second_session(ctx: &Ctx) -> ApiResult<()> {
    let client = ctx.client()?;
    if let Some(id) = &client.last_active_session_id {
        if let Ok((row, _, _)) = ctx.live_session(id).await {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::SessionExists, "You're already signed in.")
                .with_session(&row.id));
        }
    }
    Ok(())
}

/// Checks the password within the lockout budget; on success creates the
/// session and completes the sign-in in one transaction.
async fn attempt_password(ctx: &Ctx, row: SignInRow, user: &UserRow, password: &Secret) -> ApiResult<SignInRow> {
    let state = &ctx.state;
    let settings = state.settings();
    let lock_ms = settings.lockout_duration_seconds as i64 * 1000;
    let now = state.now();
    let n = match store::users::reserve_attempt(&state.pool, &user.id, settings.lockout_max_attempts, lock_ms, now).await? {
        Attempt::Granted(n) => n,
        Attempt::Locked(until) => {
            let until = store::users::locked_until(&state.pool, &user.id).await?.unwrap_or(until);
            return Err(locked(until, now));
        }
    };
    let ok = match password::verify(password, user.password_hash.clone(), &state.dummy_hash).await {
        Ok(ok) => ok,
        Err(e) => {
            store::users::release_attempt(&state.pool, &user.id).await?;
            return Err(e);
        }
    };
    if !ok {
        if n >= settings.lockout_max_attempts {
            store::users::lock(&state.pool, &user.id, now + lock_ms).await?;
        }
        return Err(ApiError::field(ErrorCode::FormPasswordIncorrect, "password", "Password is incorrect. Try again, or use another method."));
    }
    let mut tx = state.pool.begin().await?;
    store::users::signed_in(&mut *tx, &user.id, now).await?;
    let session_id = store::sessions::insert(&mut *tx, &row.client_id, &user.id, now, state.client_lifetime_ms).await?;
    store::sign_ins::update_first_factor(&mut *tx, &row.id, "complete", "password", "verified", Some(&session_id), now).await?;
    store::clients::set_last_active_session(&mut *tx, &row.client_id, Some(&session_id), now).await?;
    store::clients::set_sign_in(&mut *tx, &row.client_id, None, now).await?;
    tx.commit().await?;
    Ok(SignInRow {
        status: "complete".into(),
        first_factor_strategy: Some("password".into()),
        first_factor_status: Some("verified".into()),
        created_session_id: Some(session_id),
        updated_at: now,
        ..row
    })
}

/// `user_locked` with the seconds left.
pub fn locked(until: i64, now: i64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::UserLocked,
        "Your account is locked after too many failed attempts. Try again later.",
    );
    e.meta.lockout_expires_in_seconds = Some(((until - now).max(0) + 999) / 1000);
    e
}
