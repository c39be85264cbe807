//! `AuthState`: a reducer over the environment and the client. Every
//! answer of the Frontend API carries the whole client, so one action
//! (`Client`) keeps the state true after any call.

use crate::locale::Messages;
use std::rc::Rc;
use vestibule_protocol::auth::SessionFacts;
use vestibule_protocol::wire::{ClientJson, EnvironmentJson, SessionJson, UserJson};
use vestibule_protocol::{SignedState, TaskKey};
use yew::prelude::*;

/// What is known of the caller.
#[derive(Clone, Debug, Default)]
pub struct AuthState {
    /// The first load has finished (successfully or not).
    pub loaded: bool,
    /// The instance's environment.
    pub environment: Option<Rc<EnvironmentJson>>,
    /// The browser's client, if it has one.
    pub client: Option<Rc<ClientJson>>,
    /// Why the first load failed, if it did.
    pub load_error: Option<String>,
    /// What the screens say, in the chosen locale.
    pub messages: Messages,
}

/// Changes to [`AuthState`].
pub enum AuthAction {
    /// The first load finished.
    Loaded {
        /// The environment.
        environment: Option<EnvironmentJson>,
        /// The client.
        client: Option<ClientJson>,
        /// The error, if any.
        error: Option<String>,
        /// The chosen locale's messages.
        messages: Messages,
    },
    /// A call returned a new client (or said there is none).
    Client(Option<ClientJson>),
    /// The locale's messages came (for a state given rather than loaded).
    Messages(Messages),
}

impl Reducible for AuthState {
    type Action = AuthAction;

    fn reduce(self: Rc<Self>, action: AuthAction) -> Rc<Self> {
        match action {
            AuthAction::Loaded { environment, client, error, messages } => Rc::new(AuthState {
                loaded: true,
                environment: environment.map(Rc::new),
                client: client.map(Rc::new),
                load_error: error,
                messages,
            }),
            AuthAction::Client(client) => Rc::new(AuthState {
                client: client.map(Rc::new),
                ..(*self).clone()
            }),
            AuthAction::Messages(messages) => Rc::new(AuthState { messages, ..(*self).clone() }),
        }
    }
}

/// Identity, not deep equality: every change replaces the `Rc`s.
impl PartialEq for AuthState {
    fn eq(&self, other: &Self) -> bool {
        fn same<T>(a: &Option<Rc<T>>, b: &Option<Rc<T>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        self.loaded == other.loaded
            && same(&self.environment, &other.environment)
            && same(&self.client, &other.client)
            && self.load_error == other.load_error
            && self.messages == other.messages
    }
}

impl AuthState {
    /// A loaded state with this client (for tests and embedding apps that
    /// already know the client).
    pub fn with_client(client: Option<ClientJson>) -> AuthState {
        AuthState { loaded: true, environment: None, client: client.map(Rc::new), load_error: None, messages: Messages::default() }
    }

    /// The last active session, when live.
    pub fn session(&self) -> Option<&SessionJson> {
        self.client.as_ref().and_then(|c| c.last_active_session())
    }

    /// Active, pending or signed out.
    pub fn signed_state(&self) -> SignedState {
        SignedState::of(self.session().map(|s| s.status))
    }

    /// The task to do now, if pending.
    pub fn current_task(&self) -> Option<TaskKey> {
        self.session().and_then(SessionJson::current_task)
    }

    /// The signed-in (or pending) user.
    pub fn user(&self) -> Option<&UserJson> {
        self.session().and_then(|s| s.user.as_ref())
    }

    /// The identity facts of the session, before the auth-state rule.
    pub fn facts(&self) -> Option<SessionFacts> {
        let s = self.session()?;
        let user_id = s.user.as_ref().map(|u| u.id.clone()).or_else(|| s.public_user_data.user_id.clone())?;
        let org_id = s.last_active_organization_id.clone();
        let org_role = org_id.as_ref().and_then(|id| {
            s.user.as_ref()?.organization_memberships.iter().find(|m| &m.organization.id == id).map(|m| m.role.clone())
        });
        Some(SessionFacts { session_id: s.id.clone(), user_id, org_id, org_role })
    }

    /// The shortest password the instance accepts (8 when it does not say).
    pub fn password_min_length(&self) -> u32 {
        self.environment
            .as_ref()
            .map(|e| e.user_settings.password_settings.min_length)
            .filter(|n| *n > 0)
            .unwrap_or(8)
    }

    /// The application's name, for titles.
    pub fn application_name(&self) -> String {
        self.environment
            .as_ref()
            .map(|e| e.display_config.application_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Vestibule".to_string())
    }
}
