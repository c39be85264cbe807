//! Builds the JSON resources of `frontend-api.md` section 3 from rows, and
//! computes each session's status and tasks from state on every read.

use crate::error::{ApiError, ApiResult};
use crate::keys::{OrgClaim, SessionClaims};
use crate::settings::InstanceSettings;
use crate::state::AppState;
use crate::store::{self, clients::ClientRow, orgs, sessions::SessionRow, users::UserRow};
use vestibule_protocol::wire::*;
use vestibule_protocol::{session_tasks, SessionStatus, TaskInputs, TaskKey};

/// A session's derived state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// The status callers see.
    pub status: SessionStatus,
    /// The tasks, in order (empty unless pending).
    pub tasks: Vec<TaskKey>,
}

/// Applies the task rules and lifetimes to a stored session.
pub fn session_view(state: &AppState, settings: &InstanceSettings, row: &SessionRow, user: &UserRow) -> SessionView {
    let stored = match row.status.as_str() {
        "active" => None,
        "ended" => Some(SessionStatus::Ended),
        "removed" => Some(SessionStatus::Removed),
        "revoked" => Some(SessionStatus::Revoked),
        _ => Some(SessionStatus::Expired),
    };
    if let Some(status) = stored {
        return SessionView { status, tasks: Vec::new() };
    }
    let now = state.now();
    if now >= row.expire_at {
        return SessionView { status: SessionStatus::Expired, tasks: Vec::new() };
    }
    let tasks = session_tasks(&TaskInputs {
        force_password_reset: settings.force_password_reset,
        password_compromised: user.password_compromised,
        mfa_required: settings.mfa_required,
        second_factor_available: settings.totp_enabled || settings.phone_code_enabled || settings.backup_code_enabled,
        two_factor_enabled: user.two_factor_enabled,
        organizations_enabled: settings.organizations_enabled,
        force_organization_selection: settings.force_organization_selection,
        has_active_organization: row.active_organization_id.is_some(),
    });
    if tasks.is_empty() {
        SessionView { status: SessionStatus::Active, tasks }
    } else if now >= row.created_at + state.pending_ttl_ms {
        SessionView { status: SessionStatus::Expired, tasks: Vec::new() }
    } else {
        SessionView { status: SessionStatus::Pending, tasks }
    }
}

/// Signs a session token for a live session.
pub async fn mint_token(state: &AppState, settings: &InstanceSettings, row: &SessionRow, view: &SessionView, azp: &str) -> ApiResult<String> {
    let now_s = state.now() / 1000;
    let o = match (&row.active_organization_id, settings.organizations_enabled) {
        (Some(org_id), true) => {
            let org = orgs::by_id(&state.pool, org_id).await?;
            let role = orgs::role_of(&state.pool, org_id, &row.user_id).await?;
            match (org, role) {
                (Some(org), Some(rol)) => Some(OrgClaim { id: org.id, slg: org.slug, rol }),
                _ => None,
            }
        }
        _ => None,
    };
    let claims = SessionClaims {
        iss: state.public_url.clone(),
        sub: row.user_id.clone(),
        sid: row.id.clone(),
        azp: azp.to_string(),
        iat: now_s,
        nbf: now_s - 10,
        exp: now_s + settings.session_token_ttl_seconds as i64,
        v: 2,
        sts: (view.status == SessionStatus::Pending).then_some("pending"),
        o,
    };
    state.tokens.get_or_sign(&state.keys, &claims).map_err(ApiError::internal)
}

