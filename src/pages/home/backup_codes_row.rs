//! The backup-codes row of account home: how many are left, and a new set
//! on demand (after a confirmation, and after the first factor is
//! confirmed again when the server asks), shown once.

use crate::api::{self, ApiError};
use crate::components::backup_codes::backup_codes;
use crate::components::reverify::Reverify;
use crate::components::submit::Submit;
use crate::session::hooks::use_auth_context;
use crate::session::AuthContext;
use yew::prelude::*;

/// What the row shows.
#[derive(Clone, PartialEq)]
enum Codes {
    /// The count and **Regenerate**.
    Count,
    /// "The old codes will stop working": confirm or cancel.
    Confirm,
    /// The server wants the first factor confirmed again first.
    Reverify,
    /// Confirmed: the new set is on its way.
    Making,
    /// The new set, once.
    Shown(Vec<String>),
}

/// Props of [`BackupCodesRow`].
#[derive(Properties, PartialEq)]
pub struct BackupCodesRowProps {
    /// How many unused codes the user has.
    pub remaining: u32,
    /// The page's requests: their error shows under the page's facts.
    pub submit: Submit,
}

/// Asking for a new set.
#[derive(Clone)]
struct NewCodes {
    ctx: AuthContext,
    codes: UseStateHandle<Codes>,
    submit: Submit,
}

impl NewCodes {
    /// A handler that shows `to`, clearing the page's error.
    fn show<E: 'static>(&self, to: Codes) -> Callback<E> {
        let this = self.clone();
        Callback::from(move |_: E| {
            this.submit.set_error(None);
            this.codes.set(to.clone());
        })
    }

    /// Makes the set the user confirmed again for.
    async fn make_reverified(self) -> Result<(), ApiError> {
        self.codes.set(Codes::Making);
        self.make(true).await
    }

    /// Asks for a new set; a request for reverification shows the prompt,
    /// unless it has just been answered (then the error is shown).
    async fn make(self, reverified: bool) -> Result<(), ApiError> {
        match api::mfa::create_backup_codes(&self.ctx.config.api).await {
            Ok(reply) => {
                self.codes.set(Codes::Shown(reply.response.codes));
                self.ctx.set_client(reply.client);
                Ok(())
            }
            Err(e) if e.needs_reverification() && !reverified => {
                self.codes.set(Codes::Reverify);
                Ok(())
            }
            Err(e) => {
                if reverified {
                    self.codes.set(Codes::Count);
                }
                Err(e)
            }
        }
    }
}

/// The count of backup codes and the way to a new set.
#[component]
pub fn BackupCodesRow(props: &BackupCodesRowProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let submit = &props.submit;
    let maker = NewCodes { ctx: ctx.clone(), codes: use_state(|| Codes::Count), submit: submit.clone() };
    match &*maker.codes {
        Codes::Count => html! {
            <>
                { m.count("home.codes_left", props.remaining, &[]) }
                <button class="vb-button vb-button-link vb-regenerate-codes" type="button" onclick={maker.show(Codes::Confirm)}>{ m.t("home.regenerate") }</button>
            </>
        },
        Codes::Confirm => html! {
            <div class="vb-confirm" role="group" aria-label={m.t("home.regenerate_codes")}>
                <p class="vb-notice">{ m.t("home.regenerate_warning") }</p>
                <div class="vb-row">
                    <button class="vb-button vb-button-primary vb-confirm-regenerate" type="button"
                        onclick={submit.callback(maker.clone(), |maker| maker.make(false))}>{ m.t("home.make_codes") }</button>
                    <button class="vb-button vb-button-secondary" type="button" onclick={maker.show(Codes::Count)}>{ m.t("common.cancel") }</button>
                </div>
            </div>
        },
        Codes::Reverify => html! {
            <Reverify action={m.t("home.make_codes_action")} on_verified={submit.callback(maker.clone(), NewCodes::make_reverified)}
                on_cancel={maker.show(Codes::Count)} />
        },
        Codes::Making => html! { <p class="vb-notice" role="status">{ m.t("home.making_codes") }</p> },
        Codes::Shown(list) => html! {
            <>
                <p class="vb-notice">{ m.t("home.save_codes_now") }</p>
                { backup_codes(&ctx.state.application_name(), list, &m) }
                <button class="vb-button vb-button-secondary vb-codes-done" type="button" onclick={maker.show(Codes::Count)}>{ m.t("home.done") }</button>
            </>
        },
    }
}
