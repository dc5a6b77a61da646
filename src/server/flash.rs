//! One-shot form messages: a rejected form keeps what was typed, and a page says only what
//! the server told this visitor (#27 item 1, #30 item 9).
//!
//! Forms are server functions posted as plain HTML forms (with JavaScript too: see
//! `src/navigation.js`). When one fails, server_fn (its `form-redirects`) answers with a
//! redirect back to the `Referer` carrying the error in the URL (`?__path=/api/…&__err=…`);
//! Leptos's router reads it from there into the page's `ServerAction`. That loses what was
//! typed, leaves the error in the address bar, and lets any link make a page show any
//! message. So, around the `/api/` routes, [`keep_form_posts`]:
//!
//! * reads the posted fields before the server function runs (the body is already capped
//!   by the body limit), leaving out every field whose name contains "password";
//! * when the answer is that `__err` redirect, keeps the error and the fields as a *flash*
//!   and redirects (303) to the same page's clean address instead, with neither `__path`
//!   nor `__err`, and only as a path on this site (the `Referer` is never followed to
//!   another origin);
//! * when the answer is a success that left a notice ([`redirect_with_notice`]), keeps the
//!   notice as a flash the same way.
//!
//! A flash is a row in `form_flashes`, found by the SHA-256 of a random id held in the
//! visitor's `encore_flash` cookie (HttpOnly, SameSite=Lax, `__Host-` over HTTPS, ten
//! minutes) and tied to the creator who posted (or to nobody, for log-in and sign-up), so
//! it is only ever shown to the browser that made it. The database, not the cookie, holds
//! it: a campaign's body can be 100 000 characters, far over what a cookie may carry, and
//! every instance behind a load balancer sees the same rows (the server keeps no state of
//! its own). An anonymous post that was refused for not being signed in keeps nothing.
//!
//! [`take_for_page`], around every page, first removes `__path` and `__err` from the
//! address Leptos renders (so a crafted link shows nothing), then, when the visitor's flash
//! is for this very path, deletes it and hands it to the page: [`provide_page_flash`] puts
//! its error where `ServerAction` looks for it (so every form's existing error display works
//! unchanged) and the whole [`Flash`] in context, where `components::form::{typed,
//! reported}` read it. A flash for another page waits (for up to ten minutes) for its own.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use cookie::{Cookie, SameSite};
use leptos::prelude::{provide_context, use_context};
use rand::Rng;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::security::MAX_BODY_BYTES;
use super::session::Viewer;
use super::state::AppState;
use crate::components::form::Flash;
use crate::domain::time;
use crate::entities::form_flash;
use crate::error::AppError;

/// The flash cookie's name over plain HTTP, and over HTTPS (see `session::SECURE_COOKIE`).
pub const COOKIE: &str = "encore_flash";
pub const SECURE_COOKIE: &str = "__Host-encore_flash";

/// How long a flash waits for its page. The browser follows the redirect at once; this only
/// bounds what a closed tab leaves behind.
const LIFETIME_SECONDS: i64 = 600;

/// The query parameters server_fn adds to a failed form post's redirect.
const PATH_PARAM: &str = "__path";
const ERROR_PARAM: &str = "__err";

fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { COOKIE }
}

/// Where a server function leaves its notice during a form post (a request extension).
#[derive(Clone, Default)]
pub struct NoticeSlot(Arc<Mutex<Vec<(String, String)>>>);

/// Sends the browser to `path`, whose page then reports `notice` (e.g. `[("saved", "1")]`,
/// read there with `components::form::reported`). The notice travels in the visitor's
/// flash, never in the URL.
pub fn redirect_with_notice(path: &str, notice: &[(&str, &str)]) {
    let slot = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<NoticeSlot>().cloned());
    if let Some(NoticeSlot(slot)) = slot
        && let Ok(mut kept) = slot.lock()
    {
        *kept = notice
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
    }
    leptos_axum::redirect(path);
}

