//! `<TaskChooseOrganization>`: the choose-organization task. Lists the
//! user's memberships and pending invitations, creates an organization,
//! activates one with a session touch, then moves on to the next task or
//! to `redirect_url_complete`. A single membership is activated without
//! asking.

use crate::api::{self, ApiError};
use crate::components::widgets::{form_error, submit, Card, Field, SignedInFooter};
use crate::session::hooks::use_auth_context;
use super::next_target;
use vestibule_protocol::wire::{slug_from_name, InvitationJson, MembershipJson};
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`TaskChooseOrganization`].
#[derive(Properties, PartialEq)]
pub struct TaskChooseOrganizationProps {
    /// Where to go when the last task is done (validated by the caller or
    /// against the provider's allowed origins).
    #[prop_or(AttrValue::Static("/"))]
    pub redirect_url_complete: AttrValue,
}

#[derive(Clone, PartialEq)]
enum Screen {
    Loading,
    List,
    Create { from_list: bool },
    MustBelong,
}

#[derive(Clone, Default, PartialEq)]
struct Data {
    memberships: Vec<MembershipJson>,
    invitations: Vec<InvitationJson>,
}

/// The choose-organization task screen.
#[component]
pub fn TaskChooseOrganization(props: &TaskChooseOrganizationProps) -> Html {
    let ctx = use_auth_context();
    let navigator = use_navigator();
    let screen = use_state(|| Screen::Loading);
    let data = use_state(Data::default);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let name = use_state(String::new);
    let slug = use_state(String::new);
    let slug_edited = use_state(|| false);
    let can_create = ctx.state.user().is_some_and(|u| u.create_organization_enabled);
    let session_id = ctx.state.session().map(|s| s.id.clone()).unwrap_or_default();
    let complete = props.redirect_url_complete.to_string();

    let activate = {
        let (ctx, error, busy, navigator, session_id, complete) =
            (ctx.clone(), error.clone(), busy.clone(), navigator.clone(), session_id.clone(), complete.clone());
        Callback::from(move |org_id: String| {
            busy.set(true);
            let (ctx, error, busy, navigator, session_id, complete) =
                (ctx.clone(), error.clone(), busy.clone(), navigator.clone(), session_id.clone(), complete.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::client::touch(&ctx.config.api, &session_id, Some(&org_id)).await {
                    Ok(reply) => {
                        let target = next_target(&ctx, reply.client.as_ref(), &complete);
                        ctx.set_client(reply.client);
                        crate::nav::go(navigator.as_ref(), &target, true);
                    }
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };

    {
        let (ctx, screen, data, error, activate) = (ctx.clone(), screen.clone(), data.clone(), error.clone(), activate.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let api = &ctx.config.api;
                let memberships = api::organizations::memberships(api).await;
                let invitations = api::organizations::invitations(api).await;
                match (memberships, invitations) {
                    (Ok(memberships), Ok(invitations)) => {
                        let next = if memberships.len() == 1 {
                            activate.emit(memberships[0].organization.id.clone());
                            Screen::Loading
                        } else if memberships.is_empty() && invitations.is_empty() {
                            if can_create { Screen::Create { from_list: false } } else { Screen::MustBelong }
                        } else {
                            Screen::List
                        };
                        data.set(Data { memberships, invitations });
                        screen.set(next);
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        error.set(Some(e));
                        screen.set(Screen::List);
                    }
                }
            });
        });
    }

    let err = (*error).clone();
    let footer = html! { <SignedInFooter /> };
    let class = "vb-task-choose-organization";
    match (*screen).clone() {
        Screen::Loading => html! {
            <Card title="Choose an organization" {class} {footer}>
                <div class="vb-loading" role="status" aria-label="Loading"></div>
            </Card>
        },
        Screen::MustBelong => html! {
            <Card title="You must belong to an organization" subtitle={Some(AttrValue::from("Ask an administrator to invite you, then sign in again."))} {class} {footer} />
        },
        Screen::List => {
            let memberships = data.memberships.iter().map(|m| {
                let activate = activate.clone();
                let id = m.organization.id.clone();
                html! {
                    <li>
                        <button class="vb-org-item" type="button" disabled={*busy} onclick={Callback::from(move |_| activate.emit(id.clone()))}>
                            <span class="vb-org-name">{ m.organization.name.clone() }</span>
                            <span class="vb-org-role">{ m.role_name.clone() }</span>
                        </button>
                    </li>
                }
            });
            let invitations = data.invitations.iter().map(|i| {
                let disabled = *busy;
                let (ctx, activate, error, busy) = (ctx.clone(), activate.clone(), error.clone(), busy.clone());
                let (inv_id, org_id) = (i.id.clone(), i.public_organization_data.id.clone());
                let onclick = Callback::from(move |_| {
                    let (ctx, activate, error, busy, inv_id, org_id) =
                        (ctx.clone(), activate.clone(), error.clone(), busy.clone(), inv_id.clone(), org_id.clone());
                    busy.set(true);
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::organizations::accept(&ctx.config.api, &inv_id).await {
                            Ok(_) => activate.emit(org_id),
                            Err(e) => {
                                error.set(Some(e));
                                busy.set(false);
                            }
                        }
                    });
                });
                html! {
                    <li class="vb-invitation">
                        <span class="vb-org-name">{ i.public_organization_data.name.clone() }</span>
                        <button class="vb-button vb-button-secondary" type="button" {disabled} {onclick}>{ "Join" }</button>
                    </li>
                }
            });
            let to_create = {
                let screen = screen.clone();
                Callback::from(move |_| screen.set(Screen::Create { from_list: true }))
            };
            html! {
                <Card title="Choose an organization" subtitle={Some(AttrValue::from("Select the organization to continue with."))} {class} {footer}>
                    if !data.memberships.is_empty() {
                        <ul class="vb-org-list" aria-label="Your organizations">{ for memberships }</ul>
                    }
                    if !data.invitations.is_empty() {
                        <h2 class="vb-section-title">{ "Invitations" }</h2>
                        <ul class="vb-org-list vb-invitations" aria-label="Invitations">{ for invitations }</ul>
                    }
                    { form_error(err.as_ref().and_then(|e| e.general(&[]))) }
                    if can_create {
                        <button class="vb-button vb-button-secondary vb-create-organization" type="button" onclick={to_create}>{ "Create organization" }</button>
                    }
                </Card>
            }
        }
        Screen::Create { from_list } => {
            let on_name = {
                let (name, slug, slug_edited) = (name.clone(), slug.clone(), slug_edited.clone());
                Callback::from(move |v: String| {
                    if !*slug_edited {
                        slug.set(slug_from_name(&v));
                    }
                    name.set(v);
                })
            };
            let on_slug = {
                let (slug, slug_edited) = (slug.clone(), slug_edited.clone());
                Callback::from(move |v: String| {
                    slug_edited.set(true);
                    slug.set(v);
                })
            };
            let onsubmit = {
                let (ctx, name, slug, error, busy, activate) =
                    (ctx.clone(), name.clone(), slug.clone(), error.clone(), busy.clone(), activate.clone());
                Callback::from(move |e: SubmitEvent| {
                    e.prevent_default();
                    if *busy {
                        return;
                    }
                    busy.set(true);
                    let (ctx, name, slug, error, busy, activate) =
                        (ctx.clone(), name.clone(), slug.clone(), error.clone(), busy.clone(), activate.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::organizations::create(&ctx.config.api, name.trim(), slug.trim()).await {
                            Ok(reply) => {
                                error.set(None);
                                activate.emit(reply.response.id);
                            }
                            Err(e) => {
                                error.set(Some(e));
                                busy.set(false);
                            }
                        }
                    });
                })
            };
            let on_cancel = {
                let (screen, error) = (screen.clone(), error.clone());
                Callback::from(move |_| {
                    error.set(None);
                    screen.set(Screen::List);
                })
            };
            let field_err = |p: &str| err.as_ref().and_then(|e| e.for_field(p));
            html! {
                <Card title="Create an organization" subtitle={Some(AttrValue::from("You need an organization to continue."))} {class} {footer}>
                    <form class="vb-form" {onsubmit} novalidate=true>
                        <Field id="vb-org-name" label="Name" value={(*name).clone()} autofocus=true disabled={*busy}
                            autocomplete={Some(AttrValue::from("organization"))}
                            on_input={on_name} error={field_err("name")} />
                        <Field id="vb-org-slug" label="Slug" value={(*slug).clone()} disabled={*busy}
                            hint={Some(AttrValue::from("Lowercase letters, digits and hyphens."))}
                            on_input={on_slug} error={field_err("slug")} />
                        { form_error(err.as_ref().and_then(|e| e.general(&["name", "slug"]))) }
                        { submit("Continue", *busy) }
                        if from_list {
                            <button class="vb-button vb-button-link" type="button" onclick={on_cancel}>{ "Cancel" }</button>
                        }
                    </form>
                </Card>
            }
        }
    }
}
