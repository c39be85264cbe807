//! The hosted portal: the library's `App`, rendered into the page body.

fn main() {
    yew::Renderer::<vestibule_portal::App>::new().render();
}
