//! The current user's second factors: enrolling the authenticator app
//! (`/me/totp`) and making backup codes (`/me/backup_codes`). Pending
//! sessions may call these: they are what the setup-mfa task needs.
//! Wrong TOTP codes at enrolment spend from the user lockout like any other
//! guess at a secret; a wrong code keeps the secret, but the fifth one
//! discards it and enrolment starts over.

use crate::ctx::{Ctx, LiveSession};
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::openapi::{Api, Operation, Param};
use crate::store::{self, second_factors};
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::{BackupCodeJson, DeletedJson, TotpJson};
use vestibule_protocol::ErrorCode;

/// Routes of this module.
pub fn api() -> Api {
    Api::new()
        .route(Operation::post("/me/totp", "Start an authenticator-app enrolment: a new secret.").replies::<TotpJson>(), create_totp)
        .route(Operation::delete("/me/totp", "Remove the authenticator app.").replies::<DeletedJson>(), delete_totp)
        .route(
            Operation::post("/me/totp/attempt_verification", "Finish the enrolment with a code from the app.")
                .form([Param::text("code").required()])
                .replies::<TotpJson>(),
            verify_totp,
        )
        .route(Operation::post("/me/backup_codes", "A new set of backup codes (the old set stops working).").replies::<BackupCodeJson>(), create_backup_codes)
}

/// Wrong codes one enrolment takes; the fifth discards the secret so the
/// next `POST /me/totp` starts over (`security.md`, "TOTP").
const ENROLMENT_TRIES: i64 = 5;

fn method_off(what: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, format!("{what} is not enabled on this instance."))
}

fn totp_json(row: &second_factors::TotpRow) -> TotpJson {
    TotpJson {
        object: TotpJson::OBJECT.into(),
        id: row.id.clone(),
        secret: None,
        uri: None,
        verified: row.verified,
        backup_codes: None,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// `POST /me/totp`: a new secret, or the same one again while it is not
/// verified (a reload or a wrong code keeps it). A verified TOTP must be
/// deleted before another is made.
async fn create_totp(ctx: Ctx) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let settings = ctx.state.settings();
    if !settings.totp_enabled {
        return Err(method_off("The authenticator app"));
    }
    let state = &ctx.state;
    let row = match second_factors::totp_of(&state.pool, &user.id).await? {
        Some(row) => row,
        None => {
            let sealed = state.mfa_keys.seal(&crate::totp::new_secret(), &user.id).map_err(ApiError::internal)?;
            second_factors::insert_totp_if_absent(&state.pool, &user.id, &sealed, state.now())
                .await?
                .ok_or_else(|| ApiError::internal("TOTP row missing after insert"))?
        }
    };
    if row.verified {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RequestInvalid,
            "An authenticator app is already set up. Remove it first to set up another.",
        ));
    }
    let secret = state.mfa_keys.open(&row.secret_enc, &user.id).map_err(ApiError::internal)?;
    let account = store::users::primary_email(&state.pool, &user.id).await?.map(|e| e.email).unwrap_or_else(|| user.id.clone());
    let json = TotpJson {
        secret: Some(crate::totp::encode(&secret)),
        uri: Some(crate::totp::uri(&secret, &settings.application_name, &account)),
        ..totp_json(&row)
    };
    ctx.reply(StatusCode::OK, json).await
}

/// `POST /me/totp/attempt_verification` (`code`): a right code verifies the
/// TOTP; when that makes it the user's first second factor and backup codes
/// are on, a set of backup codes comes with the answer.
async fn verify_totp(ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    let code = f.req("code")?.to_string();
    let user = ctx.current_user().await?;
    let state = &ctx.state;
    let row = second_factors::totp_of(&state.pool, &user.id).await?.ok_or_else(ApiError::not_found)?;
    if row.verified {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "The authenticator app is already verified."));
    }
    // The first second factor comes with backup codes, stored with the
    // verification.
    let first_set = (!user.two_factor_enabled && state.settings().backup_code_enabled).then(|| crate::backup_codes::new_set(state, &user.id));
    let hashes = first_set.as_ref().map(|(_, hashes)| hashes.as_slice()).unwrap_or_default();
    match state.lockout().within_budget(&user.id, crate::totp::enrol(state, &user.id, &code, hashes)).await {
        Ok(()) => {}
        Err(e) if e.code == ErrorCode::FormCodeIncorrect => {
            if second_factors::count_enrolment_miss(&state.pool, &user.id).await? >= ENROLMENT_TRIES {
                second_factors::delete_unverified_totp(&state.pool, &user.id).await?;
                return Err(ApiError::field(
                    ErrorCode::VerificationFailed,
                    "code",
                    "Too many failed attempts. Start again with a new code from a new secret.",
                ));
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    }
    let backup_codes = first_set.map(|(codes, _)| codes);
    let row = second_factors::totp_of(&state.pool, &user.id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, TotpJson { backup_codes, ..totp_json(&row) }).await
}

/// `DELETE /me/totp`: removes the authenticator app.
/// Removing a verified one needs a fresh first factor (reverification);
/// an enrolment not yet verified is no factor and goes without.
async fn delete_totp(ctx: Ctx) -> ApiResult<Response> {
    let LiveSession { session, user, .. } = ctx.current_session().await?;
    let row = second_factors::totp_of(&ctx.state.pool, &user.id).await?.ok_or_else(ApiError::not_found)?;
    if row.verified {
        crate::reverify::require_fresh_first_factor(&session, ctx.state.now())?;
    }
    second_factors::delete_totp(&ctx.state.pool, &user.id).await?;
    ctx.reply(StatusCode::OK, DeletedJson::new(TotpJson::OBJECT, row.id)).await
}

/// `POST /me/backup_codes`: a new set of codes; the old set stops working.
/// A user who already has a second factor needs a fresh first factor
/// (reverification); the first set, made during setup, goes without.
async fn create_backup_codes(ctx: Ctx) -> ApiResult<Response> {
    let LiveSession { session, user, .. } = ctx.current_session().await?;
    if !ctx.state.settings().backup_code_enabled {
        return Err(method_off("Backup codes"));
    }
    if user.two_factor_enabled {
        crate::reverify::require_fresh_first_factor(&session, ctx.state.now())?;
    }
    let (id, codes) = crate::backup_codes::regenerate(&ctx.state, &user.id).await?;
    let now = ctx.state.now();
    ctx.reply(StatusCode::OK, BackupCodeJson { object: BackupCodeJson::OBJECT.into(), id, codes, created_at: now, updated_at: now }).await
}
