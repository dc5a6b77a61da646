//! `/store/{store_id}/products`: what the store sells.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProductsPage() -> impl IntoView {
    view! { <Title text="Products" /> <h1 class="text-2xl font-semibold">"Products"</h1> }
}
