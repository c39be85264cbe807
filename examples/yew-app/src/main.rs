//! The example application's Yew page: what a Yew application does with
//! the portal's library to send pending users to its own task page.
//!
//! - `AuthProvider` with `task_urls`: choose-organization is handled here,
//!   at `/session-tasks/choose-organization`; the other tasks on the portal,
//!   which sends the user back to `/app` when they are done.
//! - `<RedirectToTasks/>` in the layout of the application's pages, so a
//!   pending user who opens `/app` is sent to the current task at once.
//! - `<TaskChooseOrganization redirect_url_complete="/dashboard"/>` on the
//!   application's own route.
//!
//! `vestibule-example-app` serves this page (built by trunk) at `/app` and
//! `/session-tasks/choose-organization`, fills in the portal's URL (the
//! `vestibule-portal` meta tag), and passes `/v1` through to the Vestibule
//! server, so the Frontend API is on the page's own origin and
//! `frontend_api` stays empty.

use std::collections::HashMap;
use vestibule_portal::components::guard::Guard;
use vestibule_portal::nav::{task_path, with_redirect_url};
use vestibule_portal::route::Route as PortalRoute;
use vestibule_portal::{use_auth, AuthOptions, AuthProvider, Flow, RedirectToTasks, RouteRule, SignedState, TaskChooseOrganization, TaskKey};
use yew::prelude::*;
use yew_router::prelude::*;

/// This application's route for the choose-organization task.
const CHOOSE_ORGANIZATION: &str = "/session-tasks/choose-organization";

/// The paths this Yew application renders; every other one (`/dashboard`,
/// where the task ends) is a page of the axum server.
#[derive(Clone, PartialEq, Routable)]
enum Route {
    /// The application's page, behind `<RedirectToTasks/>`.
    #[at("/app")]
    Home,
    /// The choose-organization task, on the application's own route.
    #[at("/session-tasks/choose-organization")]
    ChooseOrganization,
    /// A path of the server.
    #[not_found]
    #[at("/server")]
    Server,
}

/// Where each task is handled: choose-organization on this application's
/// route, the others on the portal (`portal`), coming back to `app_origin`'s
/// `/app` when they are done.
fn task_urls(portal: &str, app_origin: &str) -> HashMap<TaskKey, String> {
    let back = format!("{app_origin}/app");
    TaskKey::ALL
        .iter()
        .map(|&task| {
            let url = match task {
                TaskKey::ChooseOrganization => CHOOSE_ORGANIZATION.to_string(),
                other => with_redirect_url(&format!("{portal}{}", task_path(Flow::SignIn, other)), &back),
            };
            (task, url)
        })
        .collect()
}

/// The portal's sign-in page.
fn sign_in_url(portal: &str) -> String {
    format!("{portal}{}", PortalRoute::SignIn.to_path())
}

/// The portal's URL, from the `vestibule-portal` meta tag the example app
/// fills in (`http://127.0.0.1:8080` when the page is served as built).
fn portal_url() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=vestibule-portal]").ok().flatten())
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|url| url.starts_with("http"))
        .map(|url| url.trim_end_matches('/').to_string())
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_string())
}

/// The page's own origin.
fn app_origin() -> String {
    web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
}

/// The application: the router, the provider, the routes.
#[component]
fn App() -> Html {
    let portal = use_memo((), |_| portal_url());
    let task_urls = task_urls(&portal, &app_origin());
    html! {
        <BrowserRouter>
            <AuthProvider {task_urls} sign_in_url={sign_in_url(&portal)} after_sign_in_url="/dashboard">
                <Switch<Route> render={move |route| switch(route, &portal)} />
            </AuthProvider>
        </BrowserRouter>
    }
}

fn switch(route: Route, portal: &str) -> Html {
    match route {
        Route::Home => html! { <Layout><Home portal={portal.to_string()} /></Layout> },
        // The library's guard shows the task only to a session whose
        // current task it is (active users go on to /dashboard).
        Route::ChooseOrganization => html! {
            <Guard rule={RouteRule::Task(TaskKey::ChooseOrganization)}>
                <TaskChooseOrganization redirect_url_complete="/dashboard" />
            </Guard>
        },
        Route::Server => html! { <ServerPage /> },
    }
}

/// Props of [`Layout`].
#[derive(Properties, PartialEq)]
struct LayoutProps {
    children: Html,
}

/// The layout of the application's pages: pending users go to their task.
#[component]
fn Layout(props: &LayoutProps) -> Html {
    html! {
        <>
            <RedirectToTasks />
            <nav><a href="/">{ "Home" }</a>{ " · " }<a href="/dashboard">{ "Dashboard" }</a></nav>
            { props.children.clone() }
        </>
    }
}

/// Props of [`Home`].
#[derive(Properties, PartialEq)]
struct HomeProps {
    portal: String,
}

/// `/app`: the auth facts as the library sees them, as the server's pages
/// show them (`#user-id`, `#session-status`, `#org-id`).
#[component]
fn Home(props: &HomeProps) -> Html {
    let auth = use_auth(AuthOptions::default());
    let dash = "\u{2014}".to_string();
    let status = match auth.session_status {
        SignedState::Active => "active",
        SignedState::Pending => "pending",
        SignedState::SignedOut => "signed-out",
    };
    let sign_in = with_redirect_url(&sign_in_url(&props.portal), &format!("{}/app", app_origin()));
    html! {
        <main id="page" data-page="yew-home" data-loaded={auth.is_loaded.to_string()}>
            <h1>{ "Yew page" }</h1>
            <dl>
                <dt>{ "User" }</dt><dd id="user-id">{ auth.user_id.clone().unwrap_or_else(|| dash.clone()) }</dd>
                <dt>{ "Session status" }</dt><dd id="session-status">{ status }</dd>
                <dt>{ "Organization" }</dt><dd id="org-id">{ auth.org_id.clone().unwrap_or(dash) }</dd>
            </dl>
            if auth.is_loaded && auth.session_status == SignedState::SignedOut {
                <p><a id="sign-in" href={sign_in}>{ "Sign in" }</a></p>
            }
        </main>
    }
}

/// A path the server renders: load it.
#[component]
fn ServerPage() -> Html {
    use_effect_with((), |_| {
        if let Some(window) = web_sys::window() {
            // The router has already put the path in the address bar.
            let _ = window.location().reload();
        }
    });
    Html::default()
}

fn main() {
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_organization_is_handled_here_and_the_rest_on_the_portal() {
        let urls = task_urls("http://accounts.test", "http://app.test");
        assert_eq!(urls.len(), TaskKey::ALL.len());
        assert_eq!(urls[&TaskKey::ChooseOrganization], "/session-tasks/choose-organization");
        assert_eq!(
            urls[&TaskKey::ResetPassword],
            "http://accounts.test/sign-in/tasks/reset-password?redirect_url=http%3A%2F%2Fapp.test%2Fapp"
        );
        assert!(urls[&TaskKey::SetupMfa].starts_with("http://accounts.test/sign-in/tasks/setup-mfa?"));
    }
}
