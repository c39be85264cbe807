//! `<Guard>`: applies [`crate::route::access`] for a route: renders the
//! children, nothing (while loading), or redirects. Protected content is
//! never rendered before the verdict is `Allow`.

use crate::components::card::loading;
use crate::nav::Here;
use crate::route::{access, Access, AccessInput, Flow, RouteRule};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`Guard`].
#[derive(Properties, PartialEq)]
pub struct GuardProps {
    /// What the route requires.
    pub rule: RouteRule,
    /// The flow whose task routes a pending session goes to.
    #[prop_or_default]
    pub flow: Flow,
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
    let here = Here::current();
    let redirect = ctx.safe_redirect(here.redirect_url().as_deref());
    let back = here.path_and_query();
    let verdict = access(
        props.rule,
        &AccessInput {
            loaded: ctx.state.loaded,
            state: ctx.state.signed_state(),
            current_task: ctx.state.current_task(),
            redirect_url: redirect.as_deref(),
            here: &back,
            flow: props.flow,
            urls: ctx.urls(),
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
        Access::Wait | Access::Redirect(_) => loading(),
    }
}
