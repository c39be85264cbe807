//! `<TaskSetupMfa>`: the setup-mfa task. The user picks one of the
//! instance's second factors (the choice is skipped when there is one),
//! enrols it, and is shown the backup codes once before moving on.
//!
//! Enrolling ends the task on the server at once, so the answer's client
//! is held until **Continue**: the codes stay on screen instead of the
//! route guard moving an active session along.

mod backup_codes_only;
mod choice;
mod sms;
mod totp;

use super::{use_task_done, TaskProps};
use crate::api::ApiError;
use crate::components::backup_codes::backup_codes;
use crate::components::card::Card;
use crate::components::signed_in_footer::SignedInFooter;
use crate::locale::Messages;
use crate::nav::Here;
use crate::session::hooks::use_auth_context;
use vestibule_protocol::wire::ClientJson;
use vestibule_protocol::Strategy;
use yew::prelude::*;

/// What enrolling a method answered: the backup codes to show (when it was
/// the first second factor and the instance has backup codes) and the
/// client, which no longer has the task.
#[derive(Clone, Debug, PartialEq)]
pub struct Enrolled {
    /// The new backup codes, shown once.
    pub codes: Option<Vec<String>>,
    /// The client after enrolment.
    pub client: Option<ClientJson>,
}

impl Enrolled {
    /// Hands the answer to a code that enrols a method to the task; a
    /// refused code is cleared for the next try.
    fn hand_over(answer: Result<Enrolled, ApiError>, code: &UseStateHandle<String>, on_enrolled: &Callback<Enrolled>) -> Result<(), ApiError> {
        match answer {
            Ok(enrolled) => {
                on_enrolled.emit(enrolled);
                Ok(())
            }
            Err(e) => {
                code.set(String::new());
                Err(e)
            }
        }
    }
}

/// Props of each method's screen.
#[derive(Properties, PartialEq)]
pub struct MethodProps {
    /// Called once the method is enrolled.
    pub on_enrolled: Callback<Enrolled>,
    /// Back to the choice, when there is one.
    #[prop_or_default]
    pub on_back: Option<Callback<()>>,
}

/// "Use another method", when the user had a choice.
pub(crate) fn other_method(on_back: &Option<Callback<()>>, m: &Messages) -> Html {
    match on_back {
        Some(back) => {
            let onclick = back.reform(|_: MouseEvent| ());
            html! { <button class="vb-button vb-button-link vb-other-method" type="button" {onclick}>{ m.t("mfa.other_method") }</button> }
        }
        None => Html::default(),
    }
}

/// Keeps the chosen method in the page's fragment, so a reload stays on it.
fn remember(method: Option<Strategy>) {
    Here::remember_fragment_key(method.map(Strategy::as_str).unwrap_or_default());
}

/// The method the page's fragment names, if any.
fn remembered() -> Option<Strategy> {
    Strategy::parse(Here::current().fragment_key())
}

/// Props of [`TaskSetupMfa`].
pub type TaskSetupMfaProps = TaskProps;

/// The setup-mfa task screen.
#[component]
pub fn TaskSetupMfa(props: &TaskSetupMfaProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let methods = ctx.state.environment.as_ref().map(|e| e.second_factors()).unwrap_or_default();
    let chosen = use_state(remembered);
    let enrolled = use_state(|| None::<Enrolled>);
    let done = use_task_done(props);
    let finish = Callback::from(move |client: Option<ClientJson>| done.finish(client));
    if let Some(e) = &*enrolled {
        let client = e.client.clone();
        let onclick = finish.reform(move |_: MouseEvent| client.clone());
        return html! {
            <Card title={m.t("mfa.save_codes.title")} class="vb-task-setup-mfa vb-mfa-backup-codes"
                subtitle={Some(AttrValue::from(m.t("mfa.save_codes.subtitle")))}
                footer={html! { <SignedInFooter /> }}>
                { backup_codes(&ctx.state.application_name(), e.codes.as_deref().unwrap_or_default(), &m) }
                <button class="vb-button vb-button-primary vb-continue" type="button" {onclick}>{ m.t("common.continue") }</button>
            </Card>
        };
    }
    let on_enrolled = {
        let enrolled = enrolled.clone();
        Callback::from(move |e: Enrolled| match e.codes {
            Some(_) => enrolled.set(Some(e)),
            None => finish.emit(e.client),
        })
    };
    let method = (*chosen).filter(|m| methods.contains(m)).or_else(|| (methods.len() == 1).then(|| methods[0]));
    let on_back = (methods.len() > 1).then(|| {
        let chosen = chosen.clone();
        Callback::from(move |()| {
            remember(None);
            chosen.set(None);
        })
    });
    match method {
        Some(Strategy::Totp) => html! { <totp::TotpSetup {on_enrolled} {on_back} /> },
        Some(Strategy::PhoneCode) => html! { <sms::SmsSetup {on_enrolled} {on_back} /> },
        Some(Strategy::BackupCode) => html! { <backup_codes_only::BackupCodesSetup {on_enrolled} {on_back} /> },
        _ if methods.is_empty() => html! {
            <Card title={m.t("mfa.none_enabled.title")} class="vb-task-setup-mfa"
                subtitle={Some(AttrValue::from(m.t("mfa.none_enabled.subtitle")))}
                footer={html! { <SignedInFooter /> }} />
        },
        _ => {
            let on_choose = Callback::from(move |method: Strategy| {
                remember(Some(method));
                chosen.set(Some(method));
            });
            choice::view(&methods, on_choose, &m)
        }
    }
}