/// A page's flash, taken by [`take_for_page`] (a request extension).
#[derive(Clone)]
pub struct PageFlash(pub Flash);

/// Leptos context for a page: its flash, if it has one (see the module's docs).
pub fn provide_page_flash() {
    let flash = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageFlash>().cloned());
    let Some(PageFlash(flash)) = flash else {
        return;
    };
    if let (Some(action), Some(error)) = (&flash.action, &flash.error) {
        use leptos::server_fn::error::FromServerFnError;
        let encoded = URL_SAFE.encode(error.ser());
        provide_context(leptos::server::ServerActionError::new(action, &encoded));
    }
    provide_context(flash);
}

/// Around the `/api/` routes: turns a form post's outcome into a flash (see the module's
/// docs). Requests that are not a browser's form post (an island calling its server
/// function, a test's JSON client) pass untouched.
pub async fn keep_form_posts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_form_post = request.method() == Method::POST
        && request.uri().path().starts_with("/api/")
        && accepts_html(request.headers());
    if !is_form_post {
        return next.run(request).await;
    }
    let secure = state.settings.secure_cookies;
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let values = if is_urlencoded(&parts.headers) {
        typed_values(&bytes)
    } else {
        Vec::new()
    };
    let creator_id = parts
        .extensions
        .get::<Viewer>()
        .and_then(|viewer| viewer.signed_in.as_ref().map(|me| me.creator_id));
    let earlier = flash_id(&parts.headers, secure);
    let slot = NoticeSlot::default();
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(slot.clone());

    let mut response = next.run(request).await;

    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(Destination::read)
    else {
        return response;
    };
    let flash = match location.failure {
        Some((action, encoded)) => {
            let error = decode_error(&encoded);
            if creator_id.is_none() && error == AppError::Unauthorized {
                None
            } else {
                Some(Flash {
                    action: Some(action),
                    error: Some(error),
                    values,
                    notice: Vec::new(),
                })
            }
        }
        None => {
            let notice = slot.0.lock().map(|kept| kept.clone()).unwrap_or_default();
            (!notice.is_empty()).then(|| Flash {
                notice,
                ..Flash::default()
            })
        }
    };
    if let Some(flash) = flash {
        match keep(
            &state.db,
            creator_id,
            &location.path,
            &flash,
            earlier.as_deref(),
        )
        .await
        {
            Ok(id) => {
                if let Ok(value) = HeaderValue::from_str(&flash_cookie(&id, secure)) {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            Err(error) => tracing::error!(%error, "keeping a form's flash"),
        }
    } else if !location.had_error_params {
        return response;
    }
    // Back to the page itself: a path on this site, without the error parameters.
    match HeaderValue::from_str(&location.clean) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
            *response.status_mut() = StatusCode::SEE_OTHER;
        }
        Err(_) => {
            response
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/"));
            *response.status_mut() = StatusCode::SEE_OTHER;
        }
    }
    response
}

/// Around every page: strips the error parameters from the address Leptos sees and hands
/// the page its flash (see the module's docs).
pub async fn take_for_page(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_page = request.method() == Method::GET
        && !(path.starts_with("/api/")
            || path.starts_with("/pkg/")
            || path == "/healthz"
            || path == "/readyz");
    if !is_page {
        return next.run(request).await;
    }
    if let Some(uri) = without_error_params(request.uri()) {
        *request.uri_mut() = uri;
    }
    let secure = state.settings.secure_cookies;
    let mut clear_cookie = false;
    if let Some(id) = flash_id(request.headers(), secure) {
        let creator_id = request
            .extensions()
            .get::<Viewer>()
            .and_then(|viewer| viewer.signed_in.as_ref().map(|me| me.creator_id));
        match take(&state.db, &id, creator_id, request.uri().path()).await {
            Ok(Taken::Flash(flash)) => {
                request.extensions_mut().insert(PageFlash(flash));
                clear_cookie = true;
            }
            Ok(Taken::Gone) => clear_cookie = true,
            Ok(Taken::NotHere) => {}
            Err(error) => tracing::error!(%error, "reading a form's flash"),
        }
    }
    let mut response = next.run(request).await;
    if clear_cookie && let Ok(value) = HeaderValue::from_str(&cleared_cookie(secure)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("text/html"))
}

fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// The posted fields worth giving back: all but passwords, that is any field whose name
/// says "password", and the password change's `current` (the current password).
pub fn typed_values(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, _)| !is_secret(name))
        .collect()
}

fn is_secret(field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    field.contains("password") || field == "current"
}

/// A redirect's target, read as the browser will follow it.
#[derive(Debug, PartialEq, Eq)]
struct Destination {
    /// The path alone: the page the flash is for.
    path: String,
    /// Path and query, less the error parameters.
    clean: String,
    /// The server function and encoded error server_fn appended (the last pair: a crafted
    /// `__err` already in the page's address comes before it).
    failure: Option<(String, String)>,
    had_error_params: bool,
}

impl Destination {
    fn read(location: &str) -> Option<Destination> {
        let base = url::Url::parse("https://encore.invalid/").ok()?;
        let url = base.join(location).ok()?;
        let mut action = None;
        let mut error = None;
        let mut had_error_params = false;
        let mut kept = url::form_urlencoded::Serializer::new(String::new());
        let mut any_kept = false;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                PATH_PARAM => {
                    had_error_params = true;
                    action = Some(value.into_owned());
                }
                ERROR_PARAM => {
                    had_error_params = true;
                    error = Some(value.into_owned());
                }
                _ => {
                    any_kept = true;
                    kept.append_pair(&key, &value);
                }
            }
        }
        // Only the path is followed, so the answer stays on this site whatever the Referer
        // said.
        let path = url.path().to_owned();
        let clean = if any_kept {
            format!("{path}?{}", kept.finish())
        } else {
            path.clone()
        };
        Some(Destination {
            path,
            clean,
            failure: action.zip(error),
            had_error_params,
        })
    }
}

/// The error server_fn encoded; anything unreadable is an internal error (never its text).
fn decode_error(encoded: &str) -> AppError {
    URL_SAFE
        .decode(encoded)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(AppError::Internal)
}

/// `uri` without `__path` and `__err`, if it had either.
fn without_error_params(uri: &Uri) -> Option<Uri> {
    let query = uri.query()?;
    // Keys as the router will read them: percent-decoded (`%5F%5Ferr` is `__err`).
    let is_error_param = |pair: &&str| {
        let key = pair.split('=').next().unwrap_or_default().replace('+', " ");
        let key = percent_encoding::percent_decode_str(&key).decode_utf8_lossy();
        key == PATH_PARAM || key == ERROR_PARAM
    };
    if !query.split('&').any(|pair| is_error_param(&pair)) {
        return None;
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_error_param(pair))
        .collect();
    let path_and_query = if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    path_and_query.parse().ok()
}

