//! `<Reverify>`: confirms, in place, that the person at the keyboard is the
//! user before a sensitive change the server refused with
//! `session_reverification_required`. It asks for the password (when the
//! user has one) or for a code emailed to the primary address, and calls
//! `on_verified` once the server says the verification is complete; the
//! caller then retries the change.

use crate::api::{self, ApiError};
use crate::components::resend::{resend_label, use_countdown, RESEND_COOLDOWN_S};
use crate::components::widgets::{code_field, form_error, submit, submit_handler, Field};
use crate::session::context::AuthContext;
use crate::session::hooks::use_auth_context;
use vestibule_protocol::wire::{ClientJson, FactorJson, SessionVerificationJson};
use vestibule_protocol::ErrorCode;
use yew::prelude::*;

/// Props of [`Reverify`].
#[derive(Properties, PartialEq)]
pub struct ReverifyProps {
    /// What the user is about to do, as it reads after "To …", e.g.
    /// `make new backup codes`.
    pub action: AttrValue,
    /// Called once the first factor is confirmed.
    pub on_verified: Callback<()>,
    /// Called by **Cancel** (or Escape).
    pub on_cancel: Callback<()>,
}

/// Which first factor the form asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Password,
    EmailCode,
}

/// The email-code factor the server offers, if any.
fn email_factor(verification: &SessionVerificationJson) -> Option<&FactorJson> {
    verification.supported_first_factors.iter().find(|f| f.strategy == "email_code")
}

/// Whether the server offers the password.
fn offers_password(verification: &SessionVerificationJson) -> bool {
    verification.supported_first_factors.iter().any(|f| f.strategy == "password")
}

/// The prompt's state: one clone of it goes into each handler.
#[derive(Clone)]
struct Prompt {
    ctx: AuthContext,
    session_id: String,
    verification: UseStateHandle<Option<SessionVerificationJson>>,
    method: UseStateHandle<Method>,
    password: UseStateHandle<String>,
    code: UseStateHandle<String>,
    error: UseStateHandle<Option<ApiError>>,
    notice: UseStateHandle<Option<&'static str>>,
    busy: UseStateHandle<bool>,
    cooldown: UseStateHandle<u32>,
}

impl Prompt {
    /// Keeps the client the server sent and tells the caller.
    fn complete(&self, client: Option<ClientJson>, on_verified: &Callback<()>) {
        self.error.set(None);
        if client.is_some() {
            self.ctx.set_client(client);
        }
        on_verified.emit(());
    }

    /// Starts the verification; without a password, the code is sent at once.
    async fn start(self, password_enabled: bool, on_verified: Callback<()>) {
        match api::reverification::start(&self.ctx.config.api, &self.session_id).await {
            Ok(reply) if reply.response.status == "complete" => self.complete(reply.client, &on_verified),
            Ok(reply) => {
                let password = offers_password(&reply.response) && password_enabled;
                let email_id = email_factor(&reply.response).map(|f| f.email_address_id.clone());
                self.verification.set(Some(reply.response));
                if let (false, Some(id)) = (password, email_id) {
                    self.send_code(false, id).await;
                }
            }
            Err(e) => self.error.set(Some(e)),
        }
    }

    /// Emails a code and switches to it. A refusal because a code went out
    /// moments ago still switches: that code is good.
    async fn send_code(self, resend: bool, email_address_id: Option<String>) {
        self.busy.set(true);
        match api::reverification::send_code(&self.ctx.config.api, &self.session_id, email_address_id.as_deref()).await {
            Ok(reply) => {
                self.error.set(None);
                self.notice.set(resend.then_some("A new code is on its way."));
                self.verification.set(Some(reply.response));
            }
            Err(e) => {
                let switch = e.code() == Some(ErrorCode::TooManyRequests.as_str());
                self.notice.set(None);
                self.error.set(Some(e));
                if !switch {
                    self.busy.set(false);
                    return;
                }
            }
        }
        self.code.set(String::new());
        self.cooldown.set(RESEND_COOLDOWN_S);
        self.method.set(Method::EmailCode);
        self.busy.set(false);
    }

    /// Tries the password or the code on screen.
    async fn attempt(self, on_verified: Callback<()>) {
        let api = &self.ctx.config.api;
        let method = *self.method;
        let attempt = match method {
            Method::Password => api::reverification::with_password(api, &self.session_id, &self.password).await,
            Method::EmailCode => api::reverification::with_code(api, &self.session_id, &self.code).await,
        };
        self.notice.set(None);
        match attempt {
            Ok(reply) if reply.response.status == "complete" => self.complete(reply.client, &on_verified),
            Ok(_) => self.error.set(Some(ApiError::Network("Unexpected answer (not confirmed).".into()))),
            Err(e) => {
                if method == Method::EmailCode {
                    self.code.set(String::new());
                }
                self.error.set(Some(e));
            }
        }
    }
}

