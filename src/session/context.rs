//! `AuthContext`: the state handle plus the provider's configuration
//! (where the API is, task URLs, where sign-in lives, allowed redirects).

use super::state::{AuthAction, AuthState};
use crate::api::Api;
use std::collections::HashMap;
use std::rc::Rc;
use vestibule_protocol::wire::ClientJson;
use vestibule_protocol::{RedirectPolicy, TaskKey};
use yew::prelude::*;

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

    /// Where to handle `task`: `task_urls[task]` first, then the built-in
    /// `<flow>/tasks/<key>` (flow is `/sign-in` or `/sign-up`), carrying
    /// `redirect_url` when given.
    pub fn task_url(&self, task: TaskKey, flow: &str, redirect_url: Option<&str>) -> String {
        let base = self
            .config
            .task_urls
            .get(&task)
            .cloned()
            .unwrap_or_else(|| format!("{flow}/tasks/{}", task.as_str()));
        with_redirect(&base, redirect_url)
    }
}

/// Appends `redirect_url=<encoded>` to `base` when given.
pub fn with_redirect(base: &str, redirect_url: Option<&str>) -> String {
    match redirect_url {
        Some(r) => {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}redirect_url={}", crate::api::encode(r))
        }
        None => base.to_string(),
    }
}
