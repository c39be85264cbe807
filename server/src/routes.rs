//! The Frontend API (`/v1`) and Backend API (`/backend/v1`) routes, one
//! module per area.

pub mod backend;
pub mod client;
pub mod dev;
pub mod me;
pub mod mfa;
pub mod organizations;
pub mod phone_numbers;
pub mod reverification;
pub mod sessions;
pub mod sign_in;
pub mod sign_up;
pub mod test_clock;

use crate::state::AppState;
use axum::Router;

/// Every Frontend API route, relative to `/v1`.
pub fn frontend() -> Router<AppState> {
    Router::new()
        .merge(client::router())
        .merge(sign_in::router())
        .merge(sign_up::router())
        .merge(sessions::router())
        .merge(reverification::router())
        .merge(me::router())
        .merge(organizations::router())
        .merge(mfa::router())
        .merge(phone_numbers::router())
        .merge(dev::router())
}
