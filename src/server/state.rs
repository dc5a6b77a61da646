//! What every request handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::rate_limit::{AuthLimiter, FailedLogins, SharedLimiter};
use super::settings::Settings;
use crate::error::AppError;

/// Shared, cheaply cloned state. Tests build their own with their own database; there is no
/// global pool.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub auth_limiter: SharedLimiter,
    pub failed_logins: Arc<FailedLogins>,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        db: DatabaseConnection,
        settings: Settings,
    ) -> AppState {
        AppState {
            auth_limiter: Arc::new(AuthLimiter::new(settings.auth_rate_limit)),
            failed_logins: Arc::new(FailedLogins::new(settings.login_failure_limit)),
            settings: Arc::new(settings),
            leptos_options,
            db,
        }
    }
}

/// The state of the running app, from inside a server function.
///
/// # Errors
/// `Internal` if called outside a request (a wiring bug, logged).
pub fn current() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the request context");
        AppError::Internal
    })
}
