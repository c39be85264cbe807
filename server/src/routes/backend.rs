//! The Backend API for operators (`/backend/v1`, `Authorization: Bearer
//! <secret key>`): users, compromised passwords, organizations,
//! invitations, the instance settings and the session-token keys (JWKS and
//! PEM). Answers are bare resources, as
//! `@clerk/backend` reads them.

use crate::error::{ApiError, ApiResult};
use crate::input::{Body, Query};
use crate::password::{self, Secret};
use crate::render;
use crate::state::AppState;
use crate::store::{self, orgs, users::NewUser};
use crate::input::Path;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use crate::openapi::{Api, Operation, Param};
use crate::settings::InstanceSettings;
use vestibule_protocol::token::Jwks;
use vestibule_protocol::wire::{InvitationJson, OrganizationJson, UserJson};
use serde_json::Value;
use vestibule_protocol::ErrorCode;

/// Routes of the Backend API, relative to `/backend/v1`, behind the
/// secret key.
pub fn api(state: AppState) -> Api {
    Api::new()
        .route(
            Operation::post("/users", "Make a user (email address verified).")
                .form([
                    Param::email("email_address").required(),
                    Param::text("password"),
                    Param::flag("skip_password_checks"),
                    Param::text("first_name"),
                    Param::text("last_name"),
                ])
                .answers::<UserJson>(),
            create_user,
        )
        .route(
            Operation::get("/users", "Users with the given email addresses.")
                .query([Param::text("email_address").repeated()])
                .answers::<Vec<UserJson>>(),
            find_users,
        )
        .route(Operation::get("/users/{id}", "A user.")
                .param_from("id", "post_users", "/id").answers::<UserJson>(), get_user)
        .route(
            Operation::post("/users/{id}/password/set_compromised", "Mark the user's password compromised: a reset is due at next sign-in.")
                .param_from("id", "post_users", "/id")
                .form([Param::flag("revoke_all_sessions")])
                .answers::<UserJson>(),
            set_compromised,
        )
        .route(
            Operation::post("/organizations", "Make an organization, with `created_by` as its admin.")
                .form([Param::text("name").required(), Param::text("slug"), Param::text("created_by")])
                .answers::<OrganizationJson>(),
            create_organization,
        )
        .route(
            Operation::post("/organizations/{id}/invitations", "Invite an email address to an organization.")
                .param_from("id", "post_organizations", "/id")
                .form([Param::email("email_address").required(), Param::text("role")])
                .answers::<InvitationJson>(),
            invite,
        )
        .route(Operation::get("/instance", "The instance settings.").answers::<InstanceSettings>(), get_instance)
        .route(
            Operation::patch("/instance", "Change some instance settings; the others keep their values.")
                .form(InstanceSettings::form_params())
                .answers::<InstanceSettings>(),
            patch_instance,
        )
        .route(Operation::get("/jwks", "The public keys that verify session tokens.").answers::<Jwks>(), crate::routes::client::jwks)
        .route(
            Operation::post("/signing_keys/rotate", "Make a new signing key, published at once and signing 2 s later; answers the JWKS.")
                .answers::<Jwks>(),
            rotate_signing_key,
        )
        .route(
            Operation::get("/jwt_public_key", "The session-token public key as PEM.").answers_text("application/x-pem-file"),
            jwt_public_key,
        )
        .map_router(|r| r.layer(axum::middleware::from_fn_with_state(state, require_secret_key)))
}

async fn require_secret_key(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, ApiError> {
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match key {
        Some(k) if state.is_secret_key(k.trim()) => Ok(next.run(req).await),
        _ => Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::AuthenticationInvalid, "A valid secret key is required.")),
    }
}

async fn user_json(state: &AppState, id: &str) -> ApiResult<Json<Value>> {
    let u = store::users::by_id(&state.pool, id).await?.ok_or_else(ApiError::not_found)?;
    let json = crate::resources::user(state, &state.settings(), &u).await?;
    Ok(Json(serde_json::to_value(json).map_err(ApiError::internal)?))
}