/// A user with addresses and memberships.
pub async fn user(state: &AppState, settings: &InstanceSettings, u: &UserRow) -> ApiResult<UserJson> {
    let emails = store::users::emails(&state.pool, &u.id).await?;
    let enrolled = store::second_factors::enrolled(&state.pool, &u.id).await?;
    let phones = store::phones::of_user(&state.pool, &u.id).await?;
    let memberships = orgs::memberships_of_user(&state.pool, &u.id, 100, 0).await?;
    Ok(UserJson {
        object: "user".into(),
        id: u.id.clone(),
        primary_email_address_id: emails.iter().find(|e| e.is_primary).map(|e| e.id.clone()),
        primary_phone_number_id: phones.iter().find(|p| p.verified).map(|p| p.id.clone()),
        email_addresses: emails
            .iter()
            .map(|e| EmailAddressJson {
                object: "email_address".into(),
                id: e.id.clone(),
                email_address: e.email.clone(),
                verification: Some(VerificationJson {
                    object: Some("verification_email_code".into()),
                    status: if e.verified { "verified" } else { "unverified" }.into(),
                    strategy: Some("email_code".into()),
                    attempts: None,
                    expire_at: None,
                }),
                linked_to: Vec::new(),
                created_at: e.created_at,
                updated_at: e.updated_at,
            })
            .collect(),
        phone_numbers: phones.iter().map(|p| phone_number(p, None)).collect(),
        organization_memberships: memberships.iter().map(membership).collect(),
        password_enabled: u.password_hash.is_some(),
        totp_enabled: enrolled.totp,
        backup_code_enabled: enrolled.backup_codes_remaining > 0,
        backup_codes_remaining: enrolled.backup_codes_remaining.max(0) as u32,
        two_factor_enabled: enrolled.any(),
        create_organization_enabled: settings.organizations_enabled
            && settings.create_organization_enabled
            && u.create_organization_enabled,
        create_organizations_limit: None,
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        image_url: String::new(),
        has_image: false,
        last_sign_in_at: u.last_sign_in_at,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// A phone number; `backup_codes` only in the answer that made it the
/// user's first second factor.
pub fn phone_number(p: &store::phones::PhoneRow, backup_codes: Option<Vec<String>>) -> PhoneNumberJson {
    PhoneNumberJson {
        object: "phone_number".into(),
        id: p.id.clone(),
        phone_number: p.phone.clone(),
        reserved_for_second_factor: p.reserved_for_second_factor,
        default_second_factor: p.default_second_factor,
        verification: Some(VerificationJson {
            object: Some("verification_phone_code".into()),
            status: if p.verified { "verified" } else { "unverified" }.into(),
            strategy: Some("phone_code".into()),
            attempts: None,
            expire_at: None,
        }),
        linked_to: Vec::new(),
        backup_codes,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

/// An organization.
pub fn organization(o: &orgs::OrgRow) -> OrganizationJson {
    OrganizationJson {
        object: "organization".into(),
        id: o.id.clone(),
        name: o.name.clone(),
        slug: o.slug.clone(),
        image_url: String::new(),
        has_image: false,
        members_count: o.members_count.max(0) as u64,
        pending_invitations_count: o.pending_invitations_count.max(0) as u64,
        max_allowed_memberships: 0,
        admin_delete_enabled: true,
        public_metadata: serde_json::json!({}),
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}

/// A membership.
pub fn membership(m: &orgs::MembershipRow) -> MembershipJson {
    let admin = m.role == "org:admin";
    MembershipJson {
        object: "organization_membership".into(),
        id: m.id.clone(),
        organization: organization(&m.org),
        role: m.role.clone(),
        role_name: if admin { "Admin" } else { "Member" }.into(),
        permissions: if admin {
            vec!["org:sys_memberships:manage".into(), "org:sys_memberships:read".into(), "org:sys_profile:manage".into()]
        } else {
            vec!["org:sys_memberships:read".into()]
        },
        public_metadata: serde_json::json!({}),
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// An invitation.
pub fn invitation(i: &orgs::InvitationRow) -> InvitationJson {
    InvitationJson {
        object: "organization_invitation".into(),
        id: i.id.clone(),
        email_address: i.email.clone(),
        public_organization_data: PublicOrganizationDataJson {
            id: i.organization_id.clone(),
            name: i.org_name.clone(),
            slug: i.org_slug.clone(),
            image_url: String::new(),
            has_image: false,
        },
        status: i.status.clone(),
        role: i.role.clone(),
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

/// What a session shows of its user.
pub fn public_user_data(u: &UserJson) -> PublicUserDataJson {
    PublicUserDataJson {
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        image_url: String::new(),
        has_image: false,
        identifier: u.primary_email().unwrap_or_default().to_string(),
        user_id: Some(u.id.clone()),
    }
}

/// A session with its user and, when live, a fresh token.
pub async fn session(state: &AppState, settings: &InstanceSettings, row: &SessionRow, azp: &str) -> ApiResult<(SessionJson, SessionView)> {
    let u = store::users::by_id(&state.pool, &row.user_id).await?.ok_or_else(ApiError::not_found)?;
    let view = session_view(state, settings, row, &u);
    let user_json = user(state, settings, &u).await?;
    let token = if view.status.is_live() {
        Some(TokenJson { object: "token".into(), jwt: mint_token(state, settings, row, &view, azp).await? })
    } else {
        None
    };
    let json = SessionJson {
        object: "session".into(),
        id: row.id.clone(),
        status: view.status,
        tasks: (!view.tasks.is_empty()).then(|| view.tasks.iter().map(|k| TaskJson { key: *k }).collect()),
        last_active_organization_id: row.active_organization_id.clone(),
        last_active_token: token,
        public_user_data: public_user_data(&user_json),
        user: Some(user_json),
        factor_verification_age: Some(crate::reverify::factor_ages(row, &u, state.now())),
        expire_at: row.expire_at,
        abandon_at: row.abandon_at,
        last_active_at: row.last_active_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    };
    Ok((json, view))
}

/// The whole client: live sessions, sign-in and sign-up in progress.
pub async fn client(state: &AppState, c: &ClientRow, azp: &str) -> ApiResult<ClientJson> {
    let settings = state.settings();
    let mut sessions = Vec::new();
    for row in store::sessions::live_of_client(&state.pool, &c.id).await? {
        let (json, view) = session(state, &settings, &row, azp).await?;
        if view.status.is_live() {
            sessions.push(json);
        }
    }
    let last_active = c
        .last_active_session_id
        .clone()
        .filter(|id| sessions.iter().any(|s| &s.id == id));
    let sign_in = match &c.sign_in_id {
        Some(id) => store::sign_ins::by_id(&state.pool, &c.id, id).await?.map(|r| sign_in(&r)),
        None => None,
    };
    let sign_up = match &c.sign_up_id {
        Some(id) => store::sign_ups::by_id(&state.pool, &c.id, id).await?.map(|r| sign_up(&settings, &r)),
        None => None,
    };
    Ok(ClientJson {
        object: "client".into(),
        id: c.id.clone(),
        sessions,
        sign_in,
        sign_up,
        last_active_session_id: last_active,
        cookie_expires_at: Some(c.updated_at + state.client_lifetime_ms),
        created_at: c.created_at,
        updated_at: c.updated_at,
    })
}

/// A sign-in.
pub fn sign_in(r: &store::sign_ins::SignInRow) -> SignInJson {
    SignInJson {
        object: "sign_in".into(),
        id: r.id.clone(),
        status: r.status.clone(),
        identifier: r.identifier.clone(),
        supported_identifiers: vec!["email_address".into()],
        supported_first_factors: if r.user_id.is_some() {
            vec![
                FactorJson { strategy: "password".into(), ..FactorJson::default() },
                FactorJson {
                    strategy: "email_code".into(),
                    safe_identifier: r.identifier.clone(),
                    primary: Some(true),
                    ..FactorJson::default()
                },
            ]
        } else {
            Vec::new()
        },
        supported_second_factors: r.second_factors.as_deref().and_then(|j| serde_json::from_str(j).ok()),
        first_factor_verification: r.first_factor_status.as_ref().map(|status| VerificationJson {
            object: Some("verification".into()),
            status: status.clone(),
            strategy: r.first_factor_strategy.clone(),
            attempts: None,
            expire_at: None,
        }),
        second_factor_verification: r.second_factor_strategy.as_ref().map(|strategy| VerificationJson {
            object: Some("verification".into()),
            status: r.second_factor_status.clone().unwrap_or_else(|| "unverified".into()),
            strategy: Some(strategy.clone()),
            attempts: None,
            expire_at: None,
        }),
        created_session_id: r.created_session_id.clone(),
        user_data: None,
        abandon_at: r.abandon_at,
    }
}

/// A sign-up.
pub fn sign_up(settings: &InstanceSettings, r: &store::sign_ups::SignUpRow) -> SignUpJson {
    let mut missing = Vec::new();
    if r.email.is_none() {
        missing.push("email_address".to_string());
    }
    if r.password_hash.is_none() {
        missing.push("password".to_string());
    }
    let needs_verification = settings.email_verification_at_sign_up && r.email.is_some() && !r.email_verified;
    SignUpJson {
        object: "sign_up".into(),
        id: r.id.clone(),
        status: r.status.clone(),
        required_fields: vec!["email_address".into(), "password".into()],
        optional_fields: vec!["first_name".into(), "last_name".into()],
        missing_fields: missing,
        unverified_fields: if needs_verification { vec!["email_address".into()] } else { Vec::new() },
        verifications: SignUpVerificationsJson {
            email_address: r.email.as_ref().map(|_| VerificationJson {
                object: Some("verification_email_code".into()),
                status: if r.email_verified || !settings.email_verification_at_sign_up { "verified" } else { "unverified" }.into(),
                strategy: Some("email_code".into()),
                attempts: None,
                expire_at: None,
            }),
            ..SignUpVerificationsJson::default()
        },
        email_address: r.email.clone(),
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        has_password: r.password_hash.is_some(),
        created_session_id: r.created_session_id.clone(),
        created_user_id: r.created_user_id.clone(),
        abandon_at: r.abandon_at,
    }
}

/// The environment resource, from the instance settings.
pub fn environment(state: &AppState) -> serde_json::Value {
    let s = state.settings();
    let base = &state.public_url;
    let attr = |enabled: bool, first: &[&str], second: &[&str], verify: bool| {
        let verifications: &[&str] = match (verify, second) {
            (true, _) => &["email_code"],
            (false, ["phone_code"]) => &["phone_code"],
            _ => &[],
        };
        serde_json::json!({
            "enabled": enabled, "required": enabled && !first.is_empty(),
            "used_for_first_factor": !first.is_empty(), "first_factors": first,
            "used_for_second_factor": !second.is_empty(), "second_factors": second,
            "verifications": verifications,
            "verify_at_sign_up": verify, "name": "", "immutable": false,
        })
    };
    serde_json::json!({
        "object": "environment",
        "id": "env_vestibule",
        "auth_config": { "object": "auth_config", "id": "aac_vestibule", "single_session_mode": true,
            "claimed_at": null, "reverification": false },
        "display_config": {
            "object": "display_config", "id": "display_config_vestibule",
            "instance_environment_type": if s.is_development() { "development" } else { "production" },
            "application_name": s.application_name,
            "allowed_redirect_origins": state.redirect_policy().allowed_origins,
            "sign_in_url": format!("{base}/sign-in"), "sign_up_url": format!("{base}/sign-up"),
            "after_sign_in_url": format!("{base}/"), "after_sign_up_url": format!("{base}/"),
            "after_sign_out_all_url": format!("{base}/sign-in"), "after_sign_out_one_url": format!("{base}/sign-in"),
            "after_switch_session_url": format!("{base}/"), "home_url": format!("{base}/"),
            "user_profile_url": format!("{base}/"), "organization_profile_url": format!("{base}/"),
            "create_organization_url": format!("{base}/sign-in/tasks/choose-organization"),
            "after_leave_organization_url": format!("{base}/"), "after_create_organization_url": format!("{base}/"),
            "logo_image_url": "", "favicon_image_url": "", "branded": false, "theme": {},
            "preferred_sign_in_strategy": "password", "captcha_public_key": null, "captcha_widget_type": null,
            "captcha_provider": null, "captcha_public_key_invisible": null, "captcha_oauth_bypass": [],
            "support_email": null, "clerk_js_version": null, "google_one_tap_client_id": null,
            "show_devmode_warning": false, "terms_url": null, "privacy_policy_url": null,
        },
        "user_settings": {
            "attributes": {
                "email_address": attr(true, &["email_code"], &[], s.email_verification_at_sign_up),
                "password": attr(true, &[], &[], false),
                "phone_number": attr(s.phone_code_enabled, &[], if s.phone_code_enabled { &["phone_code"] } else { &[] }, false),
                "authenticator_app": attr(s.totp_enabled, &[], if s.totp_enabled { &["totp"] } else { &[] }, false),
                "backup_code": attr(s.backup_code_enabled, &[], if s.backup_code_enabled { &["backup_code"] } else { &[] }, false),
                "first_name": attr(true, &[], &[], false),
                "last_name": attr(true, &[], &[], false),
                "username": attr(false, &[], &[], false),
                "web3_wallet": attr(false, &[], &[], false),
                "passkey": attr(false, &[], &[], false),
            },
            "social": {}, "saml": { "enabled": false }, "enterprise_sso": { "enabled": false },
            "sign_in": { "second_factor": { "required": false } },
            "sign_up": { "captcha_enabled": false, "captcha_widget_type": null, "custom_action_required": false,
                "progressive": true, "mode": "public", "legal_consent_enabled": false,
                "mfa": { "required": s.mfa_required } },
            "restrictions": { "allowlist": { "enabled": false }, "blocklist": { "enabled": false },
                "block_email_subaddresses": { "enabled": false }, "block_disposable_email_domains": { "enabled": false },
                "ignore_dots_for_gmail_addresses": { "enabled": false } },
            "username_settings": { "min_length": 4, "max_length": 64 },
            "actions": { "delete_self": false, "create_organization": s.create_organization_enabled },
            "attack_protection": { "user_lockout": { "enabled": true, "max_attempts": s.lockout_max_attempts,
                "duration_in_minutes": s.lockout_duration_seconds / 60 }, "pii": { "enabled": true },
                "email_link": { "require_same_client": false } },
            "passkey_settings": { "allow_autofill": false, "show_sign_in_button": false },
            "password_settings": {
                "min_length": s.password_min_length, "max_length": crate::password::MAX_LENGTH,
                "disable_hibp": s.hibp_url.is_empty(), "show_zxcvbn": false,
                "min_zxcvbn_strength": s.password_min_zxcvbn_strength,
                "require_special_char": false, "require_numbers": false, "require_uppercase": false,
                "require_lowercase": false, "allowed_special_characters": "",
                "enforce_hibp_on_sign_in": false,
            },
        },
        "organization_settings": {
            "enabled": s.organizations_enabled,
            "force_organization_selection": s.force_organization_selection,
            "max_allowed_memberships": 0,
            "actions": { "admin_delete": true },
            "domains": { "enabled": false, "enrollment_modes": [], "default_role": null },
            "slug": { "disabled": false },
            "creator_role": "org:admin",
        },
        "commerce_settings": { "billing": { "enabled": false, "stripe_publishable_key": null,
            "organization": { "enabled": false, "has_paid_plans": false }, "user": { "enabled": false, "has_paid_plans": false } } },
        "api_keys_settings": { "enabled": false },
        "maintenance_mode": false,
        "client_debug_mode": false,
    })
}
