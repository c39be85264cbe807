//! A page for paths the portal does not know (a `redirect_url` of the
//! application may end here when the portal is the only app on its origin).

use crate::components::card::Card;
use crate::route::Route;
use yew::prelude::*;
use yew_router::Routable;

/// The not-found page.
#[component]
pub fn NotFound() -> Html {
    html! {
        <Card title="Nothing here" subtitle={Some(AttrValue::from("This page is not part of the account portal."))} class="vb-not-found">
            <a class="vb-button vb-button-primary" href={Route::Home.to_path()}>{ "Go to your account" }</a>
        </Card>
    }
}
