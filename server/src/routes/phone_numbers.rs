//! The current user's phone numbers (`/me/phone_numbers`): adding one in
//! E.164, verifying it with an SMS code (the code rules of `crate::codes`:
//! 10 minutes, single use, 5 wrong tries, 30 s cooldown, 10 sends a day),
//! and reserving a verified number for the second factor. Pending sessions
//! may call these: SMS is one way to finish the setup-mfa task.

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Path};
use crate::render;
use crate::openapi::{Api, Operation, Param};
use crate::store::{self, phones::{Added, PhoneRow}};
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::{DeletedJson, PhoneNumberJson};
use vestibule_protocol::{Channel, ErrorCode, Strategy};

/// Routes of this module.
pub fn api() -> Api {
    Api::new()
        .route(
            Operation::post("/me/phone_numbers", "Add a phone number.").form([Param::text("phone_number").required()]).replies::<PhoneNumberJson>(),
            create,
        )
        .route(
            Operation::patch("/me/phone_numbers/{id}", "Correct the number, or make a verified one a second factor.")
                .param_from("id", "post_me_phone_numbers", "/response/id")
                .form([Param::text("phone_number"), Param::flag("reserved_for_second_factor"), Param::flag("default_second_factor")])
                .replies::<PhoneNumberJson>(),
            update,
        )
        .route(Operation::delete("/me/phone_numbers/{id}", "Remove a phone number.")
                .param_from("id", "post_me_phone_numbers", "/response/id").replies::<DeletedJson>(), remove)
        .route(
            Operation::post("/me/phone_numbers/{id}/prepare_verification", "Send an SMS code.")
                .param_from("id", "post_me_phone_numbers", "/response/id")
                .form([Param::strategy(&[Strategy::PhoneCode])])
                .replies::<PhoneNumberJson>(),
            prepare_verification,
        )
        .route(
            Operation::post("/me/phone_numbers/{id}/attempt_verification", "Try the SMS code.")
                .param_from("id", "post_me_phone_numbers", "/response/id")
                .form([Param::text("code").required()])
                .replies::<PhoneNumberJson>(),
            attempt_verification,
        )
}

/// Most phone numbers one user may hold, verified or not.
pub const MAX_PHONE_NUMBERS: i64 = 10;

fn code_subject(row: &PhoneRow) -> String {
    format!("phone:{}", row.id)
}

fn parse_phone(input: &str) -> ApiResult<String> {
    crate::phone::normalise(input).ok_or_else(|| {
        ApiError::field(
            ErrorCode::FormParamFormatInvalid,
            "phone_number",
            "Enter the number in international format, starting with + and the country code.",
        )
    })
}

fn taken() -> ApiError {
    ApiError::field(ErrorCode::PhoneNumberExists, "phone_number", "This phone number is taken. Please try another.")
}

async fn load(ctx: &Ctx, id: &str) -> ApiResult<(PhoneRow, store::users::UserRow)> {
    let user = ctx.current_user().await?;
    let row = store::phones::by_id(&ctx.state.pool, &user.id, id).await?.ok_or_else(ApiError::not_found)?;
    Ok((row, user))
}

/// `POST /me/phone_numbers` (`phone_number`): adds an unverified number,
/// or answers the user's own unverified one with the same digits.
async fn create(ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    let phone = parse_phone(f.req("phone_number")?)?;
    let user = ctx.current_user().await?;
    if !ctx.state.settings().phone_code_enabled {
        return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "Phone numbers are not enabled on this instance."));
    }
    if store::phones::verified_elsewhere(&ctx.state.pool, &phone, &user.id).await? {
        return Err(taken());
    }
    // Adding a number again before verifying it (a reload, a second try)
    // answers the same number rather than an error.
    let own = store::phones::of_user(&ctx.state.pool, &user.id).await?.into_iter().find(|p| p.phone == phone);
    let row = match own {
        Some(row) if !row.verified => row,
        Some(_) => return Err(taken()),
        None => {
            let id = match store::phones::insert(&ctx.state.pool, &user.id, &phone, MAX_PHONE_NUMBERS, ctx.state.now()).await? {
                Added::Yes(id) => id,
                Added::Duplicate => return Err(taken()),
                Added::Full => {
                    return Err(ApiError::field(
                        ErrorCode::FormParamFormatInvalid,
                        "phone_number",
                        format!("You can add at most {MAX_PHONE_NUMBERS} phone numbers. Remove one first."),
                    ))
                }
            };
            store::phones::by_id(&ctx.state.pool, &user.id, &id).await?.ok_or_else(ApiError::not_found)?
        }
    };
    ctx.reply(StatusCode::OK, render::phone_number(&row, None)).await
}

