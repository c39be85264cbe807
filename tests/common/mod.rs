#![allow(dead_code)] // each test binary uses the fixtures it needs
//! Shared fixtures of the portal's browser tests: the auth state of a
//! client whose one session (`sess_1` of `user_1`) has a given status.

use std::rc::Rc;
use vestibule_portal::session::AuthState;
use vestibule_portal::Messages;
use vestibule_protocol::wire::{ClientJson, SessionJson, TaskJson, UserJson};
use vestibule_protocol::SessionStatus;

/// A client holding one session of `user` with this status, tasks and
/// active organization.
pub fn signed_in(user: UserJson, status: SessionStatus, tasks: Option<Vec<TaskJson>>, org: Option<&str>) -> Rc<AuthState> {
    let session = SessionJson {
        object: "session".into(),
        id: "sess_1".into(),
        status,
        tasks,
        last_active_organization_id: org.map(str::to_string),
        last_active_token: None,
        user: Some(user),
        public_user_data: Default::default(),
        factor_verification_age: None,
        expire_at: 0,
        abandon_at: 0,
        last_active_at: 0,
        created_at: 0,
        updated_at: 0,
    };
    let client = ClientJson {
        object: "client".into(),
        id: "client_1".into(),
        sessions: vec![session],
        last_active_session_id: Some("sess_1".into()),
        ..ClientJson::default()
    };
    let mut state = AuthState::with_client(Some(client));
    state.messages = english();
    Rc::new(state)
}

/// The English message table, as the server serves it.
pub fn english() -> Messages {
    Messages::from_json("en", include_str!("../../locales/en.json")).expect("locales/en.json is a table")
}
