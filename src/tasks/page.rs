//! The task route's content: the screen for its task key, completing to
//! the validated `redirect_url` (or the after-sign-in URL).

use super::choose_organization::TaskChooseOrganization;
use super::reset_password::TaskResetPassword;
use super::setup_mfa::TaskSetupMfa;
use crate::nav::Here;
use crate::route::Flow;
use crate::session::hooks::use_auth_context;
use vestibule_protocol::TaskKey;
use yew::prelude::*;

/// Props of [`TaskPage`].
#[derive(Properties, PartialEq)]
pub struct TaskPageProps {
    /// The task of the route.
    pub task: TaskKey,
    /// The flow of the route, where the next task is.
    #[prop_or_default]
    pub flow: Flow,
}

/// Shows the task's screen.
#[component]
pub fn TaskPage(props: &TaskPageProps) -> Html {
    let ctx = use_auth_context();
    let complete = ctx
        .safe_redirect(Here::current().redirect_url().as_deref())
        .unwrap_or_else(|| ctx.config.after_sign_in_url.clone());
    let flow = props.flow;
    match props.task {
        TaskKey::ChooseOrganization => html! { <TaskChooseOrganization redirect_url_complete={complete} {flow} /> },
        TaskKey::ResetPassword => html! { <TaskResetPassword redirect_url_complete={complete} {flow} /> },
        TaskKey::SetupMfa => html! { <TaskSetupMfa redirect_url_complete={complete} {flow} /> },
    }
}
