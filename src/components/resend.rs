//! The cooldown between two texted codes, counted down on the button that
//! sends another, shared by SMS enrolment and the SMS second factor.

use crate::locale::Messages;
use yew::prelude::*;

/// Seconds between two texts to one number (`security.md`).
pub const RESEND_COOLDOWN_S: u32 = 30;

/// Counts `cooldown` down to zero, one second at a time.
#[hook]
pub fn use_countdown(cooldown: &UseStateHandle<u32>) {
    let cooldown = cooldown.clone();
    use_effect_with(*cooldown, move |left| {
        let left = *left;
        let timer = (left > 0).then(|| gloo_timers::callback::Timeout::new(1_000, move || cooldown.set(left - 1)));
        move || drop(timer)
    });
}

/// "Resend code", or how long until it can be pressed.
pub fn resend_label(left: u32, m: &Messages) -> String {
    if left == 0 {
        m.t("code.resend")
    } else {
        m.count("code.resend_in", left, &[])
    }
}
