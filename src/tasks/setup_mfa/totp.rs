//! The authenticator-app method: the QR code of the `otpauth://` URI, the
//! secret for typing in ("Can't scan?"), and the first code. The server
//! keeps the same secret across wrong codes and reloads.

use super::{other_method, Enrolled, MethodProps};
use crate::api::{self, ApiError};
use crate::components::qr::qr_svg;
use crate::components::widgets::{code_field, form_error, submit, submit_handler, Card, CopyButton, SignedInFooter};
use crate::session::hooks::use_auth_context;
use vestibule_protocol::wire::TotpJson;
use yew::prelude::*;

/// A base32 secret in groups of four, as people type it.
pub fn grouped(secret: &str) -> String {
    secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The authenticator-app screen.
#[component]
pub fn TotpSetup(props: &MethodProps) -> Html {
    let ctx = use_auth_context();
    let totp = use_state(|| None::<TotpJson>);
    let load_error = use_state(|| None::<ApiError>);
    let code = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let show_secret = use_state(|| false);
    {
        let (api, totp, load_error) = (ctx.config.api.clone(), totp.clone(), load_error.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::mfa::create_totp(&api).await {
                    Ok(reply) => totp.set(Some(reply.response)),
                    Err(e) => load_error.set(Some(e)),
                }
            });
        });
    }
    let onsubmit = {
        let (api, code, error, on_enrolled) = (ctx.config.api.clone(), code.clone(), error.clone(), props.on_enrolled.clone());
        submit_handler(&busy, move || {
            let (api, code, error, on_enrolled) = (api.clone(), code.clone(), error.clone(), on_enrolled.clone());
            async move {
                match api::mfa::verify_totp(&api, &code).await {
                    Ok(reply) => on_enrolled.emit(Enrolled { codes: reply.response.backup_codes, client: reply.client }),
                    Err(e) => {
                        code.set(String::new());
                        error.set(Some(e));
                    }
                }
            }
        })
    };
    let toggle = {
        let show = show_secret.clone();
        Callback::from(move |_: MouseEvent| show.set(!*show))
    };
    let err = (*error).clone();
    let body = match (&*totp, &*load_error) {
        (_, Some(e)) => form_error(e.general(&[])),
        (None, None) => html! { <div class="vb-loading" role="status" aria-label="Loading"></div> },
        (Some(t), None) => {
            let secret = t.secret.clone().unwrap_or_default();
            html! {
                <>
                <div class="vb-qr-box">
                    { qr_svg(t.uri.as_deref().unwrap_or_default(), "QR code to scan with your authenticator app") }
                </div>
                <button class="vb-button vb-button-link vb-cant-scan" type="button" aria-expanded={if *show_secret { "true" } else { "false" }} onclick={toggle}>
                    { "Can't scan?" }
                </button>
                if *show_secret {
                    <div class="vb-secret-box">
                        <p class="vb-hint">{ "Enter this key in your app instead (time-based, 6 digits):" }</p>
                        <div class="vb-row">
                            <code class="vb-totp-secret">{ grouped(&secret) }</code>
                            <CopyButton text={secret} class="vb-copy-secret" />
                        </div>
                    </div>
                }
                <form class="vb-form" {onsubmit} novalidate=true>
                    { code_field("vb-totp-code", "Code from your app", &code, *busy, err.as_ref().and_then(|e| e.for_field("code"))) }
                    { form_error(err.as_ref().and_then(|e| e.general(&["code"]))) }
                    { submit("Verify", *busy) }
                </form>
                </>
            }
        }
    };
    html! {
        <Card title="Set up your authenticator app" class="vb-task-setup-mfa vb-mfa-totp"
            subtitle={Some(AttrValue::from("Scan the QR code with your authenticator app, then enter the 6-digit code it shows."))}
            footer={html! { <SignedInFooter /> }}>
            { body }
            { other_method(&props.on_back) }
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
