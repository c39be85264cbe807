//! The identifier-and-password form of sign-in, with the offer of a code
//! emailed to the address instead (the only way on when the password is
//! known to be compromised), and "Forgot password?", which emails a code
//! that lets the user choose a new password.

use crate::api::{self, param, ApiError};
use crate::components::card::Card;
use crate::components::field::{set_text, Field};
use crate::components::submit::Submit;
use crate::session::AuthContext;
use vestibule_protocol::wire::SignInJson;
use vestibule_protocol::{ErrorCode, Strategy};
use yew::prelude::*;

/// What the form holds, and what it can do with it.
#[derive(Clone)]
pub(super) struct Credentials {
    ctx: AuthContext,
    /// The sign-in in progress, which can email a code.
    sign_in_id: Option<String>,
    email: UseStateHandle<String>,
    password: UseStateHandle<String>,
    /// The user left the code step: the form shows although the sign-in
    /// waits for a code.
    pub(super) restart: UseStateHandle<bool>,
}

/// The form's state; the address starts as the sign-in in progress has it.
#[hook]
pub(super) fn use_credentials(ctx: &AuthContext, in_progress: Option<&SignInJson>) -> Credentials {
    let start = in_progress.and_then(|s| s.identifier.clone()).unwrap_or_default();
    Credentials {
        ctx: ctx.clone(),
        sign_in_id: in_progress.map(|s| s.id.clone()),
        email: use_state(move || start),
        password: use_state(String::new),
        restart: use_state(|| false),
    }
}

impl Credentials {
    /// Signs in with the password. When the answer may have changed the
    /// client's sign-in (a session already there, a compromised or wrong
    /// password), the client is read again so the offer of a code follows it.
    async fn sign_in(self) -> Result<(), ApiError> {
        let api = &self.ctx.config.api;
        match api::sign_in::with_password(api, &self.email, &self.password).await {
            Ok(reply) => {
                self.ctx.set_client(reply.client);
                Ok(())
            }
            Err(e) => {
                let changed = [ErrorCode::SessionExists, ErrorCode::FormPasswordCompromised, ErrorCode::FormPasswordIncorrect];
                if changed.into_iter().any(|code| e.is(code)) {
                    if let Ok(client) = api::client::client(api).await {
                        self.ctx.set_client(client);
                    }
                }
                self.restart.set(false);
                Err(e)
            }
        }
    }

    /// Emails a code for the sign-in in progress, which shows the code step.
    async fn email_code(self) -> Result<(), ApiError> {
        let Some(id) = &self.sign_in_id else { return Ok(()) };
        let reply = api::sign_in::send_code(&self.ctx.config.api, id, Strategy::EmailCode).await?;
        self.restart.set(false);
        self.ctx.set_client(reply.client);
        Ok(())
    }

    /// "Forgot password?": a sign-in of the typed address, and a reset
    /// code emailed to it, which shows the code step.
    async fn forgot_password(self) -> Result<(), ApiError> {
        let api = &self.ctx.config.api;
        let started = api::sign_in::start(api, &self.email).await?;
        let reply = api::sign_in::send_code(api, &started.response.id, Strategy::ResetPasswordEmailCode).await?;
        self.restart.set(false);
        self.ctx.set_client(reply.client);
        Ok(())
    }
}

/// The sign-in card: the form, the offer of a code, the link to sign-up.
pub(super) fn view(form: &Credentials, submit: &Submit, sign_up: String) -> Html {
    let busy = submit.busy();
    let m = submit.messages();
    let compromised = submit.error().is_some_and(|e| e.is(ErrorCode::FormPasswordCompromised));
    let offer_code = form.sign_in_id.is_some().then(|| {
        let class = if compromised { "vb-button vb-button-primary vb-email-code" } else { "vb-button vb-button-link vb-email-code" };
        let label = if compromised { m.t("sign_in.email_code") } else { m.t("sign_in.email_code_instead") };
        let onclick = submit.callback(form.clone(), Credentials::email_code);
        html! { <button {class} type="button" disabled={busy} {onclick}>{ label }</button> }
    });
    let onsubmit = submit.on_submit(form.clone(), Credentials::sign_in);
    let on_forgot = submit.callback(form.clone(), Credentials::forgot_password);
    html! {
        <Card title={m.t("sign_in.title")} subtitle={Some(AttrValue::from(m.t("sign_in.subtitle")))} class="vb-sign-in"
            footer={html! { <p>{ m.t("sign_in.no_account") }{ " " }<a class="vb-link" href={sign_up}>{ m.t("sign_up.title_short") }</a></p> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                <Field id="vb-identifier" label={m.t("common.email")} value={(*form.email).clone()} input_type="email"
                    autocomplete={Some(AttrValue::from("username"))} autofocus=true disabled={busy}
                    on_input={set_text(&form.email)} error={submit.field_error(param::IDENTIFIER)} />
                <Field id="vb-password" label={m.t("common.password")} value={(*form.password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("current-password"))} disabled={busy}
                    on_input={set_text(&form.password)} error={submit.field_error(param::PASSWORD)} />
                <button class="vb-button vb-button-link vb-forgot-password" type="button" disabled={busy} onclick={on_forgot}>
                    { m.t("sign_in.forgot_password") }
                </button>
                { submit.form_error(&[param::IDENTIFIER, param::PASSWORD]) }
                if compromised {
                    { offer_code.clone().unwrap_or_default() }
                } else {
                    { submit.button(&m.t("common.continue")) }
                    { offer_code.unwrap_or_default() }
                }
            </form>
        </Card>
    }
}
