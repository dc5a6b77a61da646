//! Rate limits on the account endpoints:
//!
//! * per client, on log-in, sign-up and password changes (each runs Argon2): a burst, then
//!   one attempt per period (`ENCORE_AUTH_RATE_LIMIT`). A client is its IPv4 address, or its
//!   IPv6 /64 (one host can use any address of its network). Behind a reverse proxy listed
//!   in `ENCORE_TRUSTED_PROXIES`, the client is the address the proxy forwarded (see
//!   `server::proxy`); forwarding headers from anyone else are ignored;
//! * per email, on failed log-ins, wherever they come from (`ENCORE_LOGIN_FAILURE_LIMIT`):
//!   see [`FailedLogins`].
//!
//! Its own module, below the state: the state holds the limiters, and the middleware needs
//! nothing but its limiter.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::proxy::TrustedProxies;
use super::settings::AuthRateLimit;

/// Attempts per client address on the account endpoints.
pub struct AuthLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// How long a refused client should wait, for `Retry-After`.
    period: std::time::Duration,
    /// Whose forwarding headers name the client.
    proxies: TrustedProxies,
}

impl AuthLimiter {
    pub fn new(rate: AuthRateLimit, proxies: TrustedProxies) -> AuthLimiter {
        let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(rate.period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        AuthLimiter {
            limiter: RateLimiter::keyed(quota),
            period: rate.period,
            proxies,
        }
    }

    fn allow(&self, client: IpAddr) -> bool {
        // Forget clients that have been quiet, so the table cannot grow without bound.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client_key(client)).is_ok()
    }
}

/// Who a client is for the limit: an IPv4 address (also when it arrives IPv4-mapped), or
/// the /64 network of an IPv6 address: a host is given a whole /64 and can pick any address
/// in it, so one address per key would be no limit at all.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// Failed log-ins per email, from any address: a guesser spreading attempts over many
/// addresses still gets `burst` tries, then one per `period`. Unknown emails are counted the
/// same way, so the limit says nothing about which accounts exist. The real owner is kept
/// out at most one period after the last failure.
///
/// A generic cell rate (GCRA), kept by hand because it must be asked before the password is
/// checked and refunded after a success, which `governor` cannot do (a check always spends).
pub struct FailedLogins {
    rate: AuthRateLimit,
    /// Per email: when its allowance is whole again (in the past when it is).
    full_at: Mutex<HashMap<String, Instant>>,
}

/// Emails longer than this cannot be an account's; the key keeps only this much.
const MAX_KEY_BYTES: usize = 320;

impl FailedLogins {
    pub fn new(rate: AuthRateLimit) -> FailedLogins {
        FailedLogins {
            rate: AuthRateLimit {
                burst: rate.burst.max(1),
                period: rate.period,
            },
            full_at: Mutex::new(HashMap::new()),
        }
    }

    /// The key for a typed email: trimmed, lower-cased, bounded.
    pub fn key(email: &str) -> String {
        let mut key = email.trim().to_lowercase();
        if key.len() > MAX_KEY_BYTES {
            let mut end = MAX_KEY_BYTES;
            while !key.is_char_boundary(end) {
                end -= 1;
            }
            key.truncate(end);
        }
        key
    }

    /// Takes one attempt for `key` before its password is checked, counted as a failure
    /// until [`FailedLogins::succeeded`] says otherwise (so parallel guesses cannot all slip
    /// in before the first one fails). `Err(wait)` when the email must wait.
    ///
    /// # Errors
    /// How long until the next attempt is allowed.
    pub fn attempt(&self, key: &str) -> Result<(), Duration> {
        self.attempt_at(key, Instant::now())
    }

    /// The attempt for `key` succeeded: it does not count.
    pub fn succeeded(&self, key: &str) {
        let mut table = self.table();
        if let Some(full_at) = table.get_mut(key) {
            *full_at = full_at
                .checked_sub(self.rate.period)
                .unwrap_or_else(Instant::now);
        }
    }

