//! Control components (`Show`, `RedirectToTasks`, the route guard), the
//! in-place reverification (`Reverify`), the hook every form submits
//! through (`use_submit`) and the shared widgets the screens are built
//! from, one component a file.

pub mod backup_codes;
pub mod card;
pub mod code_step;
pub mod copy_button;
pub mod field;
pub mod guard;
pub mod new_password;
pub mod qr;
pub mod redirect_to_tasks;
pub mod resend;
pub mod reverify;
pub mod show;
pub mod signed_in_footer;
pub mod submit;
