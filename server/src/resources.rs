//! Loads what a resource is made of and hands it to `crate::render`: the
//! reads behind a user, a session (with its state under the session rule
//! and its token) and a whole client.

use crate::error::{ApiError, ApiResult};
use crate::render::{self, UserRecord};
use crate::settings::InstanceSettings;
use crate::state::AppState;
use crate::store::db::Exec;
use crate::store::{self, clients::ClientRow, orgs, sessions::SessionRow, users::UserRow};
use vestibule_protocol::token::CLAIMS_VERSION;
use vestibule_protocol::wire::{ClientJson, SessionJson, SignInJson, SignUpJson, UserJson};
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
    mint_token_on(&mut Exec::from(&state.pool), state, settings, row, session, azp, None).await
}

/// [`mint_token`] on `ex`; the organization claim comes from `memberships`
/// (the user's, when already read) unless the list may be cut short.
async fn mint_token_on(
    ex: &mut Exec<'_>,
    state: &AppState,
    settings: &InstanceSettings,
    row: &SessionRow,
    session: &SessionState,
    azp: &str,
    memberships: Option<&[orgs::MembershipRow]>,
) -> ApiResult<String> {
    let now_s = state.now() / 1000;
    let o = match (&row.active_organization_id, settings.organizations_enabled) {
        (Some(org_id), true) => match memberships.filter(|all| (all.len() as i64) < MEMBERSHIPS_READ) {
            Some(all) => all.iter().find(|m| &m.org.id == org_id).map(|m| OrgClaim { id: m.org.id.clone(), slg: Some(m.org.slug.clone()), rol: m.role.clone() }),
            None => {
                let org = orgs::by_id(ex.reborrow(), org_id).await?;
                let role = orgs::role_of(ex.reborrow(), org_id, &row.user_id).await?;
                match (org, role) {
                    (Some(org), Some(rol)) => Some(OrgClaim { id: org.id, slg: Some(org.slug), rol }),
                    _ => None,
                }
            }
        },
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
    state.tokens.get_or_sign(&state.signer(), &claims).map_err(ApiError::internal)
}

/// How many memberships a user resource lists.
const MEMBERSHIPS_READ: i64 = 100;

/// The rows a user resource is made of.
pub async fn user_record(state: &AppState, user: UserRow) -> ApiResult<UserRecord> {
    user_record_on(&mut Exec::from(&state.pool), user).await
}

/// [`user_record`] on `ex`.
async fn user_record_on(ex: &mut Exec<'_>, user: UserRow) -> ApiResult<UserRecord> {
    Ok(UserRecord {
        emails: store::users::emails(ex.reborrow(), &user.id).await?,
        enrolled: store::second_factors::enrolled(ex.reborrow(), &user.id).await?,
        phones: store::phones::of_user(ex.reborrow(), &user.id).await?,
        memberships: orgs::memberships_of_user(ex.reborrow(), &user.id, MEMBERSHIPS_READ, 0).await?,
        user,
    })
}

/// A user with addresses and memberships.
pub async fn user(state: &AppState, settings: &InstanceSettings, u: &UserRow) -> ApiResult<UserJson> {
    Ok(render::user(settings, &user_record(state, u.clone()).await?))
}

/// A session with its user and, when live, a fresh token.
pub async fn session(state: &AppState, settings: &InstanceSettings, row: &SessionRow, azp: &str) -> ApiResult<(SessionJson, SessionState)> {
    let mut conn = state.pool.acquire().await?;
    session_on(&mut Exec::from(&mut conn), state, settings, row, azp).await
}

/// [`session`] on `ex`: every read on it, the token signed after them.
async fn session_on(ex: &mut Exec<'_>, state: &AppState, settings: &InstanceSettings, row: &SessionRow, azp: &str) -> ApiResult<(SessionJson, SessionState)> {
    let u = store::users::by_id(ex.reborrow(), &row.user_id).await?.ok_or_else(ApiError::not_found)?;
    let session = state_of(state, settings, row, &u);
    let ages = crate::reverify::factor_ages(row, &u, state.now());
    let record = user_record_on(ex, u).await?;
    let token = match session.status.is_live() {
        true => Some(mint_token_on(ex, state, settings, row, &session, azp, Some(&record.memberships)).await?),
        false => None,
    };
    let user_json = render::user(settings, &record);
    Ok((render::session(row, &session, user_json, token, ages), session))
}

/// A sign-in, with the id of the address it signs in with read on `ex`.
pub async fn sign_in(ex: &mut Exec<'_>, row: &store::sign_ins::SignInRow) -> ApiResult<SignInJson> {
    let email_address_id = match (&row.user_id, &row.identifier) {
        (Some(user), Some(email)) => store::users::email_id(ex.reborrow(), user, email).await?,
        _ => None,
    };
    Ok(render::sign_in(row, email_address_id))
}

/// A sign-up, with the email code sent for it (if one was) on `ex`.
pub async fn sign_up(ex: &mut Exec<'_>, settings: &InstanceSettings, row: &store::sign_ups::SignUpRow) -> ApiResult<SignUpJson> {
    let code = match row.email {
        Some(_) => store::codes::newest_sent(ex.reborrow(), &crate::codes::sign_up_subject(&row.id)).await?,
        None => None,
    };
    Ok(render::sign_up(settings, row, code))
}

/// The whole client: live sessions, sign-in and sign-up in progress.
pub async fn client(state: &AppState, c: &ClientRow, azp: &str) -> ApiResult<ClientJson> {
    let settings = state.settings();
    // Every read of the client on one connection: the request every page
    // of an application makes first takes the pool once.
    let mut conn = state.pool.acquire().await?;
    let ex = &mut Exec::from(&mut conn);
    let mut sessions = Vec::new();
    for row in store::sessions::live_of_client(ex.reborrow(), &c.id).await? {
        let (json, session) = session_on(ex, state, &settings, &row, azp).await?;
        if session.status.is_live() {
            sessions.push(json);
        }
    }
    let sign_in = match &c.sign_in_id {
        Some(id) => match store::sign_ins::by_id(ex.reborrow(), &c.id, id).await? {
            Some(r) => Some(sign_in(ex, &r).await?),
            None => None,
        },
        None => None,
    };
    let sign_up = match &c.sign_up_id {
        Some(id) => match store::sign_ups::by_id(ex.reborrow(), &c.id, id).await? {
            Some(r) => Some(sign_up(ex, &settings, &r).await?),
            None => None,
        },
        None => None,
    };
    Ok(render::client(state, c, sessions, sign_in, sign_up))
}
