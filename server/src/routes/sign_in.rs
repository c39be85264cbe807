//! Sign-in: identifier, then a first factor: the password, or a code sent
//! to the email address. Failed attempts count toward the user lockout in
//! the same statement that grants them. A user who forgot the password
//! proves the address with a reset code (`reset_password_email_code`),
//! then sets a new password (`reset_password`), which finishes the first
//! factor. A password marked compromised is
//! not proof of identity: it is answered with `form_password_compromised`
//! and the sign-in must go on with an email code. A user with a second
//! factor then answers `needs_second_factor`: no session exists until a
//! TOTP, SMS or backup code is right; every wrong one spends from the same
//! lockout budget, and one sign-in takes at most 5 wrong TOTP or backup
//! codes (an SMS code dies after 5 wrong tries by itself).

use crate::ctx::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::password::Secret;
use crate::state::AppState;
use crate::openapi::{Api, Operation, Param};
use crate::store::{self, sign_ins::SignInRow, users::UserRow};
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::Channel;
use vestibule_protocol::wire::{FactorJson, SignInJson};
use vestibule_protocol::{ErrorCode, SessionStatus, SignInStatus, Strategy};

/// Routes of this module.
pub fn api() -> Api {
    let code = || Param::text("code").required();
    Api::new()
        .route(
            Operation::post("/client/sign_ins", "Start a sign-in with an identifier, and a password when it is given.")
                .form([Param::text("identifier").required(), Param::one_of("strategy", &[Strategy::Password.as_str()]), Param::text("password")])
                .replies::<SignInJson>(),
            create,
        )
        .route(Operation::get("/client/sign_ins/{id}", "A sign-in of this client.")
                .param_from("id", "post_client_sign_ins", "/response/id").replies::<SignInJson>(), read)
        .route(
            Operation::post("/client/sign_ins/{id}/prepare_first_factor", "Send a sign-in code, or a password-reset code, to the email address.")
                .param_from("id", "post_client_sign_ins", "/response/id")
                .form([Param::strategy(&EMAILED), Param::text("email_address_id")])
                .replies::<SignInJson>(),
            prepare_first_factor,
        )
        .route(
            Operation::post("/client/sign_ins/{id}/attempt_first_factor", "Try the password, the emailed code or the password-reset code.")
                .param_from("id", "post_client_sign_ins", "/response/id")
                .form([Param::strategy(&FIRST_FACTORS), Param::text("password"), Param::text("code")])
                .replies::<SignInJson>(),
            attempt_first_factor,
        )
        .route(
            Operation::post("/client/sign_ins/{id}/reset_password", "Set a new password after a right password-reset code, and go on signing in.")
                .param_from("id", "post_client_sign_ins", "/response/id")
                .form([Param::text("password").required(), Param::flag("sign_out_of_other_sessions")])
                .replies::<SignInJson>(),
            reset_password,
        )
        .route(
            Operation::post("/client/sign_ins/{id}/prepare_second_factor", "Send an SMS code to a second-factor phone number.")
                .param_from("id", "post_client_sign_ins", "/response/id")
                .form([Param::strategy(&[Strategy::PhoneCode]), Param::text("phone_number_id")])
                .replies::<SignInJson>(),
            prepare_second_factor,
        )
        .route(
            Operation::post("/client/sign_ins/{id}/attempt_second_factor", "Try a TOTP, SMS or backup code.")
                .param_from("id", "post_client_sign_ins", "/response/id")
                .form([Param::strategy(&Strategy::SECOND_FACTORS), code()])
                .replies::<SignInJson>(),
            attempt_second_factor,
        )
}

/// The first factors proven by a code sent to the email address.
const EMAILED: [Strategy; 2] = [Strategy::EmailCode, Strategy::ResetPasswordEmailCode];

/// Every first factor an attempt may prove.
const FIRST_FACTORS: [Strategy; 3] = [Strategy::Password, Strategy::EmailCode, Strategy::ResetPasswordEmailCode];

/// Wrong TOTP or backup codes one sign-in takes before it must be started
/// again (`security.md`, "TOTP"); each also spends from the user lockout.
const SECOND_FACTOR_TRIES: i64 = 5;

/// How long a sign-in in progress lives.
const SIGN_IN_LIFETIME_MS: i64 = 24 * 3600 * 1000;

