//! Running what a form or a button starts: one hook, [`use_submit`], owns
//! whether a request is under way and the error it ended with, so every
//! screen disables its controls, ignores a second press and shows the
//! server's answer the same way.

use crate::api::ApiError;
use crate::locale::Messages;
use crate::session::hooks::use_messages;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use yew::prelude::*;

/// What [`use_submit`] returns: the state of a screen's requests and the
/// ways to start one.
#[derive(Clone)]
pub struct Submit {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<ApiError>>,
    running: Rc<Cell<bool>>,
    messages: Messages,
}

/// Equal when the screen would render the same (a prop of sub-screens).
impl PartialEq for Submit {
    fn eq(&self, other: &Submit) -> bool {
        Rc::ptr_eq(&self.running, &other.running) && *self.busy == *other.busy && *self.error == *other.error && self.messages == other.messages
    }
}

/// A screen's requests: not busy and no error to begin with.
#[hook]
pub fn use_submit() -> Submit {
    Submit {
        busy: use_state(|| false),
        error: use_state(|| None),
        running: use_memo((), |_| Cell::new(false)),
        messages: use_messages(),
    }
}

impl Submit {
    /// The screen's messages.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// Whether a request is under way.
    pub fn busy(&self) -> bool {
        *self.busy
    }

    /// The error the last request ended with.
    pub fn error(&self) -> Option<&ApiError> {
        self.error.as_ref()
    }

    /// The message to show at the field `param`, if the error concerns it.
    pub fn field_error(&self, param: &str) -> Option<String> {
        self.error().and_then(|e| e.for_field(param, &self.messages))
    }

    /// The form-level message, when none of `fields` claims the error.
    pub fn form_error(&self, fields: &[&str]) -> Html {
        form_error(self.error().and_then(|e| e.general(fields, &self.messages)))
    }

    /// The form's submit button, showing when it is busy.
    pub fn button(&self, label: &str) -> Html {
        submit_button(label, self.busy(), &self.messages)
    }

    /// Shows `error`, or clears it, without a request.
    pub fn set_error(&self, error: Option<ApiError>) {
        self.error.set(error);
    }

    /// Runs `action` unless one is under way: busy until it ends, then its
    /// error, or none.
    pub fn run(&self, action: impl Future<Output = Result<(), ApiError>> + 'static) {
        self.run_boxed(Box::pin(action));
    }

    /// [`Submit::run`] for any action: one copy of the bookkeeping in the
    /// portal's wasm instead of one per screen's action.
    fn run_boxed(&self, action: Pin<Box<dyn Future<Output = Result<(), ApiError>>>>) {
        if self.running.replace(true) {
            return;
        }
        self.busy.set(true);
        let this = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = action.await;
            this.running.set(false);
            this.error.set(outcome.err());
            this.busy.set(false);
        });
    }

    /// A handler that runs `action` with its own copy of `input` and the
    /// event's value.
    pub fn callback_with<E, A, F, Fut>(&self, input: A, action: F) -> Callback<E>
    where
        E: 'static,
        A: Clone + 'static,
        F: Fn(A, E) -> Fut + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        let this = self.clone();
        Callback::from(move |event: E| this.run(action(input.clone(), event)))
    }

    /// A handler that runs `action` with its own copy of `input`, whatever
    /// the event.
    pub fn callback<E, A, F, Fut>(&self, input: A, action: F) -> Callback<E>
    where
        E: 'static,
        A: Clone + 'static,
        F: Fn(A) -> Fut + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        self.callback_with(input, move |input, _: E| action(input))
    }

    /// A form's `onsubmit`: stops the browser's own submit, then runs
    /// `action` as [`Submit::callback`] does.
    pub fn on_submit<A, F, Fut>(&self, input: A, action: F) -> Callback<SubmitEvent>
    where
        A: Clone + 'static,
        F: Fn(A) -> Fut + 'static,
        Fut: Future<Output = Result<(), ApiError>> + 'static,
    {
        self.callback_with(input, move |input, event: SubmitEvent| {
            event.prevent_default();
            action(input)
        })
    }
}

/// A form-level error, when no field claims it.
pub fn form_error(message: Option<String>) -> Html {
    match message {
        Some(m) => html! { <p class="vb-error vb-form-error" role="alert">{ m }</p> },
        None => Html::default(),
    }
}

/// A submit button that shows when it is busy.
pub fn submit_button(label: &str, busy: bool, messages: &Messages) -> Html {
    html! {
        <button class="vb-button vb-button-primary" type="submit" disabled={busy} aria-busy={busy.then_some("true")}>
            { if busy { messages.t("common.please_wait") } else { label.to_string() } }
        </button>
    }
}
