//! Every screen on small screens and zoomed: at 320 × 640 CSS px and at
//! 1280 × 800 with 200 % zoom (a 640 × 400 CSS viewport at two device
//! pixels per CSS pixel) the page does not scroll sideways, nothing in the
//! card runs past its edge, and every control is at least 24 × 24 CSS px
//! (WCAG 2.2's target size; a link inside a sentence is exempt). axe-core
//! (pinned in compat/'s lockfile; `VESTIBULE_AXE` names its `axe.min.js`)
//! finds no violation of the WCAG 2.0/2.1 A and AA, WCAG 2.2 AA and
//! best-practice rules, in light and in dark. Each screen is also saved at
//! 320 and 1100 px wide, light and dark, as test artifacts
//! (`layout-<screen>-<width>-<scheme>.png`).

use super::{workspace_root, Browser};
use serde_json::json;

/// Runs in the page: what breaks the rules above, as sentences (empty when
/// nothing does).
const PROBLEMS: &str = r#"
const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
const problems = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth) problems.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
const card = document.querySelector('.vb-card');
if (card) {
  const edge = card.getBoundingClientRect();
  for (const el of card.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > edge.right + 0.5 || r.left < edge.left - 0.5) {
      problems.push(`${name(el)} runs past the card: [${r.left}, ${r.right}] in [${edge.left}, ${edge.right}]`);
    }
    const style = getComputedStyle(el);
    if (el.clientWidth > 0 && style.overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} overflows: ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
}
for (const el of document.querySelectorAll('button, a[href], input, select, textarea, [role=button]')) {
  let r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (el.tagName === 'A' && getComputedStyle(el).display === 'inline' && el.closest('p')) continue;
  // A checkbox is clicked through its label as well.
  const label = el.closest('label');
  if ((el.type === 'checkbox' || el.type === 'radio') && label) r = label.getBoundingClientRect();
  if (r.width < 24 || r.height < 24) problems.push(`${name(el)} is ${r.width} × ${r.height} px`);
}
return problems;
"#;

/// Runs in the page once axe-core is loaded: its violations of the rule
/// sets, as `rule: target, target` sentences.
const AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  resultTypes: ['violations'],
}).then(
  (r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)),
  (e) => done([`axe failed: ${e}`]),
);
"#;

/// axe-core's source, read once.
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os("VESTIBULE_AXE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("compat/node_modules/axe-core/axe.min.js"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("axe-core at {}: {e} (cargo xtask compat installs it)", path.display()))
    })
}

/// The sizes the rules are checked at: CSS width, height, device pixels
/// per CSS pixel.
const CHECKED: [(u32, u32, u32); 2] = [(320, 640, 1), (640, 400, 2)];

impl Browser {
    /// Checks the screen on show as `screen` at every size of [`CHECKED`]
    /// and saves its pictures; fails with what broke, and where.
    pub async fn check_layout(&self, screen: &str) {
        let mut broken = Vec::new();
        for (width, height, scale) in CHECKED {
            self.viewport(width, height, scale).await;
            let found = self.js(PROBLEMS).await;
            for problem in found.as_array().into_iter().flatten() {
                broken.push(format!("{width} × {height} (×{scale}): {}", problem.as_str().unwrap_or_default()));
            }
        }
        for scheme in ["light", "dark"] {
            self.cdp_call("Emulation.setEmulatedMedia", json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] })).await;
            self.viewport(1100, 800, 1).await;
            for violation in self.axe().await {
                broken.push(format!("axe, {scheme}: {violation}"));
            }
            for width in [320, 1100] {
                self.viewport(width, 800, 1).await;
                self.shot(&format!("layout-{screen}-{width}-{scheme}")).await;
            }
        }
        self.cdp_call("Emulation.setEmulatedMedia", json!({ "features": [] })).await;
        self.cdp_call("Emulation.clearDeviceMetricsOverride", json!({})).await;
        if !broken.is_empty() {
            self.fail(&format!("the {screen} screen breaks a rule:\n  {}", broken.join("\n  "))).await;
        }
    }

    /// axe-core's violations on the page as it is.
    async fn axe(&self) -> Vec<String> {
        let loaded = self.js("return typeof window.axe !== 'undefined';").await;
        if loaded != json!(true) {
            self.execute(axe_source(), Vec::new()).await.unwrap_or_else(|e| panic!("loading axe-core: {e}"));
        }
        let found = self.execute_async(AXE, Vec::new()).await.unwrap_or_else(|e| panic!("axe.run: {e}"));
        found.json().as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect()
    }

    async fn viewport(&self, width: u32, height: u32, scale: u32) {
        let metrics = json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": false });
        self.cdp_call("Emulation.setDeviceMetricsOverride", metrics).await;
    }

    async fn cdp_call(&self, method: &str, params: serde_json::Value) {
        self.cdp().send_raw(method, params).await.unwrap_or_else(|e| panic!("{method}: {e}"));
    }
}
