//! `<CopyButton>`: puts a text on the clipboard (the TOTP secret, the
//! backup codes) and says whether it worked.

use yew::prelude::*;

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
    let outcome = use_state(|| None::<bool>);
    let set_outcome = outcome.setter();
    let text = props.text.clone();
    let onclick = Callback::from(move |_: MouseEvent| wasm_bindgen_futures::spawn_local(copy(text.clone(), set_outcome.clone())));
    html! {
        <span class="vb-copy">
            <button class={classes!("vb-button", "vb-button-secondary", props.class.clone())} type="button" {onclick}>{ props.label.clone() }</button>
            <span class="vb-notice" role="status">
                { for outcome.map(|copied| if copied { "Copied" } else { "Could not copy: select and copy it instead" }) }
            </span>
        </span>
    }
}
