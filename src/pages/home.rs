//! Account home: who is signed in, the active organization, sign out.

use crate::components::widgets::{Card, SignedInFooter};
use crate::session::hooks::use_auth_context;
use yew::prelude::*;

/// The account home page.
#[component]
pub fn Home() -> Html {
    let ctx = use_auth_context();
    let user = ctx.state.user().cloned();
    let session = ctx.state.session().cloned();
    let email = user.as_ref().and_then(|u| u.primary_email()).unwrap_or_default().to_string();
    let org = session.as_ref().and_then(|s| {
        let id = s.last_active_organization_id.as_ref()?;
        user.as_ref()?.organization_memberships.iter().find(|m| &m.organization.id == id).cloned()
    });
    html! {
        <Card title="Your account" class="vb-home" footer={html! { <SignedInFooter /> }}>
            <dl class="vb-facts">
                <dt>{ "Email" }</dt>
                <dd class="vb-home-email">{ email }</dd>
                <dt>{ "Organization" }</dt>
                <dd class="vb-home-organization">
                    { org.as_ref().map(|m| m.organization.name.clone()).unwrap_or_else(|| "None".into()) }
                    if let Some(m) = &org {
                        <span class="vb-badge">{ m.role_name.clone() }</span>
                    }
                </dd>
            </dl>
        </Card>
    }
}
