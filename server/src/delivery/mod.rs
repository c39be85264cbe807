//! Sending codes to people. Delivery is a trait so that a code can go
//! through the development outbox, SMTP or a signed webhook without the
//! code rules knowing which; [`ByChannel`] sends email and SMS each through
//! the sender the configuration names.

mod outbox;
pub mod pending;
pub mod smtp;
pub mod webhook;

pub use outbox::DevOutbox;
pub use smtp::SmtpSender;
pub use webhook::{verify_signature, WebhookSender};

use crate::config::{EmailConfig, EmailSender, SmsConfig, SmsSender};
use async_trait::async_trait;
use std::sync::Arc;
use vestibule_protocol::Channel;

/// A message to send.
#[derive(Clone)]
pub struct Message {
    /// Email or text message.
    pub channel: Channel,
    /// Address or phone number.
    pub to: String,
    /// Subject line (email).
    pub subject: String,
    /// Body text.
    pub body: String,
    /// The code the message carries, if any.
    pub code: Option<String>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("channel", &self.channel).field("to", &self.to).finish_non_exhaustive()
    }
}

/// A message a sender is still retrying, as written down at shutdown and
/// taken over at the next start (the same id and signature).
#[derive(Clone)]
pub struct PendingMessage {
    /// The message id (`Vestibule-Id`).
    pub id: String,
    /// Its channel.
    pub channel: Channel,
    /// Where it goes.
    pub url: String,
    /// Its `Vestibule-Signature`.
    pub signature: String,
    /// The JSON body.
    pub body: Vec<u8>,
    /// Tries made so far.
    pub tries: u32,
}

impl std::fmt::Debug for PendingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingMessage").field("id", &self.id).field("channel", &self.channel).field("tries", &self.tries).finish_non_exhaustive()
    }
}

/// Something that sends messages.
#[async_trait]
pub trait Delivery: Send + Sync {
    /// Sends one message; an error means it was not sent (and will not be).
    async fn send(&self, message: Message, now_ms: i64) -> Result<(), String>;

    /// The messages whose retries are still to come.
    fn pending(&self) -> Vec<PendingMessage> {
        Vec::new()
    }

    /// Takes over the retries of a message a stopped server wrote down;
    /// false when this sender does not retry messages of its channel.
    fn resume(&self, _message: PendingMessage) -> bool {
        false
    }
}

/// Sends `email` messages through one sender and `sms` messages through
/// another.
pub struct ByChannel {
    email: Arc<dyn Delivery>,
    sms: Arc<dyn Delivery>,
}

impl ByChannel {
    /// A router over the two senders.
    pub fn new(email: Arc<dyn Delivery>, sms: Arc<dyn Delivery>) -> ByChannel {
        ByChannel { email, sms }
    }
}

#[async_trait]
impl Delivery for ByChannel {
    async fn send(&self, message: Message, now_ms: i64) -> Result<(), String> {
        match message.channel {
            Channel::Email => self.email.send(message, now_ms).await,
            Channel::Sms => self.sms.send(message, now_ms).await,
        }
    }

    fn pending(&self) -> Vec<PendingMessage> {
        let mut all = self.email.pending();
        all.extend(self.sms.pending());
        all
    }

    fn resume(&self, message: PendingMessage) -> bool {
        match message.channel {
            Channel::Email => self.email.resume(message),
            Channel::Sms => self.sms.resume(message),
        }
    }
}

/// Builds the senders that `email` and `sms` name. Webhook senders share
/// `http` and wait between tries on `clock`; the outbox writes to `pool`.
pub fn from_config(
    email: &EmailConfig,
    sms: &SmsConfig,
    pool: &crate::store::db::Db,
    http: &reqwest::Client,
    clock: &Arc<dyn crate::clock::Clock>,
) -> Result<Arc<dyn Delivery>, String> {
    email.check().map_err(|e| e.to_string())?;
    sms.check().map_err(|e| e.to_string())?;
    let outbox: Arc<dyn Delivery> = Arc::new(DevOutbox::new(pool.clone()));
    let email_sender: Arc<dyn Delivery> = match email.sender() {
        EmailSender::Outbox => outbox.clone(),
        EmailSender::Smtp => Arc::new(SmtpSender::new(&email.from, &email.smtp)?),
        EmailSender::Webhook => Arc::new(WebhookSender::new(http.clone(), &email.webhook, clock.clone())?),
    };
    let sms_sender: Arc<dyn Delivery> = match sms.sender {
        SmsSender::Outbox => outbox,
        SmsSender::Webhook => Arc::new(WebhookSender::new(http.clone(), &sms.webhook, clock.clone())?),
    };
    Ok(Arc::new(ByChannel::new(email_sender, sms_sender)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records the channels it was asked to send on.
    struct Recorder(&'static str, Arc<Mutex<Vec<String>>>);

    #[async_trait]
    impl Delivery for Recorder {
        async fn send(&self, message: Message, _now_ms: i64) -> Result<(), String> {
            self.1.lock().map_err(|e| e.to_string())?.push(format!("{}:{}", self.0, message.channel));
            Ok(())
        }
    }

    fn message(channel: Channel) -> Message {
        Message { channel, to: "x".into(), subject: String::new(), body: String::new(), code: None }
    }

    #[tokio::test]
    async fn each_channel_goes_to_its_own_sender() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let router = ByChannel::new(Arc::new(Recorder("E", seen.clone())), Arc::new(Recorder("S", seen.clone())));
        router.send(message(Channel::Email), 0).await.expect("email");
        router.send(message(Channel::Sms), 0).await.expect("sms");
        assert_eq!(*seen.lock().expect("lock"), vec!["E:email", "S:sms"]);
    }
}
