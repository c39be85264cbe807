//! The portal's routes and the one exhaustive table of what each requires,
//! so a new route cannot forget its guard. `access` is pure and
//! table-tested; the portal's router and embedding apps both use it.

use crate::nav::Urls;
use vestibule_protocol::{SignedState, TaskKey};
use yew_router::prelude::*;

/// The routes of the hosted portal.
#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    /// Account home.
    #[at("/")]
    Home,
    /// Sign-in.
    #[at("/sign-in")]
    SignIn,
    /// The second factor of a sign-in.
    #[at("/sign-in/factor-two")]
    SignInFactorTwo,
    /// Resolves the current task of a sign-in.
    #[at("/sign-in/tasks")]
    SignInTasks,
    /// A task, reached from sign-in.
    #[at("/sign-in/tasks/:task")]
    SignInTask {
        /// The task's key (`choose-organization`, ...).
        task: String,
    },
    /// Sign-up.
    #[at("/sign-up")]
    SignUp,
    /// Resolves the current task of a sign-up.
    #[at("/sign-up/tasks")]
    SignUpTasks,
    /// A task, reached from sign-up.
    #[at("/sign-up/tasks/:task")]
    SignUpTask {
        /// The task's key.
        task: String,
    },
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// What a route requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteRule {
    /// Anyone.
    Public,
    /// Sign-in and sign-up: a signed-in user leaves, a pending one goes to its task.
    SignedOutOnly,
    /// `/…/tasks`: goes to the current task.
    TaskResolver,
    /// One task screen.
    Task(TaskKey),
    /// Signed-in users only.
    SignedInOnly,
}

impl Route {
    /// What this route requires.
    pub fn rule(&self) -> RouteRule {
        match self {
            Route::Home => RouteRule::SignedInOnly,
            Route::SignIn | Route::SignInFactorTwo | Route::SignUp => RouteRule::SignedOutOnly,
            Route::SignInTasks | Route::SignUpTasks => RouteRule::TaskResolver,
            Route::SignInTask { task } | Route::SignUpTask { task } => {
                TaskKey::parse(task).map(RouteRule::Task).unwrap_or(RouteRule::TaskResolver)
            }
            Route::NotFound => RouteRule::Public,
        }
    }

    /// The flow the route belongs to (task routes live under it).
    pub fn flow(&self) -> Flow {
        match self {
            Route::SignUp | Route::SignUpTasks | Route::SignUpTask { .. } => Flow::SignUp,
            _ => Flow::SignIn,
        }
    }
}

/// The flow a screen belongs to: the built-in task routes live under it,
/// so the task after a sign-up stays under the sign-up's path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flow {
    /// Sign-in (and anything outside the two flows).
    #[default]
    SignIn,
    /// Sign-up.
    SignUp,
}

impl Flow {
    /// The built-in route of `task` in this flow.
    pub fn task_route(self, task: TaskKey) -> Route {
        let task = task.as_str().to_string();
        match self {
            Flow::SignIn => Route::SignInTask { task },
            Flow::SignUp => Route::SignUpTask { task },
        }
    }
}

/// The guard's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Render the route.
    Allow,
    /// The auth state is still loading: render nothing protected.
    Wait,
    /// Go elsewhere.
    Redirect(String),
}

/// What the guard knows.
pub struct AccessInput<'a> {
    /// The first load has finished.
    pub loaded: bool,
    /// The session's state.
    pub state: SignedState,
    /// The current task, when pending.
    pub current_task: Option<TaskKey>,
    /// The validated `redirect_url` of the page, if any.
    pub redirect_url: Option<&'a str>,
    /// The page being opened (path and query), for coming back after sign-in.
    pub here: &'a str,
    /// The flow whose task routes a pending session goes to.
    pub flow: Flow,
    /// The portal's URLs (sign-in, tasks, after sign-in).
    pub urls: Urls<'a>,
}

