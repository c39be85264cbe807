//! The example's HTML: every page shows what the middleware decided (user,
//! session status, organization) and the full URL it was asked for, so a
//! reader, and the end-to-end tests, can see where a journey ended.

use vestibule_middleware::{Auth, SignedState};

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The session status as Clerk spells it.
pub fn status_name(state: SignedState) -> &'static str {
    match state {
        SignedState::Active => "active",
        SignedState::Pending => "pending",
        SignedState::SignedOut => "signed-out",
    }
}

/// A whole page: the navigation, the auth facts (`#user-id`,
/// `#session-status`, `#org-id`, `#request-url`) and `body` (trusted HTML).
pub fn page(name: &str, title: &str, auth: &Auth, body: &str) -> String {
    let dash = "\u{2014}";
    format!(
        r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} · Example app</title></head>
<body>
<nav><a href="/">Home</a> · <a href="/dashboard">Dashboard</a> · <a href="/forum">Forum</a> · <a href="/custom">Custom</a></nav>
<main id="page" data-page="{name}">
<h1>{title}</h1>
<dl>
<dt>User</dt><dd id="user-id">{user}</dd>
<dt>Session status</dt><dd id="session-status">{status}</dd>
<dt>Organization</dt><dd id="org-id">{org}</dd>
<dt>Request URL</dt><dd id="request-url">{url}</dd>
</dl>
{body}
</main>
</body>
</html>
"#,
        name = escape(name),
        title = escape(title),
        user = escape(auth.user_id().unwrap_or(dash)),
        status = status_name(auth.session_status()),
        org = escape(auth.org_id().unwrap_or(dash)),
        url = escape(auth.original_url()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
