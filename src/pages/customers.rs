//! `/store/{store_id}/customers`: the revenue dashboard and the customer list.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn CustomersPage() -> impl IntoView {
    view! {
        <Title text="Customers" />
        <h1 class="text-2xl font-semibold tracking-tight">"Customers"</h1>
        <p class="mt-2 text-slate-600">"This page is not built yet."</p>
    }
}
