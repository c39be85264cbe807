//! `<Guard>`: applies [`crate::route::access`] for a route: renders the
//! children, nothing (while loading), or redirects. Protected content is
//! never rendered before the verdict is `Allow`.

use crate::route::{access, Access, AccessInput, RouteRule};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`Guard`].
#[derive(Properties, PartialEq)]
pub struct GuardProps {
    /// What the route requires.
    pub rule: RouteRule,
    /// The flow task routes belong to (`/sign-in` or `/sign-up`).
    #[prop_or(AttrValue::Static("/sign-in"))]
    pub flow: AttrValue,
    /// The route's content.
    #[prop_or_default]
    pub children: Html,
}

/// The route guard.
#[component]
pub fn Guard(props: &GuardProps) -> Html {
    let ctx = use_auth_context();
    let navigator = use_navigator();
    let _location = use_location();
    let redirect = ctx.safe_redirect(crate::nav::query_param("redirect_url").as_deref());
    let here = crate::nav::here();
    let flow = props.flow.to_string();
    let task_url = |t, r: Option<&str>| ctx.task_url(t, &flow, r);
    let verdict = access(
        props.rule,
        &AccessInput {
            loaded: ctx.state.loaded,
            state: ctx.state.signed_state(),
            current_task: ctx.state.current_task(),
            redirect_url: redirect.as_deref(),
            here: &here,
            after_sign_in_url: &ctx.config.after_sign_in_url,
            sign_in_url: &ctx.config.sign_in_url,
            task_url: &task_url,
        },
    );
    let target = match &verdict {
        Access::Redirect(to) => Some(to.clone()),
        _ => None,
    };
    use_effect_with(target, move |target| {
        if let Some(t) = target {
            crate::nav::go(navigator.as_ref(), t, true);
        }
    });
    match verdict {
        Access::Allow => props.children.clone(),
        Access::Wait | Access::Redirect(_) => html! { <div class="vb-loading" role="status" aria-label="Loading"></div> },
    }
}
