//! `<TaskResetPassword>`: the reset-password task. A new password and its
//! confirmation with live feedback (length, match, a rough strength), and
//! "Sign out of all other devices", checked by default. The server has the
//! last word (breached list, zxcvbn, same as the current one); its answer is
//! shown at the field, then the user moves on to the next task or to
//! `redirect_url_complete`.

use super::next_target;
use crate::api::{self, ApiError};
use crate::components::widgets::{form_error, submit, submit_handler, Card, Field, SignedInFooter};
use crate::session::hooks::use_auth_context;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`TaskResetPassword`].
#[derive(Properties, PartialEq)]
pub struct TaskResetPasswordProps {
    /// Where to go when the last task is done (validated against the
    /// provider's allowed origins).
    #[prop_or(AttrValue::Static("/"))]
    pub redirect_url_complete: AttrValue,
}

/// A rough strength for live feedback only: bits from length and the
/// kinds of characters used. The server's zxcvbn check decides.
pub fn rough_strength(password: &str) -> &'static str {
    let has = |f: fn(&char) -> bool| password.chars().any(|c| f(&c));
    let pool: u32 = [
        (has(char::is_ascii_lowercase), 26),
        (has(char::is_ascii_uppercase), 26),
        (has(char::is_ascii_digit), 10),
        (has(|c| !c.is_ascii_alphanumeric()), 33),
    ]
    .iter()
    .filter_map(|&(used, n)| used.then_some(n))
    .sum();
    let mut seen: Vec<char> = Vec::new();
    for c in password.chars() {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    let bits = seen.len() as u32 * pool.max(2).ilog2();
    match bits {
        0..36 => "weak",
        36..60 => "fair",
        _ => "strong",
    }
}

/// The reset-password task screen.
#[component]
pub fn TaskResetPassword(props: &TaskResetPasswordProps) -> Html {
    let ctx = use_auth_context();
    let navigator = use_navigator();
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let sign_out_others = use_state(|| true);
    let error = use_state(|| None::<ApiError>);
    let mismatch = use_state(|| false);
    let busy = use_state(|| false);
    let min = ctx
        .state
        .environment
        .as_ref()
        .map(|e| e.user_settings.password_settings.min_length)
        .filter(|n| *n > 0)
        .unwrap_or(8) as usize;
    let complete = props.redirect_url_complete.to_string();

    let onsubmit = {
        let (ctx, password, confirm, others, error, mismatch) =
            (ctx.clone(), password.clone(), confirm.clone(), sign_out_others.clone(), error.clone(), mismatch.clone());
        submit_handler(&busy, move || {
            let (ctx, password, confirm, others, error, mismatch, navigator, complete) = (
                ctx.clone(),
                password.clone(),
                confirm.clone(),
                others.clone(),
                error.clone(),
                mismatch.clone(),
                navigator.clone(),
                complete.clone(),
            );
            async move {
                mismatch.set(*password != *confirm);
                if *password != *confirm {
                    return;
                }
                match api::user::reset_password(&ctx.config.api, &password, *others).await {
                    Ok(reply) => {
                        error.set(None);
                        let target = next_target(&ctx, reply.client.as_ref(), &complete);
                        ctx.set_client(reply.client);
                        crate::nav::go(navigator.as_ref(), &target, true);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        })
    };

    let err = (*error).clone();
    let length = password.chars().count();
    let long_enough = length >= min;
    let matches = !confirm.is_empty() && *password == *confirm;
    let check = |ok: bool, text: String| {
        html! { <li class={classes!("vb-check", ok.then_some("vb-check-ok"))}>{ text }</li> }
    };
    let suggestions = err.as_ref().map(|e| e.suggestions("new_password")).unwrap_or_default();
    let on_toggle = {
        let others = sign_out_others.clone();
        Callback::from(move |e: Event| others.set(e.target_unchecked_into::<HtmlInputElement>().checked()))
    };
    html! {
        <Card title="Reset your password" class="vb-task-reset-password"
            subtitle={Some(AttrValue::from("Your password may be compromised. Choose a new one to continue."))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                <Field id="vb-new-password" label="New password" value={(*password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} autofocus=true disabled={*busy}
                    on_input={{ let s = password.clone(); Callback::from(move |v| s.set(v)) }}
                    error={err.as_ref().and_then(|e| e.for_field("new_password"))} />
                if !suggestions.is_empty() {
                    <ul class="vb-suggestions">{ for suggestions.into_iter().map(|s| html! { <li>{ s }</li> }) }</ul>
                }
                <ul class="vb-checks" aria-live="polite">
                    { check(long_enough, format!("At least {min} characters")) }
                    if length > 0 {
                        { check(rough_strength(&password) == "strong", format!("Strength: {}", rough_strength(&password))) }
                    }
                    if !confirm.is_empty() {
                        { check(matches, if matches { "Passwords match".into() } else { "Passwords don't match yet".into() }) }
                    }
                </ul>
                <Field id="vb-confirm-password" label="Confirm password" value={(*confirm).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} disabled={*busy}
                    on_input={{ let s = confirm.clone(); let m = mismatch.clone(); Callback::from(move |v| { m.set(false); s.set(v) }) }}
                    error={mismatch.then(|| "Passwords don't match.".to_string())} />
                <label class="vb-checkbox">
                    <input type="checkbox" id="vb-sign-out-others" checked={*sign_out_others} onchange={on_toggle} disabled={*busy} />
                    { "Sign out of all other devices" }
                </label>
                { form_error(err.as_ref().and_then(|e| e.general(&["new_password"]))) }
                { submit("Reset password", *busy) }
            </form>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::rough_strength;

    #[test]
    fn rough_strength_grows_with_length_and_kinds_of_characters() {
        assert_eq!(rough_strength(""), "weak");
        assert_eq!(rough_strength("aaaaaaaaaaaa"), "weak");
        assert_eq!(rough_strength("abcdefgh"), "weak");
        assert_eq!(rough_strength("abcdefghij"), "fair");
        assert_eq!(rough_strength("Tr0ub4dor&3x"), "strong");
        assert_eq!(rough_strength("correct-horse-battery-staple-42"), "strong");
    }
}
