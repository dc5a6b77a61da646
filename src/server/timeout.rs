//! A ceiling on how long any request may take.
//!
//! A request that outlives it is answered 503 and its work is dropped. The ceiling sits far
//! above what a page or an export needs (milliseconds; seconds for a large export). It
//! bounds what a stalled request can cost: a visitor waiting on a page that never ends,
//! and the memory and tasks held for it.
//!
//! Not `tower_http::timeout::TimeoutLayer`: it answers with an empty body and logs nothing,
//! so it would need a second layer to tell the visitor what happened and to log the
//! request that ran out of time (a plain 503 in the request log looks like `/readyz`
//! without a database). `tokio::time::timeout`, which that layer is built on as well, does
//! all three here.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Runs the request under `limit`, the configured ceiling (`ENCORE_REQUEST_TIMEOUT`). The
/// error it logs falls inside the request log's span, which names the method and path.
pub async fn limit_request_time(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(?limit, "a request ran out of time and was dropped");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "This took too long to answer. Please try again in a moment.",
            )
                .into_response()
        }
    }
}
