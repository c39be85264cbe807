//! The list screen of the choose-organization task: the user's
//! memberships (a click activates one), pending invitations with **Join**,
//! then **Create organization** when the user may.

use super::{Chooser, Screen, CLASS};
use crate::components::card::Card;
use yew::prelude::*;

/// The list screen.
pub(super) fn view(chooser: &Chooser, can_create: bool, footer: Html) -> Html {
    let busy = chooser.submit.busy();
    let m = chooser.submit.messages();
    let on_activate = chooser.submit.callback_with(chooser.clone(), Chooser::activate);
    let on_join = chooser.submit.callback_with(chooser.clone(), Chooser::join);
    let memberships = chooser.data.memberships.iter().map(|membership| {
        let id = membership.organization.id.clone();
        let role = m.t_or(&format!("organization.role.{}", membership.role.trim_start_matches("org:")), &membership.role_name);
        html! {
            <li>
                <button class="vb-org-item" type="button" disabled={busy} onclick={on_activate.reform(move |_| id.clone())}>
                    <span class="vb-org-name">{ membership.organization.name.clone() }</span>
                    <span class="vb-org-role">{ role }</span>
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
                    onclick={on_join.reform(move |_| invitation.clone())}>{ m.t("organization.join") }</button>
            </li>
        }
    });
    html! {
        <Card title={m.t("organization.choose.title")} subtitle={Some(AttrValue::from(m.t("organization.choose.subtitle")))} class={CLASS} {footer}>
            if !chooser.data.memberships.is_empty() {
                <ul class="vb-org-list" aria-label={m.t("organization.choose.yours")}>{ for memberships }</ul>
            }
            if !chooser.data.invitations.is_empty() {
                <h2 class="vb-section-title">{ m.t("organization.invitations") }</h2>
                <ul class="vb-org-list vb-invitations" aria-label={m.t("organization.invitations")}>{ for invitations }</ul>
            }
            { chooser.submit.form_error(&[]) }
            if can_create {
                <button class="vb-button vb-button-secondary vb-create-organization" type="button"
                    onclick={chooser.show(Screen::Create { from_list: true }, false)}>{ m.t("organization.create.button") }</button>
            }
        </Card>
    }
}
