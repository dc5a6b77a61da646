//! `/store/{store_id}/customers/new`: record a manual sale.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RecordPurchasePage() -> impl IntoView {
    view! { <Title text="Record purchase" /> <h1 class="text-2xl font-semibold">"Record purchase"</h1> }
}
