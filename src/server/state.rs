//! What every request handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::export::ExportSlots;
use super::metrics::Metrics;
use super::rate_limit::{AuthLimiter, FailedLogins, SharedLimiter};
use super::settings::Settings;
use crate::domain::campaigns::transport::{self, Transport};
use crate::domain::campaigns::worker::Mailer;
use crate::domain::signing::{self, SigningKey};
use crate::dto::MailDelivery;
use crate::error::AppError;

/// How many test messages a creator may send at once before the limit of one a minute.
pub const TEST_SEND_BURST: std::num::NonZeroU32 = std::num::NonZeroU32::new(5).unwrap();

/// Shared, cheaply cloned state. Tests build their own with their own database; there is no
/// global pool.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub auth_limiter: SharedLimiter,
    pub failed_logins: Arc<FailedLogins>,
    /// This server's `/metrics` (see `server::metrics`).
    pub metrics: Arc<Metrics>,
    /// The CSV exports running now, per store (see `server::export`).
    pub exports: ExportSlots,
    /// The key login-free links are signed with, loaded (or generated) on first use.
    signing_key: Arc<tokio::sync::OnceCell<SigningKey>>,
    /// The campaign transport and link settings, built on first use (the background sender
    /// and "send a test to me" share it, and with it the SMTP connection pool).
    mailer: Arc<tokio::sync::OnceCell<Mailer>>,
    /// "Send a test to me", per creator: a few at once, then one a minute.
    pub test_sends: Arc<governor::DefaultKeyedRateLimiter<i64>>,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        db: DatabaseConnection,
        settings: Settings,
    ) -> AppState {
        AppState {
            auth_limiter: Arc::new(AuthLimiter::new(
                settings.auth_rate_limit,
                settings.trusted_proxies.clone(),
            )),
            failed_logins: Arc::new(FailedLogins::new(settings.login_failure_limit)),
            metrics: Arc::new(Metrics::new()),
            settings: Arc::new(settings),
            leptos_options,
            db,
            signing_key: Arc::default(),
            mailer: Arc::default(),
            test_sends: Arc::new(governor::RateLimiter::keyed(
                governor::Quota::per_minute(std::num::NonZeroU32::MIN).allow_burst(TEST_SEND_BURST),
            )),
            exports: ExportSlots::default(),
        }
    }

    /// The signing key: `ENCORE_SECRET`, or the one kept in the database.
    ///
    /// # Errors
    /// `Internal` when the database cannot be read (logged).
    pub async fn signing_key(&self) -> Result<SigningKey, AppError> {
        let secret = self.settings.mail.secret.as_ref().map(|s| s.0.as_str());
        Ok(self
            .signing_key
            .get_or_try_init(|| signing::load_key(&self.db, secret))
            .await?
            .clone())
    }

    /// Where campaign mail goes and how its links are made: `ENCORE_SMTP_URL` or the outbox
    /// folder, the signing key, the public address and the unsubscribe mailbox.
    ///
    /// # Errors
    /// `Internal` when the signing key cannot be loaded, or the SMTP URL cannot be read (it
    /// is checked at start-up, so only a wiring bug), logged.
    pub async fn mailer(&self) -> Result<Mailer, AppError> {
        let key = self.signing_key().await?;
        Ok(self
            .mailer
            .get_or_try_init(|| async {
                let mail = &self.settings.mail;
                let transport = match &mail.smtp_url {
                    Some(url) => transport::smtp(&url.0).map_err(|error| {
                        tracing::error!(%error, "cannot build the SMTP transport");
                        AppError::Internal
                    })?,
                    None => Transport::Outbox(mail.outbox_dir.clone()),
                };
                Ok::<_, AppError>(Mailer {
                    transport,
                    key,
                    public_url: self.public_url(),
                    unsubscribe_mailto: mail.unsubscribe_mailto.clone(),
                })
            })
            .await?
            .clone())
    }

    /// Where campaign mail goes, as the pages say it.
    pub fn delivery(&self) -> MailDelivery {
        match &self.settings.mail.smtp_url {
            Some(_) => MailDelivery::Smtp,
            None => MailDelivery::Outbox {
                folder: self.settings.mail.outbox_dir.display().to_string(),
            },
        }
    }

    /// The address fans reach this server at: `ENCORE_PUBLIC_URL`, else the listening
    /// address.
    pub fn public_url(&self) -> String {
        self.settings
            .mail
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.leptos_options.site_addr))
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
