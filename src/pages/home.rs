//! Account home: who is signed in, the active organization, the second
//! factors with the backup codes left (and a new set on demand, after the
//! first factor is confirmed again when the server asks), sign out.

use crate::api::{self, ApiError};
use crate::components::backup_codes::backup_codes;
use crate::components::reverify::Reverify;
use crate::components::widgets::{form_error, Card, SignedInFooter};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// What the backup-codes part of the page shows.
#[derive(Clone, PartialEq)]
enum Codes {
    /// The count and **Regenerate**.
    Count,
    /// "The old codes will stop working": confirm or cancel.
    Confirm,
    /// The server wants the first factor confirmed again first.
    Reverify,
    /// Confirmed: the new set is on its way.
    Making,
    /// The new set, once.
    Shown(Vec<String>),
}

/// The account home page.
#[component]
pub fn Home() -> Html {
    let ctx = use_auth_context();
    let codes = use_state(|| Codes::Count);
    let error = use_state(|| None::<ApiError>);
    let user = ctx.state.user().cloned();
    let session = ctx.state.session().cloned();
    let email = user.as_ref().and_then(|u| u.primary_email()).unwrap_or_default().to_string();
    let org = session.as_ref().and_then(|s| {
        let id = s.last_active_organization_id.as_ref()?;
        user.as_ref()?.organization_memberships.iter().find(|m| &m.organization.id == id).cloned()
    });
    let set = |to: Codes| {
        let (codes, error) = (codes.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            error.set(None);
            codes.set(to.clone());
        })
    };
    // Asks for a new set; a request for reverification shows the prompt,
    // unless it has just been answered (then the error is shown).
    let make_codes = {
        let (ctx, codes, error) = (ctx.clone(), codes.clone(), error.clone());
        Callback::from(move |reverified: bool| {
            let (ctx, codes, error) = (ctx.clone(), codes.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::mfa::create_backup_codes(&ctx.config.api).await {
                    Ok(reply) => {
                        codes.set(Codes::Shown(reply.response.codes));
                        ctx.set_client(reply.client);
                    }
                    Err(e) if e.needs_reverification() && !reverified => codes.set(Codes::Reverify),
                    Err(e) => {
                        if reverified {
                            codes.set(Codes::Count);
                        }
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let regenerate = make_codes.reform(|_: MouseEvent| false);
    let on_verified = {
        let (codes, make_codes) = (codes.clone(), make_codes.clone());
        Callback::from(move |()| {
            codes.set(Codes::Making);
            make_codes.emit(true);
        })
    };
    let on_cancel = {
        let (codes, error) = (codes.clone(), error.clone());
        Callback::from(move |()| {
            error.set(None);
            codes.set(Codes::Count);
        })
    };
    let factors: Vec<String> = user
        .as_ref()
        .map(|u| {
            let app = u.totp_enabled.then(|| "Authenticator app".to_string());
            let phones = u
                .phone_numbers
                .iter()
                .filter(|p| p.reserved_for_second_factor && p.verified())
                .map(|p| format!("SMS to {}", p.phone_number));
            app.into_iter().chain(phones).collect()
        })
        .unwrap_or_default();
    let remaining = user.as_ref().map(|u| u.backup_codes_remaining).unwrap_or(0);
    let backup = match &*codes {
        Codes::Count => html! {
            <>
                { format!("{remaining} left") }
                <button class="vb-button vb-button-link vb-regenerate-codes" type="button" onclick={set(Codes::Confirm)}>{ "Regenerate" }</button>
            </>
        },
        Codes::Confirm => html! {
            <div class="vb-confirm" role="group" aria-label="Regenerate backup codes">
                <p class="vb-notice">{ "New codes replace the old ones, which stop working." }</p>
                <div class="vb-row">
                    <button class="vb-button vb-button-primary vb-confirm-regenerate" type="button" onclick={regenerate}>{ "Make new codes" }</button>
                    <button class="vb-button vb-button-secondary" type="button" onclick={set(Codes::Count)}>{ "Cancel" }</button>
                </div>
            </div>
        },
        Codes::Reverify => html! { <Reverify action="make new backup codes" {on_verified} {on_cancel} /> },
        Codes::Making => html! { <p class="vb-notice" role="status">{ "Making new codes…" }</p> },
        Codes::Shown(list) => html! {
            <>
                <p class="vb-notice">{ "Save these codes now: they are shown only once." }</p>
                { backup_codes(&ctx.state.application_name(), list) }
                <button class="vb-button vb-button-secondary vb-codes-done" type="button" onclick={set(Codes::Count)}>{ "Done" }</button>
            </>
        },
    };
    html! {
        <Card title="Your account" class="vb-home" footer={html! { <SignedInFooter /> }}>
            <dl class="vb-facts">
                <dt>{ "Email" }</dt>
                <dd class="vb-home-email">{ email }</dd>
                <dt>{ "Organization" }</dt>
                <dd class="vb-home-organization">
                    { org.as_ref().map(|m| m.organization.name.clone()).unwrap_or_else(|| "None".into()) }
                    if let Some(m) = &org {
                        <span class="vb-badge">{ m.role_name.clone() }</span>
                    }
                </dd>
                <dt>{ "Two-step verification" }</dt>
                <dd class="vb-home-second-factors">
                    { match (factors.is_empty(), user.as_ref().is_some_and(|u| u.two_factor_enabled)) {
                        (false, _) => factors.join(", "),
                        (true, true) => "Backup codes".to_string(),
                        (true, false) => "Off".to_string(),
                    } }
                </dd>
                if user.as_ref().is_some_and(|u| u.two_factor_enabled || u.backup_codes_remaining > 0) {
                    <dt>{ "Backup codes" }</dt>
                    <dd class="vb-home-backup-codes">{ backup }</dd>
                }
            </dl>
            { form_error(error.as_ref().and_then(|e| e.general(&[]))) }
        </Card>
    }
}
