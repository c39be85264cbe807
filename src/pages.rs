//! The portal's own pages: sign-in, sign-up, account home, not found.

pub mod home;
pub mod not_found;
pub mod sign_in;
pub mod sign_up;
