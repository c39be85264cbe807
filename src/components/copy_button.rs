//! `<CopyButton>`: puts a text on the clipboard (the TOTP secret, the
//! backup codes) and says whether it worked.

use crate::session::hooks::use_messages;
use yew::prelude::*;

/// Props of [`CopyButton`].
#[derive(Properties, PartialEq)]
pub struct CopyButtonProps {
    /// What goes to the clipboard.
    pub text: AttrValue,
    /// The button's label (default: the locale's "Copy").
    #[prop_or_default]
    pub label: Option<AttrValue>,
    /// An extra class.
    #[prop_or_default]
    pub class: Classes,
}

/// Puts `text` on the clipboard and reports whether it worked.
async fn copy(text: AttrValue, outcome: UseStateSetter<Option<bool>>) {
    let copied = match web_sys::window() {
        Some(w) => wasm_bindgen_futures::JsFuture::from(w.navigator().clipboard().write_text(&text)).await.is_ok(),
        None => false,
    };
    outcome.set(Some(copied));
}

/// Copies `text` to the clipboard and says whether it worked.
#[component]
pub fn CopyButton(props: &CopyButtonProps) -> Html {
    let m = use_messages();
    let outcome = use_state(|| None::<bool>);
    let label = props.label.clone().unwrap_or_else(|| m.t("copy.copy").into());
    let set_outcome = outcome.setter();
    let text = props.text.clone();
    let onclick = Callback::from(move |_: MouseEvent| wasm_bindgen_futures::spawn_local(copy(text.clone(), set_outcome.clone())));
    html! {
        <span class="vb-copy">
            <button class={classes!("vb-button", "vb-button-secondary", props.class.clone())} type="button" {onclick}>{ label }</button>
            <span class="vb-notice" role="status">
                { for outcome.map(|copied| if copied { m.t("copy.copied") } else { m.t("copy.failed") }) }
            </span>
        </span>
    }
}
