//! `/sign-in/factor-two`: the second step of a sign-in whose user has a
//! second factor. The authenticator code, a texted code or a backup code,
//! switchable; the session exists only after it. Without such a sign-in in
//! progress, the page goes back to sign-in.

use crate::api::{self, ApiError};
use crate::components::widgets::{code_field, form_error, submit, submit_handler, Card, Field};
use crate::session::context::with_redirect;
use crate::session::hooks::use_auth_context;
use crate::components::resend::{resend_label, use_countdown, RESEND_COOLDOWN_S};
use vestibule_protocol::wire::SignInJson;
use yew::prelude::*;
use yew_router::prelude::*;

/// The strategies, in the order the page prefers them.
const ORDER: [&str; 3] = ["totp", "phone_code", "backup_code"];

/// The sign-in's second factors, in the page's order.
pub fn strategies(sign_in: &SignInJson) -> Vec<&'static str> {
    let offered = sign_in.supported_second_factors.as_deref().unwrap_or_default();
    ORDER.into_iter().filter(|s| offered.iter().any(|f| f.strategy == *s)).collect()
}

/// The link that switches to `strategy`.
fn switch_label(strategy: &str, phone: &str) -> String {
    match strategy {
        "totp" => "Use your authenticator app".into(),
        "phone_code" => format!("Text a code to {phone}"),
        _ => "Use a backup code".into(),
    }
}

/// The second-factor page.
#[component]
pub fn FactorTwo() -> Html {
    let ctx = use_auth_context();
    let navigator = use_navigator();
    let sign_in = ctx.state.client.as_ref().and_then(|c| c.sign_in.clone()).filter(|s| s.status == "needs_second_factor");
    let offered = sign_in.as_ref().map(strategies).unwrap_or_default();
    let strategy = {
        let first = offered.first().copied().unwrap_or("totp");
        use_state(move || first)
    };
    let code = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let cooldown = use_state(|| 0u32);
    let texted = use_state(|| false);
    use_countdown(&cooldown);
    let redirect = crate::nav::query_param("redirect_url");
    let id = sign_in.as_ref().map(|s| s.id.clone());
    let phone = sign_in
        .as_ref()
        .and_then(|s| s.supported_second_factors.as_deref()?.iter().find(|f| f.strategy == "phone_code")?.safe_identifier.clone())
        .unwrap_or_default();

    {
        // Only a signed-out visitor without such a sign-in goes back: once
        // the code is accepted, the route guard moves the new session on.
        let missing = id.is_none() && ctx.state.signed_state() == vestibule_protocol::SignedState::SignedOut;
        let (loaded, navigator, redirect) = (ctx.state.loaded, navigator.clone(), redirect.clone());
        use_effect_with((loaded, missing), move |&(loaded, missing)| {
            if loaded && missing {
                crate::nav::go(navigator.as_ref(), &with_redirect("/sign-in", redirect.as_deref()), true);
            }
        });
    }
    let send_text = {
        let (api, id, error, cooldown, texted, busy) =
            (ctx.config.api.clone(), id.clone(), error.clone(), cooldown.clone(), texted.clone(), busy.clone());
        Callback::from(move |()| {
            let Some(id) = id.clone() else { return };
            let (api, error, cooldown, texted, busy) = (api.clone(), error.clone(), cooldown.clone(), texted.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_in::send_second_factor_code(&api, &id).await {
                    Ok(_) => {
                        error.set(None);
                        texted.set(true);
                        cooldown.set(RESEND_COOLDOWN_S);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    {
        // A texted code is sent when the page opens on it or switches to it.
        let (send_text, texted) = (send_text.clone(), *texted);
        use_effect_with((*strategy, id.is_some()), move |&(strategy, present)| {
            if strategy == "phone_code" && present && !texted {
                send_text.emit(());
            }
        });
    }
    let Some(id) = id else {
        return html! { <div class="vb-loading" role="status" aria-label="Loading"></div> };
    };

    let onsubmit = {
        let (ctx, code, error, strategy, id) = (ctx.clone(), code.clone(), error.clone(), strategy.clone(), id.clone());
        submit_handler(&busy, move || {
            let (ctx, code, error, strategy, id) = (ctx.clone(), code.clone(), error.clone(), *strategy, id.clone());
            async move {
                match api::sign_in::verify_second_factor(&ctx.config.api, &id, strategy, &code).await {
                    Ok(reply) => {
                        error.set(None);
                        ctx.set_client(reply.client);
                    }
                    Err(e) => {
                        code.set(String::new());
                        error.set(Some(e));
                    }
                }
            }
        })
    };
    let switch = |to: &'static str| {
        let (strategy, code, error) = (strategy.clone(), code.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            code.set(String::new());
            error.set(None);
            strategy.set(to);
        })
    };
    let err = (*error).clone();
    let field_error = err.as_ref().and_then(|e| e.for_field("code"));
    let (title, subtitle, field) = match *strategy {
        "backup_code" => (
            "Enter a backup code",
            "Use one of the codes you saved when you set up two-step verification. Each works once.".to_string(),
            html! {
                <Field id="vb-backup-code" label="Backup code" value={(*code).clone()} autocomplete={Some(AttrValue::from("off"))}
                    autofocus=true disabled={*busy} error={field_error}
                    on_input={{ let s = code.clone(); Callback::from(move |v: String| s.set(v)) }} />
            },
        ),
        "phone_code" => (
            "Check your phone",
            format!("Enter the 6-digit code sent to {phone}."),
            code_field("vb-second-factor-code", "Code from the text message", &code, *busy, field_error),
        ),
        _ => (
            "Two-step verification",
            "Enter the 6-digit code from your authenticator app.".to_string(),
            code_field("vb-second-factor-code", "Code from your app", &code, *busy, field_error),
        ),
    };
    let resend = (*strategy == "phone_code").then(|| {
        let send_text = send_text.clone();
        html! {
            <button class="vb-button vb-button-link vb-resend" type="button" disabled={*cooldown > 0 || *busy}
                onclick={Callback::from(move |_: MouseEvent| send_text.emit(()))}>{ resend_label(*cooldown) }</button>
        }
    });
    let start_over = with_redirect("/sign-in", redirect.as_deref());
    html! {
        <Card {title} subtitle={Some(AttrValue::from(subtitle))} class={classes!("vb-factor-two", format!("vb-factor-two-{}", *strategy))}
            footer={html! { <p><a class="vb-link vb-start-over" href={start_over}>{ "Start over" }</a></p> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { field }
                { form_error(err.as_ref().and_then(|e| e.general(&["code"]))) }
                { submit("Continue", *busy) }
                { resend.unwrap_or_default() }
            </form>
            <ul class="vb-other-factors">
                { for offered.iter().filter(|s| **s != *strategy).map(|&s| html! {
                    <li><button class={classes!("vb-button", "vb-button-link", format!("vb-use-{s}"))} type="button" onclick={switch(s)}>
                        { switch_label(s, &phone) }
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

    #[test]
    fn the_authenticator_comes_first_then_the_phone_then_backup_codes() {
        let factor = |s: &str| FactorJson { strategy: s.into(), ..FactorJson::default() };
        let sign_in = |f: Vec<FactorJson>| SignInJson { supported_second_factors: Some(f), ..SignInJson::default() };
        assert_eq!(strategies(&sign_in(vec![factor("backup_code"), factor("phone_code"), factor("totp")])), ["totp", "phone_code", "backup_code"]);
        assert_eq!(strategies(&sign_in(vec![factor("backup_code"), factor("passkey")])), ["backup_code"]);
        assert!(strategies(&SignInJson::default()).is_empty());
    }
}
