//! The choice of second factor, when the instance offers more than one:
//! each method with what it is, as a button.

use crate::components::card::Card;
use crate::components::signed_in_footer::SignedInFooter;
use crate::locale::Messages;
use vestibule_protocol::Strategy;
use yew::prelude::*;

/// The keys of the title and description of a second factor the task can
/// set up; `None` for a first factor.
fn method_text(method: Strategy) -> Option<(&'static str, &'static str)> {
    match method {
        Strategy::Totp => Some(("mfa.choice.totp", "mfa.choice.totp_description")),
        Strategy::PhoneCode => Some(("mfa.choice.sms", "mfa.choice.sms_description")),
        Strategy::BackupCode => Some(("mfa.choice.backup_codes", "mfa.choice.backup_codes_description")),
        Strategy::Password | Strategy::EmailCode | Strategy::ResetPasswordEmailCode => None,
    }
}

/// The choice screen; `on_choose` gets the method picked.
pub(super) fn view(methods: &[Strategy], on_choose: Callback<Strategy>, m: &Messages) -> Html {
    let items = methods.iter().filter_map(|&method| {
        let (title, description) = method_text(method)?;
        Some(html! {
            <li>
                <button class="vb-method" type="button" data-method={method.as_str()} onclick={on_choose.reform(move |_: MouseEvent| method)}>
                    <span class="vb-method-title">{ m.t(title) }</span>
                    <span class="vb-method-description">{ m.t(description) }</span>
                </button>
            </li>
        })
    });
    html! {
        <Card title={m.t("mfa.choice.title")} class="vb-task-setup-mfa vb-mfa-choose"
            subtitle={Some(AttrValue::from(m.t("mfa.choice.subtitle")))}
            footer={html! { <SignedInFooter /> }}>
            <ul class="vb-methods">{ for items }</ul>
        </Card>
    }
}
