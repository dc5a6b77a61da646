//! A ceiling on how long any request may take.
//!
//! A request that outlives it is answered 503 and its work is dropped. The ceiling sits far
//! above what a page or an export needs (milliseconds; seconds for a large export). It
//! bounds what a stalled request can cost: a visitor waiting on a page that never ends,
//! and the memory and tasks held for it.

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