async fn create(mut ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    let identifier = f.req("identifier")?.trim().to_lowercase();
    if f.opt("strategy")?.is_some() {
        f.strategy(&[Strategy::Password])?;
    }
    let password = f.opt("password")?.map(|p| Secret(p.to_string()));
    ctx.state.check_ip(ctx.ip).await?;
    refuse_second_session(&ctx).await?;
    let user = store::users::by_email(&ctx.state.pool, &identifier).await?;
    let Some(user) = user else {
        if let Some(p) = &password {
            crate::password::verify(&ctx.state.hashing, p, None, &ctx.state.dummy_hash).await?;
        }
        return Err(ApiError::field(ErrorCode::FormIdentifierNotFound, "identifier", "Couldn't find your account."));
    };
    let client = ctx.ensure_client().await?;
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    let row = store::sign_ins::start(&mut tx, &client.id, &identifier, &user.id, now, SIGN_IN_LIFETIME_MS).await?;
    store::clients::set_sign_in(&mut tx, &client.id, Some(&row.id), now).await?;
    tx.commit().await?;
    let row = match password {
        Some(p) => match attempt_password(&ctx, row, &user, &p).await {
            Ok(row) => row,
            Err(e) => return Ok(ctx.fail(e)),
        },
        None => row,
    };
    reply(ctx, &row).await
}

async fn read(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Response> {
    let row = store::sign_ins::by_id(&ctx.state.pool, &ctx.client()?.id, &id).await?.ok_or_else(ApiError::not_found)?;
    reply(ctx, &row).await
}

async fn load_open(ctx: &Ctx, id: &str) -> ApiResult<(SignInRow, UserRow)> {
    load_waiting(ctx, id, SignInStatus::NeedsFirstFactor).await
}

/// The sign-in `id` of the caller's client, if its status is `status`, and its user.
async fn load_waiting(ctx: &Ctx, id: &str, status: SignInStatus) -> ApiResult<(SignInRow, UserRow)> {
    let row = store::sign_ins::by_id(&ctx.state.pool, &ctx.client()?.id, id).await?.ok_or_else(ApiError::not_found)?;
    if row.status != status {
        let what = match status {
            SignInStatus::NeedsFirstFactor => "a first factor",
            SignInStatus::NeedsNewPassword => "a new password",
            _ => "a second factor",
        };
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, format!("This sign-in is not waiting for {what}.")));
    }
    let user_id = row.user_id.clone().ok_or_else(ApiError::not_found)?;
    let user = store::users::by_id(&ctx.state.pool, &user_id).await?.ok_or_else(ApiError::not_found)?;
    Ok((row, user))
}

/// What an emailed code of this sign-in proves: a code sent to sign in
/// does not reset the password, nor the other way round.
fn code_subject(row: &SignInRow, strategy: Strategy) -> String {
    format!("sign_in:{}:{}", row.id, strategy)
}

async fn prepare_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.strategy(&EMAILED)?;
    let (row, user) = load_open(&ctx, &id).await?;
    // clerk-js names the factor's address (`email_address_id` of the
    // `email_code` factor); another address is refused.
    if let Some(given) = f.opt("email_address_id")? {
        let factor = store::users::email_id(&ctx.state.pool, &user.id, row.identifier.as_deref().unwrap_or_default()).await?;
        if factor.as_deref() != Some(given) {
            return Err(ApiError::invalid("email_address_id"));
        }
    }
    let email = primary_email(&ctx.state, &user.id).await?;
    let purpose = if strategy == Strategy::ResetPasswordEmailCode { "reset your password" } else { "sign in" };
    crate::codes::send(&ctx.state, &code_subject(&row, strategy), Channel::Email, &email, purpose).await?;
    let row = store::sign_ins::first_factor_prepared(&ctx.state.pool, &row.id, strategy, ctx.state.now()).await?;
    reply(ctx, &row).await
}

