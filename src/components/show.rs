//! `<Show>`: renders its children by auth state, in the four combinations
//! of the product description (signed-in / signed-out, each with
//! `treat_pending_as_signed_out` true or false).

use crate::session::hooks::use_auth;
use vestibule_protocol::AuthOptions;
use yew::prelude::*;

/// Which state `<Show>` is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Render for signed-in users.
    SignedIn,
    /// Render for signed-out users.
    SignedOut,
}

/// Props of [`Show`].
#[derive(Properties, PartialEq)]
pub struct ShowProps {
    /// The state the children are for.
    pub when: When,
    /// Rendered otherwise.
    #[prop_or_default]
    pub fallback: Html,
    /// Pending counts as signed out (default true).
    #[prop_or(true)]
    pub treat_pending_as_signed_out: bool,
    /// The content.
    #[prop_or_default]
    pub children: Html,
}

/// Shows `children` when the auth state matches `when`, else `fallback`;
/// nothing until the state is loaded, so nothing flashes.
#[component]
pub fn Show(props: &ShowProps) -> Html {
    let auth = use_auth(AuthOptions { treat_pending_as_signed_out: props.treat_pending_as_signed_out });
    if !auth.is_loaded {
        return Html::default();
    }
    let matches = match props.when {
        When::SignedIn => auth.is_signed_in,
        When::SignedOut => !auth.is_signed_in,
    };
    if matches {
        props.children.clone()
    } else {
        props.fallback.clone()
    }
}
