//! The hosted portal: the provider, the router and the route table.

use crate::components::guard::Guard;
use crate::pages::{factor_two::FactorTwo, home::Home, not_found::NotFound, sign_in::SignIn, sign_up::SignUp};
use crate::route::{Route, RouteRule};
use crate::session::provider::AuthProvider;
use crate::tasks::page::TaskPage;
use yew::prelude::*;
use yew_router::prelude::*;

/// The hosted portal.
#[component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <AuthProvider>
                <DocumentLanguage />
                <Switch<Route> render={switch} />
            </AuthProvider>
        </BrowserRouter>
    }
}

/// The page's `lang`, `dir` and title, in the locale's words.
#[component]
fn DocumentLanguage() -> Html {
    let messages = crate::session::hooks::use_messages();
    use_effect_with(messages, crate::locale::apply_to_document);
    Html::default()
}

fn switch(route: Route) -> Html {
    let rule = route.rule();
    let flow = route.flow();
    let content = match (&route, rule) {
        (Route::Home, _) => html! { <Home /> },
        (Route::SignIn, _) => html! { <SignIn /> },
        (Route::SignInFactorTwo, _) => html! { <FactorTwo /> },
        (Route::SignUp, _) => html! { <SignUp /> },
        (_, RouteRule::Task(task)) => html! { <TaskPage {task} {flow} /> },
        (Route::SignInTasks | Route::SignUpTasks | Route::SignInTask { .. } | Route::SignUpTask { .. }, _) => Html::default(),
        (Route::NotFound, _) => html! { <NotFound /> },
    };
    html! { <Guard {rule} {flow}>{ content }</Guard> }
}
