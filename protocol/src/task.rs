//! Session tasks: what a user must still do before a session counts.
//!
//! The server computes a session's tasks from state on every read
//! (`frontend-api.md` section 4); there is no task table. Keeping the rule
//! here lets the portal and the tests reason about the same order.

use crate::auth::SessionStatus;
use crate::wire_enum;

wire_enum! {
    /// One pending requirement of a session, as named on the wire and in
    /// task URLs. `ALL` lists them in the order a user must do them.
    pub enum TaskKey {
        /// The password is marked compromised and must be replaced.
        ResetPassword = "reset-password",
        /// Multi-factor authentication is required and the user has no second factor.
        SetupMfa = "setup-mfa",
        /// Personal accounts are off and the session has no active organization.
        ChooseOrganization = "choose-organization",
    }
}

/// The facts the task rules read, gathered from instance settings, the user
/// and the session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskInputs {
    /// Instance: "force password reset" is on.
    pub force_password_reset: bool,
    /// User: the password is marked compromised.
    pub password_compromised: bool,
    /// Instance: multi-factor authentication is required.
    pub mfa_required: bool,
    /// Instance: at least one second factor can be enrolled (the
    /// authenticator app, SMS codes or backup codes is on). Without one,
    /// `setup-mfa` could never end, so it is not asked.
    pub second_factor_available: bool,
    /// User: at least one second factor is enrolled.
    pub two_factor_enabled: bool,
    /// Instance: organizations are enabled.
    pub organizations_enabled: bool,
    /// Instance: personal accounts are not allowed.
    pub force_organization_selection: bool,
    /// Session: an organization is active.
    pub has_active_organization: bool,
}

/// The tasks a session has, in the order the user must do them. Empty means
/// the session is active.
pub fn session_tasks(inputs: &TaskInputs) -> Vec<TaskKey> {
    let mut tasks = Vec::new();
    if inputs.force_password_reset && inputs.password_compromised {
        tasks.push(TaskKey::ResetPassword);
    }
    if inputs.mfa_required && inputs.second_factor_available && !inputs.two_factor_enabled {
        tasks.push(TaskKey::SetupMfa);
    }
    if inputs.organizations_enabled
        && inputs.force_organization_selection
        && !inputs.has_active_organization
    {
        tasks.push(TaskKey::ChooseOrganization);
    }
    tasks
}

/// The times that end a session, in milliseconds since the epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionTimes {
    /// Now.
    pub now: i64,
    /// When the session was created.
    pub created_at: i64,
    /// When the session expires whatever happens.
    pub expire_at: i64,
    /// How long a session may stay pending (`security.md`).
    pub pending_lifetime: i64,
}

/// A session's status as callers see it, and its tasks (empty unless
/// pending).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionState {
    /// The status callers see.
    pub status: SessionStatus,
    /// The tasks, in order.
    pub tasks: Vec<TaskKey>,
}

