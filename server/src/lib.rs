//! The Vestibule server: the Frontend API that the portal and
//! `@clerk/clerk-js` talk to, and the Backend API for operators.
//!
//! `main.rs` only parses the command line; everything else is here so tests
//! build the same router with an injected clock.

pub mod app;
pub mod backup;
pub mod backup_codes;
pub mod breached;
pub mod client_ip;
pub mod clock;
pub mod codes;
pub mod compromise;
pub mod content_coding;
pub mod config;
pub mod copy_database;
pub mod cookies;
pub mod cors;
pub mod ctx;
pub mod delivery;
pub mod disk;
pub mod error;
pub mod files;
pub mod hibp;
pub mod ids;
pub mod input;
pub mod key_rotation;
pub mod keys;
pub mod listener;
pub mod locales;
pub mod lockout;
pub mod mfa_keys;
pub mod openapi;
pub mod password;
pub mod portal_files;
pub mod phone;
pub mod publishable_key;
pub mod rate_limit;
pub mod render;
pub mod resources;
pub mod reverify;
pub mod routes;
pub mod settings;
pub mod shutdown;
pub mod state;
pub mod store;
pub mod sweeper;
pub mod totp;

pub use app::{router, router_with_test_clock};
pub use clock::{Clock, ManualClock, OffsetClock, SystemClock};
pub use config::Config;
pub use state::AppState;
