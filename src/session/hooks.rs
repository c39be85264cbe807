//! Hooks over the auth context: `use_auth` applies the auth-state rule
//! (`treat_pending_as_signed_out`, default true) from the protocol crate,
//! so the portal and the middleware cannot disagree.

use super::context::AuthContext;
use crate::locale::Messages;
use vestibule_protocol::wire::{MembershipJson, SessionJson, UserJson};
use vestibule_protocol::{AuthOptions, AuthView};
use yew::prelude::*;

/// What [`use_auth`] returns: the auth-state rule's [`AuthView`]
/// (`is_signed_in`, `session_status`, `user_id`, `session_id`, `org_id`,
/// `org_role`, `has()`, reached through `Deref`) and whether the first load
/// has finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthHandle {
    /// The first load has finished.
    pub is_loaded: bool,
    view: AuthView,
}

impl std::ops::Deref for AuthHandle {
    type Target = AuthView;
    fn deref(&self) -> &AuthView {
        &self.view
    }
}

/// The auth context; panics outside an `AuthProvider`, which is a bug.
#[hook]
pub fn use_auth_context() -> AuthContext {
    use_context::<AuthContext>().expect("use_auth and the Vestibule components need an AuthProvider above them")
}

/// What the screens say, in the chosen locale.
#[hook]
pub fn use_messages() -> Messages {
    use_context::<AuthContext>().map(|ctx| ctx.state.messages.clone()).unwrap_or_default()
}

/// The auth state under the auth-state rule.
#[hook]
pub fn use_auth(options: AuthOptions) -> AuthHandle {
    let ctx = use_auth_context();
    let state = &*ctx.state;
    let facts = state.facts();
    AuthHandle {
        is_loaded: state.loaded,
        view: AuthView::resolve(state.signed_state(), facts.as_ref(), options.treat_pending_as_signed_out),
    }
}

/// The current session (active or pending).
#[hook]
pub fn use_session() -> Option<SessionJson> {
    let ctx = use_auth_context();
    ctx.state.session().cloned()
}

/// The current user (of an active or pending session).
#[hook]
pub fn use_user() -> Option<UserJson> {
    let ctx = use_auth_context();
    ctx.state.user().cloned()
}

/// The current user's organization memberships.
#[hook]
pub fn use_organization_list() -> Vec<MembershipJson> {
    let ctx = use_auth_context();
    ctx.state.user().map(|u| u.organization_memberships.clone()).unwrap_or_default()
}
