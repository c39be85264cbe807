//! `AuthProvider`: loads the environment and the client once, keeps the
//! session token fresh before its 60 s expiry, and provides the context.

use super::context::{AuthConfig, AuthContext};
use super::state::{AuthAction, AuthState};
use crate::api::{self, Api};
use crate::locale::{self, Messages};
use crate::nav::page_origin;
use crate::route::Route;
use std::collections::HashMap;
use std::rc::Rc;
use vestibule_protocol::{RedirectPolicy, TaskKey};
use yew::prelude::*;
use yew_router::Routable;

/// How often the session token is refreshed (it lives 60 s).
const REFRESH_MS: u32 = 40_000;

/// Props of [`AuthProvider`].
#[derive(Properties, PartialEq)]
pub struct AuthProviderProps {
    /// The Frontend API's origin; empty for the page's own.
    #[prop_or_default]
    pub frontend_api: AttrValue,
    /// Where each task is handled (defaults to the built-in task routes).
    #[prop_or_default]
    pub task_urls: HashMap<TaskKey, String>,
    /// The sign-in page (default: the built-in route).
    #[prop_or_else(|| Route::SignIn.to_path().into())]
    pub sign_in_url: AttrValue,
    /// The sign-up page (default: the built-in route).
    #[prop_or_else(|| Route::SignUp.to_path().into())]
    pub sign_up_url: AttrValue,
    /// Where a signed-in user goes by default (default: account home).
    #[prop_or_else(|| Route::Home.to_path().into())]
    pub after_sign_in_url: AttrValue,
    /// Origins besides the page's own that redirects may go to.
    #[prop_or_default]
    pub allowed_redirect_origins: Vec<String>,
    /// A state to start from instead of loading (tests, or an app that
    /// already holds the client).
    #[prop_or_default]
    pub initial: Option<Rc<AuthState>>,
    /// The application.
    #[prop_or_default]
    pub children: Html,
}

/// Provides [`AuthContext`] to its children.
#[component]
pub fn AuthProvider(props: &AuthProviderProps) -> Html {
    let initial = props.initial.clone();
    let state = use_reducer(move || initial.map(|s| (*s).clone()).unwrap_or_default());
    let config = use_memo(
        (
            props.frontend_api.clone(),
            props.task_urls.clone(),
            props.sign_in_url.clone(),
            props.sign_up_url.clone(),
            props.after_sign_in_url.clone(),
            props.allowed_redirect_origins.clone(),
        ),
        |(api, task_urls, sign_in, sign_up, after, origins)| {
            let mut allowed = vec![page_origin()];
            if !api.is_empty() {
                allowed.push(api.to_string());
            }
            allowed.extend(origins.iter().cloned());
            AuthConfig {
                api: Api::new(api),
                task_urls: task_urls.clone(),
                sign_in_url: sign_in.to_string(),
                sign_up_url: sign_up.to_string(),
                after_sign_in_url: after.to_string(),
                policy: RedirectPolicy::new(allowed),
            }
        },
    );

    {
        let state = state.clone();
        let api = config.api.clone();
        let skip = props.initial.is_some();
        let has_messages = props.initial.as_ref().is_some_and(|s| !s.messages.is_empty());
        use_effect_with((), move |_| {
            if skip && !has_messages {
                // A state given without words: only the table is loaded.
                wasm_bindgen_futures::spawn_local(async move {
                    let default_locale = state.environment.as_ref().and_then(|e| e.display_config.default_locale.clone());
                    let messages = load_messages(&api, default_locale.as_deref()).await;
                    state.dispatch(AuthAction::Messages(messages));
                });
            } else if !skip {
                wasm_bindgen_futures::spawn_local(async move {
                    let (environment, client) = futures::future::join(api::client::environment(&api), api::client::client(&api)).await;
                    let default_locale = environment.as_ref().ok().and_then(|e| e.display_config.default_locale.clone());
                    let messages = load_messages(&api, default_locale.as_deref()).await;
                    let error = match (&environment, &client) {
                        (Err(e), _) | (_, Err(e)) => e.general(&[], &messages),
                        _ => None,
                    };
                    state.dispatch(AuthAction::Loaded {
                        environment: environment.ok(),
                        client: client.ok().flatten(),
                        error,
                        messages,
                    });
                });
            }
        });
    }

    let session_id = state.session().map(|s| s.id.clone());
    {
        let api = config.api.clone();
        let state = state.clone();
        use_effect_with(session_id, move |session_id| {
            let interval = session_id.clone().map(|id| {
                gloo_timers::callback::Interval::new(REFRESH_MS, move || {
                    let api = api.clone();
                    let id = id.clone();
                    let state = state.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        if api::client::token(&api, &id).await.is_err() {
                            if let Ok(client) = api::client::client(&api).await {
                                state.dispatch(AuthAction::Client(client));
                            }
                        }
                    });
                })
            });
            move || drop(interval)
        });
    }

    let context = AuthContext { state, config: Rc::new((*config).clone()) };
    html! {
        <ContextProvider<AuthContext> context={context}>
            { props.children.clone() }
        </ContextProvider<AuthContext>>
    }
}

/// The messages of the chosen locale (`?locale=` or the one it chose
/// earlier in this tab, the operator's default, the browser's languages);
/// English when that table cannot be had, and an empty table when not even
/// English can.
async fn load_messages(api: &Api, default_locale: Option<&str>) -> Messages {
    let asked = locale::asked();
    let languages = locale::browser_languages();
    let wanted = asked.iter().map(String::as_str).chain(default_locale).chain(languages.iter().map(String::as_str));
    let tag = locale::choose(wanted);
    for tag in [tag, locale::LOCALES[0]] {
        if let Ok(messages) = api::client::messages(api, tag).await {
            return messages;
        }
    }
    Messages::default()
}
