//! Backup codes as the only second factor, where the instance allows it:
//! one press makes the set, which the task then shows once.

use super::{other_method, Enrolled, MethodProps};
use crate::api::{self, Api, ApiError};
use crate::components::card::Card;
use crate::components::signed_in_footer::SignedInFooter;
use crate::components::submit::use_submit;
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// Makes the set and hands it to the task.
async fn generate(api: Api, on_enrolled: Callback<Enrolled>) -> Result<(), ApiError> {
    let reply = api::mfa::create_backup_codes(&api).await?;
    on_enrolled.emit(Enrolled { codes: Some(reply.response.codes), client: reply.client });
    Ok(())
}

/// The backup-codes screen.
#[component]
pub fn BackupCodesSetup(props: &MethodProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let submit = use_submit();
    let onsubmit = submit.on_submit((ctx.config.api.clone(), props.on_enrolled.clone()), |(api, on_enrolled)| generate(api, on_enrolled));
    html! {
        <Card title={m.t("mfa.backup_only.title")} class="vb-task-setup-mfa vb-mfa-backup-only"
            subtitle={Some(AttrValue::from(m.t("mfa.backup_only.subtitle")))}
            footer={html! { <SignedInFooter /> }}>
            <form class="vb-form" {onsubmit} novalidate=true>
                { submit.form_error(&[]) }
                { submit.button(&m.t("mfa.backup_only.generate")) }
            </form>
            { other_method(&props.on_back, &m) }
        </Card>
    }
}
