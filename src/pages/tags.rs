//! `/store/{store_id}/tags`: the store's tags with their fan counts.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TagsPage() -> impl IntoView {
    view! { <Title text="Tags" /> <h1 class="text-2xl font-semibold">"Tags"</h1> }
}
