//! Store sections whose pages are still to come. They say so plainly instead of showing
//! made-up numbers.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::pages::store::RequireStore;

#[component]
fn NotBuiltYet(title: &'static str, purpose: &'static str) -> impl IntoView {
    view! {
        <RequireStore>
            <Title text=title />
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            <p class="mt-1 text-slate-600">{purpose}</p>
            <div class="mt-8 rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
                <p class="font-medium">"This page is not built yet."</p>
                <p class="mt-1 text-sm text-slate-600">
                    "It is on the way. Nothing here is placeholder data."
                </p>
            </div>
        </RequireStore>
    }
}

#[component]
pub fn AutomationsPage() -> impl IntoView {
    view! {
        <NotBuiltYet
            title="Automations"
            purpose="Emails that go out by themselves when a fan does something."
        />
    }
}
