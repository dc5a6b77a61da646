//! Defences that apply to every request, whatever handler answers it:
//!
//! * cross-site request protection for state-changing requests (server functions do none
//!   themselves): `tower_http::csrf`, which checks `Sec-Fetch-Site` and `Origin`;
//! * a limit on request bodies;
//! * response headers that stop sniffing, framing and referrer leaks, and a strict Content
//!   Security Policy (pages get one with their script nonce, see [`PageNonce`]); over HTTPS,
//!   HSTS.
//!
//! The rate limit on log-in and sign-up is in `rate_limit`.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

/// Forms and server function arguments are small; nothing Encore accepts comes near this.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The policy for responses that are not pages (JSON, CSV, files): they run no script.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The policy for pages. Scripts must carry the response's nonce (Leptos adds it to the
/// hydration script and to streamed resources); WebAssembly may be compiled.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The nonce of the page a request may render. It is made here, before Leptos runs, so the
/// Content Security Policy header and the page's scripts always carry the same value,
/// whichever handler answers (a route, the not-found page).
#[derive(Clone)]
pub struct PageNonce(pub Nonce);

/// Leptos context for a page: render with the request's nonce (see [`PageNonce`]).
pub fn provide_page_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = nonce {
        provide_context(nonce);
    }
}

/// Whether Encore is served over HTTPS (`ENCORE_SECURE_COOKIES=true`): then every response
/// carries HSTS, so a browser that has seen the site once never tries it over plain HTTP,
/// where the session cookie could be stripped or a cookie planted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Https(pub bool);

/// A year, without `includeSubDomains` (other services may share the domain) or `preload`
/// (the operator's decision).
const HSTS: &str = "max-age=31536000";

/// Adds the headers every response carries.
pub async fn security_headers(
    State(Https(https)): State<Https>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    request.extensions_mut().insert(PageNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // A response that sets its own framing rule keeps it (only the campaign preview, which
    // Encore's own preview page frames); every other one is never framed.
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let policy = if is_html {
        // Base64url characters only, so always a valid header value.
        HeaderValue::from_str(&page_csp(&nonce)).unwrap_or(HeaderValue::from_static(API_CSP))
    } else {
        HeaderValue::from_static(API_CSP)
    };
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(policy);
    response
}

/// Gives a server function's error response the status its error means (404 for a store
/// that is not yours, 400 for invalid input, …) instead of the framework's blanket 500.
pub async fn error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response
            .headers()
            .contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::error::AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.http_status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}
