//! The authenticator-app method: the QR code of the `otpauth://` URI, the
//! secret for typing in ("Can't scan?"), and the first code. The server
//! keeps the same secret across wrong codes and reloads.

use super::{other_method, Enrolled, MethodProps};
use crate::api::{self, param, Api, ApiError};
use crate::components::card::{loading, Card};
use crate::components::copy_button::CopyButton;
use crate::components::field::code_field;
use crate::components::qr::qr_svg;
use crate::components::signed_in_footer::SignedInFooter;
use crate::components::submit::{use_submit, Submit};
use crate::session::hooks::use_auth_context;
use vestibule_protocol::wire::TotpJson;
use crate::locale::Messages;
use yew::prelude::*;

/// A base32 secret in groups of four, as people type it.
pub fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The first code from the app, and what the screen does with it.
#[derive(Clone)]
struct FirstCode {
    api: Api,
    code: UseStateHandle<String>,
    on_enrolled: Callback<Enrolled>,
}

impl FirstCode {
    /// Tries the code; a right one enables the app.
    async fn verify(self) -> Result<(), ApiError> {
        let answer = api::mfa::verify_totp(&self.api, &self.code).await;
        let answer = answer.map(|reply| Enrolled { codes: reply.response.backup_codes, client: reply.client });
        Enrolled::hand_over(answer, &self.code, &self.on_enrolled)
    }
}

/// Fetches the secret and its `otpauth://` URI.
async fn fetch_secret(api: Api, totp: UseStateHandle<Option<TotpJson>>) -> Result<(), ApiError> {
    totp.set(Some(api::mfa::create_totp(&api).await?.response));
    Ok(())
}

/// The QR code, the secret on demand, and the code form.
fn enrol(t: &TotpJson, show_secret: &UseStateHandle<bool>, form: &FirstCode, submit: &Submit, m: &Messages) -> Html {
    let secret = t.secret.clone().unwrap_or_default();
    let toggle = {
        let show = show_secret.clone();
        Callback::from(move |_: MouseEvent| show.set(!*show))
    };
    html! {
        <>
        <div class="vb-qr-box">
            { qr_svg(t.uri.as_deref().unwrap_or_default(), &m.t("mfa.totp.qr")) }
        </div>
        <button class="vb-button vb-button-link vb-cant-scan" type="button" aria-expanded={if **show_secret { "true" } else { "false" }} onclick={toggle}>
            { m.t("mfa.totp.cant_scan") }
        </button>
        if **show_secret {
            <div class="vb-secret-box">
                <p class="vb-hint">{ m.t("mfa.totp.key_instead") }</p>
                <div class="vb-row">
                    <code class="vb-totp-secret">{ grouped(&secret) }</code>
                    <CopyButton text={secret} class="vb-copy-secret" />
                </div>
            </div>
        }
        <form class="vb-form" onsubmit={submit.on_submit(form.clone(), FirstCode::verify)} novalidate=true>
            { code_field("vb-totp-code", &m.t("mfa.totp.code"), &form.code, submit.busy(), submit.field_error(param::CODE)) }
            { submit.form_error(&[param::CODE]) }
            { submit.button(&m.t("common.verify")) }
        </form>
        </>
    }
}

/// The authenticator-app screen.
#[component]
pub fn TotpSetup(props: &MethodProps) -> Html {
    let ctx = use_auth_context();
    let m = ctx.state.messages.clone();
    let totp = use_state(|| None::<TotpJson>);
    let load = use_submit();
    let submit = use_submit();
    let show_secret = use_state(|| false);
    let form = FirstCode { api: ctx.config.api.clone(), code: use_state(String::new), on_enrolled: props.on_enrolled.clone() };
    let fetch = load.callback((form.api.clone(), totp.clone()), |(api, totp)| fetch_secret(api, totp));
    use_effect_with((), move |_| fetch.emit(()));
    let body = match (&*totp, load.error()) {
        (_, Some(_)) => load.form_error(&[]),
        (None, None) => loading(),
        (Some(t), None) => enrol(t, &show_secret, &form, &submit, &m),
    };
    html! {
        <Card title={m.t("mfa.totp.title")} class="vb-task-setup-mfa vb-mfa-totp"
            subtitle={Some(AttrValue::from(m.t("mfa.totp.subtitle")))}
            footer={html! { <SignedInFooter /> }}>
            { body }
            { other_method(&props.on_back, &m) }
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn the_secret_is_grouped_in_fours() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
        assert_eq!(grouped(""), "");
    }
}
