//! Sign-up: email and password, then the emailed code when the instance
//! verifies addresses at sign-up; the user and the session are created in
//! one transaction when nothing is missing.

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Fields};
use crate::password::{self, Secret};
use crate::openapi::{Api, Operation, Param};
use crate::store::{self, sign_ups::{SignUpFields, SignUpRow}, users::NewUser};
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::SignUpJson;
use vestibule_protocol::{Channel, ErrorCode, SignUpStatus, Strategy};

/// Routes of this module.
pub fn api() -> Api {
    let fields = || [Param::email("email_address"), Param::text("password"), Param::text("first_name"), Param::text("last_name")];
    Api::new()
        .route(Operation::post("/client/sign_ups", "Start a sign-up.").form(fields()).replies::<SignUpJson>(), create)
        .route(Operation::get("/client/sign_ups/{id}", "A sign-up of this client.")
                .param_from("id", "post_client_sign_ups", "/response/id").replies::<SignUpJson>(), read)
        .route(Operation::patch("/client/sign_ups/{id}", "Change the fields of a sign-up.")
                .param_from("id", "post_client_sign_ups", "/response/id").form(fields()).replies::<SignUpJson>(), update)
        .route(
            Operation::post("/client/sign_ups/{id}/prepare_verification", "Send a code to the email address.")
                .param_from("id", "post_client_sign_ups", "/response/id")
                .form([Param::strategy(&[Strategy::EmailCode])])
                .replies::<SignUpJson>(),
            prepare_verification,
        )
        .route(
            Operation::post("/client/sign_ups/{id}/attempt_verification", "Try the emailed code.")
                .param_from("id", "post_client_sign_ups", "/response/id")
                .form([Param::strategy(&[Strategy::EmailCode]), Param::text("code").required()])
                .replies::<SignUpJson>(),
            attempt_verification,
        )
}

const SIGN_UP_LIFETIME_MS: i64 = 24 * 3600 * 1000;

/// Normalises an email address: trimmed, lowercased, one `@` with text on
/// both sides and a dot in the domain.
pub fn normalise_email(raw: &str, param: &str) -> ApiResult<String> {
    let email = raw.trim().to_lowercase();
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok {
        Ok(email)
    } else {
        Err(ApiError::field(ErrorCode::FormParamFormatInvalid, param, "Enter a valid email address."))
    }
}

fn name(f: &Fields, param: &str) -> ApiResult<Option<String>> {
    match f.opt(param)? {
        Some(v) if v.chars().count() > 256 => Err(ApiError::invalid(param)),
        v => Ok(v.map(|s| s.trim().to_string())),
    }
}

/// Reads and checks the fields of a create or update call; `current` is
/// the sign-up's address before the call (the password is checked against
/// the address it will have after).
async fn fields(ctx: &Ctx, f: &Fields, current: Option<&str>) -> ApiResult<SignUpFields> {
    let mut out = SignUpFields::default();
    if let Some(raw) = f.opt("email_address")? {
        let email = normalise_email(raw, "email_address")?;
        if store::users::email_taken(&ctx.state.pool, &email).await? {
            return Err(ApiError::field(ErrorCode::FormIdentifierExists, "email_address", "That email address is taken. Please try another."));
        }
        out.email = Some(email);
    }
    if let Some(p) = f.opt("password")? {
        let email = out.email.as_deref().or(current).unwrap_or_default();
        password::check_new(&ctx.state.new_password_rules(), p, "password", &[email]).await?;
        out.password_hash = Some(password::hash(&ctx.state.hashing, &Secret(p.to_string())).await?);
    }
    if f.has("first_name") {
        out.first_name = Some(name(f, "first_name")?);
    }
    if f.has("last_name") {
        out.last_name = Some(name(f, "last_name")?);
    }
    Ok(out)
}

async fn create(mut ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    ctx.state.check_sign_up_ip(ctx.ip).await?;
    let fields = fields(&ctx, &f, None).await?;
    let client = ctx.ensure_client().await?;
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    let row = store::sign_ups::start(&mut tx, &client.id, &fields, now, SIGN_UP_LIFETIME_MS).await?;
    store::clients::set_sign_up(&mut tx, &client.id, Some(&row.id), now).await?;
    tx.commit().await?;
    let row = complete_if_ready(&ctx, row).await?;
    reply(ctx, &row).await
}

