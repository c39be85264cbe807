//! Account home: who is signed in, the active organization, the second
//! factors with the backup codes left (and a new set on demand, after the
//! first factor is confirmed again when the server asks), sign out.

mod backup_codes_row;

use crate::components::card::Card;
use crate::components::signed_in_footer::SignedInFooter;
use crate::components::submit::use_submit;
use crate::locale::Messages;
use crate::session::hooks::use_auth_context;
use backup_codes_row::BackupCodesRow;
use vestibule_protocol::wire::UserJson;
use yew::prelude::*;

/// The user's second factors as the page lists them.
fn second_factors(user: Option<&UserJson>, m: &Messages) -> String {
    let Some(user) = user else { return m.t("home.off") };
    let app = user.totp_enabled.then(|| m.t("mfa.choice.totp"));
    let phones = user
        .phone_numbers
        .iter()
        .filter(|p| p.reserved_for_second_factor && p.verified())
        .map(|p| m.fmt("home.sms_to", &[("phone", &p.phone_number)]));
    let factors: Vec<String> = app.into_iter().chain(phones).collect();
    match (factors.is_empty(), user.two_factor_enabled) {
        (false, _) => factors.join(&m.t("home.list_separator")),
        (true, true) => m.t("mfa.choice.backup_codes"),
        (true, false) => m.t("home.off"),
    }
}

/// The account home page.
#[component]
pub fn Home() -> Html {
    let ctx = use_auth_context();
    let m = &ctx.state.messages;
    let submit = use_submit();
    let user = ctx.state.user();
    let email = user.and_then(|u| u.primary_email()).unwrap_or_default().to_string();
    let org = ctx.state.session().and_then(|s| {
        let id = s.last_active_organization_id.as_ref()?;
        user?.organization_memberships.iter().find(|membership| &membership.organization.id == id)
    });
    html! {
        <Card title={m.t("home.title")} class="vb-home" footer={html! { <SignedInFooter /> }}>
            <dl class="vb-facts">
                <dt>{ m.t("home.email") }</dt>
                <dd class="vb-home-email">{ email }</dd>
                <dt>{ m.t("home.organization") }</dt>
                <dd class="vb-home-organization">
                    { org.map(|membership| membership.organization.name.clone()).unwrap_or_else(|| m.t("home.none")) }
                    if let Some(membership) = org {
                        <span class="vb-badge">{ m.t_or(&format!("organization.role.{}", membership.role.trim_start_matches("org:")), &membership.role_name) }</span>
                    }
                </dd>
                <dt>{ m.t("factor_two.totp.title") }</dt>
                <dd class="vb-home-second-factors">{ second_factors(user, m) }</dd>
                if let Some(u) = user.filter(|u| u.two_factor_enabled || u.backup_codes_remaining > 0) {
                    <dt>{ m.t("mfa.choice.backup_codes") }</dt>
                    <dd class="vb-home-backup-codes"><BackupCodesRow remaining={u.backup_codes_remaining} submit={submit.clone()} /></dd>
                }
            </dl>
            { submit.form_error(&[]) }
        </Card>
    }
}
