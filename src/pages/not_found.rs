//! The page for an unknown URL or a store that does not exist; answers 404.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::layout::TopBar;

/// A whole page: for URLs outside any store, and for a store that is not there.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <TopBar />
        <main id="main" tabindex="-1" class="mx-auto max-w-3xl px-4 py-16 text-center">
            <NotFoundMessage />
        </main>
    }
}

/// Just the message, for a page inside a store's layout (an unknown customer or fan): the
/// store's bar and navigation stay around it.
#[component]
pub fn NotFoundMessage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }

    view! {
        <Title text="Not found" />
        <section class="py-12 text-center">
            <h1 class="text-2xl font-semibold">"We couldn't find that page"</h1>
            <p class="mt-2 text-slate-600">
                "The link may be mistyped, or the store may no longer exist."
            </p>
            <a href="/" class="mt-6 inline-block text-link">
                "Back to your stores"
            </a>
        </section>
    }
}
