//! `<TaskChooseOrganization>`: the choose-organization task. Lists the
//! user's memberships and pending invitations, creates an organization,
//! activates one with a session touch, then moves on to the next task or
//! to `redirect_url_complete`. A single membership is activated without
//! asking.

mod create;
pub use create::slug_from_name;
mod list;

use super::{use_task_done, TaskDone, TaskProps};
use crate::api::{self, Api, ApiError};
use crate::components::card::{loading, Card};
use crate::components::signed_in_footer::SignedInFooter;
use crate::components::submit::{use_submit, Submit};
use crate::session::hooks::use_auth_context;
use create::{use_draft, Draft};
use vestibule_protocol::wire::{InvitationJson, MembershipJson};
use yew::prelude::*;

/// Props of [`TaskChooseOrganization`].
pub type TaskChooseOrganizationProps = TaskProps;

/// The class of every screen of the task.
const CLASS: &str = "vb-task-choose-organization";

/// Which screen of the task is shown.
#[derive(Clone, PartialEq)]
enum Screen {
    Loading,
    List,
    Create { from_list: bool },
    MustBelong,
}

/// The user's memberships and pending invitations.
#[derive(Clone, Default, PartialEq)]
struct Data {
    memberships: Vec<MembershipJson>,
    invitations: Vec<InvitationJson>,
}

/// The task's state and what it does: one clone goes into each handler.
#[derive(Clone)]
struct Chooser {
    api: Api,
    session_id: String,
    screen: UseStateHandle<Screen>,
    data: UseStateHandle<Data>,
    submit: Submit,
    done: TaskDone,
}

impl Chooser {
    /// Loads the memberships and invitations and picks the first screen; a
    /// single membership is activated at once.
    async fn load(self, can_create: bool) {
        let memberships = api::organizations::memberships(&self.api).await;
        let invitations = api::organizations::invitations(&self.api).await;
        match (memberships, invitations) {
            (Ok(memberships), Ok(invitations)) => {
                let next = if memberships.len() == 1 {
                    self.submit.run(self.clone().activate(memberships[0].organization.id.clone()));
                    Screen::Loading
                } else if memberships.is_empty() && invitations.is_empty() {
                    if can_create { Screen::Create { from_list: false } } else { Screen::MustBelong }
                } else {
                    Screen::List
                };
                self.data.set(Data { memberships, invitations });
                self.screen.set(next);
            }
            (Err(e), _) | (_, Err(e)) => {
                self.submit.set_error(Some(e));
                self.screen.set(Screen::List);
            }
        }
    }

    /// Makes `org_id` the session's active organization and moves on.
    async fn activate(self, org_id: String) -> Result<(), ApiError> {
        let reply = api::client::touch(&self.api, &self.session_id, Some(&org_id)).await?;
        self.done.finish(reply.client);
        Ok(())
    }

    /// Accepts `invitation` and activates its organization.
    async fn join(self, invitation: InvitationJson) -> Result<(), ApiError> {
        api::organizations::accept(&self.api, &invitation.id).await?;
        self.activate(invitation.public_organization_data.id).await
    }

    /// Creates the organization of `draft` and activates it.
    async fn create(self, draft: Draft) -> Result<(), ApiError> {
        let reply = api::organizations::create(&self.api, draft.name.trim(), draft.slug.trim()).await?;
        self.activate(reply.response.id).await
    }

    /// A handler that shows `screen`.
    fn show<E: 'static>(&self, screen: Screen, clear_error: bool) -> Callback<E> {
        let this = self.clone();
        Callback::from(move |_: E| {
            if clear_error {
                this.submit.set_error(None);
            }
            this.screen.set(screen.clone());
        })
    }
}

/// The choose-organization task screen.
#[component]
pub fn TaskChooseOrganization(props: &TaskChooseOrganizationProps) -> Html {
    let ctx = use_auth_context();
    let can_create = ctx.state.user().is_some_and(|u| u.create_organization_enabled);
    let chooser = Chooser {
        api: ctx.config.api.clone(),
        session_id: ctx.state.session().map(|s| s.id.clone()).unwrap_or_default(),
        screen: use_state(|| Screen::Loading),
        data: use_state(Data::default),
        submit: use_submit(),
        done: use_task_done(props),
    };
    let draft = use_draft();
    {
        let chooser = chooser.clone();
        use_effect_with((), move |_| wasm_bindgen_futures::spawn_local(chooser.load(can_create)));
    }
    let footer = html! { <SignedInFooter /> };
    let m = &ctx.state.messages;
    match (*chooser.screen).clone() {
        Screen::Loading => html! {
            <Card title={m.t("organization.choose.title")} class={CLASS} {footer}>{ loading() }</Card>
        },
        Screen::MustBelong => html! {
            <Card title={m.t("organization.must_belong.title")} subtitle={Some(AttrValue::from(m.t("organization.must_belong.subtitle")))} class={CLASS} {footer} />
        },
        Screen::List => list::view(&chooser, can_create, footer),
        Screen::Create { from_list } => create::view(&chooser, &draft, from_list, footer),
    }
}
