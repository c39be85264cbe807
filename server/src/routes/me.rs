//! The current user (`/me`) and their password. A pending session may call
//! these: the reset-password task changes the password here.

use crate::ctx::{Ctx, LiveSession};
use crate::error::{ApiError, ApiResult};
use crate::input::Body;
use crate::password::{self, Secret};
use crate::openapi::{Api, Operation, Param};
use crate::store;
use axum::http::StatusCode;
use axum::response::Response;
use vestibule_protocol::wire::UserJson;
use vestibule_protocol::{SessionStatus, TaskKey};

/// Routes of this module.
pub fn api() -> Api {
    Api::new().route(Operation::get("/me", "The signed-in user.").replies::<UserJson>(), me).route(
        Operation::post("/me/change_password", "Set a new password (the current one is asked unless a reset is due).")
            .form([Param::text("new_password").required(), Param::text("current_password"), Param::flag("sign_out_of_other_sessions")])
            .replies::<UserJson>(),
        change_password,
    )
}

async fn me(ctx: Ctx) -> ApiResult<Response> {
    let user = ctx.current_user().await?;
    let json = crate::resources::user(&ctx.state, &ctx.state.settings(), &user).await?;
    ctx.reply(StatusCode::OK, json).await
}

/// `POST /me/change_password`: outside the `reset-password` task the
/// caller proves a first factor, either by `current_password` (checked
/// within the lockout budget, and then counted as the session's fresh
/// first factor) or by having proved one in the last 10 minutes
/// (reverification; otherwise 403 `session_reverification_required`). The
/// new password must pass the password rules and differ from the current
/// one. Other sessions of the user end when asked, in the same transaction.
async fn change_password(ctx: Ctx, Body(f): Body) -> ApiResult<Response> {
    let LiveSession { session, user, state: view } = ctx.current_session().await?;
    let new_password = Secret(f.req("new_password")?.to_string());
    let sign_out_others = f.bool("sign_out_of_other_sessions")?.unwrap_or(false);
    let resetting = view.tasks.contains(&TaskKey::ResetPassword);
    let settings = ctx.state.settings();
    let mut proved_now = false;
    if !resetting {
        match f.opt("current_password")? {
            None => crate::reverify::require_fresh_first_factor(&session, ctx.state.now())?,
            Some(current) => {
                let current = Secret(current.to_string());
                let message = "Your current password is incorrect.";
                let guess = crate::password::guess(&ctx.state.hashing, &ctx.state.dummy_hash, &current, user.password_hash.clone(), "current_password", message);
                ctx.state.lockout().within_budget(&user.id, guess).await?;
                proved_now = true;
            }
        }
    }
    password::check_replacement(&ctx.state, &user, &new_password, "new_password").await?;
    let hash = password::hash(&ctx.state.hashing, &new_password).await?;
    let now = ctx.state.now();
    let mut tx = ctx.state.pool.begin().await?;
    store::users::set_password(&mut tx, &user.id, &hash, now).await?;
    store::users::reset_attempts(&mut tx, &user.id).await?;
    if proved_now {
        store::sessions::first_factor_verified(&mut tx, &session.id, now).await?;
    }
    if sign_out_others {
        store::sessions::finish_all_of_user(&mut tx, &user.id, Some(&session.id), SessionStatus::Revoked, now).await?;
    }
    tx.commit().await?;
    let user = store::users::by_id(&ctx.state.pool, &user.id).await?.ok_or_else(ApiError::not_found)?;
    let json = crate::resources::user(&ctx.state, &settings, &user).await?;
    ctx.reply(StatusCode::OK, json).await
}
