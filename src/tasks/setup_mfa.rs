//! `<TaskSetupMfa>`: the setup-mfa task. The user picks one of the
//! instance's second factors (the choice is skipped when there is one),
//! enrols it, and is shown the backup codes once before moving on.
//!
//! Enrolling ends the task on the server at once, so the answer's client
//! is held until **Continue**: the codes stay on screen instead of the
//! route guard moving an active session along.

mod backup_codes_only;
mod sms;
mod totp;

use super::next_target;
use crate::components::backup_codes::backup_codes;
use crate::components::widgets::{Card, SignedInFooter};
use crate::session::hooks::use_auth_context;
use vestibule_protocol::wire::ClientJson;
use wasm_bindgen::JsValue;
use yew::prelude::*;
use yew_router::prelude::*;

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
pub(crate) fn other_method(on_back: &Option<Callback<()>>) -> Html {
    match on_back {
        Some(back) => {
            let onclick = back.reform(|_: MouseEvent| ());
            html! { <button class="vb-button vb-button-link vb-other-method" type="button" {onclick}>{ "Use another method" }</button> }
        }
        None => Html::default(),
    }
}

/// A second factor the task can set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// An authenticator app (TOTP).
    Totp,
    /// Codes by text message.
    Sms,
    /// Backup codes on their own.
    BackupCodes,
}

impl Method {
    /// The strategy name on the wire (and in the page's `#fragment`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Totp => "totp",
            Method::Sms => "phone_code",
            Method::BackupCodes => "backup_code",
        }
    }

    /// The method of a strategy name.
    pub fn parse(key: &str) -> Option<Method> {
        [Method::Totp, Method::Sms, Method::BackupCodes].into_iter().find(|m| m.key() == key)
    }

    fn title(self) -> &'static str {
        match self {
            Method::Totp => "Authenticator app",
            Method::Sms => "SMS code",
            Method::BackupCodes => "Backup codes",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Method::Totp => "Use a code from an app such as Google Authenticator or 1Password.",
            Method::Sms => "Get a code by text message on your phone.",
            Method::BackupCodes => "Keep a list of single-use codes somewhere safe.",
        }
    }
}

/// Keeps the chosen method in the page's fragment, so a reload stays on it.
/// A query in the fragment (where clerk-js puts `redirect_url`) is kept.
fn remember(method: Option<Method>) {
    let Some(w) = web_sys::window() else { return };
    let hash = w.location().hash().unwrap_or_default();
    let query = hash.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    let key = method.map(Method::key).unwrap_or_default();
    let fragment = if key.is_empty() && query.is_empty() { String::new() } else { format!("#{key}{query}") };
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{}{fragment}", crate::nav::here())));
    }
}

fn remembered() -> Option<Method> {
    let hash = web_sys::window()?.location().hash().ok()?;
    Method::parse(hash.trim_start_matches('#').split('?').next().unwrap_or_default())
}

/// Props of [`TaskSetupMfa`].
#[derive(Properties, PartialEq)]
pub struct TaskSetupMfaProps {
    /// Where to go when the last task is done (validated against the
    /// provider's allowed origins).
    #[prop_or(AttrValue::Static("/"))]
    pub redirect_url_complete: AttrValue,
}

/// The setup-mfa task screen.
#[component]
pub fn TaskSetupMfa(props: &TaskSetupMfaProps) -> Html {
    let ctx = use_auth_context();
    let navigator = use_navigator();
    let methods: Vec<Method> =
        ctx.state.environment.as_ref().map(|e| e.second_factors()).unwrap_or_default().into_iter().filter_map(Method::parse).collect();
    let chosen = use_state(remembered);
    let enrolled = use_state(|| None::<Enrolled>);

    let finish = {
        let (ctx, complete) = (ctx.clone(), props.redirect_url_complete.to_string());
        Callback::from(move |client: Option<ClientJson>| {
            let target = next_target(&ctx, client.as_ref(), &complete);
            ctx.set_client(client);
            crate::nav::go(navigator.as_ref(), &target, true);
        })
    };
    if let Some(done) = &*enrolled {
        let onclick = {
            let (finish, client) = (finish.clone(), done.client.clone());
            Callback::from(move |_: MouseEvent| finish.emit(client.clone()))
        };
        return html! {
            <Card title="Save your backup codes" class="vb-task-setup-mfa vb-mfa-backup-codes"
                subtitle={Some(AttrValue::from("Each code signs you in once if you lose access to your second factor. They are shown only now."))}
                footer={html! { <SignedInFooter /> }}>
                { backup_codes(&ctx.state.application_name(), done.codes.as_deref().unwrap_or_default()) }
                <button class="vb-button vb-button-primary vb-continue" type="button" {onclick}>{ "Continue" }</button>
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
        Some(Method::Totp) => html! { <totp::TotpSetup {on_enrolled} {on_back} /> },
        Some(Method::Sms) => html! { <sms::SmsSetup {on_enrolled} {on_back} /> },
        Some(Method::BackupCodes) => html! { <backup_codes_only::BackupCodesSetup {on_enrolled} {on_back} /> },
        None if methods.is_empty() => html! {
            <Card title="Two-step verification is required" class="vb-task-setup-mfa"
                subtitle={Some(AttrValue::from("This application requires a second factor but none is enabled. Contact your administrator."))}
                footer={html! { <SignedInFooter /> }} />
        },
        None => {
            let choose = |m: Method| {
                let chosen = chosen.clone();
                Callback::from(move |_: MouseEvent| {
                    remember(Some(m));
                    chosen.set(Some(m));
                })
            };
            html! {
                <Card title="Set up two-step verification" class="vb-task-setup-mfa vb-mfa-choose"
                    subtitle={Some(AttrValue::from("Choose how you will confirm it is you when you sign in."))}
                    footer={html! { <SignedInFooter /> }}>
                    <ul class="vb-methods">
                        { for methods.iter().map(|&m| html! {
                            <li>
                                <button class="vb-method" type="button" data-method={m.key()} onclick={choose(m)}>
                                    <span class="vb-method-title">{ m.title() }</span>
                                    <span class="vb-method-description">{ m.description() }</span>
                                </button>
                            </li>
                        }) }
                    </ul>
                </Card>
            }
        }
    }
}
