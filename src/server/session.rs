//! Who is making a request: the session cookie, resolved once per request by a middleware
//! and handed to server functions and handlers as a request extension.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;

use super::outage;
use super::state::AppState;
use crate::domain::accounts::creators::{self, SessionToken, SignedIn};
use crate::domain::accounts::stores;
use crate::domain::time;
use crate::dto::StoreSummary;
use crate::error::AppError;

/// The session cookie's name over plain HTTP (development).
pub const COOKIE: &str = "encore_session";

/// The session cookie's name when it is `Secure`. Browsers accept a `__Host-` cookie only
/// from a secure origin, host-only (no `Domain`) and for `Path=/`, so a sibling subdomain or
/// a plain-HTTP response cannot plant one beside it.
pub const SECURE_COOKIE: &str = "__Host-encore_session";

/// The session cookie's name for this deployment.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { COOKIE }
}

/// The request's viewer: who is signed in (if anyone) and the session token they sent.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub signed_in: Option<SignedIn>,
    pub token: Option<SessionToken>,
    /// Their active stores, read at most once per request. A store page's frame lists them
    /// for the switcher, and each of the page's server functions checks its store against
    /// them; every clone of the viewer shares this one read.
    stores: Arc<OnceCell<Vec<StoreSummary>>>,
}

impl Viewer {
    /// The viewer of one request; their stores are read when first asked for.
    pub fn new(signed_in: Option<SignedIn>, token: Option<SessionToken>) -> Viewer {
        Viewer {
            signed_in,
            token,
            stores: Arc::default(),
        }
    }

    /// The signed-in creator's active stores, newest first, as of the first call in this
    /// request.
    ///
    /// # Errors
    /// `Unauthorized` when nobody is signed in; database failures.
    pub async fn stores(&self, db: &DatabaseConnection) -> Result<&[StoreSummary], AppError> {
        let me = self.signed_in.as_ref().ok_or(AppError::Unauthorized)?;
        let stores = self
            .stores
            .get_or_try_init(|| stores::list_stores(db, me.creator_id))
            .await?;
        Ok(stores)
    }
}

/// Resolves the session cookie of every request that can touch data (static files and
/// probes skip the database).
pub async fn attach_viewer(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let needs_viewer = !(path.starts_with("/pkg/")
        || path == "/favicon.svg"
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics");
    if needs_viewer {
        let token = session_token(request.headers(), state.settings.secure_cookies);
        let signed_in = match &token {
            Some(token) => match creators::resolve_session(&state.db, token, time::now()).await {
                Ok(signed_in) => signed_in,
                // Who is asking is unknown, not "nobody": answered as anonymous, the request
                // would sign the creator out (a 401, the log-in page) for an outage.
                Err(error) => {
                    tracing::error!(%error, "resolving a session; answering 503");
                    return outage::response(request.uri().path(), request.headers());
                }
            },
            None => None,
        };
        request
            .extensions_mut()
            .insert(Viewer::new(signed_in, token));
    }
    next.run(request).await
}

/// The session token in the request's cookies, if it is well-formed and unambiguous.
///
/// Only the deployment's cookie name counts (over HTTPS, only the `__Host-` one). When the
/// request carries that cookie more than once with different values, one of them was
/// planted (for a longer path, or from a sibling subdomain, it even comes first) and
/// nothing says which: neither is trusted and the request is anonymous. A planted session
/// must never win, or the creator would work in someone else's account (login CSRF).
pub fn session_token(headers: &HeaderMap, secure: bool) -> Option<SessionToken> {
    let name = cookie_name(secure);
    let mut values = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned());
    let first = values.next()?;
    if values.any(|other| other != first) {
        tracing::warn!("two different session cookies arrived; neither is trusted");
        return None;
    }
    SessionToken::from_cookie(&first)
}

/// `Set-Cookie` for a new session: HttpOnly (no script reads it), SameSite=Lax (not sent
/// on cross-site POSTs), Secure when serving over HTTPS, lasting as long as a session can.
pub fn session_cookie(token: &SessionToken, secure: bool) -> String {
    Cookie::build((cookie_name(secure), token.as_str().to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(
            creators::ABSOLUTE.num_seconds(),
        ))
        .build()
        .to_string()
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> String {
    Cookie::build((cookie_name(secure), ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_locked_down() {
        let token = SessionToken::from_cookie("0123456789abcdef0123456789abcdef").unwrap();
        let cookie = session_cookie(&token, false);
        assert!(cookie.starts_with("encore_session=0123456789abcdef0123456789abcdef"));
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains("Secure"));
        let secure = session_cookie(&token, true);
        assert!(
            secure.starts_with("__Host-encore_session=") && secure.contains("Secure"),
            "{secure}"
        );
        assert!(!secure.contains("Domain"), "{secure}");
        assert!(cleared_cookie(false).contains("Max-Age=0"));
        assert!(cleared_cookie(true).starts_with("__Host-encore_session=;"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "theme=dark; encore_session=0123456789ABCDEF0123456789abcdef; x=1"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            session_token(&headers, false).map(|t| t.as_str().to_owned()),
            Some("0123456789abcdef0123456789abcdef".to_owned())
        );
        assert!(
            session_token(&headers, true).is_none(),
            "over HTTPS only the __Host- cookie counts"
        );
        headers.insert(
            axum::http::header::COOKIE,
            "encore_session=forged".parse().unwrap(),
        );
        assert!(session_token(&headers, false).is_none());
    }
}
