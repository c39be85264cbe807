//! A page for paths the portal does not know (a `redirect_url` of the
//! application may end here when the portal is the only app on its origin).

use crate::components::card::Card;
use crate::route::Route;
use crate::session::hooks::use_messages;
use yew::prelude::*;
use yew_router::Routable;

/// The not-found page.
#[component]
pub fn NotFound() -> Html {
    let m = use_messages();
    html! {
        <Card title={m.t("not_found.title")} subtitle={Some(AttrValue::from(m.t("not_found.subtitle")))} class="vb-not-found">
            <a class="vb-button vb-button-primary" href={Route::Home.to_path()}>{ m.t("not_found.home") }</a>
        </Card>
    }
}
