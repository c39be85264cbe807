//! Session tasks: what a user must still do before a session counts.
//!
//! The server computes a session's tasks from state on every read
//! (`frontend-api.md` section 4); there is no task table. Keeping the rule
//! here lets the portal and the tests reason about the same order.

use serde::{Deserialize, Serialize};

/// One pending requirement of a session, as named on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskKey {
    /// The password is marked compromised and must be replaced.
    #[serde(rename = "reset-password")]
    ResetPassword,
    /// Multi-factor authentication is required and the user has no second factor.
    #[serde(rename = "setup-mfa")]
    SetupMfa,
    /// Personal accounts are off and the session has no active organization.
    #[serde(rename = "choose-organization")]
    ChooseOrganization,
}

impl TaskKey {
    /// Every task, in the order a user must do them.
    pub const ALL: [TaskKey; 3] = [
        TaskKey::ResetPassword,
        TaskKey::SetupMfa,
        TaskKey::ChooseOrganization,
    ];

    /// The key as it appears on the wire and in task URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKey::ResetPassword => "reset-password",
            TaskKey::SetupMfa => "setup-mfa",
            TaskKey::ChooseOrganization => "choose-organization",
        }
    }

    /// Parses a wire key; `None` for anything else.
    pub fn parse(key: &str) -> Option<TaskKey> {
        TaskKey::ALL.into_iter().find(|k| k.as_str() == key)
    }
}

impl std::fmt::Display for TaskKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
        for key in TaskKey::ALL {
            let json = serde_json::to_string(&key).expect("serializes");
            assert_eq!(json, format!("\"{}\"", key.as_str()));
            assert_eq!(serde_json::from_str::<TaskKey>(&json).expect("parses"), key);
            assert_eq!(TaskKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(TaskKey::parse("choose_organization"), None);
    }
}
