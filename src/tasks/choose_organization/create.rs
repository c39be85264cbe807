//! The create screen of the choose-organization task: a name, a slug
//! derived from it until the user edits the slug, Continue, and Cancel back
//! to the list when the user came from it. What was typed is kept while the
//! user looks at the list.

use super::{Chooser, Screen, CLASS};
use crate::api::param;
use crate::components::card::Card;
use crate::components::field::Field;
use vestibule_protocol::wire::slug_from_lowercase;
use yew::prelude::*;

/// The new organization as typed so far.
#[derive(Clone)]
pub(super) struct Draft {
    pub(super) name: UseStateHandle<String>,
    pub(super) slug: UseStateHandle<String>,
    slug_edited: UseStateHandle<bool>,
}

/// An empty draft.
#[hook]
pub(super) fn use_draft() -> Draft {
    Draft { name: use_state(String::new), slug: use_state(String::new), slug_edited: use_state(|| false) }
}

impl Draft {
    /// Takes the typed name, deriving the slug from it until it is edited.
    fn on_name(&self) -> Callback<String> {
        let draft = self.clone();
        Callback::from(move |name: String| {
            if !*draft.slug_edited {
                draft.slug.set(slug_from_name(&name));
            }
            draft.name.set(name);
        })
    }

    /// Takes the typed slug, which stops following the name.
    fn on_slug(&self) -> Callback<String> {
        let draft = self.clone();
        Callback::from(move |slug: String| {
            draft.slug_edited.set(true);
            draft.slug.set(slug);
        })
    }
}

/// The slug the server would derive from `name` (`slug_from_name`), by the
/// browser's Unicode rules rather than tables of Rust's of our own.
pub fn slug_from_name(name: &str) -> String {
    let lowercase = String::from(js_sys::JsString::from(name).to_lower_case());
    let letter_or_digit = js_sys::RegExp::new(r"^[\p{Alphabetic}\p{N}]$", "u");
    slug_from_lowercase(lowercase.chars(), |c| letter_or_digit.test(c.encode_utf8(&mut [0; 4])))
}

/// The create screen.
pub(super) fn view(chooser: &Chooser, draft: &Draft, from_list: bool, footer: Html) -> Html {
    let submit = &chooser.submit;
    let m = submit.messages();
    let busy = submit.busy();
    let onsubmit = submit.on_submit((chooser.clone(), draft.clone()), |(chooser, draft)| chooser.create(draft));
    html! {
        <Card title={m.t("organization.create.title")} subtitle={Some(AttrValue::from(m.t("organization.create.subtitle")))} class={CLASS} {footer}>
            <form class="vb-form" {onsubmit} novalidate=true>
                <Field id="vb-org-name" label={m.t("organization.create.name")} value={(*draft.name).clone()} autofocus=true disabled={busy}
                    autocomplete={Some(AttrValue::from("organization"))}
                    on_input={draft.on_name()} error={submit.field_error(param::NAME)} />
                <Field id="vb-org-slug" label={m.t("organization.create.slug")} value={(*draft.slug).clone()} disabled={busy}
                    hint={Some(AttrValue::from(m.t("organization.create.slug_hint")))}
                    on_input={draft.on_slug()} error={submit.field_error(param::SLUG)} />
                { submit.form_error(&[param::NAME, param::SLUG]) }
                { submit.button(&m.t("common.continue")) }
                if from_list {
                    <button class="vb-button vb-button-link" type="button" onclick={chooser.show(Screen::List, true)}>{ m.t("common.cancel") }</button>
                }
            </form>
        </Card>
    }
}
