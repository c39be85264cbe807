//! The texted code of a sign-in's second factor: sent when the page opens
//! on it or switches to it, and again on demand once the cooldown is over.

use crate::api::{self, Api, ApiError};
use crate::components::resend::{use_countdown, RESEND_COOLDOWN_S};
use crate::components::submit::Submit;
use vestibule_protocol::Strategy;
use yew::prelude::*;

/// What sending a text needs and changes.
#[derive(Clone)]
struct Texting {
    api: Api,
    sign_in_id: Option<String>,
    cooldown: UseStateHandle<u32>,
    texted: UseStateHandle<bool>,
}

impl Texting {
    /// Texts a code to the user's second-factor phone.
    async fn send(self) -> Result<(), ApiError> {
        let Some(id) = &self.sign_in_id else { return Ok(()) };
        api::sign_in::send_second_factor_code(&self.api, id).await?;
        self.texted.set(true);
        self.cooldown.set(RESEND_COOLDOWN_S);
        Ok(())
    }
}

/// What the page shows of the texted code.
pub(super) struct TextedCode {
    /// Seconds until another text may be sent.
    pub(super) cooldown: u32,
    /// Sends another text.
    pub(super) on_resend: Callback<MouseEvent>,
}

/// Texts the code when `strategy` is the phone's, once per page, and offers
/// to send it again; the page's `submit` shows the request.
#[hook]
pub(super) fn use_texted_code(api: &Api, sign_in_id: Option<String>, strategy: Strategy, submit: &Submit) -> TextedCode {
    let present = sign_in_id.is_some();
    let texting = Texting { api: api.clone(), sign_in_id, cooldown: use_state(|| 0), texted: use_state(|| false) };
    use_countdown(&texting.cooldown);
    let send = submit.callback(texting.clone(), Texting::send);
    let on_resend = send.reform(|_: MouseEvent| ());
    let texted = *texting.texted;
    use_effect_with((strategy, present), move |&(strategy, present)| {
        if strategy == Strategy::PhoneCode && present && !texted {
            send.emit(());
        }
    });
    TextedCode { cooldown: *texting.cooldown, on_resend }
}
