//! `<Field>`: a labelled input with its inline error (`aria-invalid`,
//! `aria-describedby`), and the six-digit code field every code step uses.

use web_sys::HtmlInputElement;
use yew::prelude::*;

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

/// An `on_input` that keeps the typed text in `state`.
pub fn set_text(state: &UseStateHandle<String>) -> Callback<String> {
    let state = state.clone();
    Callback::from(move |value| state.set(value))
}

/// A six-digit code field: numeric keypad, `autocomplete=one-time-code`,
/// and a pasted code with spaces or dashes kept to its six digits.
pub fn code_field(id: &'static str, label: &str, code: &UseStateHandle<String>, busy: bool, error: Option<String>) -> Html {
    let on_input = {
        let code = code.clone();
        Callback::from(move |v: String| code.set(code_digits(&v)))
    };
    html! {
        <Field {id} label={label.to_string()} value={(**code).clone()} inputmode={Some(AttrValue::from("numeric"))}
            autocomplete={Some(AttrValue::from("one-time-code"))} autofocus=true disabled={busy}
            {on_input} {error} />
    }
}

/// The first six digits of what was typed, as ASCII: the digits an Arabic
/// keyboard types (`٠`–`٩`, `۰`–`۹`) and a Japanese input method's
/// full-width ones (`０`–`９`) count too.
pub fn code_digits(typed: &str) -> String {
    typed
        .chars()
        .filter_map(|c| {
            let value = match c {
                '0'..='9' => c as u32 - '0' as u32,
                '\u{0660}'..='\u{0669}' => c as u32 - 0x0660,
                '\u{06F0}'..='\u{06F9}' => c as u32 - 0x06F0,
                '\u{FF10}'..='\u{FF19}' => c as u32 - 0xFF10,
                _ => return None,
            };
            char::from_digit(value, 10)
        })
        .take(6)
        .collect()
}

#[cfg(test)]
mod code_tests {
    use super::code_digits;

    #[test]
    fn a_code_is_kept_to_six_ascii_digits_whatever_the_keyboard() {
        assert_eq!(code_digits("123 456"), "123456");
        assert_eq!(code_digits("12-34-56-78"), "123456");
        assert_eq!(code_digits("١٢٣٤٥٦"), "123456");
        assert_eq!(code_digits("۱۲۳۴۵۶"), "123456");
        assert_eq!(code_digits("１２３４５６"), "123456");
        assert_eq!(code_digits("abc"), "");
    }
}