async fn attempt_first_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.strategy(&FIRST_FACTORS)?;
    let secret = Secret(f.req(if strategy == Strategy::Password { "password" } else { "code" })?.to_string());
    ctx.state.check_ip(ctx.ip).await?;
    let (row, user) = load_open(&ctx, &id).await?;
    refuse_second_session(&ctx).await?;
    let row = if strategy == Strategy::Password {
        attempt_password(&ctx, row, &user, &secret).await?
    } else {
        let subject = code_subject(&row, strategy);
        let email = primary_email(&ctx.state, &user.id).await?;
        ctx.state.lockout().within_budget(&user.id, crate::codes::guess(&ctx.state, &subject, &email, &secret.0))
        .await?;
        if strategy == Strategy::ResetPasswordEmailCode {
            store::sign_ins::await_new_password(&ctx.state.pool, &row.id, ctx.state.now()).await?
        } else {
            after_first_factor(&ctx, row, &user, strategy).await?
        }
    };
    reply(ctx, &row).await
}

/// `POST /client/sign_ins/{id}/reset_password` (`password`,
/// `sign_out_of_other_sessions`): within the code's lifetime after a right
/// reset code, the new password (the password rules, and not the one it
/// replaces) is kept on the sign-in, which goes on as after any first
/// factor: signed in, or a second factor next. The password changes, and
/// the other sessions end when asked, only as the sign-in completes, in
/// the transaction that creates the session; a locked user is refused.
async fn reset_password(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let password = Secret(f.req("password")?.to_string());
    let sign_out_others = f.bool("sign_out_of_other_sessions")?.unwrap_or(false);
    let (row, user) = load_waiting(&ctx, &id, SignInStatus::NeedsNewPassword).await?;
    refuse_second_session(&ctx).await?;
    let state = &ctx.state;
    let now = state.now();
    if now > row.updated_at + crate::codes::TTL_MS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::VerificationExpired,
            "Your reset code was confirmed too long ago. Start again.",
        ));
    }
    if let Some(until) = store::users::locked_until(&state.pool, &user.id).await?.filter(|u| *u > now) {
        return Err(crate::lockout::locked(until, now));
    }
    crate::password::check_replacement(state, &user, &password, "password").await?;
    let hash = crate::password::hash(&state.hashing, &password).await?;
    let factors = second_factors_of(state, &user.id).await?;
    let mut tx = state.pool.begin().await?;
    if !store::sign_ins::take_new_password(&mut tx, &row.id, &hash, sign_out_others, now).await? {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::RequestInvalid, "This sign-in is not waiting for a new password."));
    }
    let row = if factors.is_empty() {
        let row = SignInRow { new_password_hash: Some(hash), sign_out_others, ..row };
        complete_in(&ctx, &mut tx, row, &user, Strategy::ResetPasswordEmailCode, None).await?
    } else {
        store::sign_ins::await_second_factor(&mut tx, &row.id, Strategy::ResetPasswordEmailCode, &factors, now).await?
    };
    tx.commit().await?;
    reply(ctx, &row).await
}

/// The user's primary email address: where a first-factor code goes, and
/// the only address it verifies.
async fn primary_email(state: &AppState, user_id: &str) -> ApiResult<String> {
    store::users::primary_email(&state.pool, user_id).await?.map(|e| e.email).ok_or_else(ApiError::not_found)
}

/// In single-session mode a client holds one live session at a time (a
/// caller without a client has none).
async fn refuse_second_session(ctx: &Ctx) -> ApiResult<()> {
    let Some(id) = ctx.client.as_ref().and_then(|c| c.last_active_session_id.clone()) else {
        return Ok(());
    };
    if let Ok(live) = ctx.live_session(&id).await {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::SessionExists, "You're already signed in.")
            .with_session(&live.session.id));
    }
    Ok(())
}

/// Checks the password within the lockout budget. A right password that
/// is marked compromised does not finish the sign-in when "force password
/// reset" is on: the caller must go on with an email code.
async fn attempt_password(ctx: &Ctx, row: SignInRow, user: &UserRow, password: &Secret) -> ApiResult<SignInRow> {
    let state = &ctx.state;
    let message = "Password is incorrect. Try again, or use another method.";
    state.lockout().within_budget(&user.id, crate::password::guess(&state.hashing, &state.dummy_hash, password, user.password_hash.clone(), "password", message)).await?;
    let breached = state.breached.contains(&password.0);
    if (user.password_compromised || breached) && state.settings().force_password_reset {
        if breached && !user.password_compromised {
            store::users::set_compromised(&state.pool, &user.id, true, state.now()).await?;
        }
        return Err(ApiError::field(
            ErrorCode::FormPasswordCompromised,
            "password",
            "Your password may be compromised. To protect your account, sign in with a code sent to your email, then set a new password.",
        ));
    }
    after_first_factor(ctx, row, user, Strategy::Password).await
}

