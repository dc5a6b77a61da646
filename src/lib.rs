//! Encore: customers and fans for independent music creators.
//!
//! One crate, two builds: `ssr` (the server binary) and `hydrate` (the wasm that makes pages
//! interactive). Server-only modules are gated here, and only here.

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

/// Entry point of the wasm build: attaches event handlers to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Marks the page as interactive; end-to-end tests wait for it before clicking.
    if let Some(root) = leptos::prelude::document().document_element() {
        root.set_attribute("data-hydrated", "true").ok();
    }
}
