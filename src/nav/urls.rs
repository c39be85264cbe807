//! The portal's URLs: the built-in routes' paths from [`Route`], and the
//! pages an application may move elsewhere (sign-in, sign-up, each task)
//! from the provider's configuration. Each carries `redirect_url` when
//! given.

use crate::route::{Flow, Route};
use crate::session::AuthConfig;
use std::collections::HashMap;
use vestibule_protocol::url::with_redirect_url;
use vestibule_protocol::TaskKey;
use yew_router::Routable;

/// `base`, carrying `redirect_url` when given.
fn carrying(base: &str, redirect_url: Option<&str>) -> String {
    match redirect_url {
        Some(target) => with_redirect_url(base, target),
        None => base.to_string(),
    }
}

/// The built-in route of `task` under `flow` (`/sign-in/tasks/<key>` or
/// `/sign-up/tasks/<key>`).
pub fn task_path(flow: Flow, task: TaskKey) -> String {
    flow.task_route(task).to_path()
}

/// The portal's URLs under one configuration.
#[derive(Clone, Copy, Debug)]
pub struct Urls<'a> {
    sign_in: &'a str,
    sign_up: &'a str,
    after_sign_in: &'a str,
    task_urls: &'a HashMap<TaskKey, String>,
}

impl<'a> Urls<'a> {
    /// The URLs the provider was configured with.
    pub fn new(config: &'a AuthConfig) -> Urls<'a> {
        Urls {
            sign_in: &config.sign_in_url,
            sign_up: &config.sign_up_url,
            after_sign_in: &config.after_sign_in_url,
            task_urls: &config.task_urls,
        }
    }

    /// The same URLs with the sign-in page at `url` when given (a
    /// component's own prop).
    pub fn sign_in_at(self, url: Option<&'a str>) -> Urls<'a> {
        Urls { sign_in: url.unwrap_or(self.sign_in), ..self }
    }

    /// The same URLs with the sign-up page at `url` when given.
    pub fn sign_up_at(self, url: Option<&'a str>) -> Urls<'a> {
        Urls { sign_up: url.unwrap_or(self.sign_up), ..self }
    }

    /// The sign-in page.
    pub fn sign_in(&self, redirect_url: Option<&str>) -> String {
        carrying(self.sign_in, redirect_url)
    }

    /// The sign-up page.
    pub fn sign_up(&self, redirect_url: Option<&str>) -> String {
        carrying(self.sign_up, redirect_url)
    }

    /// The second step of a sign-in (`/sign-in/factor-two`).
    pub fn factor_two(&self, redirect_url: Option<&str>) -> String {
        carrying(&Route::SignInFactorTwo.to_path(), redirect_url)
    }

    /// Where a signed-in user goes by default.
    pub fn after_sign_in(&self) -> &'a str {
        self.after_sign_in
    }

    /// Where to handle `task`: `task_urls[task]` first, then the built-in
    /// route under `flow`.
    pub fn task(&self, task: TaskKey, flow: Flow, redirect_url: Option<&str>) -> String {
        match self.task_urls.get(&task) {
            Some(url) => carrying(url, redirect_url),
            None => carrying(&task_path(flow, task), redirect_url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_paths_come_from_the_routes() {
        let config = AuthConfig::default();
        let urls = Urls::new(&config);
        assert_eq!(urls.sign_in(None), "/sign-in");
        assert_eq!(urls.sign_in(Some("/a?b=1")), "/sign-in?redirect_url=%2Fa%3Fb%3D1");
        assert_eq!(urls.sign_up(Some("/")), "/sign-up?redirect_url=%2F");
        assert_eq!(urls.factor_two(None), "/sign-in/factor-two");
        assert_eq!(urls.after_sign_in(), "/");
        assert_eq!(urls.task(TaskKey::SetupMfa, Flow::SignIn, None), "/sign-in/tasks/setup-mfa");
        assert_eq!(urls.task(TaskKey::ResetPassword, Flow::SignUp, Some("/w")), "/sign-up/tasks/reset-password?redirect_url=%2Fw");
    }

    #[test]
    fn configured_pages_win() {
        let config = AuthConfig {
            sign_in_url: "https://accounts.test/sign-in".into(),
            task_urls: HashMap::from([(TaskKey::ChooseOrganization, "/session-tasks/choose-organization".to_string())]),
            ..AuthConfig::default()
        };
        let urls = Urls::new(&config);
        assert_eq!(urls.sign_in(Some("/")), "https://accounts.test/sign-in?redirect_url=%2F");
        assert_eq!(
            urls.task(TaskKey::ChooseOrganization, Flow::SignUp, Some("/d")),
            "/session-tasks/choose-organization?redirect_url=%2Fd"
        );
        assert_eq!(urls.sign_up_at(Some("/join")).sign_up(None), "/join");
        assert_eq!(urls.sign_in_at(None).sign_in(None), "https://accounts.test/sign-in");
    }
}
