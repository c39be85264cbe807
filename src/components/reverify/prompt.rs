//! The reverification's state and the three calls it makes: start the
//! verification, email a code, attempt the password or the code.

use crate::api::{self, ApiError};
use crate::components::resend::RESEND_COOLDOWN_S;
use crate::components::submit::Submit;
use crate::session::AuthContext;
use vestibule_protocol::wire::{ClientJson, FactorJson, SessionVerificationJson};
use vestibule_protocol::{ErrorCode, SessionVerificationStatus, Strategy};
use yew::prelude::*;

/// The email-code factor the server offers, if any.
pub(super) fn email_factor(verification: &SessionVerificationJson) -> Option<&FactorJson> {
    verification.supported_first_factors.iter().find(|f| f.strategy == Strategy::EmailCode)
}

/// Whether the server offers the password.
pub(super) fn offers_password(verification: &SessionVerificationJson) -> bool {
    verification.supported_first_factors.iter().any(|f| f.strategy == Strategy::Password)
}

/// The prompt's state: one clone of it goes into each handler.
#[derive(Clone)]
pub(super) struct Prompt {
    pub(super) ctx: AuthContext,
    pub(super) session_id: String,
    /// The user has a password to confirm.
    pub(super) password_enabled: bool,
    pub(super) on_verified: Callback<()>,
    pub(super) verification: UseStateHandle<Option<SessionVerificationJson>>,
    /// The first factor asked for: the password or the emailed code.
    pub(super) method: UseStateHandle<Strategy>,
    pub(super) password: UseStateHandle<String>,
    pub(super) code: UseStateHandle<String>,
    pub(super) notice: UseStateHandle<Option<&'static str>>,
    pub(super) cooldown: UseStateHandle<u32>,
    pub(super) submit: Submit,
}

impl Prompt {
    /// Keeps the client the server sent and tells the caller.
    fn complete(&self, client: Option<ClientJson>) {
        if client.is_some() {
            self.ctx.set_client(client);
        }
        self.on_verified.emit(());
    }

    /// The address the verification offers to email a code to.
    fn email_address_id(&self) -> Option<String> {
        self.verification.as_ref().and_then(email_factor).and_then(|f| f.email_address_id.clone())
    }

    /// Starts the verification; without a password, the code is sent at once.
    pub async fn start(self) {
        match api::reverification::start(&self.ctx.config.api, &self.session_id).await {
            Ok(reply) if reply.response.status == SessionVerificationStatus::Complete => self.complete(reply.client),
            Ok(reply) => {
                let password = offers_password(&reply.response) && self.password_enabled;
                let email_id = email_factor(&reply.response).map(|f| f.email_address_id.clone());
                self.verification.set(Some(reply.response));
                if let (false, Some(id)) = (password, email_id) {
                    self.submit.run(self.clone().send_code(false, id));
                }
            }
            Err(e) => self.submit.set_error(Some(e)),
        }
    }

    /// Emails a code to the offered address and switches to it.
    pub async fn email_code(self, resend: bool) -> Result<(), ApiError> {
        let id = self.email_address_id();
        self.send_code(resend, id).await
    }

    /// Emails a code and switches to it. A refusal because a code went out
    /// moments ago still switches: that code is good.
    async fn send_code(self, resend: bool, email_address_id: Option<String>) -> Result<(), ApiError> {
        let sent = api::reverification::send_code(&self.ctx.config.api, &self.session_id, email_address_id.as_deref()).await;
        let outcome = match sent {
            Ok(reply) => {
                self.notice.set(resend.then_some("code.resent"));
                self.verification.set(Some(reply.response));
                Ok(())
            }
            Err(e) => {
                self.notice.set(None);
                if !e.is(ErrorCode::TooManyRequests) {
                    return Err(e);
                }
                Err(e)
            }
        };
        self.code.set(String::new());
        self.cooldown.set(RESEND_COOLDOWN_S);
        self.method.set(Strategy::EmailCode);
        outcome
    }

    /// Tries the password or the code on screen.
    pub async fn attempt(self) -> Result<(), ApiError> {
        let api = &self.ctx.config.api;
        let method = *self.method;
        let attempt = match method {
            Strategy::Password => api::reverification::with_password(api, &self.session_id, &self.password).await,
            _ => api::reverification::with_code(api, &self.session_id, &self.code).await,
        };
        self.notice.set(None);
        match attempt {
            Ok(reply) if reply.response.status == SessionVerificationStatus::Complete => {
                self.complete(reply.client);
                Ok(())
            }
            Ok(_) => Err(ApiError::Network(crate::api::UNEXPECTED)),
            Err(e) => {
                if method == Strategy::EmailCode {
                    self.code.set(String::new());
                }
                Err(e)
            }
        }
    }
}
