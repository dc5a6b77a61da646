//! A rate limit on log-in and sign-up per client address: a burst, then one attempt per
//! period (`ENCORE_AUTH_RATE_LIMIT`). Its own module, below the state: the state holds a
//! limiter, and the middleware needs nothing but that limiter.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::settings::AuthRateLimit;

/// Attempts per client address on the account endpoints.
pub struct AuthLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// How long a refused client should wait, for `Retry-After`.
    period: std::time::Duration,
}

impl AuthLimiter {
    pub fn new(rate: AuthRateLimit) -> AuthLimiter {
        let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(rate.period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        AuthLimiter {
            limiter: RateLimiter::keyed(quota),
            period: rate.period,
        }
    }

    fn allow(&self, client: IpAddr) -> bool {
        // Forget clients that have been quiet, so the table cannot grow without bound.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).is_ok()
    }
}

/// Shared by the router and the state.
pub type SharedLimiter = Arc<AuthLimiter>;

/// The server functions that check a password.
const RATE_LIMITED_PATHS: [&str; 2] = ["/api/auth/login", "/api/auth/signup"];

/// Answers 429 when a client tries to log in or sign up too often.
pub async fn limit_auth_attempts(
    State(limiter): State<SharedLimiter>,
    request: Request,
    next: Next,
) -> Response {
    if !RATE_LIMITED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    if limiter.allow(client) {
        return next.run(request).await;
    }
    tracing::warn!(%client, path = request.uri().path(), "too many account attempts");
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let retry = limiter.period.as_secs().to_string();
    let mut response = if wants_html {
        (
            StatusCode::TOO_MANY_REQUESTS,
            Html(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Too many attempts · Encore</title></head>\
                 <body><h1>Too many attempts</h1><p>Please wait a little, then try again.</p>\
                 <p><a href=\"/login\">Back to log in</a></p></body></html>",
            ),
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(crate::error::AppError::RateLimited),
        )
            .into_response()
    };
    if let Ok(value) = HeaderValue::from_str(&retry) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
