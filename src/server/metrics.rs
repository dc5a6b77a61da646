//! `GET /metrics`: what an operator graphs and alerts on, in Prometheus's text format.
//!
//! * `encore_http_request_duration_seconds{method, route, status}`: a latency histogram of
//!   every request (its `_count` is the number of requests). `route` is the route's pattern
//!   (`/store/{store_id}/customers`), never the path a visitor typed, so the number of
//!   series stays bounded whatever is requested; anything no route matched (static files,
//!   unknown URLs) is `unmatched`.
//! * `encore_db_pool_connections{state="idle"|"in_use"}` and `encore_db_pool_max_connections`:
//!   the connection pool, read when scraped.
//! * `encore_campaign_queue_messages` and `encore_campaign_queue_oldest_due_seconds`: campaign
//!   messages waiting to be sent, and how long the longest-waiting one has been due;
//!   `encore_database_up` is 0 when the database did not answer for them.
//!
//! Not public: it is served only when `ENCORE_METRICS_TOKEN` is set, to a request carrying
//! `Authorization: Bearer <token>`; otherwise `/metrics` is not there (404).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Gauge, HistogramOpts, HistogramVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};
use sea_orm::{DatabaseBackend, DatabaseConnection};
use sha2::{Digest, Sha256};

use super::state::AppState;
use crate::domain::campaigns::queue;
use crate::domain::time;

/// One server's metrics. Each server has its own registry (tests run many in one process).
pub struct Metrics {
    registry: Registry,
    requests: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    queue_messages: IntGauge,
    queue_oldest_due: Gauge,
    database_up: IntGauge,
}

/// Latency buckets, in seconds: pages take milliseconds, exports and outages seconds.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How long a scrape waits for the queue's figures.
const QUEUE_READ_TIMEOUT: Duration = Duration::from_secs(1);

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// # Panics
    /// Never: the names and labels below are valid and registered once.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "encore_http_request_duration_seconds",
                "Time to answer a request (to its headers), by route pattern and status.",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("a valid histogram");
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "encore_db_pool_connections",
                "Open database connections in the pool, idle or in use.",
            ),
            &["state"],
        )
        .expect("a valid gauge");
        let pool_max = IntGauge::new(
            "encore_db_pool_max_connections",
            "The most connections the pool opens.",
        )
        .expect("a valid gauge");
        let queue_messages = IntGauge::new(
            "encore_campaign_queue_messages",
            "Campaign messages waiting to be sent (queued or being sent).",
        )
        .expect("a valid gauge");
        let queue_oldest_due = Gauge::new(
            "encore_campaign_queue_oldest_due_seconds",
            "How long the campaign message that has waited longest has been due (0 if none).",
        )
        .expect("a valid gauge");
        let database_up = IntGauge::new(
            "encore_database_up",
            "1 if the database answered this scrape's queue query, 0 if not.",
        )
        .expect("a valid gauge");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(queue_messages.clone()),
            Box::new(queue_oldest_due.clone()),
            Box::new(database_up.clone()),
        ] {
            registry.register(collector).expect("registered once");
        }
        Metrics {
            registry,
            requests,
            pool_connections,
            pool_max,
            queue_messages,
            queue_oldest_due,
            database_up,
        }
    }

    fn observe(&self, method: &Method, route: &str, status: StatusCode, latency: Duration) {
        // Only the standard methods become label values: any other word a client sends
        // would be a new series.
        let method = match *method {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::HEAD => "HEAD",
            Method::PUT => "PUT",
            Method::DELETE => "DELETE",
            Method::PATCH => "PATCH",
            Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        self.requests
            .with_label_values(&[method, route, status.as_str()])
            .observe(latency.as_secs_f64());
    }

    /// Reads the pool and the queue, then renders every metric.
    async fn render(&self, db: &DatabaseConnection) -> String {
        let (size, idle, max) = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => {
                let pool = db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
        };
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool_connections.with_label_values(&["idle"]).set(idle);
        self.pool_connections
            .with_label_values(&["in_use"])
            .set((i64::from(size) - idle).max(0));
        self.pool_max.set(i64::from(max));

        let now = time::now();
        match tokio::time::timeout(QUEUE_READ_TIMEOUT, queue::backlog(db, now)).await {
            Ok(Ok(backlog)) => {
                self.database_up.set(1);
                self.queue_messages.set(backlog.waiting);
                let oldest = backlog
                    .oldest_due_at
                    .and_then(|due| (now - due).to_std().ok())
                    .unwrap_or_default();
                self.queue_oldest_due.set(oldest.as_secs_f64());
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "metrics: cannot read the send queue");
                self.database_up.set(0);
            }
            Err(_) => {
                tracing::warn!("metrics: the send queue did not answer in time");
                self.database_up.set(0);
            }
        }

        let mut text = String::new();
        if let Err(error) = TextEncoder::new().encode_utf8(&self.registry.gather(), &mut text) {
            tracing::error!(%error, "metrics: cannot render");
        }
        text
    }
}

/// Records every request's latency under its route pattern and status.
pub async fn record(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    metrics.observe(&method, &route, response.status(), started.elapsed());
    response
}

/// `GET /metrics`, for the holder of `ENCORE_METRICS_TOKEN` only.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.settings.metrics_token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !bearer_matches(&headers, &token.0) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "A metrics token is required.",
        )
            .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&state.db).await,
    )
        .into_response()
}

/// Whether the request carries `Authorization: Bearer <token>`. The digests are compared,
/// so the time taken says nothing about how much of the token was right.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}
