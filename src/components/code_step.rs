//! The emailed-code step that sign-up and sign-in share: six digits (a
//! pasted code works), resend with its confirmation, and a way back. Both
//! flows keep the step in the client, so a reload lands here again.

use crate::api::{self, param, ApiError};
use crate::components::card::Card;
use crate::components::field::code_field;
use crate::components::submit::{use_submit, Submit};
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use vestibule_protocol::Strategy;
use yew::prelude::*;

/// Which flow the code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeFor {
    /// Verifying the email address of a sign-up.
    SignUp,
    /// Signing in with an emailed code as first factor.
    SignIn,
    /// Proving the address before a new password ("Forgot password?").
    ResetPassword,
}

impl CodeFor {
    /// The sign-in strategy the code proves (sign-up codes have none).
    fn sign_in_strategy(self) -> Option<Strategy> {
        match self {
            CodeFor::SignUp => None,
            CodeFor::SignIn => Some(Strategy::EmailCode),
            CodeFor::ResetPassword => Some(Strategy::ResetPasswordEmailCode),
        }
    }
}

/// The way back from the code step to the form before it: clears the
/// form's error and sets the flow's `restart` flag, which hides the step.
pub fn back_to_start(restart: &UseStateHandle<bool>, form: &Submit) -> Callback<()> {
    let restart = restart.clone();
    let form = form.clone();
    Callback::from(move |()| {
        form.set_error(None);
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

/// The code a flow sent, and what the step does with it.
#[derive(Clone)]
struct EmailedCode {
    ctx: AuthContext,
    flow: CodeFor,
    id: AttrValue,
    code: UseStateHandle<String>,
    /// The key of a message about the last resend.
    notice: UseStateHandle<Option<&'static str>>,
    submit: Submit,
}

impl EmailedCode {
    /// Tries the code; a right one brings the client a step further.
    async fn verify(self) -> Result<(), ApiError> {
        let api = &self.ctx.config.api;
        let client = match self.flow.sign_in_strategy() {
            None => api::sign_up::verify(api, &self.id, &self.code).await?.client,
            Some(strategy) => api::sign_in::verify(api, &self.id, strategy, &self.code).await?.client,
        };
        self.ctx.set_client(client);
        Ok(())
    }

    /// Sends another code; says so, or shows why not. It does not make the
    /// form busy: the code on its way may still be typed.
    async fn resend(self) {
        let api = &self.ctx.config.api;
        let sent = match self.flow.sign_in_strategy() {
            None => api::sign_up::send_code(api, &self.id).await.map(drop),
            Some(strategy) => api::sign_in::send_code(api, &self.id, strategy).await.map(drop),
        };
        self.notice.set(sent.is_ok().then_some("code.resent"));
        self.submit.set_error(sent.err());
    }
}

/// The code form.
#[component]
pub fn CodeStep(props: &CodeStepProps) -> Html {
    let submit = use_submit();
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let step = EmailedCode {
        ctx,
        flow: props.flow,
        id: props.id.clone(),
        code: use_state(String::new),
        notice: use_state(|| None),
        submit: submit.clone(),
    };
    let onsubmit = submit.on_submit(step.clone(), EmailedCode::verify);
    let on_resend = {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| wasm_bindgen_futures::spawn_local(step.clone().resend()))
    };
    let on_back = props.on_back.reform(|_: MouseEvent| ());
    let class = match props.flow {
        CodeFor::SignUp => "vb-sign-up-verify",
        CodeFor::SignIn => "vb-sign-in-code",
        CodeFor::ResetPassword => "vb-reset-code",
    };
    html! {
        <Card title={props.title.clone()} subtitle={Some(AttrValue::from(m.fmt("code.sent_to", &[("to", &props.to)])))} class={classes!("vb-code-step", class)}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { code_field("vb-code", &m.t("code.label"), &step.code, submit.busy(), submit.field_error(param::CODE)) }
                { submit.form_error(&[param::CODE]) }
                if let Some(n) = *step.notice {
                    <p class="vb-notice" role="status">{ m.t(n) }</p>
                }
                { submit.button(&m.t("common.continue")) }
                <div class="vb-row">
                    <button class="vb-button vb-button-link" type="button" onclick={on_resend}>{ m.t("code.resend") }</button>
                    <button class="vb-button vb-button-link" type="button" onclick={on_back}>{ props.back_label.clone() }</button>
                </div>
            </form>
        </Card>
    }
}