async fn create_user(State(state): State<AppState>, Body(f): Body) -> ApiResult<(StatusCode, Json<Value>)> {
    let email = crate::routes::sign_up::normalise_email(f.req("email_address")?, "email_address")?;
    let skip_checks = f.bool("skip_password_checks")?.unwrap_or(false);
    let hash = match f.opt("password")? {
        Some(p) => {
            if !skip_checks {
                password::check_new(&state.new_password_rules(), p, "password", &[email.as_str()]).await?;
            }
            Some(password::hash(&state.hashing, &Secret(p.to_string())).await?)
        }
        None => None,
    };
    let first = f.opt("first_name")?.map(str::to_string);
    let last = f.opt("last_name")?.map(str::to_string);
    let now = state.now();
    let mut tx = state.pool.begin().await?;
    let new = NewUser {
        email: &email,
        email_verified: true,
        password_hash: hash.as_deref(),
        first_name: first.as_deref(),
        last_name: last.as_deref(),
    };
    let id = store::users::insert(&mut tx, &new, now).await?.ok_or_else(|| {
        ApiError::field(ErrorCode::FormIdentifierExists, "email_address", "That email address is taken.")
    })?;
    tx.commit().await?;
    Ok((StatusCode::OK, user_json(&state, &id).await?))
}

async fn find_users(State(state): State<AppState>, Query(q): Query) -> ApiResult<Json<Value>> {
    let mut out = Vec::new();
    for raw in q.all("email_address") {
        let email = crate::routes::sign_up::normalise_email(raw, "email_address")?;
        if let Some(u) = store::users::by_email(&state.pool, &email).await? {
            out.push(serde_json::to_value(crate::resources::user(&state, &state.settings(), &u).await?).map_err(ApiError::internal)?);
        }
    }
    Ok(Json(Value::Array(out)))
}

async fn get_user(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    user_json(&state, &id).await
}

async fn set_compromised(State(state): State<AppState>, Path(id): Path<String>, Body(f): Body) -> ApiResult<Json<Value>> {
    let revoke = f.bool("revoke_all_sessions")?.unwrap_or(false);
    if !crate::compromise::mark(&state.pool, &id, revoke, state.now()).await? {
        return Err(ApiError::not_found());
    }
    user_json(&state, &id).await
}

async fn create_organization(State(state): State<AppState>, Body(f): Body) -> ApiResult<Json<Value>> {
    let (name, slug) = crate::routes::organizations::name_and_slug(&f)?;
    let creator = match f.opt("created_by")? {
        Some(uid) => Some(store::users::by_id(&state.pool, uid).await?.ok_or_else(|| ApiError::invalid("created_by"))?.id),
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    let id = orgs::insert(&mut tx, &name, &slug, creator.as_deref(), state.now())
        .await?
        .ok_or_else(crate::routes::organizations::slug_taken)?;
    tx.commit().await?;
    let org = orgs::by_id(&state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(serde_json::to_value(render::organization(&org)).map_err(ApiError::internal)?))
}

async fn invite(State(state): State<AppState>, Path(id): Path<String>, Body(f): Body) -> ApiResult<Json<Value>> {
    let email = crate::routes::sign_up::normalise_email(f.req("email_address")?, "email_address")?;
    let role = f.opt("role")?.unwrap_or("org:member");
    if !matches!(role, "org:admin" | "org:member") {
        return Err(ApiError::invalid("role"));
    }
    orgs::by_id(&state.pool, &id).await?.ok_or_else(ApiError::not_found)?;
    let inv_id = orgs::invite(&state.pool, &id, &email, role, state.now()).await?;
    let inv = orgs::invitation(&state.pool, &inv_id).await?.ok_or_else(ApiError::not_found)?;
    Ok(Json(serde_json::to_value(render::invitation(&inv)).map_err(ApiError::internal)?))
}

/// `POST /signing_keys/rotate`: a new key, published at once, signs 2 s
/// later; the one it replaces stays published until the tokens it signed
/// have expired.
async fn rotate_signing_key(State(state): State<AppState>) -> ApiResult<Json<Jwks>> {
    state.rotate_signing_key().await.map_err(ApiError::internal)?;
    Ok(Json(state.jwks()))
}

/// `GET /jwt_public_key`: the PEM of the session-token public key, as
/// `@clerk/backend`'s `verifyToken(token, { jwtKey })` takes it.
async fn jwt_public_key(State(state): State<AppState>) -> Response {
    use axum::response::IntoResponse;
    ([(header::CONTENT_TYPE, "application/x-pem-file")], state.signer().public_pem().to_string()).into_response()
}

async fn get_instance(State(state): State<AppState>) -> Json<crate::settings::InstanceSettings> {
    Json(state.settings())
}

async fn patch_instance(State(state): State<AppState>, Body(f): Body) -> ApiResult<Json<crate::settings::InstanceSettings>> {
    let next = state
        .settings()
        .patched(&f.to_json_map())
        .map_err(|e| ApiError::field(ErrorCode::FormParamFormatInvalid, &e.param, e.to_string()))?;
    state.replace_settings(next.clone()).await?;
    Ok(Json(next))
}
