//! `<SignedInFooter>`: "Signed in as <email>" with **Sign out**, the footer
//! of every task screen and of account home.

use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use yew::prelude::*;

/// Props of [`SignedInFooter`].
#[derive(Properties, PartialEq)]
pub struct SignedInFooterProps {
    /// Where to go after signing out (default: the sign-in page).
    #[prop_or_default]
    pub after_sign_out_url: Option<AttrValue>,
}

/// Ends the session (keeping the client the server sends back) and goes to
/// `after`, also when the server could not be reached.
async fn sign_out(ctx: AuthContext, session_id: String, after: String) {
    if let Ok(reply) = crate::api::client::end_session(&ctx.config.api, &session_id).await {
        ctx.set_client(reply.client);
    }
    crate::nav::go(None, &after, false);
}

/// "Signed in as <email>" with **Sign out**.
#[component]
pub fn SignedInFooter(props: &SignedInFooterProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let email = ctx.state.user().and_then(|u| u.primary_email()).unwrap_or_default().to_string();
    let session_id = ctx.state.session().map(|s| s.id.clone());
    let after = match &props.after_sign_out_url {
        Some(url) => url.to_string(),
        None => ctx.urls().sign_in(None),
    };
    let onclick = Callback::from(move |_| {
        if let Some(id) = session_id.clone() {
            wasm_bindgen_futures::spawn_local(sign_out(ctx.clone(), id, after.clone()));
        }
    });
    html! {
        <div class="vb-signed-in-as">
            <span>{ m.t("footer.signed_in_as") }{ " " }<strong class="vb-email">{ email }</strong></span>
            <button class="vb-button vb-button-link" type="button" {onclick}>{ m.t("footer.sign_out") }</button>
        </div>
    }
}
