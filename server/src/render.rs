//! Builds the JSON resources of `frontend-api.md` section 3 from rows
//! already loaded: no function here reads the database (the loading is in
//! `crate::resources`), so each is a plain mapping.

use crate::settings::InstanceSettings;
use crate::state::AppState;
use crate::store::{self, clients::ClientRow, orgs, sessions::SessionRow, users::UserRow};
use vestibule_protocol::wire::*;
use vestibule_protocol::{SessionState, Strategy, VerificationStatus};

/// Everything a user resource is made of.
pub struct UserRecord {
    /// The user.
    pub user: UserRow,
    /// The user's email addresses.
    pub emails: Vec<store::users::EmailRow>,
    /// The second factors the user has enrolled.
    pub enrolled: store::second_factors::Enrolled,
    /// The user's phone numbers.
    pub phones: Vec<store::phones::PhoneRow>,
    /// The user's memberships.
    pub memberships: Vec<orgs::MembershipRow>,
}

/// `verified` or `unverified`.
fn verification_status(verified: bool) -> VerificationStatus {
    if verified {
        VerificationStatus::Verified
    } else {
        VerificationStatus::Unverified
    }
}

/// The verification of an address or number proven by `strategy` codes.
fn code_verification(object: &str, verified: bool, strategy: Strategy) -> VerificationJson {
    VerificationJson {
        object: Some(object.into()),
        status: verification_status(verified),
        strategy: Some(strategy),
        ..VerificationJson::default()
    }
}