/// The second factors a user can sign in with, in the order offered.
async fn second_factors_of(state: &AppState, user_id: &str) -> ApiResult<Vec<FactorJson>> {
    let enrolled = store::second_factors::enrolled(&state.pool, user_id).await?;
    let mut factors = Vec::new();
    if enrolled.totp {
        factors.push(FactorJson::new(Strategy::Totp));
    }
    if enrolled.phones > 0 {
        let mut phones: Vec<_> = store::phones::of_user(&state.pool, user_id)
            .await?
            .into_iter()
            .filter(|p| p.verified && p.reserved_for_second_factor)
            .collect();
        phones.sort_by_key(|p| !p.default_second_factor);
        for p in phones {
            factors.push(FactorJson {
                safe_identifier: Some(crate::phone::masked(&p.phone)),
                phone_number_id: Some(p.id.clone()),
                primary: Some(p.default_second_factor),
                ..FactorJson::new(Strategy::PhoneCode)
            });
        }
    }
    if enrolled.backup_codes_remaining > 0 {
        factors.push(FactorJson::new(Strategy::BackupCode));
    }
    Ok(factors)
}

/// After a right first factor: a user with a second factor must give it
/// next; anyone else is signed in. The first factor alone neither spends
/// nor resets the lockout budget: only a finished sign-in resets it.
async fn after_first_factor(ctx: &Ctx, row: SignInRow, user: &UserRow, strategy: Strategy) -> ApiResult<SignInRow> {
    let state = &ctx.state;
    let factors = second_factors_of(state, &user.id).await?;
    if factors.is_empty() {
        return complete(ctx, row, user, strategy, None).await;
    }
    Ok(store::sign_ins::await_second_factor(&state.pool, &row.id, strategy, &factors, state.now()).await?)
}

fn second_factor_subject(row: &SignInRow) -> String {
    format!("sign_in:{}:{}", row.id, Strategy::PhoneCode)
}

/// `POST /client/sign_ins/{id}/prepare_second_factor` (`strategy=phone_code`,
/// `phone_number_id` optional: the default number otherwise): sends an SMS code.
async fn prepare_second_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.strategy(&[Strategy::PhoneCode])?;
    let wanted = f.opt("phone_number_id")?.map(str::to_string);
    let (row, user) = load_waiting(&ctx, &id, SignInStatus::NeedsSecondFactor).await?;
    let factor = row
        .second_factors
        .iter()
        .filter(|f| f.strategy == strategy)
        .find(|f| wanted.is_none() || f.phone_number_id == wanted)
        .ok_or_else(|| ApiError::invalid(if wanted.is_some() { "phone_number_id" } else { "strategy" }))?;
    let phone_id = factor.phone_number_id.clone().unwrap_or_default();
    let phone = store::phones::by_id(&ctx.state.pool, &user.id, &phone_id)
        .await?
        .filter(|p| p.verified && p.reserved_for_second_factor)
        .ok_or_else(ApiError::not_found)?;
    crate::codes::send(&ctx.state, &second_factor_subject(&row), Channel::Sms, &phone.phone, "sign in").await?;
    let row = store::sign_ins::second_factor_prepared(&ctx.state.pool, &row.id, strategy, ctx.state.now()).await?;
    reply(ctx, &row).await
}