/// The flash id in the request's cookies, if well-formed (64 hex digits).
fn flash_id(headers: &HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|id| id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn flash_cookie(id: &str, secure: bool) -> String {
    Cookie::build((cookie_name(secure), id.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(LIFETIME_SECONDS))
        .build()
        .to_string()
}

fn cleared_cookie(secure: bool) -> String {
    Cookie::build((cookie_name(secure), ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

fn id_hash(id: &str) -> String {
    Sha256::digest(id.to_ascii_lowercase().as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Stores `flash` for the page at `path`; returns the id for the visitor's cookie. The
/// visitor's earlier flash (if any) is replaced, and expired ones are swept.
async fn keep(
    db: &DatabaseConnection,
    creator_id: Option<i64>,
    path: &str,
    flash: &Flash,
    earlier: Option<&str>,
) -> Result<String, sea_orm::DbErr> {
    let now = time::now();
    let expired = now - chrono::Duration::seconds(LIFETIME_SECONDS);
    form_flash::Entity::delete_many()
        .filter(form_flash::Column::CreatedAt.lt(expired))
        .exec(db)
        .await?;
    if let Some(earlier) = earlier {
        form_flash::Entity::delete_by_id(id_hash(earlier))
            .exec(db)
            .await?;
    }
    let bytes: [u8; 32] = rand::rng().random();
    let id: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let payload =
        serde_json::to_string(flash).map_err(|error| sea_orm::DbErr::Custom(error.to_string()))?;
    form_flash::Entity::insert(form_flash::ActiveModel {
        id_hash: Set(id_hash(&id)),
        creator_id: Set(creator_id),
        path: Set(path.chars().take(2048).collect()),
        payload: Set(payload),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(id)
}

enum Taken {
    /// Shown now, and deleted.
    Flash(Flash),
    /// Nothing (any more) for this visitor: the cookie can go.
    Gone,
    /// For another page.
    NotHere,
}

/// The visitor's flash if it is for `path`, deleted as it is read: whoever deletes it shows
/// it, so two tabs cannot both show one flash.
async fn take(
    db: &DatabaseConnection,
    id: &str,
    creator_id: Option<i64>,
    path: &str,
) -> Result<Taken, sea_orm::DbErr> {
    let hash = id_hash(id);
    let Some(row) = form_flash::Entity::find_by_id(hash.clone()).one(db).await? else {
        return Ok(Taken::Gone);
    };
    let expired = row.created_at < time::now() - chrono::Duration::seconds(LIFETIME_SECONDS);
    if expired || row.creator_id != creator_id {
        if expired {
            form_flash::Entity::delete_by_id(hash).exec(db).await?;
        }
        return Ok(Taken::Gone);
    }
    if row.path != path {
        return Ok(Taken::NotHere);
    }
    let deleted = form_flash::Entity::delete_by_id(hash).exec(db).await?;
    if deleted.rows_affected != 1 {
        return Ok(Taken::Gone);
    }
    match serde_json::from_str::<Flash>(&row.payload) {
        Ok(flash) => Ok(Taken::Flash(flash)),
        Err(error) => {
            tracing::error!(%error, "an unreadable form flash");
            Ok(Taken::Gone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_kept() {
        let values = typed_values(b"email=ada%40example.com&password=secret&new_password=x&Current_Password=y&current=z&name=Ada");
        assert_eq!(
            values,
            vec![
                ("email".to_owned(), "ada@example.com".to_owned()),
                ("name".to_owned(), "Ada".to_owned()),
            ]
        );
    }

    #[test]
    fn the_redirect_loses_the_error_and_never_leaves_the_site() {
        let read = Destination::read(
            "https://evil.example/store/1/customers/new?__path=/api/old&__err=AAAA&x=1&__path=/api/customers/record&__err=e30",
        )
        .unwrap();
        assert_eq!(read.path, "/store/1/customers/new");
        assert_eq!(read.clean, "/store/1/customers/new?x=1");
        assert_eq!(
            read.failure,
            Some(("/api/customers/record".to_owned(), "e30".to_owned()))
        );
        let plain = Destination::read("/login?next=%2Faccount").unwrap();
        assert_eq!(plain.clean, "/login?next=%2Faccount");
        assert!(!plain.had_error_params && plain.failure.is_none());
    }

    #[test]
    fn error_parameters_are_stripped_from_a_page_address() {
        let uri: Uri = "/store/1?__err=abc&period=7d&__path=/api/x"
            .parse()
            .unwrap();
        assert_eq!(without_error_params(&uri).unwrap(), "/store/1?period=7d");
        let uri: Uri = "/store/1?%5F%5Ferr=abc".parse().unwrap();
        assert_eq!(without_error_params(&uri).unwrap(), "/store/1");
        let uri: Uri = "/store/1?period=7d".parse().unwrap();
        assert!(without_error_params(&uri).is_none());
        assert!(matches!(decode_error("not base64!"), AppError::Internal));
    }
}
