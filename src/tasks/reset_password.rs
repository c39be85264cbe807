//! `<TaskResetPassword>`: the reset-password task, the shared
//! [`NewPasswordForm`] sending `POST /me/change_password`; then the user
//! moves on to the next task or to `redirect_url_complete`.

use super::{use_task_done, TaskProps};
use crate::api::{self, param};
use crate::components::new_password::{NewPasswordForm, Save};
use crate::components::signed_in_footer::SignedInFooter;
use crate::session::hooks::use_auth_context;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`TaskResetPassword`].
pub type TaskResetPasswordProps = TaskProps;

/// The reset-password task screen.
#[component]
pub fn TaskResetPassword(props: &TaskResetPasswordProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let done = use_task_done(props);
    let save = Save(Rc::new(move |password: String, sign_out_others: bool| {
        let (ctx, done) = (ctx.clone(), done.clone());
        Box::pin(async move {
            let reply = api::user::reset_password(&ctx.config.api, &password, sign_out_others).await?;
            done.finish(reply.client);
            Ok(())
        })
    }));
    html! {
        <NewPasswordForm title={m.t("reset_password.title")} class="vb-task-reset-password"
            subtitle={m.t("reset_password.subtitle")}
            param={param::NEW_PASSWORD} {save} footer={html! { <SignedInFooter /> }} />
    }
}
