//! `<Reverify>`: confirms, in place, that the person at the keyboard is the
//! user before a sensitive change the server refused with
//! `session_reverification_required`. It asks for the password (when the
//! user has one) or for a code emailed to the primary address, and calls
//! `on_verified` once the server says the verification is complete; the
//! caller then retries the change.

mod prompt;

use crate::api::param;
use crate::components::card::loading;
use crate::components::field::{code_field, set_text, Field};
use crate::components::resend::{resend_label, use_countdown};
use crate::components::submit::use_submit;
use crate::session::hooks::use_auth_context;
use prompt::{email_factor, offers_password, Prompt};
use vestibule_protocol::wire::SessionVerificationJson;
use vestibule_protocol::Strategy;
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

/// The **Cancel** button and the Escape key, which both call `on_cancel`.
struct Cancel {
    onclick: Callback<MouseEvent>,
    onkeydown: Callback<KeyboardEvent>,
}

/// Asks for the first factor again and reports when it is confirmed.
#[component]
pub fn Reverify(props: &ReverifyProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let submit = use_submit();
    let prompt = Prompt {
        session_id: ctx.state.session().map(|s| s.id.clone()).unwrap_or_default(),
        password_enabled: ctx.state.user().is_some_and(|u| u.password_enabled),
        ctx,
        on_verified: props.on_verified.clone(),
        verification: use_state(|| None),
        method: use_state(|| Strategy::Password),
        password: use_state(String::new),
        code: use_state(String::new),
        notice: use_state(|| None),
        cooldown: use_state(|| 0),
        submit: submit.clone(),
    };
    use_countdown(&prompt.cooldown);
    {
        let prompt = prompt.clone();
        use_effect_with((), move |_| wasm_bindgen_futures::spawn_local(prompt.start()));
    }
    let on_cancel = props.on_cancel.clone();
    let cancel = Cancel {
        onclick: props.on_cancel.reform(|_: MouseEvent| ()),
        onkeydown: Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                on_cancel.emit(());
            }
        }),
    };
    match (*prompt.verification).clone() {
        Some(verification) => asking(&prompt, &verification, &props.action, cancel),
        None => html! {
            <section class="vb-reverify" aria-labelledby="vb-reverify-title" onkeydown={cancel.onkeydown}>
                <h2 class="vb-section-title" id="vb-reverify-title">{ m.t("reverify.title") }</h2>
                if submit.error().is_none() {
                    { loading() }
                }
                { submit.form_error(&[]) }
                <div class="vb-row">
                    <button class="vb-button vb-button-secondary vb-reverify-cancel" type="button" onclick={cancel.onclick}>{ m.t("common.cancel") }</button>
                </div>
            </section>
        },
    }
}

/// The form once the server said which factors it takes: the password or
/// the emailed code, with the way to the other one.
fn asking(prompt: &Prompt, v: &SessionVerificationJson, action: &str, cancel: Cancel) -> Html {
    let submit = &prompt.submit;
    let m = &prompt.ctx.state.messages;
    let busy = submit.busy();
    let method = *prompt.method;
    let email = email_factor(v).and_then(|f| f.safe_identifier.clone()).unwrap_or_else(|| m.t("reverify.your_email"));
    let can_password = offers_password(v) && prompt.password_enabled;
    let asks = method == Strategy::EmailCode || can_password;
    let use_email = (method == Strategy::Password && email_factor(v).is_some()).then(|| {
        let label = if can_password { m.t("reverify.use_email_code") } else { m.t("reverify.email_me_a_code") };
        let onclick = submit.callback(prompt.clone(), |p| p.email_code(false));
        html! { <button class="vb-button vb-button-link vb-reverify-use-email" type="button" disabled={busy} {onclick}>{ label }</button> }
    });
    let (text, field, param, switch) = match method {
        // Without a password (and the emailed code refused), only the way
        // to the code is offered.
        Strategy::Password if !can_password => (
            m.fmt("reverify.why_email_only", &[("action", action), ("email", &email)]),
            if busy { html! { <div class="vb-loading" role="status" aria-label={m.t("reverify.sending")}></div> } } else { Html::default() },
            param::PASSWORD,
            use_email,
        ),
        Strategy::Password => (
            m.fmt("reverify.why_password", &[("action", action)]),
            html! {
                <Field id="vb-reverify-password" label={m.t("common.password")} value={(*prompt.password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("current-password"))} autofocus=true disabled={busy}
                    on_input={set_text(&prompt.password)} error={submit.field_error(param::PASSWORD)} />
            },
            param::PASSWORD,
            use_email,
        ),
        _ => (
            m.fmt("reverify.why_code", &[("action", action), ("email", &email)]),
            code_field("vb-reverify-code", &m.t("code.label"), &prompt.code, busy, submit.field_error(param::CODE)),
            param::CODE,
            can_password.then(|| password_instead(prompt)),
        ),
    };
    let resend = (method == Strategy::EmailCode).then(|| {
        let onclick = submit.callback(prompt.clone(), |p| p.email_code(true));
        html! {
            <button class="vb-button vb-button-link vb-resend" type="button" disabled={*prompt.cooldown > 0 || busy}
                {onclick}>{ resend_label(*prompt.cooldown, m) }</button>
        }
    });
    // The key makes a switch of method a new form, whose field takes focus.
    let key = if method == Strategy::Password { "password" } else { "email-code" };
    let onsubmit = submit.on_submit(prompt.clone(), Prompt::attempt);
    html! {
        <section class={classes!("vb-reverify", format!("vb-reverify-{key}"))} aria-labelledby="vb-reverify-title"
            aria-describedby="vb-reverify-why" onkeydown={cancel.onkeydown}>
            <h2 class="vb-section-title" id="vb-reverify-title">{ m.t("reverify.title") }</h2>
            <p class="vb-notice" id="vb-reverify-why">{ text }</p>
            <form class="vb-form" key={key} {onsubmit} novalidate=true>
                { field }
                { submit.form_error(&[param]) }
                if let Some(n) = *prompt.notice {
                    <p class="vb-notice" role="status">{ m.t(n) }</p>
                }
                <div class="vb-row">
                    if asks {
                        { submit.button(&m.t("common.continue")) }
                    }
                    <button class="vb-button vb-button-secondary vb-reverify-cancel" type="button" onclick={cancel.onclick}>{ m.t("common.cancel") }</button>
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

/// "Use your password instead", on the emailed-code form.
fn password_instead(prompt: &Prompt) -> Html {
    let prompt = prompt.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        prompt.submit.set_error(None);
        prompt.notice.set(None);
        prompt.method.set(Strategy::Password);
    });
    html! {
        <button class="vb-button vb-button-link vb-reverify-use-password" type="button" {onclick}>
            { prompt.ctx.state.messages.t("reverify.use_password") }
        </button>
    }
}
