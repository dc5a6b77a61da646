//! Accounts: sign up, log in, log out, change password, and who is signed in.
//!
//! Log-in, sign-up and password changes are rate limited per client, and failed log-ins per
//! email (see `server::rate_limit`). A new session always gets a new token, so a cookie
//! planted before log-in is worthless after it.

use crate::dto::ViewerSummary;
use crate::error::AppError;
use leptos::prelude::*;

/// Who is signed in and their stores (for the top bar), or `None`.
#[server(endpoint = "auth/viewer")]
pub async fn current_viewer() -> Result<Option<ViewerSummary>, AppError> {
    let state = crate::server::state::current()?;
    let viewer = crate::server::access::viewer()?;
    let Some(me) = &viewer.signed_in else {
        return Ok(None);
    };
    Ok(Some(ViewerSummary {
        stores: viewer.stores(&state.db).await?.to_vec(),
        email: me.email.clone(),
    }))
}

/// Creates an account, then sends the browser to log in. An email that already has an
/// account gets exactly the same answer (status, headers, body, and the same Argon2 work),
/// so sign-up cannot be asked whether someone has an account; the log-in page says what
/// to do in either case.
#[server(endpoint = "auth/signup")]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    use crate::domain::accounts::creators::{self, NewAccount, SignUp};

    let state = crate::server::state::current()?;
    let new = NewAccount::parse(&email, &password)?;
    match creators::sign_up(&state.db, new.email(), new.password()).await? {
        SignUp::Created(account) => {
            tracing::info!(creator_id = account.creator_id, "account created");
        }
        SignUp::Taken => tracing::info!("sign-up for an email that has an account"),
    }
    crate::server::flash::redirect_with_notice("/login", &[("signed_up", "1")]);
    Ok(())
}

/// The same answer for an unknown email and a wrong password.
#[server(endpoint = "auth/login")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::rate_limit::FailedLogins;

    let state = crate::server::state::current()?;
    // Counted per email before Argon2 runs, so a locked email costs no hashing; the same
    // for emails without an account.
    let key = FailedLogins::key(&email);
    if let Err(wait) = state.failed_logins.attempt(&key) {
        tracing::warn!("failed log-ins limited for one email");
        return Err(AppError::invalid("password", too_many_failures(wait)));
    }
    let Some(account) =
        crate::domain::accounts::creators::verify_login(&state.db, &email, &password).await?
    else {
        return Err(AppError::invalid(
            "password",
            "That email and password don't match an account.",
        ));
    };
    state.failed_logins.succeeded(&key);
    start_session(&state, account.creator_id).await?;
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "auth/logout")]
pub async fn log_out() -> Result<(), AppError> {
    let state = crate::server::state::current()?;
    if let Some(token) = crate::server::access::viewer()?.token {
        crate::domain::accounts::creators::end_session(&state.db, &token).await?;
    }
    set_cookie(&crate::server::session::cleared_cookie(
        state.settings.secure_cookies,
    ));
    leptos_axum::redirect("/login");
    Ok(())
}

/// Changes the password; every session ends (other devices log in again) and this browser
/// gets a fresh one.
#[server(endpoint = "auth/password")]
pub async fn change_password(current: String, password: String) -> Result<(), AppError> {
    use crate::domain::accounts::creators::{self, NewPassword};
    use crate::domain::email::Email;

    let state = crate::server::state::current()?;
    let me = crate::server::access::signed_in()?;
    let email = Email::parse(&me.email).map_err(|_| AppError::Internal)?;
    let password = NewPassword::parse(&password, &email)
        .map_err(|message| AppError::invalid("password", message))?;
    let token = creators::change_password(&state.db, me.creator_id, &current, &password).await?;
    set_cookie(&crate::server::session::session_cookie(
        &token,
        state.settings.secure_cookies,
    ));
    tracing::info!(
        creator_id = me.creator_id,
        "password changed; other sessions ended"
    );
    // The account page says so.
    crate::server::flash::redirect_with_notice("/account", &[("password", "changed")]);
    Ok(())
}

/// What an email that failed to log in too often is told: how long to wait, in minutes.
#[cfg(feature = "ssr")]
fn too_many_failures(wait: std::time::Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let wait = if minutes == 1 {
        "a minute".to_owned()
    } else {
        format!("{minutes} minutes")
    };
    format!("Too many failed log-ins for this email. Wait {wait}, then try again.")
}

