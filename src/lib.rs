//! Encore: customers and fans for independent music creators.
//!
//! One crate, two builds: `ssr` (the server binary, which renders every page) and `hydrate`
//! (the wasm that runs a page's islands). Server-only modules are gated here, and only here.

// Leptos views are deeply nested types; their layout needs more than the default 128.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod dto;
pub mod error;
pub mod format;
pub mod money;
pub mod pages;
pub mod params;
pub mod url;
pub mod vocab;

#[cfg(feature = "ssr")]
pub mod domain;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod tools;

/// Entry point of the wasm build. Leptos's island script calls it once the wasm is loaded,
/// then hydrates each `#[island]` of the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    // Marks the page as interactive; end-to-end tests wait for it before using an island.
    if let Some(root) = leptos::prelude::document().document_element() {
        root.set_attribute("data-hydrated", "true").ok();
    }
}
