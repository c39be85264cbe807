//! The portal's own pages: sign-in and its second factor, sign-up, account
//! home, not found.

pub mod factor_two;
pub mod home;
pub mod not_found;
pub mod sign_in;
pub mod sign_up;
