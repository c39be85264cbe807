//! Backup codes as the only second factor, where the instance allows it:
//! one press makes the set, which the task then shows once.

use super::{other_method, Enrolled, MethodProps};
use crate::api::{self, ApiError};
use crate::components::widgets::{form_error, submit, submit_handler, Card, SignedInFooter};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// The backup-codes screen.
#[component]
pub fn BackupCodesSetup(props: &MethodProps) -> Html {
    let ctx = use_auth_context();
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (api, error, on_enrolled) = (ctx.config.api.clone(), error.clone(), props.on_enrolled.clone());
        submit_handler(&busy, move || {
            let (api, error, on_enrolled) = (api.clone(), error.clone(), on_enrolled.clone());
            async move {
                match api::mfa::create_backup_codes(&api).await {
                    Ok(reply) => on_enrolled.emit(Enrolled { codes: Some(reply.response.codes), client: reply.client }),
                    Err(e) => error.set(Some(e)),
                }
            }
        })
    };
    html! {
        <Card title="Use backup codes" class="vb-task-setup-mfa vb-mfa-backup-only"
            subtitle={Some(AttrValue::from("You will get 10 single-use codes. Keep them somewhere safe: you will need one at every sign-in."))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { form_error(error.as_ref().and_then(|e| e.general(&[]))) }
                { submit("Generate codes", *busy) }
            </form>
            { other_method(&props.on_back) }
        </Card>
    }
}
