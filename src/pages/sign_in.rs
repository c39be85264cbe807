//! `<SignIn>`: email and password, or a code emailed to the address. A
//! password known to be compromised is answered with an offer of the code;
//! the code step is derived from the client's sign-in in progress, so a
//! reload keeps it. A user with a second factor continues on
//! `/sign-in/factor-two`. When the session it creates is pending, the route
//! guard sends the user to the current task.

mod credentials;

use crate::components::code_step::{back_to_start, CodeFor, CodeStep};
use crate::components::submit::use_submit;
use crate::nav::Here;
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use credentials::use_credentials;
use vestibule_protocol::{SignInStatus, Strategy, VerificationStatus};
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`SignIn`].
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Link to sign-up (keeps `redirect_url`); the provider's sign-up page
    /// when not given.
    #[prop_or_default]
    pub sign_up_url: Option<AttrValue>,
}

/// A sign-in that turns to needing a second factor (after the password or
/// the emailed code) continues on `/sign-in/factor-two`.
#[hook]
fn use_second_factor_step(ctx: &AuthContext) {
    let navigator = use_navigator();
    let step = ctx.state.client.as_ref().and_then(|c| c.sign_in.as_ref()).map(|s| (s.id.clone(), s.status));
    let seen = use_mut_ref(|| None::<Option<(String, SignInStatus)>>);
    let to = ctx.urls().factor_two(Here::current().redirect_url().as_deref());
    use_effect_with(step, move |step| {
        let before = seen.borrow_mut().replace(step.clone());
        let second = step.as_ref().is_some_and(|(_, status)| *status == SignInStatus::NeedsSecondFactor);
        if second && before.is_some_and(|b| b != *step) {
            crate::nav::go(navigator.as_ref(), &to, false);
        }
    });
}

/// The sign-in form and its emailed-code step.
#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let ctx = use_auth_context();
    use_second_factor_step(&ctx);
    let in_progress = ctx
        .state
        .client
        .as_ref()
        .and_then(|c| c.sign_in.clone())
        .filter(|s| s.status == SignInStatus::NeedsFirstFactor);
    let submit = use_submit();
    let form = use_credentials(&ctx, in_progress.as_ref());

    let code_step = in_progress.as_ref().filter(|s| {
        !*form.restart
            && s.first_factor_verification.as_ref().is_some_and(|v| {
                v.status == VerificationStatus::Unverified && v.strategy == Some(Strategy::EmailCode)
            })
    });
    if let Some(s) = code_step {
        let on_back = back_to_start(&form.restart, &submit);
        return html! {
            <CodeStep flow={CodeFor::SignIn} id={s.id.clone()} title="Check your email"
                to={s.identifier.clone().unwrap_or_default()} back_label="Start over" {on_back} />
        };
    }
    let sign_up = ctx.urls().sign_up_at(props.sign_up_url.as_deref()).sign_up(Here::current().redirect_url().as_deref());
    credentials::view(&form, &submit, sign_up)
}
