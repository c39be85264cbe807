//! Email through an SMTP server (lettre, rustls with the webpki roots).
//! One connection per message: codes are few, and a fresh connection never
//! trips over one the server has closed.

use super::{Delivery, Message};
use crate::config::{SmtpConfig, SmtpSecurity};
use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP exchange may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends email through the configured SMTP server.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    /// A sender from `from` (a mailbox such as `Name <a@b.example>`) and the
    /// `[email.smtp]` table. `security = "none"` is logged as a warning.
    pub fn new(from: &str, smtp: &SmtpConfig) -> Result<SmtpSender, String> {
        let from: Mailbox = from.parse().map_err(|e| format!("email.from is not an email address: {e}"))?;
        let host = smtp.host.trim();
        let builder = match smtp.security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("email.smtp: {e}"))?,
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| format!("email.smtp: {e}"))?
            }
            SmtpSecurity::None => {
                tracing::warn!(
                    host,
                    port = smtp.port,
                    "email.smtp.security is \"none\": codes and the SMTP password travel unencrypted; use it only for a relay on this machine or network"
                );
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            }
        };
        let mut builder = builder.port(smtp.port).timeout(Some(TIMEOUT));
        if let Some(username) = &smtp.username {
            builder = builder
                .credentials(Credentials::new(username.clone(), smtp.password.clone().unwrap_or_default()));
        }
        Ok(SmtpSender { transport: builder.build(), from })
    }
}

#[async_trait]
impl Delivery for SmtpSender {
    async fn send(&self, message: Message, _now_ms: i64) -> Result<(), String> {
        let to: Mailbox = message.to.parse().map_err(|e| format!("cannot address an email to {}: {e}", message.to))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.body)
            .map_err(|e| format!("cannot build the email: {e}"))?;
        self.transport.send(email).await.map(|_| ()).map_err(|e| format!("SMTP to {}: {e}", message.to))
    }
}
