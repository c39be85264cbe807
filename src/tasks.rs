//! Session-task screens, one module per task, the page that shows the
//! right one for a task route, and what every task screen does when its
//! task is done.

pub mod choose_organization;
pub mod page;
pub mod reset_password;
pub mod setup_mfa;

use crate::route::{Flow, Route};
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use vestibule_protocol::wire::ClientJson;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of every task screen ([`TaskChooseOrganization`],
/// [`TaskResetPassword`], [`TaskSetupMfa`]).
///
/// [`TaskChooseOrganization`]: choose_organization::TaskChooseOrganization
/// [`TaskResetPassword`]: reset_password::TaskResetPassword
/// [`TaskSetupMfa`]: setup_mfa::TaskSetupMfa
#[derive(Properties, PartialEq)]
pub struct TaskProps {
    /// Where to go when the last task is done (validated by the caller or
    /// against the provider's allowed origins; default: account home).
    #[prop_or_else(|| Route::Home.to_path().into())]
    pub redirect_url_complete: AttrValue,
    /// The flow whose task routes the next task is on (default: sign-in).
    #[prop_or_default]
    pub flow: Flow,
}

/// What a task screen does when its task is done.
#[derive(Clone)]
pub(crate) struct TaskDone {
    ctx: AuthContext,
    navigator: Option<Navigator>,
    flow: Flow,
    complete: String,
}

impl TaskDone {
    /// Keeps the client the server sent and goes to the session's next task
    /// (keeping `redirect_url_complete`), or to `redirect_url_complete`
    /// itself once validated.
    pub(crate) fn finish(&self, client: Option<ClientJson>) {
        let next = client.as_ref().and_then(ClientJson::last_active_session).and_then(|s| s.current_task());
        let target = match next {
            Some(task) => self.ctx.urls().task(task, self.flow, Some(&self.complete)),
            None => self.ctx.safe_redirect(Some(&self.complete)).unwrap_or_else(|| self.ctx.config.after_sign_in_url.clone()),
        };
        self.ctx.set_client(client);
        crate::nav::go(self.navigator.as_ref(), &target, true);
    }
}

/// The end of a task screen with these props.
#[hook]
pub(crate) fn use_task_done(props: &TaskProps) -> TaskDone {
    TaskDone {
        ctx: use_auth_context(),
        navigator: use_navigator(),
        flow: props.flow,
        complete: props.redirect_url_complete.to_string(),
    }
}
