//! Session-task screens, one module per task, and the page that shows the
//! right one for a task route.

pub mod choose_organization;
pub mod page;
