//! A QR code drawn as SVG in the browser from the text it encodes (the
//! authenticator app's `otpauth://` URI): no image request, and the secret
//! never leaves the page.

use qrcodegen::{QrCode, QrCodeEcc};
use yew::prelude::*;

/// The quiet zone around the code, in modules (the standard asks for 4).
const BORDER: i32 = 4;

/// The side of the drawing in modules and one SVG path of its dark
/// modules (one rectangle per run of dark modules in a row); `None` when
/// the text does not fit in a QR code.
pub fn qr_path(text: &str) -> Option<(i32, String)> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !qr.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && qr.get_module(x, y) {
                x += 1;
            }
            let run = x - start;
            path.push_str(&format!("M{},{}h{run}v1h-{run}z", start + BORDER, y + BORDER));
        }
    }
    Some((size + 2 * BORDER, path))
}

/// The QR code of `text` as an SVG image; `label` is what a screen reader
/// says instead. A plain function, not a component: it has no state.
pub fn qr_svg(text: &str, label: &str) -> Html {
    let Some((side, path)) = qr_path(text) else {
        return Html::default();
    };
    let view_box = format!("0 0 {side} {side}");
    html! {
        <svg class="vb-qr" role="img" aria-label={label.to_string()} viewBox={view_box}
            xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">
            <rect width="100%" height="100%" fill="#fff" />
            <path d={path} fill="#000" />
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::qr_path;

    #[test]
    fn the_path_draws_the_finder_patterns_inside_the_quiet_zone() {
        let uri = "otpauth://totp/Vestibule:ada%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Vestibule&algorithm=SHA1&digits=6&period=30";
        let (side, path) = qr_path(uri).expect("fits");
        // Version 5 or more for this length: 37 modules or more, plus the border.
        assert!(side >= 37 + 8, "{side}");
        // The top-left finder pattern: a row of 7 dark modules at the border,
        // then the same row ends with the top-right one.
        assert!(path.starts_with("M4,4h7v1h-7z"), "{}", &path[..40]);
        assert!(path.contains(&format!("M{},4h7v1h-7z", side - 4 - 7)));
        // Its second row: dark, 5 light, dark.
        assert!(path.contains("M4,5h1v1h-1zM10,5h1v1h-1z"));
        assert!(qr_path(&"x".repeat(5000)).is_none());
    }
}
