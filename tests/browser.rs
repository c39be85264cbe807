//! Browser tests of the control components and hooks (wasm-bindgen-test in
//! headless Chromium): `<Show>` in the four combinations of the product
//! description, `use_auth` under the auth-state rule, and
//! `<RedirectToTasks>` with and without `task_urls`; and the slug the
//! create-organization screen suggests, the server's by the browser's
//! Unicode rules.
#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use vestibule_portal::session::AuthState;
use vestibule_portal::{use_auth, AuthOptions, AuthProvider, RedirectToTasks, Show, TaskKey, When};
use vestibule_protocol::wire::{TaskJson, UserJson};
use vestibule_protocol::SessionStatus;
use wasm_bindgen_test::*;
use yew::prelude::*;
use yew_router::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Nobody,
    Pending,
    Active,
}

fn state(who: Who) -> Rc<AuthState> {
    let status = match who {
        Who::Nobody => return Rc::new(AuthState::with_client(None)),
        Who::Pending => SessionStatus::Pending,
        Who::Active => SessionStatus::Active,
    };
    let user = UserJson { object: "user".into(), id: "user_1".into(), ..UserJson::default() };
    let tasks = (who == Who::Pending).then(|| vec![TaskJson { key: TaskKey::ChooseOrganization }]);
    common::signed_in(user, status, tasks, (who == Who::Active).then_some("org_1"))
}

/// Waits until `done` holds, checking after each turn of the browser's
/// event loop (at most 5 s); panics naming `what` when it never does.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        yew::platform::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never: {what}");
}

fn mount() -> web_sys::Element {
    let document = gloo_utils_document();
    let root = document.create_element("div").expect("a div");
    document.body().expect("a body").append_child(&root).expect("appended");
    root
}

fn gloo_utils_document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

#[derive(Properties, PartialEq)]
struct ShowHarnessProps {
    state: Rc<AuthState>,
    when: When,
    treat: bool,
}

#[component]
fn ShowHarness(props: &ShowHarnessProps) -> Html {
    html! {
        <AuthProvider initial={Some(props.state.clone())}>
            <Show when={props.when} treat_pending_as_signed_out={props.treat}
                fallback={html! { <span>{ "fallback" }</span> }}>
                <span>{ "content" }</span>
            </Show>
        </AuthProvider>
    }
}

#[wasm_bindgen_test]
async fn show_in_the_four_combinations_of_the_seed() {
    use Who::*;
    // (who, when, treat_pending_as_signed_out, what renders)
    let table = [
        (Active, When::SignedIn, true, "content"),
        (Pending, When::SignedIn, true, "fallback"),
        (Nobody, When::SignedIn, true, "fallback"),
        (Active, When::SignedIn, false, "content"),
        (Pending, When::SignedIn, false, "content"),
        (Nobody, When::SignedIn, false, "fallback"),
        (Active, When::SignedOut, true, "fallback"),
        (Pending, When::SignedOut, true, "content"),
        (Nobody, When::SignedOut, true, "content"),
        (Active, When::SignedOut, false, "fallback"),
        (Pending, When::SignedOut, false, "fallback"),
        (Nobody, When::SignedOut, false, "content"),
    ];
    for (who, when, treat, want) in table {
        let root = mount();
        yew::Renderer::<ShowHarness>::with_root_and_props(root.clone(), ShowHarnessProps { state: state(who), when, treat })
            .render();
        until("rendered", || !root.text_content().unwrap_or_default().is_empty()).await;
        assert_eq!(root.text_content().unwrap_or_default(), want, "{who:?} {when:?} treat_pending_as_signed_out={treat}");
        root.remove();
    }
}

#[derive(Properties, PartialEq)]
struct AuthHarnessProps {
    state: Rc<AuthState>,
    treat: bool,
}

#[component]
fn AuthReport(props: &AuthHarnessProps) -> Html {
    let auth = use_auth(AuthOptions { treat_pending_as_signed_out: props.treat });
    html! { <span>{ format!("{:?}|{:?}|{:?}|{:?}", auth.is_signed_in, auth.session_status, auth.user_id, auth.org_id) }</span> }
}

