//! A new set of backup codes, shown once: the list, **Copy all**,
//! **Download .txt** (`<app>_backup_codes.txt`) and **Print**. The task and
//! the account home both show it.

use super::copy_button::CopyButton;
use crate::locale::Messages;
use vestibule_protocol::url::encode;
use yew::prelude::*;

/// `<app>_backup_codes.txt`, with what file systems refuse in a name
/// (and spaces) turned into `_`.
pub fn file_name(application_name: &str) -> String {
    let app: String = application_name
        .trim()
        .chars()
        .map(|c| if c.is_whitespace() || "/\\:*?\"<>|".contains(c) { '_' } else { c })
        .collect();
    if app.is_empty() {
        "backup_codes.txt".into()
    } else {
        format!("{app}_backup_codes.txt")
    }
}

/// The text file: `heading` (a line or two), then one code a line.
pub fn file_text(heading: &str, codes: &[String]) -> String {
    let mut text = format!("{heading}\n\n");
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// The codes of `application_name` and the ways to keep them. A plain
/// function, not a component: it has no state of its own.
pub fn backup_codes(application_name: &str, codes: &[String], m: &Messages) -> Html {
    let text = file_text(&m.fmt("backup_codes.file_heading", &[("application", application_name)]), codes);
    let href = format!("data:text/plain;charset=utf-8,{}", encode(&text));
    let print = Callback::from(|_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
    html! {
        <div class="vb-backup-codes-box">
            <ol class="vb-backup-codes" aria-label={m.t("backup_codes.list")}>
                { for codes.iter().map(|c| html! { <li><code class="vb-backup-code">{ c.clone() }</code></li> }) }
            </ol>
            <div class="vb-row vb-backup-actions">
                <CopyButton text={codes.join("\n")} label={m.t("backup_codes.copy_all")} class="vb-copy-codes" />
                <a class="vb-button vb-button-secondary vb-download-codes" download={file_name(application_name)} {href}>{ m.t("backup_codes.download") }</a>
                <button class="vb-button vb-button-secondary vb-print-codes" type="button" onclick={print}>{ m.t("backup_codes.print") }</button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{file_name, file_text};

    #[test]
    fn the_file_is_named_for_the_application() {
        assert_eq!(file_name("Vestibule"), "Vestibule_backup_codes.txt");
        assert_eq!(file_name("Vestibule Demo"), "Vestibule_Demo_backup_codes.txt");
        assert_eq!(file_name("A/B: C"), "A_B__C_backup_codes.txt");
        assert_eq!(file_name("  "), "backup_codes.txt");
    }

    #[test]
    fn the_file_has_one_code_a_line() {
        let text = file_text("Vestibule backup codes", &["abcde-fghjk-mnp".into(), "qrstv-wxyz2-345".into()]);
        assert!(text.starts_with("Vestibule backup codes\n"));
        assert!(text.ends_with("\nabcde-fghjk-mnp\nqrstv-wxyz2-345\n"));
    }
}
