//! Reverification of a session (clerk-js `session.startVerification` and
//! its first-factor steps): `POST /client/sessions/{id}/verify`, then
//! `verify/prepare_first_factor` (an emailed code) and
//! `verify/attempt_first_factor` (the password or that code). A right
//! answer records a fresh first factor on the session, which the sensitive
//! routes ask for (`crate::reverify`). Guesses spend from the user lockout
//! and the per-IP limit like sign-in; a code is bound to the primary email
//! address it was sent to.

use crate::ctx::{Ctx, LiveSession};
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Path};
use crate::password::Secret;
use crate::state::AppState;
use crate::openapi::{Api, Operation, Param};
use crate::store::{self, sessions::SessionRow, users::UserRow};
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::{FactorJson, SessionVerificationJson, VerificationJson};
use vestibule_protocol::{Channel, SessionVerificationStatus, Strategy, VerificationStatus};

/// Routes of this module.
pub fn api() -> Api {
    Api::new()
        .route(
            Operation::post("/client/sessions/{id}/verify", "Start verifying the session's user again.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id")
                .form([Param::one_of("level", &["first_factor", "second_factor", "multi_factor"]).required()])
                .replies::<SessionVerificationJson>(),
            start,
        )
        .route(
            Operation::post("/client/sessions/{id}/verify/prepare_first_factor", "Send a code to the email address.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id")
                .form([Param::strategy(&[Strategy::EmailCode]), Param::text("email_address_id")])
                .replies::<SessionVerificationJson>(),
            prepare_first_factor,
        )
        .route(
            Operation::post("/client/sessions/{id}/verify/attempt_first_factor", "Try the password or the emailed code.")
                .param_from("id", "get_client", "/response/last_active_session_id")
                .param_from("id", "post_client_sign_ins", "/client/last_active_session_id")
                .form([Param::strategy(&[Strategy::Password, Strategy::EmailCode]), Param::text("password"), Param::text("code")])
                .replies::<SessionVerificationJson>(),
            attempt_first_factor,
        )
}

/// Where a reverification stands.
enum Stage {
    /// Waiting for a first factor; `Some` once a code was sent.
    Waiting(Option<VerificationJson>),
    /// Proved.
    Complete,
}

fn code_subject(session: &SessionRow) -> String {
    format!("reverify:{}", session.id)
}

async fn primary_email(state: &AppState, user: &UserRow) -> ApiResult<store::users::EmailRow> {
    store::users::primary_email(&state.pool, &user.id).await?.ok_or_else(ApiError::not_found)
}

/// The JSON of the reverification of `session`.
async fn reply(ctx: Ctx, session: &SessionRow, user: &UserRow, stage: Stage) -> ApiResult<Response> {
    let state = &ctx.state;
    let email = primary_email(state, user).await?;
    let mut factors = Vec::new();
    if user.password_hash.is_some() {
        factors.push(FactorJson::new(Strategy::Password));
    }
    factors.push(FactorJson {
        safe_identifier: Some(email.email.clone()),
        email_address_id: Some(email.id.clone()),
        primary: Some(true),
        ..FactorJson::new(Strategy::EmailCode)
    });
    let row = store::sessions::by_id(&state.pool, &session.id).await?.ok_or_else(ApiError::not_found)?;
    let (session_json, _) = crate::resources::session(state, &state.settings(), &row, &ctx.azp()).await?;
    let (status, first) = match stage {
        Stage::Waiting(v) => (SessionVerificationStatus::NeedsFirstFactor, v),
        Stage::Complete => (
            SessionVerificationStatus::Complete,
            Some(VerificationJson { object: Some("verification".into()), status: VerificationStatus::Verified, ..VerificationJson::default() }),
        ),
    };
    let json = SessionVerificationJson {
        object: "session_verification".into(),
        id: format!("sv_{}", session.id.trim_start_matches("sess_")),
        status,
        level: "first_factor".into(),
        session: Some(session_json),
        supported_first_factors: factors,
        supported_second_factors: None,
        first_factor_verification: first,
        second_factor_verification: None,
    };
    ctx.reply(StatusCode::OK, json).await
}

/// `POST /client/sessions/{id}/verify` (`level`): starts a reverification.
/// This server asks for a first factor whatever the level named.
async fn start(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    if !matches!(f.req("level")?, "first_factor" | "second_factor" | "multi_factor") {
        return Err(ApiError::invalid("level"));
    }
    let LiveSession { session, user, .. } = ctx.live_session(&id).await?;
    reply(ctx, &session, &user, Stage::Waiting(None)).await
}

/// `POST .../verify/prepare_first_factor` (`strategy=email_code`,
/// `email_address_id` optional): emails a code to the primary address.
async fn prepare_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.strategy(&[Strategy::EmailCode])?;
    let LiveSession { session, user, .. } = ctx.live_session(&id).await?;
    let email = primary_email(&ctx.state, &user).await?;
    if f.opt("email_address_id")?.is_some_and(|given| given != email.id) {
        return Err(ApiError::invalid("email_address_id"));
    }
    crate::codes::send(&ctx.state, &code_subject(&session), Channel::Email, &email.email, "confirm it's you").await?;
    let sent = VerificationJson {
        object: Some("verification".into()),
        status: VerificationStatus::Unverified,
        strategy: Some(strategy),
        attempts: Some(0),
        expire_at: Some(ctx.state.now() + crate::codes::TTL_MS),
        ..VerificationJson::default()
    };
    reply(ctx, &session, &user, Stage::Waiting(Some(sent))).await
}

/// `POST .../verify/attempt_first_factor` (`strategy=password` with
/// `password`, or `strategy=email_code` with `code`).
async fn attempt_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.strategy(&[Strategy::Password, Strategy::EmailCode])?;
    let secret = Secret(f.req(if strategy == Strategy::Password { "password" } else { "code" })?.to_string());
    ctx.state.check_ip(ctx.ip).await?;
    let LiveSession { session, user, .. } = ctx.live_session(&id).await?;
    let state = &ctx.state;
    if strategy == Strategy::Password {
        let message = "Password is incorrect. Try again, or use another method.";
        state.lockout().within_budget(&user.id, crate::password::guess(&state.hashing, &state.dummy_hash, &secret, user.password_hash.clone(), "password", message)).await?;
    } else {
        let email = primary_email(state, &user).await?.email;
        let subject = code_subject(&session);
        state.lockout().within_budget(&user.id, crate::codes::guess(state, &subject, &email, &secret.0))
        .await?;
    }
    store::sessions::first_factor_verified(&state.pool, &session.id, state.now()).await?;
    reply(ctx, &session, &user, Stage::Complete).await
}
