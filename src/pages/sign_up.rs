//! `<SignUp>`: email and password, then the emailed code. The code step is
//! derived from the client's sign-up in progress, so a reload keeps it.

use crate::api::{self, ApiError};
use crate::components::code_step::{back_to_start, CodeFor, CodeStep};
use crate::components::widgets::{form_error, submit, submit_handler, Card, Field};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// Props of [`SignUp`].
#[derive(Properties, PartialEq)]
pub struct SignUpProps {
    /// Link to sign-in (keeps `redirect_url`).
    #[prop_or(AttrValue::Static("/sign-in"))]
    pub sign_in_url: AttrValue,
}

/// The sign-up form and its verification step.
#[component]
pub fn SignUp(props: &SignUpProps) -> Html {
    let ctx = use_auth_context();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let restart = use_state(|| false);

    let pending = ctx
        .state
        .client
        .as_ref()
        .and_then(|c| c.sign_up.clone())
        .filter(|s| s.status == "missing_requirements" && s.unverified_fields.iter().any(|f| f == "email_address"))
        .filter(|_| !*restart);

    let on_details = {
        let (ctx, email, password, error, restart) = (ctx.clone(), email.clone(), password.clone(), error.clone(), restart.clone());
        submit_handler(&busy, move || {
            let (ctx, email, password, error, restart) =
                (ctx.clone(), email.clone(), password.clone(), error.clone(), restart.clone());
            async move {
                let api = &ctx.config.api;
                let result = match api::sign_up::create(api, &email, &password).await {
                    Ok(reply) if reply.response.unverified_fields.iter().any(|f| f == "email_address") => {
                        api::sign_up::send_code(api, &reply.response.id).await
                    }
                    other => other,
                };
                match result {
                    Ok(reply) => {
                        error.set(None);
                        restart.set(false);
                        ctx.set_client(reply.client);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        })
    };

    let min_length = ctx
        .state
        .environment
        .as_ref()
        .map(|e| e.user_settings.password_settings.min_length)
        .filter(|n| *n > 0)
        .unwrap_or(8);
    let err = (*error).clone();
    let field_err = |p: &str| err.as_ref().and_then(|e| e.for_field(p));
    let redirect = crate::nav::query_param("redirect_url");
    let sign_in = crate::session::context::with_redirect(&props.sign_in_url, redirect.as_deref());

    if let Some(s) = pending {
        let on_back = back_to_start(&restart, &error);
        return html! {
            <CodeStep flow={CodeFor::SignUp} id={s.id.clone()} title="Verify your email"
                to={s.email_address.clone().unwrap_or_default()} back_label="Use another email" {on_back} />
        };
    }

    html! {
        <Card title="Create your account" subtitle={Some(AttrValue::from("Welcome! Fill in the details to get started."))} class="vb-sign-up"
            footer={html! { <p>{ "Have an account? " }<a class="vb-link" href={sign_in}>{ "Sign in" }</a></p> }}>
            <form class="vb-form" onsubmit={on_details} novalidate=true>
                <Field id="vb-email" label="Email address" value={(*email).clone()} input_type="email"
                    autocomplete={Some(AttrValue::from("email"))} autofocus=true disabled={*busy}
                    on_input={{ let s = email.clone(); Callback::from(move |v| s.set(v)) }}
                    error={field_err("email_address")} />
                <Field id="vb-password" label="Password" value={(*password).clone()} input_type="password"
                    autocomplete={Some(AttrValue::from("new-password"))} disabled={*busy}
                    hint={Some(AttrValue::from(format!("At least {min_length} characters.")))}
                    on_input={{ let s = password.clone(); Callback::from(move |v| s.set(v)) }}
                    error={field_err("password")} />
                { form_error(err.as_ref().and_then(|e| e.general(&["email_address", "password"]))) }
                { submit("Continue", *busy) }
            </form>
        </Card>
    }
}
