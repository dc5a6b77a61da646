//! A database outage, answered as one.
//!
//! When the database cannot be reached (see [`crate::domain::is_outage`]), whatever the
//! request was doing cannot be done, and the same request will work once the database is
//! back. Every such request is answered alike: `503 Service Unavailable`, `Retry-After`, and a
//! short page that says Encore cannot reach its database and to try again shortly (a
//! server function called from a script gets [`AppError::Unavailable`] as JSON instead). The
//! cause goes to the log, never to the page. Nobody is signed out by an outage: a session
//! that cannot be looked up is an outage too (see `session::attach_viewer`).
//!
//! A request learns of the outage deep inside a page's or a server function's data loading,
//! where the error becomes [`AppError::Unavailable`] ([`report`] marks the request then), and
//! [`answer_outages`] replaces whatever the page made of it with the outage answer. Nothing
//! here holds state between requests: the first request after the database returns is
//! served normally.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// Marks one request as having met an outage (a request extension, shared by its clones).
#[derive(Clone, Default)]
pub struct Outage(Arc<AtomicBool>);

impl Outage {
    fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Marks the request being answered (if any) as having met a database outage. Called where
/// a database error becomes [`AppError::Unavailable`]; outside a request it does nothing.
pub fn report() {
    if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>()
        && let Some(outage) = parts.extensions.get::<Outage>()
    {
        outage.mark();
    }
}

/// Seconds a client is asked to wait before trying again.
const RETRY_AFTER_SECONDS: &str = "5";

/// Answers a request that met an outage with [`response`], whatever its handler made of it.
pub async fn answer_outages(mut request: Request, next: Next) -> Response {
    let outage = Outage::default();
    request.extensions_mut().insert(outage.clone());
    let wants_json = wants_json(request.uri().path(), request.headers());
    let response = next.run(request).await;
    if outage.happened() {
        respond(wants_json)
    } else {
        response
    }
}

/// The outage answer for a request with this path and these headers.
pub fn response(path: &str, headers: &HeaderMap) -> Response {
    respond(wants_json(path, headers))
}

/// A server function called by a script (not a browser form post, which accepts HTML) reads
/// the error as JSON, as it reads every other error.
fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    let accepts_html = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("text/html"));
    path.starts_with("/api/") && !accepts_html
}

fn respond(json: bool) -> Response {
    let mut response = if json {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(AppError::Unavailable),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page(),
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page, made without the database (and without Leptos, whose pages read it).
fn page() -> String {
    let message = AppError::Unavailable.to_string();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Encore is unavailable</title>\
         <link rel=\"stylesheet\" href=\"/pkg/encore.css\"></head>\
         <body><main id=\"main\" class=\"mx-auto max-w-3xl px-4 py-16 text-center\">\
         <h1 class=\"text-2xl font-semibold\">Encore can't reach its database</h1>\
         <p class=\"mt-2 text-slate-600\" role=\"alert\">{message}</p>\
         <p class=\"mt-2 text-slate-600\">You are still logged in.</p>\
         <a href=\"/\" class=\"mt-6 inline-block text-link\">Back to your stores</a>\
         </main></body></html>\n"
    )
}