/// A user with addresses and memberships.
pub fn user(settings: &InstanceSettings, r: &UserRecord) -> UserJson {
    let u = &r.user;
    UserJson {
        object: "user".into(),
        id: u.id.clone(),
        primary_email_address_id: r.emails.iter().find(|e| e.is_primary).map(|e| e.id.clone()),
        primary_phone_number_id: r.phones.iter().find(|p| p.verified).map(|p| p.id.clone()),
        email_addresses: r
            .emails
            .iter()
            .map(|e| EmailAddressJson {
                object: "email_address".into(),
                id: e.id.clone(),
                email_address: e.email.clone(),
                verification: Some(code_verification("verification_email_code", e.verified, Strategy::EmailCode)),
                linked_to: Vec::new(),
                created_at: e.created_at,
                updated_at: e.updated_at,
            })
            .collect(),
        phone_numbers: r.phones.iter().map(|p| phone_number(p, None)).collect(),
        organization_memberships: r.memberships.iter().map(membership).collect(),
        password_enabled: u.password_hash.is_some(),
        totp_enabled: r.enrolled.totp,
        backup_code_enabled: r.enrolled.backup_codes_remaining > 0,
        backup_codes_remaining: r.enrolled.backup_codes_remaining.max(0) as u32,
        two_factor_enabled: r.enrolled.any(),
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
    }
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
        verification: Some(code_verification("verification_phone_code", p.verified, Strategy::PhoneCode)),
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

/// A session, from its row, its state under the session rule, its user,
/// the token minted for it (when live) and the ages of its factors.
pub fn session(row: &SessionRow, state: &SessionState, user: UserJson, token: Option<String>, factor_ages: Vec<i64>) -> SessionJson {
    SessionJson {
        object: "session".into(),
        id: row.id.clone(),
        status: state.status,
        tasks: (!state.tasks.is_empty()).then(|| state.tasks.iter().map(|k| TaskJson { key: *k }).collect()),
        last_active_organization_id: row.active_organization_id.clone(),
        last_active_token: token.map(|jwt| TokenJson { object: "token".into(), jwt }),
        public_user_data: public_user_data(&user),
        user: Some(user),
        factor_verification_age: Some(factor_ages),
        expire_at: row.expire_at,
        abandon_at: row.abandon_at,
        last_active_at: row.last_active_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The whole client: its live sessions (already rendered), the sign-in
/// and sign-up in progress.
pub fn client(state: &AppState, c: &ClientRow, sessions: Vec<SessionJson>, sign_in: Option<SignInJson>, sign_up: Option<SignUpJson>) -> ClientJson {
    let last_active = c.last_active_session_id.clone().filter(|id| sessions.iter().any(|s| &s.id == id));
    ClientJson {
        object: "client".into(),
        id: c.id.clone(),
        sessions,
        sign_in,
        sign_up,
        last_active_session_id: last_active,
        cookie_expires_at: Some(c.expires_at(state.client_lifetime_ms)),
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

/// A sign-in; `email_address_id` is the id of the address it signs in with
/// (on its `email_code` factor, as clerk-js reads it).
pub fn sign_in(r: &store::sign_ins::SignInRow, email_address_id: Option<String>) -> SignInJson {
    SignInJson {
        object: "sign_in".into(),
        id: r.id.clone(),
        status: r.status,
        identifier: r.identifier.clone(),
        supported_identifiers: vec!["email_address".into()],
        supported_first_factors: if r.user_id.is_some() {
            let emailed = |strategy| FactorJson {
                safe_identifier: r.identifier.clone(),
                email_address_id: email_address_id.clone(),
                primary: Some(true),
                ..FactorJson::new(strategy)
            };
            vec![FactorJson::new(Strategy::Password), emailed(Strategy::EmailCode), emailed(Strategy::ResetPasswordEmailCode)]
        } else {
            Vec::new()
        },
        supported_second_factors: (!r.second_factors.is_empty()).then(|| r.second_factors.clone()),
        first_factor_verification: r.first_factor_status.map(|status| VerificationJson {
            object: Some("verification".into()),
            status,
            strategy: r.first_factor_strategy,
            ..VerificationJson::default()
        }),
        second_factor_verification: r.second_factor_strategy.map(|strategy| VerificationJson {
            object: Some("verification".into()),
            status: r.second_factor_status.unwrap_or_default(),
            strategy: Some(strategy),
            ..VerificationJson::default()
        }),
        created_session_id: r.created_session_id.clone(),
        user_data: None,
        abandon_at: r.abandon_at,
    }
}

/// A sign-up's email verification, as Clerk's `SignUp` reads it: before a
/// code was sent, no strategy and `needs_prepare` (so the UI sends one);
/// after, `email_code` with the code's tries and expiry, `needs_attempt`.
/// `code` is the tries and the expiry of the newest code sent.
fn sign_up_email_verification(verified: bool, code: Option<(i64, i64)>) -> VerificationJson {
    let supported = Some(vec![Strategy::EmailCode]);
    match (verified, code) {
        (true, _) => code_verification("verification_email_code", true, Strategy::EmailCode),
        (false, None) => VerificationJson {
            object: Some("verification_email_code".into()),
            status: VerificationStatus::Unverified,
            next_action: Some("needs_prepare".into()),
            supported_strategies: supported,
            ..VerificationJson::default()
        },
        (false, Some((attempts, expire_at))) => VerificationJson {
            object: Some("verification_email_code".into()),
            status: VerificationStatus::Unverified,
            strategy: Some(Strategy::EmailCode),
            attempts: Some(u32::try_from(attempts).unwrap_or(0)),
            expire_at: Some(expire_at),
            next_action: Some("needs_attempt".into()),
            supported_strategies: supported,
        },
    }
}

/// A sign-up; `code` is the tries and the expiry of the newest email code
/// sent for it, if one was.
pub fn sign_up(settings: &InstanceSettings, r: &store::sign_ups::SignUpRow, code: Option<(i64, i64)>) -> SignUpJson {
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
        status: r.status,
        required_fields: SIGN_UP_REQUIRED.iter().map(|f| f.to_string()).collect(),
        optional_fields: vec!["first_name".into(), "last_name".into()],
        missing_fields: missing,
        unverified_fields: if needs_verification { vec!["email_address".into()] } else { Vec::new() },
        verifications: SignUpVerificationsJson {
            email_address: r.email.as_ref().map(|_| {
                let verified = r.email_verified || !settings.email_verification_at_sign_up;
                sign_up_email_verification(verified, code)
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

/// What a sign-up must give: its `required_fields`, and the attributes the
/// environment says are `required` (Clerk's UI asks for those), one list so
/// the two never disagree.
pub const SIGN_UP_REQUIRED: [&str; 2] = ["email_address", "password"];

/// The environment resource, from the instance settings.
pub fn environment(state: &AppState) -> serde_json::Value {
    let s = state.settings();
    let base = &state.public_url;
    let attr = |name: &str, enabled: bool, first: &[Strategy], second: &[Strategy], verify: bool| {
        let verifications: &[Strategy] = match (verify, second) {
            (true, _) => &[Strategy::EmailCode],
            (false, [Strategy::PhoneCode]) => &[Strategy::PhoneCode],
            _ => &[],
        };
        serde_json::json!({
            "enabled": enabled, "required": SIGN_UP_REQUIRED.contains(&name),
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
            "default_locale": state.default_locale,
            "sign_in_url": format!("{base}/sign-in"), "sign_up_url": format!("{base}/sign-up"),
            "after_sign_in_url": format!("{base}/"), "after_sign_up_url": format!("{base}/"),
            "after_sign_out_all_url": format!("{base}/sign-in"), "after_sign_out_one_url": format!("{base}/sign-in"),
            "after_switch_session_url": format!("{base}/"), "home_url": format!("{base}/"),
            "user_profile_url": format!("{base}/"), "organization_profile_url": format!("{base}/"),
            "create_organization_url": format!("{base}/sign-in/tasks/choose-organization"),
            "after_leave_organization_url": format!("{base}/"), "after_create_organization_url": format!("{base}/"),
            "logo_image_url": "", "favicon_image_url": "", "branded": false, "theme": {},
            "preferred_sign_in_strategy": Strategy::Password, "captcha_public_key": null, "captcha_widget_type": null,
            "captcha_provider": null, "captcha_public_key_invisible": null, "captcha_oauth_bypass": [],
            "support_email": null, "clerk_js_version": null, "google_one_tap_client_id": null,
            "show_devmode_warning": false, "terms_url": null, "privacy_policy_url": null,
        },
        "user_settings": {
            "attributes": {
                "email_address": attr("email_address", true, &[Strategy::EmailCode], &[], s.email_verification_at_sign_up),
                "password": attr("password", true, &[], &[], false),
                "phone_number": attr("phone_number", s.phone_code_enabled, &[], if s.phone_code_enabled { &[Strategy::PhoneCode] } else { &[] }, false),
                "authenticator_app": attr("authenticator_app", s.totp_enabled, &[], if s.totp_enabled { &[Strategy::Totp] } else { &[] }, false),
                "backup_code": attr("backup_code", s.backup_code_enabled, &[], if s.backup_code_enabled { &[Strategy::BackupCode] } else { &[] }, false),
                "first_name": attr("first_name", true, &[], &[], false),
                "last_name": attr("last_name", true, &[], &[], false),
                "username": attr("username", false, &[], &[], false),
                "web3_wallet": attr("web3_wallet", false, &[], &[], false),
                "passkey": attr("passkey", false, &[], &[], false),
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
