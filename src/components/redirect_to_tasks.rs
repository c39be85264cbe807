//! `<RedirectToTasks>`: on mount, a pending session is sent to its current
//! task: `task_urls[key]` of the provider, else the built-in task route.

use crate::route::Flow;
use crate::session::hooks::use_auth_context;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`RedirectToTasks`].
#[derive(Properties, PartialEq)]
pub struct RedirectToTasksProps {
    /// Where to go once the tasks are done.
    #[prop_or_default]
    pub redirect_url: Option<AttrValue>,
}

/// Sends a pending user to their current task; renders nothing.
#[component]
pub fn RedirectToTasks(props: &RedirectToTasksProps) -> Html {
    let ctx = use_auth_context();
    let navigator = use_navigator();
    let target = ctx
        .state
        .current_task()
        .map(|task| ctx.urls().task(task, Flow::SignIn, props.redirect_url.as_deref()));
    use_effect_with(target, move |target| {
        if let Some(t) = target {
            crate::nav::go(navigator.as_ref(), t, true);
        }
    });
    Html::default()
}
