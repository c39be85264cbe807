//! `AuthContext`: the state handle plus the provider's configuration
//! (where the API is, task URLs, where sign-in lives, allowed redirects).

use super::state::{AuthAction, AuthState};
use crate::api::Api;
use crate::nav::Urls;
use crate::route::Route;
use std::collections::HashMap;
use std::rc::Rc;
use vestibule_protocol::wire::ClientJson;
use vestibule_protocol::{RedirectPolicy, TaskKey};
use yew::prelude::*;
use yew_router::Routable;

/// How the provider was configured.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthConfig {
    /// The Frontend API.
    pub api: Api,
    /// Where each task is handled; missing keys use the built-in routes.
    pub task_urls: HashMap<TaskKey, String>,
    /// The sign-in page.
    pub sign_in_url: String,
    /// The sign-up page.
    pub sign_up_url: String,
    /// Where a signed-in user goes by default.
    pub after_sign_in_url: String,
    /// Where redirects may go.
    pub policy: RedirectPolicy,
}

/// The hosted portal's configuration: the API on the page's own origin, the
/// built-in routes, and no other origin allowed.
impl Default for AuthConfig {
    fn default() -> AuthConfig {
        AuthConfig {
            api: Api::new(""),
            task_urls: HashMap::new(),
            sign_in_url: Route::SignIn.to_path(),
            sign_up_url: Route::SignUp.to_path(),
            after_sign_in_url: Route::Home.to_path(),
            policy: RedirectPolicy::new(Vec::<String>::new()),
        }
    }
}

/// What components read through `use_context`.
#[derive(Clone, PartialEq)]
pub struct AuthContext {
    /// The state.
    pub state: UseReducerHandle<AuthState>,
    /// The configuration.
    pub config: Rc<AuthConfig>,
}

impl AuthContext {
    /// Replaces the client with the one a call returned.
    pub fn set_client(&self, client: Option<ClientJson>) {
        self.state.dispatch(AuthAction::Client(client));
    }

    /// `target` if it is an allowed redirect: on an origin of the
    /// provider's policy, or on one the instance allows (its applications,
    /// from the environment's `allowed_redirect_origins`).
    pub fn safe_redirect(&self, target: Option<&str>) -> Option<String> {
        let target = target?;
        vestibule_protocol::validate_redirect(target, &self.config.policy).or_else(|| {
            let environment = self.state.environment.as_ref()?;
            let instance = RedirectPolicy::new(&environment.display_config.allowed_redirect_origins);
            vestibule_protocol::validate_redirect(target, &instance)
        })
    }

    /// The portal's URLs under this configuration.
    pub fn urls(&self) -> Urls<'_> {
        Urls::new(&self.config)
    }
}
