//! `/store/{store_id}/contacts/{fan_id}`: one fan's profile.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FanProfilePage() -> impl IntoView {
    view! { <Title text="Fan" /> <h1 class="text-2xl font-semibold">"Fan"</h1> }
}
