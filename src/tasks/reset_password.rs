//! `<TaskResetPassword>`: the reset-password task. A new password and its
//! confirmation with live feedback (length, match, a rough strength), and
//! "Sign out of all other devices", checked by default. The server has the
//! last word (breached list, zxcvbn, same as the current one); its answer is
//! shown at the field, then the user moves on to the next task or to
//! `redirect_url_complete`.

use super::{use_task_done, TaskDone, TaskProps};
use crate::api::{self, param, ApiError};
use crate::components::card::Card;
use crate::components::field::{set_text, Field};
use crate::components::signed_in_footer::SignedInFooter;
use crate::components::submit::{use_submit, Submit};
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`TaskResetPassword`].
pub type TaskResetPasswordProps = TaskProps;

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

/// The new password as typed, and what the task does with it.
#[derive(Clone)]
struct NewPassword {
    ctx: AuthContext,
    password: UseStateHandle<String>,
    confirm: UseStateHandle<String>,
    sign_out_others: UseStateHandle<bool>,
    /// The confirmation did not match at the last submit.
    mismatch: UseStateHandle<bool>,
    done: TaskDone,
}

impl NewPassword {
    /// The form's `onsubmit`: a confirmation that does not match is caught
    /// here, without a request.
    fn on_submit(&self, submit: &Submit) -> Callback<SubmitEvent> {
        let reset = submit.callback(self.clone(), NewPassword::reset);
        let form = self.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let matches = *form.password == *form.confirm;
            form.mismatch.set(!matches);
            if matches {
                reset.emit(());
            }
        })
    }

    /// Takes the typed confirmation, clearing the mismatch.
    fn on_confirm(&self) -> Callback<String> {
        let form = self.clone();
        Callback::from(move |v| {
            form.mismatch.set(false);
            form.confirm.set(v)
        })
    }

    /// Takes the checkbox's state.
    fn on_toggle(&self) -> Callback<Event> {
        let others = self.sign_out_others.clone();
        Callback::from(move |e: Event| others.set(e.target_unchecked_into::<HtmlInputElement>().checked()))
    }

    /// Sets the new password (ending the other sessions when asked) and
    /// moves on.
    async fn reset(self) -> Result<(), ApiError> {
        let reply = api::user::reset_password(&self.ctx.config.api, &self.password, *self.sign_out_others).await?;
        self.done.finish(reply.client);
        Ok(())
    }
}

/// The live checks under the new password.
fn checks(password: &str, confirm: &str, min: usize) -> Html {
    let check = |ok: bool, text: String| {
        html! { <li class={classes!("vb-check", ok.then_some("vb-check-ok"))}>{ text }</li> }
    };
    let length = password.chars().count();
    let matches = !confirm.is_empty() && password == confirm;
    html! {
        <ul class="vb-checks" aria-live="polite">
            { check(length >= min, format!("At least {min} characters")) }
            if length > 0 {
                { check(rough_strength(password) == "strong", format!("Strength: {}", rough_strength(password))) }
            }
            if !confirm.is_empty() {
                { check(matches, if matches { "Passwords match".into() } else { "Passwords don't match yet".into() }) }
            }
        </ul>
    }
}

/// The reset-password task screen.
#[component]
pub fn TaskResetPassword(props: &TaskResetPasswordProps) -> Html {
    let ctx = use_auth_context();
    let submit = use_submit();
    let form = NewPassword {
        ctx: ctx.clone(),
        password: use_state(String::new),
        confirm: use_state(String::new),
        sign_out_others: use_state(|| true),
        mismatch: use_state(|| false),
        done: use_task_done(props),
    };
    let min = ctx.state.password_min_length() as usize;
    let busy = submit.busy();
    let suggestions = submit.error().map(|e| e.suggestions(param::NEW_PASSWORD)).unwrap_or_default();
    html! {
        <Card title="Reset your password" class="vb-task-reset-password"
            subtitle={Some(AttrValue::from("Your password may be compromised. Choose a new one to continue."))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" onsubmit={form.on_submit(&submit)} novalidate=true>
                <Field id="vb-new-password" label="New password" value={(*form.password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} autofocus=true disabled={busy}
                    on_input={set_text(&form.password)} error={submit.field_error(param::NEW_PASSWORD)} />
                if !suggestions.is_empty() {
                    <ul class="vb-suggestions">{ for suggestions.into_iter().map(|s| html! { <li>{ s }</li> }) }</ul>
                }
                { checks(&form.password, &form.confirm, min) }
                <Field id="vb-confirm-password" label="Confirm password" value={(*form.confirm).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} disabled={busy}
                    on_input={form.on_confirm()} error={form.mismatch.then(|| "Passwords don't match.".to_string())} />
                <label class="vb-checkbox">
                    <input type="checkbox" id="vb-sign-out-others" checked={*form.sign_out_others} onchange={form.on_toggle()} disabled={busy} />
                    { "Sign out of all other devices" }
                </label>
                { submit.form_error(&[param::NEW_PASSWORD]) }
                { submit.button("Reset password") }
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
