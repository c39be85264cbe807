//! The task route's content: the screen for its task key, completing to
//! the validated `redirect_url` (or the after-sign-in URL).

use super::choose_organization::TaskChooseOrganization;
use super::reset_password::TaskResetPassword;
use super::setup_mfa::TaskSetupMfa;
use crate::session::hooks::use_auth_context;
use vestibule_protocol::TaskKey;
use yew::prelude::*;

/// Props of [`TaskPage`].
#[derive(Properties, PartialEq)]
pub struct TaskPageProps {
    /// The task of the route.
    pub task: TaskKey,
}

/// Shows the task's screen.
#[component]
pub fn TaskPage(props: &TaskPageProps) -> Html {
    let ctx = use_auth_context();
    let complete = ctx
        .safe_redirect(crate::nav::query_param("redirect_url").as_deref())
        .unwrap_or_else(|| ctx.config.after_sign_in_url.clone());
    match props.task {
        TaskKey::ChooseOrganization => html! { <TaskChooseOrganization redirect_url_complete={complete} /> },
        TaskKey::ResetPassword => html! { <TaskResetPassword redirect_url_complete={complete} /> },
        TaskKey::SetupMfa => html! { <TaskSetupMfa redirect_url_complete={complete} /> },
    }
}
