//! Loads what a resource is made of and hands it to `crate::render`: the
//! reads behind a user, a session (with its state under the session rule
//! and its token) and a whole client.

use crate::error::{ApiError, ApiResult};
use crate::render::{self, UserRecord};
use crate::settings::InstanceSettings;
use crate::state::AppState;
use crate::store::{self, clients::ClientRow, orgs, sessions::SessionRow, users::UserRow};
use vestibule_protocol::token::CLAIMS_VERSION;
use vestibule_protocol::wire::{ClientJson, SessionJson, UserJson};
use vestibule_protocol::{session_state, OrgClaim, SessionClaims, SessionState, SessionStatus, SessionTimes, TaskInputs};

/// A stored session seen through the session rule of
/// `vestibule_protocol::task`: its lifetimes and the task rules applied to
/// the instance settings and its user.
pub fn state_of(state: &AppState, settings: &InstanceSettings, row: &SessionRow, user: &UserRow) -> SessionState {
    let times = SessionTimes { now: state.now(), created_at: row.created_at, expire_at: row.expire_at, pending_lifetime: state.pending_ttl_ms };
    let inputs = TaskInputs {
        force_password_reset: settings.force_password_reset,
        password_compromised: user.password_compromised,
        mfa_required: settings.mfa_required,
        second_factor_available: settings.totp_enabled || settings.phone_code_enabled || settings.backup_code_enabled,
        two_factor_enabled: user.two_factor_enabled,
        organizations_enabled: settings.organizations_enabled,
        force_organization_selection: settings.force_organization_selection,
        has_active_organization: row.active_organization_id.is_some(),
    };
    session_state(row.status, &times, &inputs)
}

/// Signs a session token for a live session.
pub async fn mint_token(state: &AppState, settings: &InstanceSettings, row: &SessionRow, session: &SessionState, azp: &str) -> ApiResult<String> {
    let now_s = state.now() / 1000;
    let o = match (&row.active_organization_id, settings.organizations_enabled) {
        (Some(org_id), true) => {
            let org = orgs::by_id(&state.pool, org_id).await?;
            let role = orgs::role_of(&state.pool, org_id, &row.user_id).await?;
            match (org, role) {
                (Some(org), Some(rol)) => Some(OrgClaim { id: org.id, slg: Some(org.slug), rol }),
                _ => None,
            }
        }
        _ => None,
    };
    let claims = SessionClaims {
        iss: Some(state.public_url.clone()),
        sub: row.user_id.clone(),
        sid: row.id.clone(),
        azp: Some(azp.to_string()),
        iat: Some(now_s),
        nbf: Some(now_s - 10),
        exp: now_s + settings.session_token_ttl_seconds as i64,
        v: Some(CLAIMS_VERSION),
        sts: (session.status == SessionStatus::Pending).then_some(SessionStatus::Pending),
        o,
    };
    state.tokens.get_or_sign(&state.keys, &claims).map_err(ApiError::internal)
}

/// The rows a user resource is made of.
pub async fn user_record(state: &AppState, user: UserRow) -> ApiResult<UserRecord> {
    Ok(UserRecord {
        emails: store::users::emails(&state.pool, &user.id).await?,
        enrolled: store::second_factors::enrolled(&state.pool, &user.id).await?,
        phones: store::phones::of_user(&state.pool, &user.id).await?,
        memberships: orgs::memberships_of_user(&state.pool, &user.id, 100, 0).await?,
        user,
    })
}

/// A user with addresses and memberships.
pub async fn user(state: &AppState, settings: &InstanceSettings, u: &UserRow) -> ApiResult<UserJson> {
    Ok(render::user(settings, &user_record(state, u.clone()).await?))
}

/// A session with its user and, when live, a fresh token.
pub async fn session(state: &AppState, settings: &InstanceSettings, row: &SessionRow, azp: &str) -> ApiResult<(SessionJson, SessionState)> {
    let u = store::users::by_id(&state.pool, &row.user_id).await?.ok_or_else(ApiError::not_found)?;
    let session = state_of(state, settings, row, &u);
    let token = match session.status.is_live() {
        true => Some(mint_token(state, settings, row, &session, azp).await?),
        false => None,
    };
    let ages = crate::reverify::factor_ages(row, &u, state.now());
    let user_json = user(state, settings, &u).await?;
    Ok((render::session(row, &session, user_json, token, ages), session))
}

/// The whole client: live sessions, sign-in and sign-up in progress.
pub async fn client(state: &AppState, c: &ClientRow, azp: &str) -> ApiResult<ClientJson> {
    let settings = state.settings();
    let mut sessions = Vec::new();
    for row in store::sessions::live_of_client(&state.pool, &c.id).await? {
        let (json, session) = session(state, &settings, &row, azp).await?;
        if session.status.is_live() {
            sessions.push(json);
        }
    }
    let sign_in = match &c.sign_in_id {
        Some(id) => store::sign_ins::by_id(&state.pool, &c.id, id).await?.map(|r| render::sign_in(&r)),
        None => None,
    };
    let sign_up = match &c.sign_up_id {
        Some(id) => store::sign_ups::by_id(&state.pool, &c.id, id).await?.map(|r| render::sign_up(&settings, &r)),
        None => None,
    };
    Ok(render::client(state, c, sessions, sign_in, sign_up))
}