#[component]
fn AuthHarness(props: &AuthHarnessProps) -> Html {
    html! {
        <AuthProvider initial={Some(props.state.clone())}>
            <AuthReport state={props.state.clone()} treat={props.treat} />
        </AuthProvider>
    }
}

#[wasm_bindgen_test]
async fn use_auth_hides_a_pending_user_by_default_but_says_pending() {
    let cases = [
        (Who::Pending, true, "false|Pending|None|None"),
        (Who::Pending, false, "true|Pending|Some(\"user_1\")|None"),
        (Who::Active, true, "true|Active|Some(\"user_1\")|Some(\"org_1\")"),
        (Who::Nobody, true, "false|SignedOut|None|None"),
    ];
    for (who, treat, want) in cases {
        let root = mount();
        yew::Renderer::<AuthHarness>::with_root_and_props(root.clone(), AuthHarnessProps { state: state(who), treat }).render();
        until("rendered", || !root.text_content().unwrap_or_default().is_empty()).await;
        assert_eq!(root.text_content().unwrap_or_default(), want, "{who:?} treat={treat}");
        root.remove();
    }
}

#[derive(Properties, PartialEq)]
struct RedirectHarnessProps {
    state: Rc<AuthState>,
    task_urls: HashMap<TaskKey, String>,
}

/// Shows "effects ran" once its first effect has run: Yew runs the effects
/// of one render in the order the components were made, so by then the
/// effect of every component before it has run too.
#[component]
fn EffectsRan() -> Html {
    let ran = use_state(|| false);
    {
        let ran = ran.clone();
        use_effect_with((), move |_| ran.set(true));
    }
    html! { <span>{ if *ran { "effects ran" } else { "" } }</span> }
}

#[component]
fn RedirectHarness(props: &RedirectHarnessProps) -> Html {
    html! {
        <BrowserRouter>
            <AuthProvider initial={Some(props.state.clone())} task_urls={props.task_urls.clone()}>
                <RedirectToTasks redirect_url={Some(AttrValue::from("/dashboard"))} />
                <EffectsRan />
            </AuthProvider>
        </BrowserRouter>
    }
}

fn path_and_query() -> String {
    let l = web_sys::window().expect("window").location();
    format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default())
}

fn restore(path: &str) {
    let history = web_sys::window().expect("window").history().expect("history");
    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path)).expect("restored");
}

#[wasm_bindgen_test]
async fn redirect_to_tasks_uses_task_urls_then_the_built_in_route() {
    let start = path_and_query();
    let cases = [
        (Who::Pending, HashMap::new(), "/sign-in/tasks/choose-organization?redirect_url=%2Fdashboard".to_string()),
        (
            Who::Pending,
            HashMap::from([(TaskKey::ChooseOrganization, "/session-tasks/choose-organization".to_string())]),
            "/session-tasks/choose-organization?redirect_url=%2Fdashboard".to_string(),
        ),
        (Who::Active, HashMap::new(), start.clone()),
        (Who::Nobody, HashMap::new(), start.clone()),
    ];
    for (who, task_urls, want) in cases {
        let root = mount();
        yew::Renderer::<RedirectHarness>::with_root_and_props(root.clone(), RedirectHarnessProps { state: state(who), task_urls })
            .render();
        until("the effects ran", || root.text_content().unwrap_or_default() == "effects ran").await;
        assert_eq!(path_and_query(), want, "{who:?}");
        root.remove();
        restore(&start);
    }
}

#[wasm_bindgen_test]
fn the_suggested_slug_is_the_one_the_server_derives() {
    for name in [
        "Acme",
        "  Acme  Widgets, Inc. ",
        "Ünïcode Org",
        "\u{212A}elvin Labs",
        "İstanbul Ofis",
        "数字 Org 42",
        "Ωmega—Ltd ²nd",
        "ＡＣＭＥ 株式会社",
        "café-crème № 7",
        "",
    ] {
        assert_eq!(
            vestibule_portal::tasks::choose_organization::slug_from_name(name),
            vestibule_protocol::wire::slug_from_name(name),
            "{name:?}"
        );
    }
}
