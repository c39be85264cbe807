//! `/sign-in/factor-two`: the second step of a sign-in whose user has a
//! second factor. The authenticator code, a texted code or a backup code,
//! switchable; the session exists only after it. Without such a sign-in in
//! progress, the page goes back to sign-in.

mod texted_code;

use crate::api::{self, param, ApiError};
use crate::components::card::{loading, Card};
use crate::components::field::{code_field, set_text, Field};
use crate::components::resend::resend_label;
use crate::components::submit::{use_submit, Submit};
use crate::nav::Here;
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use texted_code::use_texted_code;
use vestibule_protocol::wire::SignInJson;
use vestibule_protocol::{SignInStatus, SignedState, Strategy};
use crate::locale::Messages;
use yew::prelude::*;
use yew_router::prelude::*;

/// The sign-in's second factors, in the page's order.
pub fn strategies(sign_in: &SignInJson) -> Vec<Strategy> {
    let offered = sign_in.supported_second_factors.as_deref().unwrap_or_default();
    Strategy::SECOND_FACTORS.into_iter().filter(|s| offered.iter().any(|f| f.strategy == *s)).collect()
}

/// The link that switches to `strategy`.
fn switch_label(strategy: Strategy, phone: &str, m: &Messages) -> String {
    match strategy {
        Strategy::Totp => m.t("factor_two.use_totp"),
        Strategy::PhoneCode => m.fmt("factor_two.use_sms", &[("phone", phone)]),
        _ => m.t("factor_two.use_backup_code"),
    }
}

/// The code the user types, and how it is checked.
#[derive(Clone)]
struct SecondFactor {
    ctx: AuthContext,
    sign_in_id: String,
    strategy: UseStateHandle<Strategy>,
    code: UseStateHandle<String>,
    submit: Submit,
}

impl SecondFactor {
    /// Tries the code; a wrong one is cleared for the next try.
    async fn verify(self) -> Result<(), ApiError> {
        let api = &self.ctx.config.api;
        match api::sign_in::verify_second_factor(api, &self.sign_in_id, *self.strategy, &self.code).await {
            Ok(reply) => {
                self.ctx.set_client(reply.client);
                Ok(())
            }
            Err(e) => {
                self.code.set(String::new());
                Err(e)
            }
        }
    }

    /// Switches to another factor with an empty field.
    fn switch_to(&self, to: Strategy) {
        self.code.set(String::new());
        self.submit.set_error(None);
        self.strategy.set(to);
    }

    /// The title, subtitle and field of the current factor.
    fn prompt(&self, phone: &str) -> (String, String, Html) {
        let (busy, error) = (self.submit.busy(), self.submit.field_error(param::CODE));
        let m = self.submit.messages();
        match *self.strategy {
            Strategy::BackupCode => (
                m.t("factor_two.backup_code.title"),
                m.t("factor_two.backup_code.subtitle"),
                html! {
                    <Field id="vb-backup-code" label={m.t("factor_two.backup_code.label")} value={(*self.code).clone()} autocomplete={Some(AttrValue::from("off"))}
                        autofocus=true disabled={busy} {error} on_input={set_text(&self.code)} />
                },
            ),
            Strategy::PhoneCode => (
                m.t("sms.check_phone"),
                m.fmt("code.sent_to", &[("to", phone)]),
                code_field("vb-second-factor-code", &m.t("sms.code"), &self.code, busy, error),
            ),
            _ => (
                m.t("factor_two.totp.title"),
                m.t("factor_two.totp.subtitle"),
                code_field("vb-second-factor-code", &m.t("mfa.totp.code"), &self.code, busy, error),
            ),
        }
    }
}

/// A signed-out visitor without a sign-in waiting for its second factor
/// goes back to sign-in. Once the code is accepted, the route guard moves
/// the new session on instead.
#[hook]
fn use_sign_in_when_missing(ctx: &AuthContext, missing: bool, sign_in: String) {
    let navigator = use_navigator();
    use_effect_with((ctx.state.loaded, missing), move |&(loaded, missing)| {
        if loaded && missing {
            crate::nav::go(navigator.as_ref(), &sign_in, true);
        }
    });
}

