//! The HTTP surface: probes, server functions and pages (Leptos), static files, and one log
//! line per request.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use axum::routing::get;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;
use tracing::Span;

use axum::middleware;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;

use super::state::AppState;
use super::{
    campaign_files, document, export, flash, health, metrics, outage, rate_limit, security,
    session, timeout, unsubscribe,
};
use crate::app::{App, shell};

/// The app's page routes, listed once per process.
///
/// Leptos lists routes by rendering the whole app, and while it does so it suspends the
/// loading of every resource in the process (`leptos::server::SuppressResourceLoad` sets a
/// process-wide flag): a page that starts loading its data at that moment waits forever.
/// Listed once, before any router serves, the routes never open that window again, even
/// in a process that builds several routers (the integration tests build one per test;
/// their pages hung that way).
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Leptos context for every page: the response's script nonce and the visitor's form flash.
fn page_context() {
    security::provide_page_nonce();
    flash::provide_page_flash();
}

/// Builds the whole application router around `state`.
pub fn build(state: AppState) -> Router {
    let routes = page_routes();
    let leptos_options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::serve))
        .route(
            "/store/{store_id}/customers.csv",
            get(export::customers_csv),
        )
        .route(
            "/store/{store_id}/campaigns/{campaign_id}/preview.html",
            get(campaign_files::preview),
        )
        .route(
            "/store/{store_id}/campaigns/{campaign_id}/outbox",
            get(campaign_files::outbox_list),
        )
        .route(
            "/store/{store_id}/campaigns/{campaign_id}/outbox/{file}",
            get(campaign_files::outbox_message),
        )
        .leptos_routes_with_context(&state, routes, page_context, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(page_context, shell))
        // Layers run bottom-up for a request: metrics, log, closing tags, headers, time
        // limit, the outage answer, CSRF, body limit, rate limit, the viewer's session, then
        // form flashes (they need the viewer).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            flash::take_for_page,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            flash::keep_form_posts,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::attach_viewer,
        ))
        .layer(middleware::from_fn(security::error_status))
        .layer(middleware::from_fn_with_state(
            state.auth_limiter.clone(),
            rate_limit::limit_auth_attempts,
        ))
        // One limit for every body, whoever reads it: a declared length over it is answered
        // 413 at once, and a body that grows past it fails as it is read. (axum's
        // `DefaultBodyLimit`, 2 MiB, only governs its own extractors and never comes into
        // play under this one.)
        .layer(RequestBodyLimitLayer::new(security::MAX_BODY_BYTES))
        .layer(CsrfLayer::new())
        // The one route the cross-site check does not cover (added after its layer): the
        // unsubscribe link is opened and posted from mail clients, and carries a signed
        // token instead (see `unsubscribe`).
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe::show)
                .post(unsubscribe::confirm)
                .layer(RequestBodyLimitLayer::new(security::MAX_BODY_BYTES)),
        )
        // A request that met a database outage is answered 503 with the outage page,
        // whatever its page or server function made of the error.
        .layer(middleware::from_fn(outage::answer_outages))
        // The limit alone, not the whole state: this layer's state is cloned per request.
        .layer(middleware::from_fn_with_state(
            state.settings.request_timeout,
            timeout::limit_request_time,
        ))
        .layer(middleware::from_fn_with_state(
            security::Https(state.settings.secure_cookies),
            security::security_headers,
        ))
        .layer(middleware::from_fn(document::close_document_last))
        // One line per request: `request{method=GET path=/}: status=200 latency_ms=3.1`,
        // at error level for a server error. Query strings are left out: they can hold
        // emails and search terms.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(
                    |response: &Response<Body>, latency: Duration, _span: &Span| {
                        let status = response.status().as_u16();
                        let latency_ms = latency.as_secs_f64() * 1000.0;
                        if response.status().is_server_error() {
                            tracing::error!(status, latency_ms);
                        } else {
                            tracing::info!(status, latency_ms);
                        }
                    },
                )
                .on_failure(()),
        )
        // Outermost, so every answer is counted, the ones the layers above give included.
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::record,
        ))
        .with_state(state)
}