/// `POST /me/phone_numbers/{id}/prepare_verification` (`strategy=phone_code`).
async fn prepare_verification(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    f.strategy(&[Strategy::PhoneCode])?;
    let (row, _) = load(&ctx, &id).await?;
    if row.verified {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This number is already verified."));
    }
    crate::codes::send(&ctx.state, &code_subject(&row), Channel::Sms, &row.phone, "verify your phone number").await?;
    ctx.reply(StatusCode::OK, render::phone_number(&row, None)).await
}

/// `POST /me/phone_numbers/{id}/attempt_verification` (`code`). Wrong codes
/// spend from the user lockout.
async fn attempt_verification(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let code = f.req("code")?.to_string();
    let (row, user) = load(&ctx, &id).await?;
    if row.verified {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This number is already verified."));
    }
    let subject = code_subject(&row);
    let state = &ctx.state;
    state.lockout().within_budget(&user.id, crate::codes::guess(state, &subject, &row.phone, &code))
    .await?;
    if store::phones::verified_elsewhere(&state.pool, &row.phone, &user.id).await? {
        return Err(taken());
    }
    store::phones::set_verified(&state.pool, &row.id, state.now()).await?;
    let row = store::phones::by_id(&state.pool, &user.id, &id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::phone_number(&row, None)).await
}

/// `PATCH /me/phone_numbers/{id}` (`phone_number`, `reserved_for_second_factor`,
/// `default_second_factor`): an unverified number's digits may be corrected
/// (which invalidates the codes sent to the old ones); only a verified
/// number becomes a second factor; the answer that makes it the user's
/// first one carries backup codes when they are enabled.
async fn update(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    if let Some(input) = f.opt("phone_number")? {
        return correct_number(ctx, &id, input).await;
    }
    let reserved = f.bool("reserved_for_second_factor")?;
    let default = f.bool("default_second_factor")?;
    let (row, user) = load(&ctx, &id).await?;
    let reserved = reserved.unwrap_or(row.reserved_for_second_factor);
    let default = default.unwrap_or(row.default_second_factor) && reserved;
    if (reserved || default) && !row.verified {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "Verify this number first."));
    }
    let state = &ctx.state;
    let first = reserved && !user.two_factor_enabled;
    let mut tx = state.pool.begin().await?;
    store::phones::set_second_factor(&mut tx, &row, reserved, default, state.now()).await?;
    tx.commit().await?;
    let codes = if first && state.settings().backup_code_enabled {
        Some(crate::backup_codes::regenerate(state, &user.id).await?.1)
    } else {
        None
    };
    let row = store::phones::by_id(&state.pool, &user.id, &id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::phone_number(&row, codes)).await
}

/// Replaces the digits of an unverified number; pending codes die with the
/// old digits, in the same transaction.
async fn correct_number(ctx: Ctx, id: &str, input: &str) -> ApiResult<Response> {
    let phone = parse_phone(input)?;
    let (row, user) = load(&ctx, id).await?;
    if row.verified {
        return Err(ApiError::field(
            ErrorCode::FormParamFormatInvalid,
            "phone_number",
            "A verified number cannot be changed. Add the new number instead.",
        ));
    }
    let state = &ctx.state;
    if phone != row.phone {
        if store::phones::verified_elsewhere(&state.pool, &phone, &user.id).await? {
            return Err(taken());
        }
        let mut tx = state.pool.begin().await?;
        crate::codes::invalidate(&mut tx, &code_subject(&row)).await?;
        if !store::phones::set_number(&mut tx, &row.id, &phone, state.now()).await? {
            return Err(taken());
        }
        tx.commit().await?;
    }
    let row = store::phones::by_id(&state.pool, &user.id, id).await?.ok_or_else(ApiError::not_found)?;
    ctx.reply(StatusCode::OK, render::phone_number(&row, None)).await
}

/// `DELETE /me/phone_numbers/{id}`. A verified number needs a fresh first
/// factor (reverification); an unverified one goes without.
async fn remove(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let session = ctx.current_session().await?.session;
    let (row, _) = load(&ctx, &id).await?;
    if row.verified {
        crate::reverify::require_fresh_first_factor(&session, ctx.state.now())?;
    }
    store::phones::delete(&ctx.state.pool, &row.id).await?;
    ctx.reply(StatusCode::OK, DeletedJson::new("phone_number", row.id)).await
}
