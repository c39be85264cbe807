//! The building blocks of every screen: the card with its title and
//! footer, a labelled field with its inline error, and the signed-in
//! footer. Class names are stable (`vb-*`) so operators can restyle them.

use crate::session::hooks::use_auth_context;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`Card`].
#[derive(Properties, PartialEq)]
pub struct CardProps {
    /// The screen's title.
    pub title: AttrValue,
    /// A line under the title.
    #[prop_or_default]
    pub subtitle: Option<AttrValue>,
    /// An extra class (e.g. `vb-task-choose-organization`).
    #[prop_or_default]
    pub class: Classes,
    /// The form.
    #[prop_or_default]
    pub children: Html,
    /// Under the form.
    #[prop_or_default]
    pub footer: Html,
}

/// A screen: application name, title, subtitle, content, footer.
#[component]
pub fn Card(props: &CardProps) -> Html {
    let ctx = use_auth_context();
    html! {
        <main class={classes!("vb-card", props.class.clone())}>
            <p class="vb-app-name">{ ctx.state.application_name() }</p>
            <h1 class="vb-title">{ props.title.clone() }</h1>
            if let Some(s) = &props.subtitle {
                <p class="vb-subtitle">{ s.clone() }</p>
            }
            { props.children.clone() }
            <footer class="vb-footer">{ props.footer.clone() }</footer>
        </main>
    }
}

/// Props of [`Field`].
#[derive(Properties, PartialEq)]
pub struct FieldProps {
    /// The input's id (also its stable hook for tests and themes).
    pub id: AttrValue,
    /// The label text.
    pub label: AttrValue,
    /// The current value.
    pub value: AttrValue,
    /// Called with the new value on every input.
    pub on_input: Callback<String>,
    /// `type` of the input.
    #[prop_or(AttrValue::Static("text"))]
    pub input_type: AttrValue,
    /// `autocomplete` of the input.
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    /// `inputmode` of the input.
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
    /// The error to show under the field.
    #[prop_or_default]
    pub error: Option<String>,
    /// A hint under the field.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// Focus on first render.
    #[prop_or_default]
    pub autofocus: bool,
    /// Disabled while a request runs.
    #[prop_or_default]
    pub disabled: bool,
    /// `maxlength` of the input.
    #[prop_or_default]
    pub maxlength: Option<AttrValue>,
}

/// A labelled input with its inline error.
#[component]
pub fn Field(props: &FieldProps) -> Html {
    let on_input = props.on_input.clone();
    let oninput = Callback::from(move |e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        on_input.emit(input.value());
    });
    let node = use_node_ref();
    {
        // `autofocus` only works on a page load; a screen reached inside the
        // app focuses its first field itself.
        let (node, autofocus) = (node.clone(), props.autofocus);
        use_effect_with((), move |_| {
            if let Some(input) = node.cast::<HtmlInputElement>().filter(|_| autofocus) {
                let _ = input.focus();
            }
        });
    }
    let error_id = format!("{}-error", props.id);
    let hint_id = format!("{}-hint", props.id);
    let described = match (&props.error, &props.hint) {
        (Some(_), _) => Some(error_id.clone()),
        (None, Some(_)) => Some(hint_id.clone()),
        _ => None,
    };
    html! {
        <div class={classes!("vb-field", props.error.as_ref().map(|_| "vb-field-invalid"))}>
            <label class="vb-label" for={props.id.clone()}>{ props.label.clone() }</label>
            <input
                ref={node}
                class="vb-input"
                id={props.id.clone()}
                name={props.id.clone()}
                type={props.input_type.clone()}
                value={props.value.clone()}
                autocomplete={props.autocomplete.clone()}
                inputmode={props.inputmode.clone()}
                maxlength={props.maxlength.clone()}
                autofocus={props.autofocus}
                disabled={props.disabled}
                aria-invalid={props.error.is_some().then_some("true")}
                aria-describedby={described}
                {oninput}
            />
            if let Some(h) = &props.hint {
                <p class="vb-hint" id={hint_id}>{ h.clone() }</p>
            }
            if let Some(e) = &props.error {
                <p class="vb-error" id={error_id} role="alert">{ e.clone() }</p>
            }
        </div>
    }
}

/// A form-level error, when no field claims it.
pub fn form_error(message: Option<String>) -> Html {
    match message {
        Some(m) => html! { <p class="vb-error vb-form-error" role="alert">{ m }</p> },
        None => Html::default(),
    }
}

