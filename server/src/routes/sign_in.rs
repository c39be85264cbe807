//! Sign-in: identifier, then a first factor: the password, or a code sent
//! to the email address. Failed attempts count toward the user lockout in
//! the same statement that grants them. A password marked compromised is
//! not proof of identity: it is answered with `form_password_compromised`
//! and the sign-in must go on with an email code.

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::password::{self, Secret};
use crate::render;
use crate::state::AppState;
use crate::lockout::{within_budget, Guess};
use crate::store::{self, sign_ins::SignInRow, users::UserRow};
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
        .route("/client/sign_ins/{id}/prepare_first_factor", post(prepare_first_factor))
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
    refuse_second_session(&ctx).await?;
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
        Some(p) => match attempt_password(&ctx, row, &user, &p).await {
            Ok(row) => row,
            Err(e) => return Ok(ctx.fail(e)),
        },
        None => row,
    };
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

async fn read(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let row = store::sign_ins::by_id(&ctx.state.pool, &ctx.client()?.id, &id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

async fn load_open(ctx: &Ctx, id: &str) -> ApiResult<(SignInRow, UserRow)> {
    let row = store::sign_ins::by_id(&ctx.state.pool, &ctx.client()?.id, id).await?.ok_or_else(ApiError::not_found)?;
    if row.status != "needs_first_factor" {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This sign-in is not waiting for a first factor."));
    }
    let user_id = row.user_id.clone().ok_or_else(ApiError::not_found)?;
    let user = store::users::by_id(&ctx.state.pool, &user_id).await?.ok_or_else(ApiError::not_found)?;
    Ok((row, user))
}

fn code_subject(row: &SignInRow) -> String {
    format!("sign_in:{}:email_code", row.id)
}

async fn prepare_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    if f.req("strategy")? != "email_code" {
        return Err(ApiError::invalid("strategy"));
    }
    let (row, user) = load_open(&ctx, &id).await?;
    let email = store::users::emails(&ctx.state.pool, &user.id)
        .await?
        .into_iter()
        .find(|e| e.is_primary)
        .map(|e| e.email)
        .ok_or_else(ApiError::not_found)?;
    crate::codes::send(&ctx.state, &code_subject(&row), "email", &email, "sign in").await?;
    let now = ctx.state.now();
    store::sign_ins::update_first_factor(&ctx.state.pool, &row.id, "needs_first_factor", "email_code", "unverified", None, now).await?;
    let row = SignInRow {
        first_factor_strategy: Some("email_code".into()),
        first_factor_status: Some("unverified".into()),
        updated_at: now,
        ..row
    };
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

async fn attempt_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.req("strategy")?;
    let secret = match strategy {
        "password" => f.req("password")?,
        "email_code" => f.req("code")?,
        _ => return Err(ApiError::invalid("strategy")),
    };
    let secret = Secret(secret.to_string());
    ctx.state.check_ip(ctx.ip)?;
    let (row, user) = load_open(&ctx, &id).await?;
    refuse_second_session(&ctx).await?;
    let row = if strategy == "password" {
        attempt_password(&ctx, row, &user, &secret).await?
    } else {
        let subject = code_subject(&row);
        within_budget(&ctx.state, &user.id, async {
            match crate::codes::check(&ctx.state, &subject, &secret.0).await {
                Ok(()) => Ok(Guess::Right),
                Err(e) if e.status.is_server_error() => Err(e),
                Err(e) => Ok(Guess::Wrong(e)),
            }
        })
        .await?;
        complete(&ctx, row, &user, "email_code").await?
    };
    ctx.reply(StatusCode::OK, render::sign_in(&row)).await
}

/// In single-session mode a client holds one live session at a time (a
/// caller without a client has none).
async fn refuse_second_session(ctx: &Ctx) -> ApiResult<()> {
    let Some(id) = ctx.client.as_ref().and_then(|c| c.last_active_session_id.clone()) else {
        return Ok(());
    };
    if let Ok((row, _, _)) = ctx.live_session(&id).await {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::SessionExists, "You're already signed in.")
            .with_session(&row.id));
    }
    Ok(())
}

/// Checks the password within the lockout budget. A right password that
/// is marked compromised does not finish the sign-in when "force password
/// reset" is on: the caller must go on with an email code.
async fn attempt_password(ctx: &Ctx, row: SignInRow, user: &UserRow, password: &Secret) -> ApiResult<SignInRow> {
    let state = &ctx.state;
    within_budget(state, &user.id, async {
        Ok(if password::verify(password, user.password_hash.clone(), &state.dummy_hash).await? {
            Guess::Right
        } else {
            Guess::Wrong(ApiError::field(
                ErrorCode::FormPasswordIncorrect,
                "password",
                "Password is incorrect. Try again, or use another method.",
            ))
        })
    })
    .await?;
    let breached = state.breached.contains(&password.0);
    if (user.password_compromised || breached) && state.settings().force_password_reset {
        store::users::release_attempt(&state.pool, &user.id).await?;
        if breached && !user.password_compromised {
            store::users::set_compromised(&state.pool, &user.id, true, state.now()).await?;
        }
        return Err(ApiError::field(
            ErrorCode::FormPasswordCompromised,
            "password",
            "Your password may be compromised. To protect your account, sign in with a code sent to your email, then set a new password.",
        ));
    }
    complete(ctx, row, user, "password").await
}

/// Creates the session and completes the sign-in, in one transaction.
async fn complete(ctx: &Ctx, row: SignInRow, user: &UserRow, strategy: &str) -> ApiResult<SignInRow> {
    let state = &ctx.state;
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    store::users::signed_in(&mut *tx, &user.id, now).await?;
    let session_id = store::sessions::insert(&mut *tx, &row.client_id, &user.id, now, state.client_lifetime_ms).await?;
    store::sign_ins::update_first_factor(&mut *tx, &row.id, "complete", strategy, "verified", Some(&session_id), now).await?;
    store::clients::set_last_active_session(&mut *tx, &row.client_id, Some(&session_id), now).await?;
    store::clients::set_sign_in(&mut *tx, &row.client_id, None, now).await?;
    tx.commit().await?;
    Ok(SignInRow {
        status: "complete".into(),
        first_factor_strategy: Some(strategy.into()),
        first_factor_status: Some("verified".into()),
        created_session_id: Some(session_id),
        updated_at: now,
        ..row
    })
}
