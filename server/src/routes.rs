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

use crate::openapi::Api;

/// Every Frontend API route, relative to `/v1`.
pub fn frontend() -> Api {
    Api::new()
        .merge(client::api())
        .merge(sign_in::api())
        .merge(sign_up::api())
        .merge(sessions::api())
        .merge(reverification::api())
        .merge(me::api())
        .merge(organizations::api())
        .merge(mfa::api())
        .merge(phone_numbers::api())
        .merge(dev::api())
}
