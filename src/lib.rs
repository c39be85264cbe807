//! Vestibule's portal as a library: the auth context, hooks, control
//! components, sign-in and sign-up, and the session-task screens, for the
//! hosted portal (`main.rs`) and for any Yew application that embeds them.

pub mod api;
pub mod app;
pub mod components;
pub mod locale;
pub mod nav;
pub mod pages;
pub mod route;
pub mod session;
pub mod tasks;

pub use app::App;
pub use components::redirect_to_tasks::RedirectToTasks;
pub use components::reverify::Reverify;
pub use components::show::{Show, When};
pub use pages::sign_in::SignIn;
pub use pages::sign_up::SignUp;
pub use route::{access, Access, Flow, RouteRule};
pub use locale::Messages;
pub use session::hooks::{use_auth, use_messages, use_organization_list, use_session, use_user, AuthHandle};
pub use session::provider::AuthProvider;
pub use tasks::choose_organization::TaskChooseOrganization;
pub use tasks::reset_password::TaskResetPassword;
pub use tasks::setup_mfa::TaskSetupMfa;
pub use vestibule_protocol::{AuthOptions, SignedState, TaskKey};
