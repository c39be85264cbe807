//! Browser tests of `<Reverify>` (wasm-bindgen-test in headless Chromium)
//! against a stand-in `fetch` that answers the three session-verification
//! calls: the password prompt takes the focus, a wrong password is shown at
//! the field (aria-invalid, aria-describedby), the right one calls
//! `on_verified`; the emailed code path with its cooldown; Cancel and
//! Escape call `on_cancel`; a user without a password gets the code
//! straight away.
#![cfg(target_arch = "wasm32")]

mod common;

use std::rc::Rc;
use std::time::Duration;
use vestibule_portal::components::reverify::Reverify;
use vestibule_portal::session::AuthState;
use vestibule_portal::AuthProvider;
use vestibule_protocol::wire::UserJson;
use vestibule_protocol::SessionStatus;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Replaces `fetch` with one that plays the server: password `right-1`,
/// code `123456`, and records each call's path and body in
/// `window.__calls`.
const FAKE_FETCH: &str = r#"
window.__calls = [];
window.fetch = async (req) => {
  const path = new URL(req.url).pathname;
  if (path.startsWith("/locale/")) {
    window.__calls.push(path);
    return new Response(JSON.stringify({"reverify.title": "Confirmez votre identité"}), {status: 200});
  }
  const body = await req.text();
  window.__calls.push(path + " " + body);
  const params = new URLSearchParams(body);
  const factors = [{strategy: "email_code", email_address_id: "idn_1", safe_identifier: "ada@example.test", primary: true}];
  if (window.__password) factors.unshift({strategy: "password"});
  const sv = (status, first) => ({object: "session_verification", id: "sv_1", status, level: "first_factor",
    session: null, supported_first_factors: factors, supported_second_factors: null, first_factor_verification: first});
  const ok = (response) => new Response(JSON.stringify({response, client: null}), {status: 200});
  const err = (status, code, param) => new Response(JSON.stringify({errors: [{code, message: "no",
    long_message: param === "password" ? "Password is incorrect." : "Incorrect code.", meta: {param_name: param}}]}), {status});
  if (path.endsWith("/verify")) return ok(sv("needs_first_factor", null));
  if (path.endsWith("/verify/prepare_first_factor")) return ok(sv("needs_first_factor", {status: "unverified", strategy: "email_code"}));
  if (path.endsWith("/verify/attempt_first_factor")) {
    if (params.get("strategy") === "password") {
      return params.get("password") === "right-1" ? ok(sv("complete", null)) : err(422, "form_password_incorrect", "password");
    }
    return params.get("code") === "123456" ? ok(sv("complete", null)) : err(422, "form_code_incorrect", "code");
  }
  return new Response("{}", {status: 404});
};
"#;

fn eval(script: &str) -> JsValue {
    js_sys::eval(script).unwrap_or_else(|e| panic!("{script}: {e:?}"))
}

fn install_fetch(password: bool) {
    eval(FAKE_FETCH);
    eval(&format!("window.__password = {password};"));
}

fn calls() -> Vec<String> {
    let calls = eval("window.__calls.join('\\n')").as_string().unwrap_or_default();
    calls.lines().map(str::to_string).collect()
}

fn state(password_enabled: bool) -> Rc<AuthState> {
    let user = UserJson { object: "user".into(), id: "user_1".into(), password_enabled, ..UserJson::default() };
    common::signed_in(user, SessionStatus::Active, None, None)
}

#[derive(Properties, PartialEq)]
struct HarnessProps {
    state: Rc<AuthState>,
}

/// `<Reverify>` under a provider, with what it reported as text.
#[component]
fn Harness(props: &HarnessProps) -> Html {
    let outcome = use_state(|| "waiting");
    let on_verified = {
        let o = outcome.clone();
        Callback::from(move |()| o.set("verified"))
    };
    let on_cancel = {
        let o = outcome.clone();
        Callback::from(move |()| o.set("cancelled"))
    };
    html! {
        <AuthProvider initial={Some(props.state.clone())}>
            <p id="outcome">{ *outcome }</p>
            <Reverify action="make new backup codes" {on_verified} {on_cancel} />
        </AuthProvider>
    }
}

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

fn mount(password: bool) -> web_sys::Element {
    mount_state(password, state(password))
}

fn mount_state(password: bool, state: Rc<AuthState>) -> web_sys::Element {
    install_fetch(password);
    let root = document().create_element("div").expect("a div");
    document().body().expect("a body").append_child(&root).expect("appended");
    yew::Renderer::<Harness>::with_root_and_props(root.clone(), HarnessProps { state }).render();
    root
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(20)).await;
}

/// Waits (up to 2 s) for `css` under `root`.
async fn wait_for(root: &web_sys::Element, css: &str) -> web_sys::Element {
    for _ in 0..100 {
        if let Ok(Some(e)) = root.query_selector(css) {
            return e;
        }
        settle().await;
    }
    panic!("no {css} in {}", root.inner_html());
}

async fn wait_text(root: &web_sys::Element, css: &str, want: &str) {
    for _ in 0..100 {
        let text = root.query_selector(css).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
        if text.contains(want) {
            return;
        }
        settle().await;
    }
    panic!("{css} never contained {want:?} in {}", root.inner_html());
}

