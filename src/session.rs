//! The auth context: what the portal (or an embedding app) knows of the
//! environment and the client, the provider that loads and refreshes it,
//! and the hooks that read it.

pub mod context;
pub mod hooks;
pub mod provider;
pub mod state;

pub use context::{AuthConfig, AuthContext};
pub use state::{AuthAction, AuthState};
