//! `<SignIn>`: email and password. When the session it creates is pending,
//! the route guard sends the user to the current task.

use crate::api::{self, ApiError};
use crate::components::widgets::{form_error, submit, submit_handler, Card, Field};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// Props of [`SignIn`].
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Link to sign-up (keeps `redirect_url`).
    #[prop_or(AttrValue::Static("/sign-up"))]
    pub sign_up_url: AttrValue,
}

/// The sign-in form.
#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let ctx = use_auth_context();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (ctx, email, password, error) = (ctx.clone(), email.clone(), password.clone(), error.clone());
        submit_handler(&busy, move || {
            let (ctx, email, password, error) = (ctx.clone(), email.clone(), password.clone(), error.clone());
            async move {
                match api::sign_in::with_password(&ctx.config.api, &email, &password).await {
                    Ok(reply) => {
                        error.set(None);
                        ctx.set_client(reply.client);
                    }
                    Err(e) => {
                        if e.code() == Some("session_exists") {
                            if let Ok(client) = api::client::client(&ctx.config.api).await {
                                ctx.set_client(client);
                            }
                        }
                        error.set(Some(e));
                    }
                }
            }
        })
    };

    let err = (*error).clone();
    let field_err = |p: &str| err.as_ref().and_then(|e| e.for_field(p));
    let sign_up = crate::session::context::with_redirect(
        &props.sign_up_url,
        crate::nav::query_param("redirect_url").as_deref(),
    );
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
                { submit("Continue", *busy) }
            </form>
        </Card>
    }
}