/// Runs `script` with `e` bound to the element `css` under `root`.
fn with_element(root: &web_sys::Element, css: &str, script: &str) {
    let e = root.query_selector(css).ok().flatten().unwrap_or_else(|| panic!("no {css}"));
    e.set_attribute("data-under-test", "").expect("marked");
    eval(&format!(
        "(() => {{ const e = document.querySelector('[data-under-test]'); e.removeAttribute('data-under-test'); {script} }})()"
    ));
}

/// Types `value` into the input `css` as a person would (an input event).
fn type_into(root: &web_sys::Element, css: &str, value: &str) {
    with_element(root, css, &format!("e.value = {value:?}; e.dispatchEvent(new InputEvent('input', {{bubbles: true}}));"));
}

fn click(root: &web_sys::Element, css: &str) {
    let e = root.query_selector(css).ok().flatten().unwrap_or_else(|| panic!("no {css}"));
    wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(e).click();
}

fn focused_id() -> String {
    document().active_element().map(|e| e.id()).unwrap_or_default()
}

fn attr(root: &web_sys::Element, css: &str, name: &str) -> Option<String> {
    root.query_selector(css).ok().flatten().and_then(|e| e.get_attribute(name))
}

/// An application that hands the provider a state without words gets the
/// locale's table loaded all the same.
#[wasm_bindgen_test]
async fn a_given_state_without_words_has_its_table_loaded() {
    let mut given = (*state(true)).clone();
    given.messages = vestibule_portal::Messages::default();
    let root = mount_state(true, Rc::new(given));
    wait_text(&root, "#vb-reverify-title", "Confirmez votre identité").await;
    assert!(calls().iter().any(|c| c.starts_with("/locale/en.json")), "{:?}", calls());
    root.remove();
}

#[wasm_bindgen_test]
async fn the_password_prompt_takes_the_focus_shows_a_wrong_password_at_the_field_and_reports_success() {
    let root = mount(true);
    wait_for(&root, "#vb-reverify-password").await;
    settle().await;
    assert_eq!(focused_id(), "vb-reverify-password");
    wait_text(&root, "#vb-reverify-why", "To make new backup codes, enter your password.").await;
    assert!(calls().iter().any(|c| c == "/v1/client/sessions/sess_1/verify level=first_factor"), "{:?}", calls());

    type_into(&root, "#vb-reverify-password", "wrong-1");
    settle().await;
    click(&root, "button[type=submit]");
    wait_text(&root, "#vb-reverify-password-error", "Password is incorrect.").await;
    assert_eq!(attr(&root, "#vb-reverify-password", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(attr(&root, "#vb-reverify-password", "aria-describedby").as_deref(), Some("vb-reverify-password-error"));
    assert_eq!(attr(&root, "#vb-reverify-password-error", "role").as_deref(), Some("alert"));
    wait_text(&root, "#outcome", "waiting").await;

    type_into(&root, "#vb-reverify-password", "right-1");
    settle().await;
    click(&root, "button[type=submit]");
    wait_text(&root, "#outcome", "verified").await;
    assert!(
        calls().iter().any(|c| c == "/v1/client/sessions/sess_1/verify/attempt_first_factor strategy=password&password=right-1"),
        "{:?}",
        calls()
    );
    root.remove();
}

#[wasm_bindgen_test]
async fn the_emailed_code_replaces_the_password_on_demand() {
    let root = mount(true);
    wait_for(&root, "button.vb-reverify-use-email").await;
    click(&root, "button.vb-reverify-use-email");
    wait_for(&root, "#vb-reverify-code").await;
    settle().await;
    assert_eq!(focused_id(), "vb-reverify-code", "the code field takes the focus");
    wait_text(&root, "#vb-reverify-why", "enter the 6-digit code sent to ada@example.test").await;
    assert!(calls().iter().any(|c| c.starts_with("/v1/client/sessions/sess_1/verify/prepare_first_factor strategy=email_code")));
    let resend = wait_for(&root, "button.vb-resend").await;
    assert!(resend.has_attribute("disabled"), "resend waits for the cooldown");
    assert!(resend.text_content().unwrap_or_default().contains(" s)"));

    type_into(&root, "#vb-reverify-code", "000000");
    settle().await;
    click(&root, "button[type=submit]");
    wait_text(&root, "#vb-reverify-code-error", "Incorrect code.").await;
    assert_eq!(attr(&root, "#vb-reverify-code", "aria-invalid").as_deref(), Some("true"));

    type_into(&root, "#vb-reverify-code", "123456");
    settle().await;
    click(&root, "button[type=submit]");
    wait_text(&root, "#outcome", "verified").await;
    root.remove();
}

#[wasm_bindgen_test]
async fn cancel_and_escape_report_a_cancel() {
    let root = mount(true);
    wait_for(&root, "#vb-reverify-password").await;
    click(&root, "button.vb-reverify-cancel");
    wait_text(&root, "#outcome", "cancelled").await;
    root.remove();

    let root = mount(true);
    wait_for(&root, "#vb-reverify-password").await;
    with_element(&root, "#vb-reverify-password", "e.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));");
    wait_text(&root, "#outcome", "cancelled").await;
    root.remove();
}

#[wasm_bindgen_test]
async fn a_user_without_a_password_gets_the_code_straight_away() {
    let root = mount(false);
    wait_for(&root, "#vb-reverify-code").await;
    assert!(root.query_selector("#vb-reverify-password").ok().flatten().is_none());
    assert!(root.query_selector("button.vb-reverify-use-password").ok().flatten().is_none());
    settle().await;
    assert_eq!(focused_id(), "vb-reverify-code");
    root.remove();
}
