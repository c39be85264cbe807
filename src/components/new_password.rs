//! `<NewPasswordForm>`: the new password that the reset-password task and
//! "Forgot password?" both ask for. The password and its confirmation with
//! live feedback (length, match, a rough strength), and "Sign out of all
//! other devices", checked by default. The server has the last word
//! (breached list, zxcvbn, same as the current one); its answer is shown at
//! the field.

use crate::api::ApiError;
use crate::components::card::Card;
use crate::components::field::{set_text, Field};
use crate::components::submit::{use_submit, Submit};
use crate::locale::Messages;
use crate::session::hooks::use_auth_context;
use futures::future::LocalBoxFuture;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

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

/// What sending the new password does: its request, then the way on.
pub type SaveFuture = LocalBoxFuture<'static, Result<(), ApiError>>;

/// Sends the new password and whether to sign out of the other devices,
/// and moves the user on.
#[derive(Clone)]
pub struct Save(pub Rc<dyn Fn(String, bool) -> SaveFuture>);

impl PartialEq for Save {
    fn eq(&self, other: &Save) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Props of [`NewPasswordForm`].
#[derive(Properties, PartialEq)]
pub struct NewPasswordProps {
    /// The card's title.
    pub title: AttrValue,
    /// The line under it.
    pub subtitle: AttrValue,
    /// The card's class.
    pub class: AttrValue,
    /// The form parameter the server names in its errors about the password.
    pub param: &'static str,
    /// What the submit does.
    pub save: Save,
    /// The card's footer.
    #[prop_or_default]
    pub footer: Html,
}

/// The new password as typed.
#[derive(Clone)]
struct NewPassword {
    password: UseStateHandle<String>,
    confirm: UseStateHandle<String>,
    sign_out_others: UseStateHandle<bool>,
    /// The confirmation did not match at the last submit.
    mismatch: UseStateHandle<bool>,
    save: Save,
}

impl NewPassword {
    /// The form's `onsubmit`: a confirmation that does not match is caught
    /// here, without a request.
    fn on_submit(&self, submit: &Submit) -> Callback<SubmitEvent> {
        let save = submit.callback(self.clone(), |form: NewPassword| (form.save.0)((*form.password).clone(), *form.sign_out_others));
        let form = self.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let matches = *form.password == *form.confirm;
            form.mismatch.set(!matches);
            if matches {
                save.emit(());
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
}

/// The live checks under the new password.
fn checks(password: &str, confirm: &str, min: usize, m: &Messages) -> Html {
    let check = |ok: bool, text: String| {
        html! { <li class={classes!("vb-check", ok.then_some("vb-check-ok"))}>{ text }</li> }
    };
    let length = password.chars().count();
    let matches = !confirm.is_empty() && password == confirm;
    html! {
        <ul class="vb-checks" aria-live="polite">
            { check(length >= min, m.count("password.at_least", u32::try_from(min).unwrap_or(u32::MAX), &[])) }
            if length > 0 {
                { check(rough_strength(password) == "strong", m.fmt("password.strength", &[("strength", &m.t(&format!("password.strength.{}", rough_strength(password))))])) }
            }
            if !confirm.is_empty() {
                { check(matches, if matches { m.t("password.match") } else { m.t("password.no_match_yet") }) }
            }
        </ul>
    }
}

/// The new-password card.
#[component]
pub fn NewPasswordForm(props: &NewPasswordProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let submit = use_submit();
    let form = NewPassword {
        password: use_state(String::new),
        confirm: use_state(String::new),
        sign_out_others: use_state(|| true),
        mismatch: use_state(|| false),
        save: props.save.clone(),
    };
    let min = ctx.state.password_min_length() as usize;
    let busy = submit.busy();
    let suggestions = submit.error().map(|e| e.suggestions(props.param, &m)).unwrap_or_default();
    html! {
        <Card title={props.title.clone()} class={classes!(props.class.to_string())}
            subtitle={Some(props.subtitle.clone())} footer={props.footer.clone()}>
            <form class="vb-form" onsubmit={form.on_submit(&submit)} novalidate=true>
                <Field id="vb-new-password" label={m.t("password.new")} value={(*form.password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} autofocus=true disabled={busy}
                    on_input={set_text(&form.password)} error={submit.field_error(props.param)} />
                if !suggestions.is_empty() {
                    <ul class="vb-suggestions">{ for suggestions.into_iter().map(|s| html! { <li>{ s }</li> }) }</ul>
                }
                { checks(&form.password, &form.confirm, min, &m) }
                <Field id="vb-confirm-password" label={m.t("password.confirm")} value={(*form.confirm).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} disabled={busy}
                    on_input={form.on_confirm()} error={form.mismatch.then(|| m.t("password.mismatch"))} />
                <label class="vb-checkbox">
                    <input type="checkbox" id="vb-sign-out-others" checked={*form.sign_out_others} onchange={form.on_toggle()} disabled={busy} />
                    { m.t("password.sign_out_others") }
                </label>
                { submit.form_error(&[props.param]) }
                { submit.button(&m.t("password.reset")) }
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
