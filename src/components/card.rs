//! `<Card>`: the frame of every screen (application name, title, subtitle,
//! content, footer), with stable `vb-*` class names operators restyle. A
//! screen whose first field takes the focus keeps it there; any other
//! screen puts the focus on its heading, so a keyboard or screen-reader
//! user starts at the top of what changed.

use crate::session::hooks::use_auth_context;
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
    let m = &ctx.state.messages;
    let (lang, dir) = if m.is_empty() { (None, None) } else { (Some(m.tag()), Some(m.dir())) };
    let heading = use_node_ref();
    {
        // Children's effects (a field's own focus) run before this one.
        let heading = heading.clone();
        use_effect_with(props.title.clone(), move |_| {
            let focused = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
            let nothing_focused = focused.is_none_or(|e| e.tag_name().eq_ignore_ascii_case("body"));
            if let Some(h) = heading.cast::<web_sys::HtmlElement>().filter(|_| nothing_focused) {
                let _ = h.focus();
            }
        });
    }
    html! {
        <main class={classes!("vb-card", props.class.clone())} {lang} {dir}>
            <p class="vb-app-name">{ ctx.state.application_name() }</p>
            <h1 class="vb-title" ref={heading} tabindex="-1">{ props.title.clone() }</h1>
            if let Some(s) = &props.subtitle {
                <p class="vb-subtitle">{ s.clone() }</p>
            }
            { props.children.clone() }
            <footer class="vb-footer">{ props.footer.clone() }</footer>
        </main>
    }
}

/// The loading indicator a screen shows while it waits.
pub fn loading() -> Html {
    html! { <Loading /> }
}

/// The loading indicator, named in the locale once its table is there.
#[component]
fn Loading() -> Html {
    let m = crate::session::hooks::use_messages();
    let label = if m.is_empty() { "…".to_string() } else { m.t("common.loading") };
    html! { <div class="vb-loading" role="status" aria-label={label}></div> }
}