/// The second-factor page.
#[component]
pub fn FactorTwo() -> Html {
    let ctx = use_auth_context();
    let sign_in = ctx.state.client.as_ref().and_then(|c| c.sign_in.clone()).filter(|s| s.status == SignInStatus::NeedsSecondFactor);
    let offered = sign_in.as_ref().map(strategies).unwrap_or_default();
    let strategy = {
        let first = offered.first().copied().unwrap_or(Strategy::Totp);
        use_state(move || first)
    };
    let code = use_state(String::new);
    let submit = use_submit();
    let start_over = ctx.urls().sign_in(Here::current().redirect_url().as_deref());
    let id = sign_in.as_ref().map(|s| s.id.clone());
    let phone = sign_in
        .as_ref()
        .and_then(|s| s.supported_second_factors.as_deref()?.iter().find(|f| f.strategy == Strategy::PhoneCode)?.safe_identifier.clone())
        .unwrap_or_default();
    use_sign_in_when_missing(&ctx, id.is_none() && ctx.state.signed_state() == SignedState::SignedOut, start_over.clone());
    let texted = use_texted_code(&ctx.config.api, id.clone(), *strategy, &submit);
    let Some(sign_in_id) = id else {
        return loading();
    };

    let m = ctx.state.messages.clone();
    let form = SecondFactor { ctx, sign_in_id, strategy, code, submit: submit.clone() };
    let onsubmit = submit.on_submit(form.clone(), SecondFactor::verify);
    let current = *form.strategy;
    let (title, subtitle, field) = form.prompt(&phone);
    let resend = (current == Strategy::PhoneCode).then(|| {
        html! {
            <button class="vb-button vb-button-link vb-resend" type="button" disabled={texted.cooldown > 0 || submit.busy()}
                onclick={texted.on_resend}>{ resend_label(texted.cooldown, &m) }</button>
        }
    });
    let switch = |to: Strategy| {
        let form = form.clone();
        Callback::from(move |_: MouseEvent| form.switch_to(to))
    };
    html! {
        <Card {title} subtitle={Some(AttrValue::from(subtitle))} class={classes!("vb-factor-two", format!("vb-factor-two-{current}"))}
            footer={html! { <p><a class="vb-link vb-start-over" href={start_over}>{ m.t("sign_in.start_over") }</a></p> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { field }
                { submit.form_error(&[param::CODE]) }
                { submit.button(&m.t("common.continue")) }
                { resend.unwrap_or_default() }
            </form>
            <ul class="vb-other-factors">
                { for offered.iter().filter(|s| **s != current).map(|&s| html! {
                    <li><button class={classes!("vb-button", "vb-button-link", format!("vb-use-{s}"))} type="button" onclick={switch(s)}>
                        { switch_label(s, &phone, &m) }
                    </button></li>
                }) }
            </ul>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::strategies;
    use vestibule_protocol::wire::{FactorJson, SignInJson};
    use vestibule_protocol::Strategy::*;

    #[test]
    fn the_authenticator_comes_first_then_the_phone_then_backup_codes() {
        let sign_in = |f: Vec<FactorJson>| SignInJson { supported_second_factors: Some(f), ..SignInJson::default() };
        let factors = |s: &[vestibule_protocol::Strategy]| s.iter().copied().map(FactorJson::new).collect::<Vec<_>>();
        assert_eq!(strategies(&sign_in(factors(&[BackupCode, PhoneCode, Totp]))), [Totp, PhoneCode, BackupCode]);
        assert_eq!(strategies(&sign_in(factors(&[BackupCode, Password, EmailCode]))), [BackupCode]);
        assert!(strategies(&SignInJson::default()).is_empty());
    }
}