/// Decides what happens when a route with `rule` is opened.
pub fn access(rule: RouteRule, input: &AccessInput<'_>) -> Access {
    if rule == RouteRule::Public {
        return Access::Allow;
    }
    if !input.loaded {
        return Access::Wait;
    }
    let urls = &input.urls;
    let done = || Access::Redirect(input.redirect_url.unwrap_or(urls.after_sign_in()).to_string());
    let to_task = |redirect: Option<&str>| match input.current_task {
        Some(task) => Access::Redirect(urls.task(task, input.flow, redirect)),
        None => Access::Redirect(urls.sign_in(None)),
    };
    let home = Route::Home.to_path();
    let to_sign_in = |back: &str| Access::Redirect(urls.sign_in(Some(back)));
    match (rule, input.state) {
        (RouteRule::Public, _) => Access::Allow,
        (RouteRule::SignedOutOnly, SignedState::SignedOut) => Access::Allow,
        (RouteRule::SignedOutOnly, SignedState::Active) => done(),
        (RouteRule::SignedOutOnly, SignedState::Pending) => to_task(input.redirect_url),
        (RouteRule::TaskResolver, SignedState::Pending) => to_task(input.redirect_url),
        (RouteRule::TaskResolver, SignedState::Active) => done(),
        (RouteRule::TaskResolver, SignedState::SignedOut) => to_sign_in(input.redirect_url.unwrap_or(&home)),
        (RouteRule::Task(task), SignedState::Pending) if input.current_task == Some(task) => Access::Allow,
        (RouteRule::Task(_), SignedState::Pending) => to_task(input.redirect_url),
        (RouteRule::Task(_), SignedState::Active) => done(),
        (RouteRule::Task(_), SignedState::SignedOut) => to_sign_in(input.redirect_url.unwrap_or(&home)),
        (RouteRule::SignedInOnly, SignedState::Active) => Access::Allow,
        (RouteRule::SignedInOnly, SignedState::Pending) => to_task(Some(input.here)),
        (RouteRule::SignedInOnly, SignedState::SignedOut) => to_sign_in(input.here),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::AuthConfig;
    use SignedState::*;
    use TaskKey::*;

    fn run(rule: RouteRule, loaded: bool, state: SignedState, task: Option<TaskKey>, redirect: Option<&str>) -> Access {
        let config = AuthConfig::default();
        access(
            rule,
            &AccessInput {
                loaded,
                state,
                current_task: task,
                redirect_url: redirect,
                here: "/",
                flow: Flow::SignIn,
                urls: Urls::new(&config),
            },
        )
    }

    /// A case of the table: the rule, loaded, the state, the current task,
    /// the `redirect_url`, and the verdict.
    type Case<'a> = (RouteRule, bool, SignedState, Option<TaskKey>, Option<&'a str>, Access);

    fn to(s: &str) -> Access {
        Access::Redirect(s.to_string())
    }

    #[test]
    fn the_route_table() {
        let co = Some(ChooseOrganization);
        let table: Vec<Case> = vec![
            (RouteRule::SignedInOnly, false, Active, None, None, Access::Wait),
            (RouteRule::SignedInOnly, true, Active, None, None, Access::Allow),
            (RouteRule::SignedInOnly, true, Pending, co, None, to("/sign-in/tasks/choose-organization?redirect_url=%2F")),
            (RouteRule::SignedInOnly, true, SignedOut, None, None, to("/sign-in?redirect_url=%2F")),
            (RouteRule::SignedOutOnly, false, SignedOut, None, None, Access::Wait),
            (RouteRule::SignedOutOnly, true, SignedOut, None, None, Access::Allow),
            (RouteRule::SignedOutOnly, true, Active, None, None, to("/")),
            (RouteRule::SignedOutOnly, true, Active, None, Some("/welcome"), to("/welcome")),
            (RouteRule::SignedOutOnly, true, Pending, co, Some("/welcome"), to("/sign-in/tasks/choose-organization?redirect_url=%2Fwelcome")),
            (RouteRule::TaskResolver, true, Pending, Some(ResetPassword), None, to("/sign-in/tasks/reset-password")),
            (RouteRule::TaskResolver, true, Active, None, Some("/welcome"), to("/welcome")),
            (RouteRule::TaskResolver, true, SignedOut, None, None, to("/sign-in?redirect_url=%2F")),
            (RouteRule::Task(ChooseOrganization), true, Pending, co, None, Access::Allow),
            (RouteRule::Task(ChooseOrganization), true, Pending, Some(ResetPassword), None, to("/sign-in/tasks/reset-password")),
            (RouteRule::Task(ChooseOrganization), true, Active, None, None, to("/")),
            (RouteRule::Task(ChooseOrganization), true, SignedOut, None, None, to("/sign-in?redirect_url=%2F")),
            (RouteRule::Task(ChooseOrganization), false, Pending, co, None, Access::Wait),
            (RouteRule::Public, false, SignedOut, None, None, Access::Allow),
        ];
        for (rule, loaded, state, task, redirect, want) in table {
            assert_eq!(run(rule, loaded, state, task, redirect), want, "{rule:?} loaded={loaded} {state:?} {task:?} {redirect:?}");
        }
    }

    #[test]
    fn every_route_has_a_rule() {
        assert_eq!(Route::Home.rule(), RouteRule::SignedInOnly);
        assert_eq!(Route::SignIn.rule(), RouteRule::SignedOutOnly);
        assert_eq!(Route::SignInFactorTwo.rule(), RouteRule::SignedOutOnly);
        assert_eq!(Route::recognize("/sign-in/factor-two"), Some(Route::SignInFactorTwo));
        assert_eq!(Route::SignUpTask { task: "choose-organization".into() }.rule(), RouteRule::Task(ChooseOrganization));
        assert_eq!(Route::SignInTask { task: "nope".into() }.rule(), RouteRule::TaskResolver);
        assert_eq!(Route::SignUpTasks.flow(), Flow::SignUp);
        assert_eq!(Route::SignInTask { task: "x".into() }.flow(), Flow::SignIn);
    }

    #[test]
    fn a_pending_sign_up_goes_to_its_task_under_the_sign_up_path() {
        let config = AuthConfig::default();
        let input = AccessInput {
            loaded: true,
            state: Pending,
            current_task: Some(ChooseOrganization),
            redirect_url: None,
            here: "/sign-up",
            flow: Route::SignUp.flow(),
            urls: Urls::new(&config),
        };
        assert_eq!(access(RouteRule::SignedOutOnly, &input), to("/sign-up/tasks/choose-organization"));
        assert_eq!(Flow::SignUp.task_route(SetupMfa).to_path(), "/sign-up/tasks/setup-mfa");
    }
}