    fn attempt_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut table = self.table();
        if table.len() > 10_000 {
            table.retain(|_, full_at| *full_at > now);
        }
        let full_at = table
            .get(key)
            .copied()
            .filter(|at| *at > now)
            .unwrap_or(now);
        // `burst` attempts fit in the allowance; each one spends a period of it.
        let allowance = self.rate.period * (self.rate.burst - 1);
        let spent = full_at - now;
        if spent > allowance {
            return Err(spent - allowance);
        }
        table.insert(key.to_owned(), full_at + self.rate.period);
        Ok(())
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // A panic while holding the lock leaves a table of instants, still valid.
        self.full_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Shared by the router and the state.
pub type SharedLimiter = Arc<AuthLimiter>;

/// The server functions that hash or check a password.
const RATE_LIMITED_PATHS: [&str; 3] = ["/api/auth/login", "/api/auth/signup", "/api/auth/password"];

/// Answers 429 when a client tries to log in or sign up too often.
pub async fn limit_auth_attempts(
    State(limiter): State<SharedLimiter>,
    request: Request,
    next: Next,
) -> Response {
    if !RATE_LIMITED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = limiter.proxies.client_address(peer, request.headers());
    if limiter.allow(client) {
        return next.run(request).await;
    }
    tracing::warn!(%client, %peer, path = request.uri().path(), "too many account attempts");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_bit_prefix() {
        let limiter = AuthLimiter::new(
            AuthRateLimit {
                burst: 1,
                period: std::time::Duration::from_secs(60),
            },
            TrustedProxies::default(),
        );
        assert!(limiter.allow(ip("2001:db8:1:2::1")));
        // One host picks any address in its /64: all of them are one client.
        assert!(!limiter.allow(ip("2001:db8:1:2:ffff:ffff:ffff:9")));
        assert!(limiter.allow(ip("2001:db8:1:3::1")), "another network");
        assert!(limiter.allow(ip("192.0.2.1")));
        assert!(
            !limiter.allow(ip("::ffff:192.0.2.1")),
            "the same IPv4 client"
        );
        assert!(limiter.allow(ip("192.0.2.2")), "IPv4 addresses stay apart");
    }

    #[test]
    fn failed_log_ins_lock_an_email_for_at_most_a_period() {
        let failures = FailedLogins::new(AuthRateLimit {
            burst: 3,
            period: Duration::from_secs(60),
        });
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        for _ in 0..3 {
            assert_eq!(failures.attempt_at("ada@example.com", at(0)), Ok(()));
        }
        assert_eq!(
            failures.attempt_at("ada@example.com", at(0)),
            Err(Duration::from_secs(60))
        );
        assert_eq!(failures.attempt_at("ben@example.com", at(0)), Ok(()));
        assert_eq!(
            failures.attempt_at("ada@example.com", at(45)),
            Err(Duration::from_secs(15))
        );
        // A period later, one more try.
        assert_eq!(failures.attempt_at("ada@example.com", at(60)), Ok(()));
        assert!(failures.attempt_at("ada@example.com", at(61)).is_err());
        // After a quiet spell, the whole allowance again.
        for _ in 0..3 {
            assert_eq!(failures.attempt_at("ada@example.com", at(600)), Ok(()));
        }
    }

    #[test]
    fn a_successful_log_in_does_not_count() {
        let failures = FailedLogins::new(AuthRateLimit {
            burst: 2,
            period: Duration::from_secs(60),
        });
        for _ in 0..10 {
            assert_eq!(failures.attempt("ada@example.com"), Ok(()));
            failures.succeeded("ada@example.com");
        }
        assert_eq!(
            FailedLogins::key("  ADA@Example.com "),
            "ada@example.com".to_owned()
        );
        assert_eq!(FailedLogins::key(&"é".repeat(1000)).len(), 320);
    }
}
