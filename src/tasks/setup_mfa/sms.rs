//! The SMS method: a phone number (normalised to E.164 by the server), a
//! texted code, resend after the cooldown, and a way back to change the
//! number. A verified number becomes the default second factor.

use super::{other_method, Enrolled, MethodProps};
use crate::api::{self, param, Api, ApiError};
use crate::components::card::Card;
use crate::components::field::{code_field, set_text, Field};
use crate::components::resend::{resend_label, use_countdown, RESEND_COOLDOWN_S};
use crate::components::signed_in_footer::SignedInFooter;
use crate::components::submit::{use_submit, Submit};
use vestibule_protocol::wire::PhoneNumberJson;
use crate::locale::Messages;
use yew::prelude::*;

/// The number, the texted code, and what the screen does with them.
#[derive(Clone)]
struct Phone {
    api: Api,
    number: UseStateHandle<String>,
    /// The number once added: the code step is shown for it.
    added: UseStateHandle<Option<PhoneNumberJson>>,
    code: UseStateHandle<String>,
    cooldown: UseStateHandle<u32>,
    on_enrolled: Callback<Enrolled>,
    submit: Submit,
}

impl Phone {
    /// Adds the number and texts it a code.
    async fn send(self) -> Result<(), ApiError> {
        let added = api::mfa::add_phone(&self.api, &self.number).await?;
        let reply = api::mfa::send_phone_code(&self.api, &added.response.id).await?;
        self.code.set(String::new());
        self.cooldown.set(RESEND_COOLDOWN_S);
        self.added.set(Some(reply.response));
        Ok(())
    }

    /// Verifies the number with the code and makes it the default second
    /// factor.
    async fn verify(self, id: String) -> Result<(), ApiError> {
        let reserved = match api::mfa::verify_phone(&self.api, &id, &self.code).await {
            Ok(_) => api::mfa::reserve_phone(&self.api, &id).await,
            Err(e) => Err(e),
        };
        let answer = reserved.map(|reply| Enrolled { codes: reply.response.backup_codes, client: reply.client });
        Enrolled::hand_over(answer, &self.code, &self.on_enrolled)
    }

    /// Back to the number, to change it.
    fn change_number(&self) -> Callback<MouseEvent> {
        let this = self.clone();
        Callback::from(move |_| {
            this.submit.set_error(None);
            this.added.set(None);
        })
    }
}

/// The number step.
fn number_step(phone: &Phone, on_back: &Option<Callback<()>>, m: &Messages) -> Html {
    let submit = &phone.submit;
    html! {
        <Card title={m.t("mfa.sms.title")} class="vb-task-setup-mfa vb-mfa-sms"
            subtitle={Some(AttrValue::from(m.t("mfa.sms.subtitle")))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" onsubmit={submit.on_submit(phone.clone(), Phone::send)} novalidate=true>
                <Field id="vb-phone-number" label={m.t("mfa.sms.phone")} value={(*phone.number).clone()} input_type="tel"
                    autocomplete={Some(AttrValue::from("tel"))} inputmode={Some(AttrValue::from("tel"))} autofocus=true disabled={submit.busy()}
                    hint={Some(AttrValue::from(m.t("mfa.sms.phone_hint")))}
                    on_input={set_text(&phone.number)} error={submit.field_error(param::PHONE_NUMBER)} />
                { submit.form_error(&[param::PHONE_NUMBER]) }
                { submit.button(&m.t("mfa.sms.send")) }
            </form>
            { other_method(on_back, m) }
        </Card>
    }
}

/// The code step for the number `added`.
fn code_step(phone: &Phone, added: &PhoneNumberJson, on_back: &Option<Callback<()>>, m: &Messages) -> Html {
    let submit = &phone.submit;
    let busy = submit.busy();
    let onsubmit = submit.on_submit((phone.clone(), added.id.clone()), |(phone, id)| phone.verify(id));
    html! {
        <Card title={m.t("sms.check_phone")} class="vb-task-setup-mfa vb-mfa-sms-code"
            subtitle={Some(AttrValue::from(m.fmt("code.sent_to", &[("to", &added.phone_number)])))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { code_field("vb-sms-code", &m.t("sms.code"), &phone.code, busy, submit.field_error(param::CODE)) }
                { submit.form_error(&[param::CODE]) }
                { submit.button(&m.t("common.verify")) }
                <div class="vb-row">
                    <button class="vb-button vb-button-link vb-resend" type="button" disabled={*phone.cooldown > 0 || busy}
                        onclick={submit.callback(phone.clone(), Phone::send)}>
                        { resend_label(*phone.cooldown, m) }
                    </button>
                    <button class="vb-button vb-button-link vb-change-number" type="button" onclick={phone.change_number()}>{ m.t("mfa.sms.change_number") }</button>
                </div>
            </form>
            { other_method(on_back, m) }
        </Card>
    }
}

/// The SMS screen.
#[component]
pub fn SmsSetup(props: &MethodProps) -> Html {
    let ctx = crate::session::hooks::use_auth_context();
    let submit = use_submit();
    let phone = Phone {
        api: ctx.config.api.clone(),
        number: use_state(String::new),
        added: use_state(|| None),
        code: use_state(String::new),
        cooldown: use_state(|| 0),
        on_enrolled: props.on_enrolled.clone(),
        submit,
    };
    use_countdown(&phone.cooldown);
    match &*phone.added {
        None => number_step(&phone, &props.on_back, &ctx.state.messages),
        Some(added) => code_step(&phone, added, &props.on_back, &ctx.state.messages),
    }
}
