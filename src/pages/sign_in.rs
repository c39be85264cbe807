//! `<SignIn>`: email and password, or a code emailed to the address. A
//! password known to be compromised is answered with an offer of the code;
//! the code step is derived from the client's sign-in in progress, so a
//! reload keeps it. A user with a second factor continues on
//! `/sign-in/factor-two`. When the session it creates is pending, the route
//! guard sends the user to the current task.

use crate::api::{self, ApiError};
use crate::components::code_step::{back_to_start, CodeFor, CodeStep};
use crate::components::widgets::{form_error, submit, submit_handler, Card, Field};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`SignIn`].
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Link to sign-up (keeps `redirect_url`).
    #[prop_or(AttrValue::Static("/sign-up"))]
    pub sign_up_url: AttrValue,
}

/// The sign-in form and its emailed-code step.
#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let ctx = use_auth_context();
    let in_progress = ctx
        .state
        .client
        .as_ref()
        .and_then(|c| c.sign_in.clone())
        .filter(|s| s.status == "needs_first_factor");
    {
        // A sign-in that turns to needing a second factor (after the password
        // or the emailed code) continues on `/sign-in/factor-two`.
        let navigator = use_navigator();
        let step = ctx.state.client.as_ref().and_then(|c| c.sign_in.as_ref()).map(|s| (s.id.clone(), s.status.clone()));
        let seen = use_mut_ref(|| None::<Option<(String, String)>>);
        use_effect_with(step, move |step| {
            let before = seen.borrow_mut().replace(step.clone());
            let second = step.as_ref().is_some_and(|(_, status)| status == "needs_second_factor");
            if second && before.is_some_and(|b| b != *step) {
                let to = crate::session::context::with_redirect("/sign-in/factor-two", crate::nav::query_param("redirect_url").as_deref());
                crate::nav::go(navigator.as_ref(), &to, false);
            }
        });
    }
    let email = {
        let start = in_progress.as_ref().and_then(|s| s.identifier.clone()).unwrap_or_default();
        use_state(move || start)
    };
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let restart = use_state(|| false);

    let onsubmit = {
        let (ctx, email, password, error, restart) = (ctx.clone(), email.clone(), password.clone(), error.clone(), restart.clone());
        submit_handler(&busy, move || {
            let (ctx, email, password, error, restart) =
                (ctx.clone(), email.clone(), password.clone(), error.clone(), restart.clone());
            async move {
                let api = &ctx.config.api;
                match api::sign_in::with_password(api, &email, &password).await {
                    Ok(reply) => {
                        error.set(None);
                        ctx.set_client(reply.client);
                    }
                    Err(e) => {
                        if matches!(e.code(), Some("session_exists" | "form_password_compromised" | "form_password_incorrect")) {
                            if let Ok(client) = api::client::client(api).await {
                                ctx.set_client(client);
                            }
                        }
                        restart.set(false);
                        error.set(Some(e));
                    }
                }
            }
        })
    };

    let sign_in_id = in_progress.as_ref().map(|s| s.id.clone());
    let on_email_code = {
        let (ctx, error, restart, busy, id) = (ctx.clone(), error.clone(), restart.clone(), busy.clone(), sign_in_id.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(id) = id.clone() else { return };
            busy.set(true);
            let (ctx, error, restart, busy) = (ctx.clone(), error.clone(), restart.clone(), busy.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_in::send_code(&ctx.config.api, &id).await {
                    Ok(reply) => {
                        error.set(None);
                        restart.set(false);
                        ctx.set_client(reply.client);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };

    let code_step = in_progress.as_ref().filter(|s| {
        !*restart
            && s.first_factor_verification
                .as_ref()
                .is_some_and(|v| v.status == "unverified" && v.strategy.as_deref() == Some("email_code"))
    });
    if let Some(s) = code_step {
        let on_back = back_to_start(&restart, &error);
        return html! {
            <CodeStep flow={CodeFor::SignIn} id={s.id.clone()} title="Check your email"
                to={s.identifier.clone().unwrap_or_default()} back_label="Start over" {on_back} />
        };
    }

    let err = (*error).clone();
    let compromised = err.as_ref().and_then(ApiError::code) == Some("form_password_compromised");
    let field_err = |p: &str| err.as_ref().and_then(|e| e.for_field(p));
    let sign_up = crate::session::context::with_redirect(
        &props.sign_up_url,
        crate::nav::query_param("redirect_url").as_deref(),
    );
    let offer_code = sign_in_id.is_some().then(|| {
        let class = if compromised { "vb-button vb-button-primary vb-email-code" } else { "vb-button vb-button-link vb-email-code" };
        let label = if compromised { "Email me a code" } else { "Email me a code instead" };
        html! { <button {class} type="button" disabled={*busy} onclick={on_email_code}>{ label }</button> }
    });
    html! {
        <Card title="Sign in" subtitle={Some(AttrValue::from("Welcome back! Sign in to continue."))} class="vb-sign-in"
            footer={html! { <p>{ "No account? " }<a class="vb-link" href={sign_up}>{ "Sign up" }</a></p> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                <Field id="vb-identifier" label="Email address" value={(*email).clone()} input_type="email"
                    autocomplete={Some(AttrValue::from("username"))} autofocus=true disabled={*busy}
                    on_input={{ let s = email.clone(); Callback::from(move |v| s.set(v)) }}
                    error={field_err("identifier")} />
                <Field id="vb-password" label="Password" value={(*password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("current-password"))} disabled={*busy}
                    on_input={{ let s = password.clone(); Callback::from(move |v| s.set(v)) }}
                    error={field_err("password")} />
                { form_error(err.as_ref().and_then(|e| e.general(&["identifier", "password"]))) }
                if compromised {
                    { offer_code.clone().unwrap_or_default() }
                } else {
                    { submit("Continue", *busy) }
                    { offer_code.unwrap_or_default() }
                }
            </form>
        </Card>
    }
}
