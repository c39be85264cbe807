//! The vocabulary the Vestibule portal, server and middleware share.
//!
//! Everything here is a pure function or a plain serde type, so the same
//! rules compile to wasm for the portal and to native code for the server
//! and are tested once, without a browser or a socket.

pub mod auth;
pub mod error;
pub mod redirect;
pub mod task;
pub mod token;
pub mod url;
pub mod vocabulary;
pub mod wire;

pub use auth::{AuthOptions, AuthView, SessionFacts, SessionStatus, SignedState};
pub use error::{ErrorCode, ErrorEnvelope, WireError};
pub use redirect::{validate_redirect, RedirectPolicy};
pub use task::{session_state, session_tasks, SessionState, SessionTimes, TaskInputs, TaskKey};
pub use token::{OrgClaim, SessionClaims};
pub use vocabulary::{Channel, InvitationStatus, SessionVerificationStatus, SignInStatus, SignUpStatus, Strategy, VerificationStatus};
