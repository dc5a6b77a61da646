//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::pages::account::{AccountPage, LoginPage, SignupPage};
use crate::pages::campaigns::{
    CampaignPage, CampaignPreviewPage, CampaignsPage, EmailSettingsPage, NewCampaignPage,
};
use crate::pages::customer_detail::{CustomerDetailPage, RefundPage};
use crate::pages::customers::CustomersPage;
use crate::pages::fan_profile::FanProfilePage;
use crate::pages::fans::{AddFanPage, BulkTagPage, FansPage};
use crate::pages::home::HomePage;
use crate::pages::not_built::AutomationsPage;
use crate::pages::not_found::NotFound;
use crate::pages::products::ProductsPage;
use crate::pages::record_purchase::RecordPurchasePage;
use crate::pages::store::{StoreIndex, StoreLayout};
use crate::pages::tags::TagsPage;

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
                // Islands mode: the wasm hydrates the page's islands only (see Cargo.toml).
                <IslandScripts options />
                // Links and forms fetch the next page and swap it in: no full reloads.
                <script type="module" nonce=leptos::nonce::use_nonce()>{include_str!("navigation.js")}</script>
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                // The first stop of the Tab key: past the top bar and the navigation.
                <a href="#main" class="skip-link">"Skip to main content"</a>
                <App />
            </body>
        </html>
    }
}

/// What Leptos's `<HydrationScripts islands=true>` writes, less its defect: it gives both
/// preload links the CSP nonce as their `crossorigin` value (leptos-rs/leptos#4843, fixed
/// upstream by #4844 after 0.8.23). That value is invalid HTML, and "anonymous" to a
/// browser only by luck of its error handling: Firefox then never claims the preload and
/// may abort it on a streamed page, racing the islands' start-up. Here the wasm's preload
/// says `crossorigin="anonymous"` (what wasm-bindgen's `fetch` asks for), the module's none
/// (module scripts are always fetched that way), and only the script carries the nonce.
/// Assumes `hash-files` is off, as it is in Cargo.toml and Leptos.toml.
#[component]
fn IslandScripts(options: LeptosOptions) -> impl IntoView {
    // Islands mode renders everything else without hydration markers and data.
    #[cfg(feature = "ssr")]
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    let module = format!("{pkg}.js");
    // cargo-leptos names the wasm after the crate and tells the build so; wasm-bindgen alone
    // adds `_bg` (the same rule as Leptos's).
    let wasm_suffix = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        ""
    } else {
        "_bg"
    };
    let wasm = format!("{pkg}{wasm_suffix}.wasm");
    let start = format!(
        "{}({module:?}, {wasm:?});",
        include_str!("islands.js").trim_end()
    );
    view! {
        <link rel="modulepreload" href=module />
        <link rel="preload" href=wasm r#as="fetch" r#type="application/wasm" crossorigin="anonymous" />
        <script type="module" nonce=leptos::nonce::use_nonce()>{start}</script>
    }
}

/// "Fans · Encore", as the text of the server's `<title>`. leptos_meta 0.8 writes the
/// formatted title into the HTML as it is (`leptos_meta::ServerMetaContextOutput`), so a
/// title made of user text (a fan's name) could close `<title>` and open a `<script>`:
/// escaped here with `html-escape`, the crate Leptos escapes text with (`<title>` decodes
/// entities). Only the server runs this: `App` is not an island.
fn page_title(page: String) -> String {
    html_escape::encode_text(&format!("{page} · Encore")).into_owned()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/encore.css" />
        <Title formatter=page_title />
        <Router>
            // Every page renders `Async`: the server waits for its data and sends complete
            // HTML, so pages work without JavaScript and can answer 404 or redirect.
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                <ParentRoute path=path!("/store/:store_id") view=StoreLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=StoreIndex />
                    // Static segments come before the :id routes they would also match.
                    <Route path=path!("customers") view=CustomersPage />
                    <Route path=path!("customers/new") view=RecordPurchasePage />
                    <Route path=path!("customers/:customer_id") view=CustomerDetailPage />
                    <Route
                        path=path!("customers/:customer_id/refund/:purchase_id")
                        view=RefundPage
                    />
                    <Route path=path!("products") view=ProductsPage />
                    <Route path=path!("campaigns") view=CampaignsPage />
                    <Route path=path!("campaigns/new") view=NewCampaignPage />
                    <Route path=path!("campaigns/settings") view=EmailSettingsPage />
                    <Route path=path!("campaigns/:campaign_id") view=CampaignPage />
                    <Route path=path!("campaigns/:campaign_id/preview") view=CampaignPreviewPage />
                    <Route path=path!("automations") view=AutomationsPage />
                    // The audience lives at /contacts; the UI calls its people "Fans".
                    <Route path=path!("contacts") view=FansPage />
                    <Route path=path!("contacts/new") view=AddFanPage />
                    <Route path=path!("contacts/bulk") view=BulkTagPage />
                    <Route path=path!("contacts/:fan_id") view=FanProfilePage />
                    <Route path=path!("tags") view=TagsPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
