//! Session-task screens, one module per task, and the page that shows the
//! right one for a task route.

pub mod choose_organization;
pub mod page;
pub mod reset_password;
pub mod setup_mfa;

use crate::session::AuthContext;
use vestibule_protocol::wire::ClientJson;

/// Where a task screen goes when its task is done: the session's next task
/// (keeping `complete`), or `complete` itself once validated.
pub(crate) fn next_target(ctx: &AuthContext, client: Option<&ClientJson>, complete: &str) -> String {
    let next = client.and_then(|c| c.last_active_session()).and_then(|s| s.current_task());
    match next {
        Some(task) => ctx.task_url(task, "/sign-in", Some(complete)),
        None => ctx.safe_redirect(Some(complete)).unwrap_or_else(|| ctx.config.after_sign_in_url.clone()),
    }
}
