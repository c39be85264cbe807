//! The SMS method: a phone number (normalised to E.164 by the server), a
//! texted code, resend after the cooldown, and a way back to change the
//! number. A verified number becomes the default second factor.

use super::{other_method, Enrolled, MethodProps};
use crate::api::{self, ApiError};
use crate::components::resend::{resend_label, use_countdown, RESEND_COOLDOWN_S};
use crate::components::widgets::{code_field, form_error, submit, submit_handler, Card, Field, SignedInFooter};
use crate::session::hooks::use_auth_context;
use vestibule_protocol::wire::PhoneNumberJson;
use yew::prelude::*;

/// The SMS screen.
#[component]
pub fn SmsSetup(props: &MethodProps) -> Html {
    let ctx = use_auth_context();
    let number = use_state(String::new);
    let phone = use_state(|| None::<PhoneNumberJson>);
    let code = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let cooldown = use_state(|| 0u32);
    use_countdown(&cooldown);
    let api = ctx.config.api.clone();

    let send = {
        let (api, number, phone, code, error, cooldown) =
            (api.clone(), number.clone(), phone.clone(), code.clone(), error.clone(), cooldown.clone());
        move || {
            let (api, number, phone, code, error, cooldown) =
                (api.clone(), number.clone(), phone.clone(), code.clone(), error.clone(), cooldown.clone());
            async move {
                let sent = match api::mfa::add_phone(&api, &number).await {
                    Ok(added) => api::mfa::send_phone_code(&api, &added.response.id).await,
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(reply) => {
                        error.set(None);
                        code.set(String::new());
                        cooldown.set(RESEND_COOLDOWN_S);
                        phone.set(Some(reply.response));
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        }
    };
    let err = (*error).clone();
    let Some(p) = (*phone).clone() else {
        let onsubmit = submit_handler(&busy, send);
        return html! {
            <Card title="Set up SMS codes" class="vb-task-setup-mfa vb-mfa-sms"
                subtitle={Some(AttrValue::from("We will text a code to this number at every sign-in."))}
                footer={html! { <SignedInFooter /> }}>
                <form class="vb-form" {onsubmit} novalidate=true>
                    <Field id="vb-phone-number" label="Phone number" value={(*number).clone()} input_type="tel"
                        autocomplete={Some(AttrValue::from("tel"))} inputmode={Some(AttrValue::from("tel"))} autofocus=true disabled={*busy}
                        hint={Some(AttrValue::from("Include + and the country code, e.g. +1 555 010 0123."))}
                        on_input={{ let s = number.clone(); Callback::from(move |v| s.set(v)) }}
                        error={err.as_ref().and_then(|e| e.for_field("phone_number"))} />
                    { form_error(err.as_ref().and_then(|e| e.general(&["phone_number"]))) }
                    { submit("Send code", *busy) }
                </form>
                { other_method(&props.on_back) }
            </Card>
        };
    };

    let onsubmit = {
        let (api, id, code, error, on_enrolled) = (api.clone(), p.id.clone(), code.clone(), error.clone(), props.on_enrolled.clone());
        submit_handler(&busy, move || {
            let (api, id, code, error, on_enrolled) = (api.clone(), id.clone(), code.clone(), error.clone(), on_enrolled.clone());
            async move {
                let done = match api::mfa::verify_phone(&api, &id, &code).await {
                    Ok(_) => api::mfa::reserve_phone(&api, &id).await,
                    Err(e) => Err(e),
                };
                match done {
                    Ok(reply) => on_enrolled.emit(Enrolled { codes: reply.response.backup_codes, client: reply.client }),
                    Err(e) => {
                        code.set(String::new());
                        error.set(Some(e));
                    }
                }
            }
        })
    };
    let on_resend = {
        let (busy, send) = (busy.clone(), send.clone());
        Callback::from(move |_: MouseEvent| {
            let (busy, work) = (busy.clone(), send());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                work.await;
                busy.set(false);
            });
        })
    };
    let on_change = {
        let (phone, error) = (phone.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            error.set(None);
            phone.set(None);
        })
    };
    html! {
        <Card title="Check your phone" class="vb-task-setup-mfa vb-mfa-sms-code"
            subtitle={Some(AttrValue::from(format!("Enter the 6-digit code sent to {}.", p.phone_number)))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { code_field("vb-sms-code", "Code from the text message", &code, *busy, err.as_ref().and_then(|e| e.for_field("code"))) }
                { form_error(err.as_ref().and_then(|e| e.general(&["code"]))) }
                { submit("Verify", *busy) }
                <div class="vb-row">
                    <button class="vb-button vb-button-link vb-resend" type="button" disabled={*cooldown > 0 || *busy} onclick={on_resend}>
                        { resend_label(*cooldown) }
                    </button>
                    <button class="vb-button vb-button-link vb-change-number" type="button" onclick={on_change}>{ "Change number" }</button>
                </div>
            </form>
            { other_method(&props.on_back) }
        </Card>
    }
}
