//! `/store/{store_id}/contacts`: the audience builder (labelled "Fans"), the "Add fan" form
//! and the bulk-tag confirmation.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FansPage() -> impl IntoView {
    view! {
        <Title text="Fans" />
        <h1 class="text-2xl font-semibold tracking-tight">"Fans"</h1>
        <p class="mt-2 text-slate-600">"This page is not built yet."</p>
    }
}

#[component]
pub fn AddFanPage() -> impl IntoView {
    view! { <Title text="Add fan" /> <h1 class="text-2xl font-semibold">"Add fan"</h1> }
}

#[component]
pub fn BulkTagPage() -> impl IntoView {
    view! { <Title text="Tag fans" /> <h1 class="text-2xl font-semibold">"Tag fans"</h1> }
}