/// A form's submit handler: stops the browser's own submit, ignores a
/// second press while `busy`, and runs `run` with `busy` set until it ends.
pub fn submit_handler<F, Fut>(busy: &UseStateHandle<bool>, run: F) -> Callback<SubmitEvent>
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let busy = busy.clone();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        if *busy {
            return;
        }
        busy.set(true);
        let (busy, work) = (busy.clone(), run());
        wasm_bindgen_futures::spawn_local(async move {
            work.await;
            busy.set(false);
        });
    })
}

/// A submit button that shows when it is busy.
pub fn submit(label: &str, busy: bool) -> Html {
    html! {
        <button class="vb-button vb-button-primary" type="submit" disabled={busy} aria-busy={busy.then_some("true")}>
            { if busy { "Please wait…".to_string() } else { label.to_string() } }
        </button>
    }
}

/// Props of [`SignedInFooter`].
#[derive(Properties, PartialEq)]
pub struct SignedInFooterProps {
    /// Where to go after signing out.
    #[prop_or(AttrValue::Static("/sign-in"))]
    pub after_sign_out_url: AttrValue,
}

/// "Signed in as <email>" with **Sign out**.
#[component]
pub fn SignedInFooter(props: &SignedInFooterProps) -> Html {
    let ctx = use_auth_context();
    let email = ctx.state.user().and_then(|u| u.primary_email()).unwrap_or_default().to_string();
    let session_id = ctx.state.session().map(|s| s.id.clone());
    let after = props.after_sign_out_url.to_string();
    let onclick = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let ctx = ctx.clone();
            let after = after.clone();
            if let Some(id) = session_id.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(reply) = crate::api::client::end_session(&ctx.config.api, &id).await {
                        ctx.set_client(reply.client);
                    }
                    crate::nav::go(None, &after, false);
                });
            }
        })
    };
    html! {
        <div class="vb-signed-in-as">
            <span>{ "Signed in as " }<strong class="vb-email">{ email }</strong></span>
            <button class="vb-button vb-button-link" type="button" {onclick}>{ "Sign out" }</button>
        </div>
    }
}

/// A six-digit code field: numeric keypad, `autocomplete=one-time-code`,
/// and a pasted code with spaces or dashes kept to its six digits.
pub fn code_field(id: &'static str, label: &'static str, code: &UseStateHandle<String>, busy: bool, error: Option<String>) -> Html {
    let on_input = {
        let code = code.clone();
        Callback::from(move |v: String| code.set(v.chars().filter(char::is_ascii_digit).take(6).collect()))
    };
    html! {
        <Field {id} {label} value={(**code).clone()} inputmode={Some(AttrValue::from("numeric"))}
            autocomplete={Some(AttrValue::from("one-time-code"))} autofocus=true disabled={busy}
            {on_input} {error} />
    }
}

/// Props of [`CopyButton`].
#[derive(Properties, PartialEq)]
pub struct CopyButtonProps {
    /// What goes to the clipboard.
    pub text: AttrValue,
    /// The button's label.
    #[prop_or(AttrValue::Static("Copy"))]
    pub label: AttrValue,
    /// An extra class.
    #[prop_or_default]
    pub class: Classes,
}

/// Copies `text` to the clipboard and says whether it worked.
#[component]
pub fn CopyButton(props: &CopyButtonProps) -> Html {
    let outcome = use_state(|| None::<bool>);
    let onclick = {
        let (outcome, text) = (outcome.clone(), props.text.clone());
        Callback::from(move |_: MouseEvent| {
            let (outcome, text) = (outcome.clone(), text.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let copied = match web_sys::window() {
                    Some(w) => wasm_bindgen_futures::JsFuture::from(w.navigator().clipboard().write_text(&text)).await.is_ok(),
                    None => false,
                };
                outcome.set(Some(copied));
            });
        })
    };
    html! {
        <span class="vb-copy">
            <button class={classes!("vb-button", "vb-button-secondary", props.class.clone())} type="button" {onclick}>{ props.label.clone() }</button>
            <span class="vb-notice" role="status">
                { match *outcome { Some(true) => "Copied", Some(false) => "Could not copy: select and copy it instead", None => "" } }
            </span>
        </span>
    }
}
