//! `/store/{store_id}/customers/{customer_id}`: one customer's history, and refunds.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CustomerDetailPage() -> impl IntoView {
    view! { <Title text="Customer" /> <h1 class="text-2xl font-semibold">"Customer"</h1> }
}

#[component]
pub fn RefundPage() -> impl IntoView {
    view! { <Title text="Refund" /> <h1 class="text-2xl font-semibold">"Refund"</h1> }
}
