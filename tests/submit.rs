//! Browser tests of `use_submit` (wasm-bindgen-test in headless Chromium):
//! a form is busy while its request runs, a second submit meanwhile is
//! ignored, and the request's error is shown once it ends.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use vestibule_portal::api::ApiError;
use vestibule_portal::components::submit::use_submit;
use vestibule_portal::session::AuthState;
use vestibule_portal::AuthProvider;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Properties, PartialEq)]
struct HarnessProps {
    runs: Rc<Cell<u32>>,
}

/// Counts a run, waits, and fails.
async fn slow_failure(runs: Rc<Cell<u32>>) -> Result<(), ApiError> {
    runs.set(runs.get() + 1);
    yew::platform::time::sleep(Duration::from_millis(100)).await;
    Err(ApiError::Network(vestibule_portal::api::UNEXPECTED))
}

/// The form under a provider with the English messages.
#[component]
fn Harness(props: &HarnessProps) -> Html {
    let mut state = AuthState::with_client(None);
    state.messages = common::english();
    html! {
        <AuthProvider initial={Some(Rc::new(state))}>
            <Form runs={props.runs.clone()} />
        </AuthProvider>
    }
}

/// A form whose submit runs `slow_failure`.
#[component]
fn Form(props: &HarnessProps) -> Html {
    let submit = use_submit();
    let onsubmit = submit.on_submit(props.runs.clone(), slow_failure);
    html! {
        <form {onsubmit}>
            { submit.form_error(&[]) }
            { submit.button("Continue") }
        </form>
    }
}

async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(20)).await;
}

fn button(root: &web_sys::Element) -> web_sys::HtmlElement {
    let e = root.query_selector("button").ok().flatten().expect("a button");
    wasm_bindgen::JsCast::unchecked_into(e)
}

#[wasm_bindgen_test]
async fn a_second_submit_while_busy_is_ignored_and_the_error_is_shown() {
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let root = document.create_element("div").expect("a div");
    document.body().expect("a body").append_child(&root).expect("appended");
    let runs = Rc::new(Cell::new(0));
    yew::Renderer::<Harness>::with_root_and_props(root.clone(), HarnessProps { runs: runs.clone() }).render();
    settle().await;

    // Two presses before the page re-renders: the button is not disabled yet.
    button(&root).click();
    button(&root).click();
    settle().await;
    assert_eq!(runs.get(), 1, "the second submit ran too");
    assert_eq!(button(&root).text_content().unwrap_or_default(), "Please wait…");
    assert!(button(&root).has_attribute("disabled"));

    for _ in 0..50 {
        if root.query_selector(".vb-form-error").ok().flatten().is_some() {
            break;
        }
        settle().await;
    }
    let error = root.query_selector(".vb-form-error").ok().flatten().expect("the error is shown");
    assert_eq!(error.text_content().unwrap_or_default(), "The server gave an answer this page does not understand. Try again.");
    assert_eq!(button(&root).text_content().unwrap_or_default(), "Continue");
    assert_eq!(runs.get(), 1);
    root.remove();
}