/// The session rule: a stored status other than `active` stands; a live
/// session past `expire_at` is expired; otherwise its tasks decide between
/// `active` and `pending`, and a session pending longer than the pending
/// lifetime is expired.
pub fn session_state(stored: SessionStatus, times: &SessionTimes, inputs: &TaskInputs) -> SessionState {
    let ended = |status| SessionState { status, tasks: Vec::new() };
    if !stored.is_live() {
        return ended(stored);
    }
    if times.now >= times.expire_at {
        return ended(SessionStatus::Expired);
    }
    let tasks = session_tasks(inputs);
    if tasks.is_empty() {
        SessionState { status: SessionStatus::Active, tasks }
    } else if times.now >= times.created_at + times.pending_lifetime {
        ended(SessionStatus::Expired)
    } else {
        SessionState { status: SessionStatus::Pending, tasks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_on() -> TaskInputs {
        TaskInputs {
            force_password_reset: true,
            password_compromised: true,
            mfa_required: true,
            second_factor_available: true,
            two_factor_enabled: false,
            organizations_enabled: true,
            force_organization_selection: true,
            has_active_organization: false,
        }
    }

    #[test]
    fn all_three_tasks_come_in_the_documented_order() {
        assert_eq!(
            session_tasks(&all_on()),
            vec![TaskKey::ResetPassword, TaskKey::SetupMfa, TaskKey::ChooseOrganization]
        );
    }

    #[test]
    fn each_task_ends_when_its_condition_ends() {
        let base = all_on();
        let cases: [(TaskInputs, TaskKey); 8] = [
            (TaskInputs { password_compromised: false, ..base }, TaskKey::ResetPassword),
            (TaskInputs { force_password_reset: false, ..base }, TaskKey::ResetPassword),
            (TaskInputs { two_factor_enabled: true, ..base }, TaskKey::SetupMfa),
            (TaskInputs { mfa_required: false, ..base }, TaskKey::SetupMfa),
            (TaskInputs { second_factor_available: false, ..base }, TaskKey::SetupMfa),
            (TaskInputs { has_active_organization: true, ..base }, TaskKey::ChooseOrganization),
            (TaskInputs { force_organization_selection: false, ..base }, TaskKey::ChooseOrganization),
            (TaskInputs { organizations_enabled: false, ..base }, TaskKey::ChooseOrganization),
        ];
        for (inputs, gone) in cases {
            let tasks = session_tasks(&inputs);
            assert!(!tasks.contains(&gone), "{gone} should be gone for {inputs:?}");
            assert_eq!(tasks.len(), 2, "only {gone} should be gone for {inputs:?}");
        }
    }

    #[test]
    fn setup_mfa_table() {
        // (required, a method is on, enrolled) -> setup-mfa present
        let table = [
            (false, false, false, false),
            (false, true, false, false),
            (false, true, true, false),
            (true, false, false, false),
            (true, true, false, true),
            (true, true, true, false),
            (true, false, true, false),
        ];
        for (mfa_required, second_factor_available, two_factor_enabled, want) in table {
            let inputs = TaskInputs { mfa_required, second_factor_available, two_factor_enabled, ..TaskInputs::default() };
            assert_eq!(session_tasks(&inputs) == vec![TaskKey::SetupMfa], want, "{inputs:?}");
        }
        // Between reset-password and choose-organization.
        let inputs = TaskInputs { force_password_reset: true, password_compromised: true, ..all_on() };
        assert_eq!(session_tasks(&inputs)[1], TaskKey::SetupMfa);
    }

    #[test]
    fn nothing_applies_means_no_task() {
        assert!(session_tasks(&TaskInputs::default()).is_empty());
    }

    #[test]
    fn keys_round_trip_on_the_wire() {
        for &key in TaskKey::ALL {
            let json = serde_json::to_string(&key).expect("serializes");
            assert_eq!(json, format!("\"{}\"", key.as_str()));
            assert_eq!(serde_json::from_str::<TaskKey>(&json).expect("parses"), key);
            assert_eq!(TaskKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(TaskKey::parse("choose_organization"), None);
    }

    #[test]
    fn session_state_table() {
        use SessionStatus::*;
        let times = SessionTimes { now: 1_000, created_at: 0, expire_at: 10_000, pending_lifetime: 1_000 };
        let young = SessionTimes { now: 999, ..times };
        let with_task = TaskInputs { force_password_reset: true, password_compromised: true, ..TaskInputs::default() };
        let none = TaskInputs::default();
        // (stored, times, inputs, status seen, tasks)
        let table: [(SessionStatus, SessionTimes, TaskInputs, SessionStatus, usize); 10] = [
            (Active, young, none, Active, 0),
            (Active, young, with_task, Pending, 1),
            (Active, times, with_task, Expired, 0),
            (Active, times, none, Active, 0),
            (Active, SessionTimes { now: 10_000, ..times }, none, Expired, 0),
            (Active, SessionTimes { now: 9_999, ..times }, none, Active, 0),
            (Ended, young, with_task, Ended, 0),
            (Removed, young, none, Removed, 0),
            (Revoked, young, none, Revoked, 0),
            (Expired, young, none, Expired, 0),
        ];
        for (stored, t, inputs, status, tasks) in table {
            let got = session_state(stored, &t, &inputs);
            assert_eq!(got.status, status, "{stored:?} {t:?} {inputs:?}");
            assert_eq!(got.tasks.len(), tasks, "{stored:?} {t:?} {inputs:?}");
        }
    }
}
