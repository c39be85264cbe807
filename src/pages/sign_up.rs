//! `<SignUp>`: email and password, then the emailed code. The code step is
//! derived from the client's sign-up in progress, so a reload keeps it.

use crate::api::{self, param, ApiError};
use crate::components::card::Card;
use crate::components::code_step::{back_to_start, CodeFor, CodeStep};
use crate::components::field::{set_text, Field};
use crate::components::submit::{use_submit, Submit};
use crate::nav::Here;
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use vestibule_protocol::wire::SignUpJson;
use vestibule_protocol::SignUpStatus;
use yew::prelude::*;

/// Props of [`SignUp`].
#[derive(Properties, PartialEq)]
pub struct SignUpProps {
    /// Link to sign-in (keeps `redirect_url`); the provider's sign-in page
    /// when not given.
    #[prop_or_default]
    pub sign_in_url: Option<AttrValue>,
}

/// Whether a sign-up still waits for its email address to be verified.
fn awaits_email_code(sign_up: &SignUpJson) -> bool {
    sign_up.unverified_fields.iter().any(|f| f == param::EMAIL_ADDRESS)
}

/// What the form holds, and what it can do with it.
#[derive(Clone)]
struct Details {
    ctx: AuthContext,
    email: UseStateHandle<String>,
    password: UseStateHandle<String>,
    /// The user left the code step for another address.
    restart: UseStateHandle<bool>,
}

impl Details {
    /// Creates the sign-up and emails the code that verifies its address.
    /// An empty field is answered at once, at the field: a sign-up without
    /// them would be made, and wait, with nothing on the screen to say why.
    async fn create(self) -> Result<(), ApiError> {
        let mut missing = Vec::new();
        if self.email.trim().is_empty() {
            missing.push(param::EMAIL_ADDRESS);
        }
        if self.password.is_empty() {
            missing.push(param::PASSWORD);
        }
        if !missing.is_empty() {
            return Err(ApiError::missing(&missing));
        }
        let api = &self.ctx.config.api;
        let mut reply = api::sign_up::create(api, &self.email, &self.password).await?;
        if awaits_email_code(&reply.response) {
            reply = api::sign_up::send_code(api, &reply.response.id).await?;
        }
        self.restart.set(false);
        self.ctx.set_client(reply.client);
        Ok(())
    }
}

/// The sign-up form and its verification step.
#[component]
pub fn SignUp(props: &SignUpProps) -> Html {
    let ctx = use_auth_context();
    let submit = use_submit();
    let form = Details { ctx: ctx.clone(), email: use_state(String::new), password: use_state(String::new), restart: use_state(|| false) };
    let pending = ctx
        .state
        .client
        .as_ref()
        .and_then(|c| c.sign_up.clone())
        .filter(|s| s.status == SignUpStatus::MissingRequirements && awaits_email_code(s))
        .filter(|_| !*form.restart);
    let m = &ctx.state.messages;
    if let Some(s) = pending {
        let on_back = back_to_start(&form.restart, &submit);
        return html! {
            <CodeStep flow={CodeFor::SignUp} id={s.id.clone()} title={m.t("sign_up.verify_email")}
                to={s.email_address.clone().unwrap_or_default()} back_label={m.t("sign_up.another_email")} {on_back} />
        };
    }
    let sign_in = ctx.urls().sign_in_at(props.sign_in_url.as_deref()).sign_in(Here::current().redirect_url().as_deref());
    details_view(&form, &submit, sign_in, ctx.state.password_min_length())
}

/// The sign-up card: the form and the link to sign-in.
fn details_view(form: &Details, submit: &Submit, sign_in: String, min_length: u32) -> Html {
    let busy = submit.busy();
    let m = submit.messages();
    let onsubmit = submit.on_submit(form.clone(), Details::create);
    html! {
        <Card title={m.t("sign_up.title")} subtitle={Some(AttrValue::from(m.t("sign_up.subtitle")))} class="vb-sign-up"
            footer={html! { <p>{ m.t("sign_up.have_account") }{ " " }<a class="vb-link" href={sign_in}>{ m.t("sign_in.title") }</a></p> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                <Field id="vb-email" label={m.t("common.email")} value={(*form.email).clone()} input_type="email"
                    autocomplete={Some(AttrValue::from("email"))} autofocus=true disabled={busy}
                    on_input={set_text(&form.email)} error={submit.field_error(param::EMAIL_ADDRESS)} />
                <Field id="vb-password" label={m.t("common.password")} value={(*form.password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} disabled={busy}
                    hint={Some(AttrValue::from(m.count("sign_up.password_hint", min_length, &[])))}
                    on_input={set_text(&form.password)} error={submit.field_error(param::PASSWORD)} />
                { submit.form_error(&[param::EMAIL_ADDRESS, param::PASSWORD]) }
                { submit.button(&m.t("common.continue")) }
            </form>
        </Card>
    }
}
