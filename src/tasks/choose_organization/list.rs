//! The list screen of the choose-organization task: the user's
//! memberships (a click activates one), pending invitations with **Join**,
//! then **Create organization** when the user may.

use super::{Chooser, Screen, CLASS};
use crate::components::card::Card;
use yew::prelude::*;

/// The list screen.
pub(super) fn view(chooser: &Chooser, can_create: bool, footer: Html) -> Html {
    let busy = chooser.submit.busy();
    let on_activate = chooser.submit.callback_with(chooser.clone(), Chooser::activate);
    let on_join = chooser.submit.callback_with(chooser.clone(), Chooser::join);
    let memberships = chooser.data.memberships.iter().map(|m| {
        let id = m.organization.id.clone();
        html! {
            <li>
                <button class="vb-org-item" type="button" disabled={busy} onclick={on_activate.reform(move |_| id.clone())}>
                    <span class="vb-org-name">{ m.organization.name.clone() }</span>
                    <span class="vb-org-role">{ m.role_name.clone() }</span>
                </button>
            </li>
        }
    });
    let invitations = chooser.data.invitations.iter().map(|i| {
        let invitation = i.clone();
        html! {
            <li class="vb-invitation">
                <span class="vb-org-name">{ i.public_organization_data.name.clone() }</span>
                <button class="vb-button vb-button-secondary" type="button" disabled={busy}
                    onclick={on_join.reform(move |_| invitation.clone())}>{ "Join" }</button>
            </li>
        }
    });
    html! {
        <Card title="Choose an organization" subtitle={Some(AttrValue::from("Select the organization to continue with."))} class={CLASS} {footer}>
            if !chooser.data.memberships.is_empty() {
                <ul class="vb-org-list" aria-label="Your organizations">{ for memberships }</ul>
            }
            if !chooser.data.invitations.is_empty() {
                <h2 class="vb-section-title">{ "Invitations" }</h2>
                <ul class="vb-org-list vb-invitations" aria-label="Invitations">{ for invitations }</ul>
            }
            { chooser.submit.form_error(&[]) }
            if can_create {
                <button class="vb-button vb-button-secondary vb-create-organization" type="button"
                    onclick={chooser.show(Screen::Create { from_list: true }, false)}>{ "Create organization" }</button>
            }
        </Card>
    }
}
