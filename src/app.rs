//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::home::HomePage;
use crate::pages::not_built::{AutomationsPage, CampaignsPage, CustomersPage, FansPage};
use crate::pages::not_found::NotFound;
use crate::pages::store::{StoreIndex, StoreLayout};

/// The document around every page, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/encore.css" />
        <Title formatter=|page: String| format!("{page} · Encore") />
        <Router>
            // Every page renders `Async`: the server waits for its data and sends complete
            // HTML, so pages work without JavaScript and can answer 404 or redirect.
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <ParentRoute path=path!("/store/:store_id") view=StoreLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=StoreIndex />
                    <Route path=path!("customers") view=CustomersPage />
                    <Route path=path!("campaigns") view=CampaignsPage />
                    <Route path=path!("automations") view=AutomationsPage />
                    // The audience lives at /contacts; the UI calls its people "Fans".
                    <Route path=path!("contacts") view=FansPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
