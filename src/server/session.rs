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

use super::state::AppState;
use crate::domain::accounts::creators::{self, SessionToken, SignedIn};
use crate::domain::accounts::stores;
use crate::domain::time;
use crate::dto::StoreSummary;
use crate::error::AppError;

/// The session cookie's name.
pub const COOKIE: &str = "encore_session";

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
        || path == "/readyz");
    if needs_viewer {
        let token = session_token(request.headers());
        let signed_in = match &token {
            Some(token) => match creators::resolve_session(&state.db, token, time::now()).await {
                Ok(signed_in) => signed_in,
                Err(error) => {
                    tracing::error!(%error, "resolving a session");
                    None
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

/// The session token in the request's cookies, if it is well-formed.
pub fn session_token(headers: &HeaderMap) -> Option<SessionToken> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == COOKIE)
        .and_then(|cookie| SessionToken::from_cookie(cookie.value()))
}

/// `Set-Cookie` for a new session: HttpOnly (no script reads it), SameSite=Lax (not sent
/// on cross-site POSTs), Secure when serving over HTTPS, lasting as long as a session can.
pub fn session_cookie(token: &SessionToken, secure: bool) -> String {
    Cookie::build((COOKIE, token.as_str().to_owned()))
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
    Cookie::build((COOKIE, ""))
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
        assert!(session_cookie(&token, true).contains("Secure"));
        assert!(cleared_cookie(false).contains("Max-Age=0"));
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
            session_token(&headers).map(|t| t.as_str().to_owned()),
            Some("0123456789abcdef0123456789abcdef".to_owned())
        );
        headers.insert(
            axum::http::header::COOKIE,
            "encore_session=forged".parse().unwrap(),
        );
        assert!(session_token(&headers).is_none());
    }
}