/// `POST /client/sign_ins/{id}/attempt_second_factor` (`strategy` = `totp`,
/// `phone_code` or `backup_code`, `code`): a right code creates the session.
async fn attempt_second_factor(ctx: Ctx, Path(id): Path<String>, Body(f): Body) -> ApiResult<Response> {
    let strategy = f.strategy(&Strategy::SECOND_FACTORS)?;
    let code = Secret(f.req("code")?.to_string());
    ctx.state.check_ip(ctx.ip).await?;
    let (row, user) = load_waiting(&ctx, &id, SignInStatus::NeedsSecondFactor).await?;
    if !row.second_factors.iter().any(|f| f.strategy == strategy) {
        return Err(ApiError::invalid("strategy"));
    }
    refuse_second_session(&ctx).await?;
    let state = &ctx.state;
    // A locked user hears so before hearing that this sign-in is spent.
    let now = state.now();
    if let Some(until) = store::users::locked_until(&state.pool, &user.id).await?.filter(|u| *u > now) {
        return Err(crate::lockout::locked(until, now));
    }
    if strategy != Strategy::PhoneCode && !store::sign_ins::reserve_second_factor_try(&state.pool, &row.id, SECOND_FACTOR_TRIES).await? {
        return Err(ApiError::field(
            ErrorCode::VerificationFailed,
            "code",
            "Too many failed attempts. Start signing in again.",
        ));
    }
    let subject = second_factor_subject(&row);
    let phone = match strategy {
        Strategy::PhoneCode => Some(sms_destination(state, &subject, &user.id).await?),
        _ => None,
    };
    let check = async {
        match (strategy, phone) {
            (Strategy::Totp, _) => crate::totp::check(state, &user.id, &code.0).await,
            (Strategy::PhoneCode, Some(phone)) => crate::codes::guess(state, &subject, &phone, &code.0).await,
            _ => crate::backup_codes::check(state, &user.id, &code.0).await,
        }
    };
    state.lockout().within_budget(&user.id, check).await?;
    let first = row.first_factor_strategy.ok_or_else(|| ApiError::internal("a sign-in waiting for a second factor has no first"))?;
    let row = complete(&ctx, row, &user, first, Some(strategy)).await?;
    reply(ctx, &row).await
}

/// The number the pending SMS code of this sign-in went to, if it is still
/// a verified second-factor number of the user; a code sent to a number
/// since removed or unreserved verifies nothing.
async fn sms_destination(state: &AppState, subject: &str, user_id: &str) -> ApiResult<String> {
    let Some(phone) = store::codes::latest_destination(&state.pool, subject).await? else {
        return Err(crate::codes::not_sent());
    };
    let still_factor = store::phones::of_user(&state.pool, user_id)
        .await?
        .iter()
        .any(|p| p.phone == phone && p.verified && p.reserved_for_second_factor);
    if !still_factor {
        crate::codes::invalidate(&state.pool, subject).await?;
        return Err(ApiError::field(
            ErrorCode::VerificationFailed,
            "code",
            "This code was sent to a number that is no longer on your account. Request a new code.",
        ));
    }
    Ok(phone)
}

/// Creates the session and completes the sign-in, in one transaction.
/// `second` is the second factor's strategy when there was one.
async fn complete(ctx: &Ctx, row: SignInRow, user: &UserRow, first: Strategy, second: Option<Strategy>) -> ApiResult<SignInRow> {
    let mut tx = ctx.state.pool.begin().await?;
    let row = complete_in(ctx, &mut tx, row, user, first, second).await?;
    tx.commit().await?;
    Ok(row)
}

/// [`complete`] within the caller's transaction `tx`.
async fn complete_in(
    ctx: &Ctx,
    tx: &mut store::db::Tx,
    row: SignInRow,
    user: &UserRow,
    first: Strategy,
    second: Option<Strategy>,
) -> ApiResult<SignInRow> {
    let state = &ctx.state;
    let now = state.now();
    // A new password chosen after a reset code takes effect now.
    if let Some(hash) = &row.new_password_hash {
        store::users::set_password(&mut *tx, &user.id, hash, now).await?;
        if row.sign_out_others {
            store::sessions::finish_all_of_user(&mut *tx, &user.id, None, SessionStatus::Revoked, now).await?;
        }
    }
    store::users::signed_in(&mut *tx, &user.id, now).await?;
    let session_id = store::sessions::insert(&mut *tx, &row.client_id, &user.id, now, state.client_lifetime_ms, second.is_some()).await?;
    let row = store::sign_ins::complete(&mut *tx, &row.id, first, second, &session_id, now).await?;
    store::clients::set_last_active_session(&mut *tx, &row.client_id, Some(&session_id), now).await?;
    store::clients::set_sign_in(&mut *tx, &row.client_id, None, now).await?;
    ctx.rotate_client_token(tx, &row.client_id).await?;
    Ok(row)
}

/// Answers the sign-in `row` with the client.
async fn reply(ctx: Ctx, row: &SignInRow) -> ApiResult<Response> {
    let json = crate::resources::sign_in(&mut (&ctx.state.pool).into(), row).await?;
    ctx.reply(StatusCode::OK, json).await
}
