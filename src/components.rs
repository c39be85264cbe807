//! Control components (`Show`, `RedirectToTasks`, the route guard), the
//! in-place reverification (`Reverify`) and the shared widgets the screens
//! are built from.

pub mod backup_codes;
pub mod code_step;
pub mod guard;
pub mod qr;
pub mod redirect_to_tasks;
pub mod resend;
pub mod reverify;
pub mod show;
pub mod widgets;
