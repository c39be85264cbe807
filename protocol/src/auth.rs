//! The auth-state rule: how a session's status becomes "signed in" or
//! "signed out" for the code that asks.
//!
//! By default a pending session is treated as signed out
//! (`treat_pending_as_signed_out = true`): no user id, no organization id,
//! but the caller can still see that the session is pending. The portal's
//! hooks and the middleware both call [`AuthView::resolve`], so they cannot
//! disagree.

use crate::wire_enum;
use serde::{Deserialize, Serialize};

wire_enum! {
    /// A session's status on the wire (and in the `sessions` table).
    pub enum SessionStatus {
        /// Signed in, no task left.
        Active = "active",
        /// Signed in, tasks left.
        Pending = "pending",
        /// Signed out by the user.
        Ended = "ended",
        /// Past its lifetime.
        Expired = "expired",
        /// Removed from the client.
        Removed = "removed",
        /// Revoked by an operator.
        Revoked = "revoked",
    }
}

impl SessionStatus {
    /// Whether the session still authenticates (active or pending).
    pub fn is_live(self) -> bool {
        matches!(self, SessionStatus::Active | SessionStatus::Pending)
    }
}

/// Per-call options of the auth-state rule, as `auth({ ... })` in Clerk:
/// the portal's `use_auth` and the middleware's `Auth::options` take it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthOptions {
    /// Treat a pending session as signed out (the default, `true`): no user
    /// id, no organization, and protection sends the caller to the tasks.
    pub treat_pending_as_signed_out: bool,
}

impl Default for AuthOptions {
    fn default() -> AuthOptions {
        AuthOptions { treat_pending_as_signed_out: true }
    }
}

/// What an application sees of the current session: the three states of the
/// product description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedState {
    /// Authentication complete, no task left.
    Active,
    /// Authentication complete, tasks left.
    Pending,
    /// No live session.
    SignedOut,
}

impl SignedState {
    /// The state of a session with this status; `None` (no session) is signed out.
    pub fn of(status: Option<SessionStatus>) -> SignedState {
        match status {
            Some(SessionStatus::Active) => SignedState::Active,
            Some(SessionStatus::Pending) => SignedState::Pending,
            _ => SignedState::SignedOut,
        }
    }
}

/// The identity facts of a live session, before the auth-state rule is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionFacts {
    /// The session id.
    pub session_id: String,
    /// The user id.
    pub user_id: String,
    /// The active organization, if any.
    pub org_id: Option<String>,
    /// The user's role in the active organization, if any.
    pub org_role: Option<String>,
}

/// The result of the auth-state rule: what the asking code may rely on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthView {
    /// Signed in for the purpose of the asking code.
    pub is_signed_in: bool,
    /// The real state of the session, whatever the flag says.
    pub session_status: SignedState,
    /// The user id, when signed in by this rule.
    pub user_id: Option<String>,
    /// The session id, when signed in by this rule.
    pub session_id: Option<String>,
    /// The active organization, when signed in by this rule.
    pub org_id: Option<String>,
    /// The role in the active organization, when signed in by this rule.
    pub org_role: Option<String>,
}

impl AuthView {
    /// Applies the rule: an active session is signed in; a pending one only
    /// when `treat_pending_as_signed_out` is false; no session never is.
    pub fn resolve(
        state: SignedState,
        facts: Option<&SessionFacts>,
        treat_pending_as_signed_out: bool,
    ) -> AuthView {
        let signed_in = match state {
            SignedState::Active => true,
            SignedState::Pending => !treat_pending_as_signed_out,
            SignedState::SignedOut => false,
        };
        let facts = facts.filter(|_| signed_in);
        AuthView {
            is_signed_in: facts.is_some(),
            session_status: state,
            user_id: facts.map(|f| f.user_id.clone()),
            session_id: facts.map(|f| f.session_id.clone()),
            org_id: facts.and_then(|f| f.org_id.clone()),
            org_role: facts.and_then(|f| f.org_role.clone()),
        }
    }

    /// Whether the signed-in user holds `role` (e.g. `org:admin`) in the
    /// active organization.
    pub fn has(&self, role: &str) -> bool {
        self.org_role.as_deref() == Some(role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> SessionFacts {
        SessionFacts {
            session_id: "sess_1".into(),
            user_id: "user_1".into(),
            org_id: Some("org_1".into()),
            org_role: Some("org:admin".into()),
        }
    }

    #[test]
    fn every_status_under_both_settings_of_the_flag() {
        use SessionStatus::*;
        // (status, treat_pending_as_signed_out, signed in, state seen)
        let table = [
            (Some(Active), true, true, SignedState::Active),
            (Some(Active), false, true, SignedState::Active),
            (Some(Pending), true, false, SignedState::Pending),
            (Some(Pending), false, true, SignedState::Pending),
            (Some(Ended), true, false, SignedState::SignedOut),
            (Some(Ended), false, false, SignedState::SignedOut),
            (Some(Expired), true, false, SignedState::SignedOut),
            (Some(Expired), false, false, SignedState::SignedOut),
            (Some(Removed), true, false, SignedState::SignedOut),
            (Some(Removed), false, false, SignedState::SignedOut),
            (Some(Revoked), true, false, SignedState::SignedOut),
            (Some(Revoked), false, false, SignedState::SignedOut),
            (None, true, false, SignedState::SignedOut),
            (None, false, false, SignedState::SignedOut),
        ];
        for (status, flag, signed_in, state) in table {
            let f = facts();
            let given = status.map(|_| &f);
            let view = AuthView::resolve(SignedState::of(status), given, flag);
            assert_eq!(view.is_signed_in, signed_in, "{status:?} flag={flag}");
            assert_eq!(view.session_status, state, "{status:?} flag={flag}");
            if signed_in {
                assert_eq!(view.user_id.as_deref(), Some("user_1"));
                assert_eq!(view.org_id.as_deref(), Some("org_1"));
                assert!(view.has("org:admin"));
            } else {
                assert_eq!(view.user_id, None, "{status:?} flag={flag}");
                assert_eq!(view.org_id, None, "{status:?} flag={flag}");
                assert_eq!(view.session_id, None, "{status:?} flag={flag}");
                assert!(!view.has("org:admin"));
            }
        }
    }

    #[test]
    fn pending_by_default_hides_ids_but_says_pending() {
        let f = facts();
        let view = AuthView::resolve(SignedState::Pending, Some(&f), true);
        assert!(!view.is_signed_in);
        assert_eq!(view.user_id, None);
        assert_eq!(view.session_status, SignedState::Pending);
    }

    #[test]
    fn live_statuses() {
        assert!(SessionStatus::Active.is_live());
        assert!(SessionStatus::Pending.is_live());
        assert!(!SessionStatus::Ended.is_live());
        assert_eq!(serde_json::to_string(&SessionStatus::Pending).expect("json"), "\"pending\"");
    }
}
