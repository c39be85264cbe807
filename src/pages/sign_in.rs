//! `<SignIn>`: email and password, or a code emailed to the address. A
//! password known to be compromised is answered with an offer of the code.
//! "Forgot password?" emails a reset code, then asks for a new password.
//! Each step is derived from the client's sign-in in progress, so a reload
//! keeps it. A user with a second factor continues on
//! `/sign-in/factor-two`. When the session it creates is pending, the route
//! guard sends the user to the current task.

mod credentials;

use crate::api::{self, param};
use crate::components::code_step::{back_to_start, CodeFor, CodeStep};
use crate::components::new_password::{NewPasswordForm, Save};
use crate::components::submit::use_submit;
use crate::nav::Here;
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use credentials::use_credentials;
use std::rc::Rc;
use vestibule_protocol::wire::SignInJson;
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
    let sign_in = ctx.state.client.as_ref().and_then(|c| c.sign_in.clone());
    let in_progress = sign_in.clone().filter(|s| s.status == SignInStatus::NeedsFirstFactor);
    let submit = use_submit();
    let form = use_credentials(&ctx, in_progress.as_ref());
    let on_back = back_to_start(&form.restart, &submit);

    if let Some(s) = sign_in.filter(|s| s.status == SignInStatus::NeedsNewPassword && !*form.restart) {
        return new_password_step(&ctx, &s, on_back);
    }
    let code_step = in_progress.as_ref().filter(|_| !*form.restart).and_then(|s| {
        let verification = s.first_factor_verification.as_ref().filter(|v| v.status == VerificationStatus::Unverified)?;
        match verification.strategy? {
            Strategy::EmailCode => Some((s, CodeFor::SignIn, "sign_in.check_email")),
            Strategy::ResetPasswordEmailCode => Some((s, CodeFor::ResetPassword, "reset_password.title")),
            _ => None,
        }
    });
    let m = &ctx.state.messages;
    if let Some((s, flow, title)) = code_step {
        return html! {
            <CodeStep {flow} id={s.id.clone()} title={m.t(title)}
                to={s.identifier.clone().unwrap_or_default()} back_label={m.t("sign_in.start_over")} {on_back} />
        };
    }
    let sign_up = ctx.urls().sign_up_at(props.sign_up_url.as_deref()).sign_up(Here::current().redirect_url().as_deref());
    credentials::view(&form, &submit, sign_up)
}

/// After a right reset code: the new password, which finishes the sign-in
/// (or leads to the second factor).
fn new_password_step(ctx: &AuthContext, sign_in: &SignInJson, on_back: Callback<()>) -> Html {
    let m = ctx.state.messages.clone();
    let (ctx, id) = (ctx.clone(), sign_in.id.clone());
    let save = Save(Rc::new(move |password: String, sign_out_others: bool| {
        let (ctx, id) = (ctx.clone(), id.clone());
        Box::pin(async move {
            let reply = api::sign_in::reset_password(&ctx.config.api, &id, &password, sign_out_others).await?;
            ctx.set_client(reply.client);
            Ok(())
        })
    }));
    let to = sign_in.identifier.clone().unwrap_or_default();
    let footer = html! {
        <button class="vb-button vb-button-link" type="button" onclick={on_back.reform(|_: MouseEvent| ())}>{ m.t("sign_in.start_over") }</button>
    };
    html! {
        <NewPasswordForm title={m.t("sign_in.new_password.title")} class="vb-sign-in-new-password"
            subtitle={m.fmt("sign_in.new_password.subtitle", &[("to", &to)])}
            param={param::PASSWORD} {save} {footer} />
    }
}
