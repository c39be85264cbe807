//! The choice of second factor, when the instance offers more than one:
//! each method with what it is, as a button.

use crate::components::card::Card;
use crate::components::signed_in_footer::SignedInFooter;
use vestibule_protocol::Strategy;
use yew::prelude::*;

/// The title and description of a second factor the task can set up;
/// `None` for a first factor.
fn method_text(method: Strategy) -> Option<(&'static str, &'static str)> {
    match method {
        Strategy::Totp => Some(("Authenticator app", "Use a code from an app such as Google Authenticator or 1Password.")),
        Strategy::PhoneCode => Some(("SMS code", "Get a code by text message on your phone.")),
        Strategy::BackupCode => Some(("Backup codes", "Keep a list of single-use codes somewhere safe.")),
        Strategy::Password | Strategy::EmailCode | Strategy::ResetPasswordEmailCode => None,
    }
}

/// The choice screen; `on_choose` gets the method picked.
pub(super) fn view(methods: &[Strategy], on_choose: Callback<Strategy>) -> Html {
    let items = methods.iter().filter_map(|&m| {
        let (title, description) = method_text(m)?;
        Some(html! {
            <li>
                <button class="vb-method" type="button" data-method={m.as_str()} onclick={on_choose.reform(move |_: MouseEvent| m)}>
                    <span class="vb-method-title">{ title }</span>
                    <span class="vb-method-description">{ description }</span>
                </button>
            </li>
        })
    });
    html! {
        <Card title="Set up two-step verification" class="vb-task-setup-mfa vb-mfa-choose"
            subtitle={Some(AttrValue::from("Choose how you will confirm it is you when you sign in."))}
            footer={html! { <SignedInFooter /> }}>
            <ul class="vb-methods">{ for items }</ul>
        </Card>
    }
}