/// Ends the session the browser came with (if any) and starts a new one with a new token.
#[cfg(feature = "ssr")]
async fn start_session(
    state: &crate::server::state::AppState,
    creator_id: i64,
) -> Result<(), AppError> {
    use crate::domain::accounts::creators;
    if let Some(old) = crate::server::access::viewer()?.token {
        creators::end_session(&state.db, &old).await?;
    }
    let token = creators::start_session(&state.db, creator_id).await?;
    set_cookie(&crate::server::session::session_cookie(
        &token,
        state.settings.secure_cookies,
    ));
    Ok(())
}

#[cfg(feature = "ssr")]
fn set_cookie(cookie: &str) {
    use axum::http::{HeaderValue, header};
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(cookie),
    ) {
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Where to go after logging in: a path on this site, never another site.
///
/// `next` is resolved the way a browser resolves a `Location` (WHATWG URL parsing, which
/// drops tabs and newlines and reads `\` as `/`) against a stand-in origin, and followed only
/// when it stays on that origin as an absolute path. Anything doubtful goes to `/`: control
/// characters and whitespace (a CR or LF must never reach a header), backslashes, `//`, and
/// encoded slashes or backslashes that a proxy or a later decode could turn into `//`.
#[cfg(feature = "ssr")]
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

#[cfg(feature = "ssr")]
fn local_path(next: &str) -> Option<String> {
    use percent_encoding::percent_decode_str;
    use url::{Position, Url};

    /// Longer than any link Encore makes (a filtered audience is well under this).
    const MAX_NEXT_BYTES: usize = 2048;
    let doubtful = |text: &str| {
        !text.starts_with('/')
            || text.starts_with("//")
            || text
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    };
    if next.len() > MAX_NEXT_BYTES || doubtful(next) {
        return None;
    }
    let base = Url::parse("https://encore.invalid/").ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    // Re-read from the parsed URL: dot segments resolved (`/a/..//x` is `//x`), and
    // anything a header cannot carry percent-encoded.
    let path = &resolved[Position::BeforePath..Position::AfterQuery];
    let decoded = percent_decode_str(resolved.path()).decode_utf8().ok()?;
    let decodes_badly =
        decoded.starts_with("//") || decoded.chars().any(|c| c == '\\' || c.is_control());
    if doubtful(path) || decodes_badly {
        return None;
    }
    Some(path.to_owned())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_log_in() {
        for (next, expected) in [
            (
                "/store/3/customers?period=7d",
                "/store/3/customers?period=7d",
            ),
            ("/account", "/account"),
            (
                "/store/3/contacts?any=lo%20fi&q=a%2Fb",
                "/store/3/contacts?any=lo%20fi&q=a%2Fb",
            ),
            ("/login?next=//evil.example", "/login?next=//evil.example"),
        ] {
            assert_eq!(safe_next(Some(next)), expected, "{next:?}");
        }
        for unsafe_next in [
            None,
            Some(""),
            Some(" "),
            Some("store/3"),
            Some("https://evil.example"),
            Some("http:evil.example"),
            Some("//evil.example"),
            Some("///evil.example"),
            Some(" //evil.example"),
            Some("/\\evil.example"),
            Some("\\\\evil.example"),
            Some("/\t/evil.example"),
            Some("/\t\t/evil.example"),
            Some("\t//evil.example"),
            Some("/\n/evil.example"),
            Some("/\r\n/evil.example"),
            Some("/\r\nSet-Cookie: planted=1"),
            Some("/account\r\nLocation: https://evil.example"),
            Some("/\0/evil.example"),
            Some("/%2F/evil.example"),
            Some("/%2f/evil.example"),
            Some("/%5C/evil.example"),
            Some("/%5c%5cevil.example"),
            Some("/%09/evil.example"),
            Some("/%0D%0ASet-Cookie:%20x=1"),
            Some("/.//evil.example"),
            Some("/a/..//evil.example"),
            Some("/%2e//evil.example"),
            Some("javascript:alert(1)"),
            Some("JaVaScRiPt:alert(1)"),
            Some("data:text/html,<script>alert(1)</script>"),
            Some("mailto:someone@evil.example"),
        ] {
            assert_eq!(safe_next(unsafe_next), "/", "{unsafe_next:?}");
        }
        // Whatever arrives, the answer is a valid header value (the redirect helper panics
        // on one that is not).
        assert_eq!(safe_next(Some(&"/a".repeat(5_000))), "/");
    }
}
