//! The emailed-code step that sign-up and sign-in share: six digits (a
//! pasted code works), resend with its cooldown message, and a way back.
//! Both flows keep the step in the client, so a reload lands here again.

use crate::api::{self, ApiError};
use crate::components::widgets::{code_field, form_error, submit, submit_handler, Card};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// Which flow the code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeFor {
    /// Verifying the email address of a sign-up.
    SignUp,
    /// Signing in with an emailed code as first factor.
    SignIn,
}

/// The way back from the code step to the form before it: clears the error
/// and sets the flow's `restart` flag, which hides the step.
pub fn back_to_start(restart: &UseStateHandle<bool>, error: &UseStateHandle<Option<ApiError>>) -> Callback<()> {
    let (restart, error) = (restart.clone(), error.clone());
    Callback::from(move |()| {
        error.set(None);
        restart.set(true);
    })
}

/// Props of [`CodeStep`].
#[derive(Properties, PartialEq)]
pub struct CodeStepProps {
    /// The flow.
    pub flow: CodeFor,
    /// The sign-up's or sign-in's id.
    pub id: AttrValue,
    /// The screen's title.
    pub title: AttrValue,
    /// Where the code was sent.
    pub to: AttrValue,
    /// The label of the way back.
    pub back_label: AttrValue,
    /// Called by the way back.
    pub on_back: Callback<()>,
}

/// The code form.
#[component]
pub fn CodeStep(props: &CodeStepProps) -> Html {
    let ctx = use_auth_context();
    let code = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let notice = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);
    let (flow, id) = (props.flow, props.id.to_string());

    let onsubmit = {
        let (ctx, code, error, id) = (ctx.clone(), code.clone(), error.clone(), id.clone());
        submit_handler(&busy, move || {
            let (ctx, code, error, id) = (ctx.clone(), code.clone(), error.clone(), id.clone());
            async move {
                let api = &ctx.config.api;
                let client = match flow {
                    CodeFor::SignUp => api::sign_up::verify(api, &id, &code).await.map(|r| r.client),
                    CodeFor::SignIn => api::sign_in::verify(api, &id, &code).await.map(|r| r.client),
                };
                match client {
                    Ok(client) => {
                        error.set(None);
                        ctx.set_client(client);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        })
    };
    let on_resend = {
        let (ctx, error, notice) = (ctx.clone(), error.clone(), notice.clone());
        Callback::from(move |_| {
            let (ctx, error, notice, id) = (ctx.clone(), error.clone(), notice.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let api = &ctx.config.api;
                let sent = match flow {
                    CodeFor::SignUp => api::sign_up::send_code(api, &id).await.map(|_| ()),
                    CodeFor::SignIn => api::sign_in::send_code(api, &id).await.map(|_| ()),
                };
                match sent {
                    Ok(()) => {
                        error.set(None);
                        notice.set(Some("A new code is on its way."));
                    }
                    Err(e) => {
                        notice.set(None);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let on_back = props.on_back.reform(|_: MouseEvent| ());

    let err = (*error).clone();
    let general = err.as_ref().and_then(|e| e.general(&["code"]));
    html! {
        <Card title={props.title.clone()} subtitle={Some(AttrValue::from(format!("Enter the 6-digit code sent to {}.", props.to)))} class={classes!("vb-code-step", if flow == CodeFor::SignUp { "vb-sign-up-verify" } else { "vb-sign-in-code" })}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { code_field("vb-code", "Verification code", &code, *busy, err.as_ref().and_then(|e| e.for_field("code"))) }
                { form_error(general) }
                if let Some(n) = *notice {
                    <p class="vb-notice" role="status">{ n }</p>
                }
                { submit("Continue", *busy) }
                <div class="vb-row">
                    <button class="vb-button vb-button-link" type="button" onclick={on_resend}>{ "Resend code" }</button>
                    <button class="vb-button vb-button-link" type="button" onclick={on_back}>{ props.back_label.clone() }</button>
                </div>
            </form>
        </Card>
    }
}