async fn load(ctx: &Ctx, id: &str) -> ApiResult<SignUpRow> {
    store::sign_ups::by_id(&ctx.state.pool, &ctx.client()?.id, id).await?.ok_or_else(ApiError::not_found)
}

fn must_be_open(row: &SignUpRow) -> ApiResult<()> {
    if row.status == SignUpStatus::Complete {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This sign-up is already complete."));
    }
    Ok(())
}

async fn read(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let row = load(&ctx, &id).await?;
    reply(ctx, &row).await
}

async fn update(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    ctx.state.check_sign_up_ip(ctx.ip).await?;
    let before = load(&ctx, &id).await?;
    must_be_open(&before)?;
    let fields = fields(&ctx, &f, before.email.as_deref()).await?;
    let mut tx = ctx.state.pool.begin().await?;
    let row = store::sign_ups::update(&mut tx, &before.id, &fields, ctx.state.now()).await?;
    if row.email != before.email {
        // A code sent to the old address must not verify the new one.
        crate::codes::invalidate(&mut tx, &subject(&row)).await?;
    }
    tx.commit().await?;
    let row = complete_if_ready(&ctx, row).await?;
    reply(ctx, &row).await
}

async fn reply(ctx: Ctx, row: &SignUpRow) -> ApiResult<Response> {
    let json = crate::resources::sign_up(&mut (&ctx.state.pool).into(), &ctx.state.settings(), row).await?;
    ctx.reply(StatusCode::OK, json).await
}

fn subject(row: &SignUpRow) -> String {
    crate::codes::sign_up_subject(&row.id)
}

async fn prepare_verification(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    f.strategy(&[Strategy::EmailCode])?;
    let row = load(&ctx, &id).await?;
    must_be_open(&row)?;
    let email = row.email.clone().ok_or_else(|| ApiError::missing("email_address"))?;
    crate::codes::send(&ctx.state, &subject(&row), Channel::Email, &email, "verify your email address").await?;
    reply(ctx, &row).await
}

async fn attempt_verification(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let code = f.req("code")?.to_string();
    let row = load(&ctx, &id).await?;
    must_be_open(&row)?;
    let email = row.email.clone().ok_or_else(crate::codes::not_sent)?;
    crate::codes::check(&ctx.state, &subject(&row), &email, &code).await?;
    let row = store::sign_ups::email_verified(&ctx.state.pool, &row.id, ctx.state.now()).await?;
    let row = complete_if_ready(&ctx, row).await?;
    reply(ctx, &row).await
}

/// When nothing is missing, creates the user and the session and completes
/// the sign-up, all in one transaction.
async fn complete_if_ready(ctx: &Ctx, row: SignUpRow) -> ApiResult<SignUpRow> {
    let settings = ctx.state.settings();
    let verified = row.email_verified || !settings.email_verification_at_sign_up;
    let (Some(email), Some(hash)) = (row.email.clone(), row.password_hash.clone()) else {
        return Ok(row);
    };
    if !verified {
        return Ok(row);
    }
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    let new = NewUser {
        email: &email,
        email_verified: row.email_verified,
        password_hash: Some(&hash),
        first_name: row.first_name.as_deref(),
        last_name: row.last_name.as_deref(),
    };
    let Some(user_id) = store::users::insert(&mut tx, &new, now).await? else {
        return Err(ApiError::field(ErrorCode::FormIdentifierExists, "email_address", "That email address is taken. Please try another."));
    };
    store::users::signed_in(&mut tx, &user_id, now).await?;
    let session_id = store::sessions::insert(&mut tx, &row.client_id, &user_id, now, ctx.state.client_lifetime_ms, false).await?;
    let row = store::sign_ups::complete(&mut tx, &row.id, &user_id, &session_id, now).await?;
    store::clients::set_last_active_session(&mut tx, &row.client_id, Some(&session_id), now).await?;
    store::clients::set_sign_up(&mut tx, &row.client_id, None, now).await?;
    ctx.rotate_client_token(&mut tx, &row.client_id).await?;
    tx.commit().await?;
    Ok(row)
}