/// Asks for the first factor again and reports when it is confirmed.
#[component]
pub fn Reverify(props: &ReverifyProps) -> Html {
    let ctx = use_auth_context();
    let prompt = Prompt {
        session_id: ctx.state.session().map(|s| s.id.clone()).unwrap_or_default(),
        ctx: ctx.clone(),
        verification: use_state(|| None),
        method: use_state(|| Method::Password),
        password: use_state(String::new),
        code: use_state(String::new),
        error: use_state(|| None),
        notice: use_state(|| None),
        busy: use_state(|| false),
        cooldown: use_state(|| 0),
    };
    use_countdown(&prompt.cooldown);
    let password_enabled = ctx.state.user().is_some_and(|u| u.password_enabled);
    {
        let (prompt, on_verified) = (prompt.clone(), props.on_verified.clone());
        use_effect_with((), move |_| wasm_bindgen_futures::spawn_local(prompt.start(password_enabled, on_verified)));
    }
    let onsubmit = {
        let (prompt, on_verified) = (prompt.clone(), props.on_verified.clone());
        let busy = prompt.busy.clone();
        submit_handler(&busy, move || prompt.clone().attempt(on_verified.clone()))
    };
    let send_code = |resend: bool| {
        let prompt = prompt.clone();
        let id = prompt.verification.as_ref().and_then(email_factor).and_then(|f| f.email_address_id.clone());
        Callback::from(move |_: MouseEvent| wasm_bindgen_futures::spawn_local(prompt.clone().send_code(resend, id.clone())))
    };
    let Prompt { verification, method, password, code, error, notice, busy, cooldown, .. } = prompt.clone();

    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let onkeydown = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_cancel.emit(());
            }
        })
    };
    let err = (*error).clone();
    let Some(v) = (*verification).clone() else {
        return html! {
            <section class="vb-reverify" aria-labelledby="vb-reverify-title" {onkeydown}>
                <h2 class="vb-section-title" id="vb-reverify-title">{ "Confirm it's you" }</h2>
                if err.is_none() {
                    <div class="vb-loading" role="status" aria-label="Loading"></div>
                }
                { form_error(err.as_ref().and_then(|e| e.general(&[]))) }
                <div class="vb-row">
                    <button class="vb-button vb-button-secondary vb-reverify-cancel" type="button" onclick={on_cancel}>{ "Cancel" }</button>
                </div>
            </section>
        };
    };
    let email = email_factor(&v).and_then(|f| f.safe_identifier.clone()).unwrap_or_else(|| "your email address".into());
    let can_password = offers_password(&v) && password_enabled;
    let can_email = email_factor(&v).is_some();
    let asks = *method == Method::EmailCode || can_password;
    let use_email = (*method == Method::Password && can_email).then(|| {
        let label = if can_password { "Use a code sent to your email instead" } else { "Email me a code" };
        html! {
            <button class="vb-button vb-button-link vb-reverify-use-email" type="button" disabled={*busy}
                onclick={send_code(false)}>{ label }</button>
        }
    });
    let (text, field, param, switch) = match *method {
        // Without a password (and the emailed code refused), only the way
        // to the code is offered.
        Method::Password if !can_password => (
            format!("To {}, confirm it's you with a code sent to {email}.", props.action),
            if *busy { html! { <div class="vb-loading" role="status" aria-label="Sending a code"></div> } } else { Html::default() },
            "password",
            use_email,
        ),
        Method::Password => (
            format!("To {}, enter your password.", props.action),
            html! {
                <Field id="vb-reverify-password" label="Password" value={(*password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("current-password"))} autofocus=true disabled={*busy}
                    on_input={{ let s = password.clone(); Callback::from(move |v| s.set(v)) }}
                    error={err.as_ref().and_then(|e| e.for_field("password"))} />
            },
            "password",
            use_email,
        ),
        Method::EmailCode => (
            format!("To {}, enter the 6-digit code sent to {email}.", props.action),
            code_field("vb-reverify-code", "Verification code", &code, *busy, err.as_ref().and_then(|e| e.for_field("code"))),
            "code",
            can_password.then(|| {
                let (method, error, notice) = (method.clone(), error.clone(), notice.clone());
                html! {
                    <button class="vb-button vb-button-link vb-reverify-use-password" type="button"
                        onclick={Callback::from(move |_: MouseEvent| {
                            error.set(None);
                            notice.set(None);
                            method.set(Method::Password);
                        })}>
                        { "Use your password instead" }
                    </button>
                }
            }),
        ),
    };
    let resend = (*method == Method::EmailCode).then(|| {
        html! {
            <button class="vb-button vb-button-link vb-resend" type="button" disabled={*cooldown > 0 || *busy}
                onclick={send_code(true)}>{ resend_label(*cooldown) }</button>
        }
    });
    // The key makes a switch of method a new form, whose field takes focus.
    let key = if *method == Method::Password { "password" } else { "email-code" };
    html! {
        <section class={classes!("vb-reverify", format!("vb-reverify-{key}"))} aria-labelledby="vb-reverify-title"
            aria-describedby="vb-reverify-why" {onkeydown}>
            <h2 class="vb-section-title" id="vb-reverify-title">{ "Confirm it's you" }</h2>
            <p class="vb-notice" id="vb-reverify-why">{ text }</p>
            <form class="vb-form" key={key} {onsubmit} novalidate=true>
                { field }
                { form_error(err.as_ref().and_then(|e| e.general(&[param]))) }
                if let Some(n) = *notice {
                    <p class="vb-notice" role="status">{ n }</p>
                }
                <div class="vb-row">
                    if asks {
                        { submit("Continue", *busy) }
                    }
                    <button class="vb-button vb-button-secondary vb-reverify-cancel" type="button" onclick={on_cancel}>{ "Cancel" }</button>
                </div>
                if resend.is_some() || switch.is_some() {
                    <div class="vb-row">
                        { resend.unwrap_or_default() }
                        { switch.unwrap_or_default() }
                    </div>
                }
            </form>
        </section>
    }
}
