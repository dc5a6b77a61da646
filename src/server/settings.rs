//! Server settings from the environment, checked at start-up (a bad value stops the server
//! with a message naming the variable).

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use super::proxy::TrustedProxies;

/// How many attempts (log-in, sign-up, password change) one client may make: a burst, then
/// one more per period. `ENCORE_AUTH_RATE_LIMIT=2/15s` (the default) is two attempts, then
/// one per 15 s. The same shape sets the limit on failed log-ins per email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthRateLimit {
    pub burst: u32,
    pub period: Duration,
}

/// A value that must never reach a log: `Debug` prints only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// How campaigns are sent (see `domain::campaigns::transport` and `worker`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// `ENCORE_SMTP_URL`: the SMTP server; unset, messages are saved to `outbox_dir`.
    pub smtp_url: Option<Secret>,
    /// `ENCORE_OUTBOX_DIR` (default `data/outbox`): where `.eml` files go without SMTP.
    pub outbox_dir: PathBuf,
    /// `ENCORE_PUBLIC_URL`: the address fans reach Encore at, for unsubscribe links.
    /// Default: `http://` and the listening address.
    pub public_url: Option<String>,
    /// `ENCORE_SEND_CONCURRENCY` (default 4): messages in flight per server process.
    pub concurrency: usize,
    /// `ENCORE_SEND_RATE`: messages per second at most, for providers that cap it.
    pub rate: Option<NonZeroU32>,
    /// `ENCORE_SEND_LEASE` (default 5m): how long a claimed message waits before another
    /// process may send it (its claimer died).
    pub lease: Duration,
    /// `ENCORE_SECRET`: the key login-free links are signed with; unset, one is generated
    /// once and kept in the database.
    pub secret: Option<Secret>,
    /// `ENCORE_UNSUBSCRIBE_MAILTO`: a mailbox that takes unsubscribe requests by email;
    /// set, `List-Unsubscribe` offers it beside the https link.
    pub unsubscribe_mailto: Option<String>,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            outbox_dir: PathBuf::from("data/outbox"),
            public_url: None,
            concurrency: 4,
            rate: None,
            lease: Duration::from_secs(5 * 60),
            secret: None,
            unsubscribe_mailto: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Mark the session cookie `Secure` (serve over HTTPS). `ENCORE_SECURE_COOKIES=true`.
    pub secure_cookies: bool,
    pub auth_rate_limit: AuthRateLimit,
    /// Failed log-ins per email, from any address: a burst, then one more per period.
    /// `ENCORE_LOGIN_FAILURE_LIMIT=5/1m` (the default): five, then one a minute, so the owner
    /// of an attacked account waits at most a minute after the last failure.
    pub login_failure_limit: AuthRateLimit,
    /// How long a request may take before it is answered 503 and dropped (see
    /// `server::timeout`). `ENCORE_REQUEST_TIMEOUT=60s` (the default); units s, m.
    pub request_timeout: Duration,
    /// How long a request waits for a database connection before it is answered 503 (see
    /// `server::db`). `ENCORE_DB_ACQUIRE_TIMEOUT=5s` (the default); units s, m.
    pub db_acquire_timeout: Duration,
    /// `ENCORE_METRICS_TOKEN`: `/metrics` is served to requests carrying it as a bearer token;
    /// unset (the default), `/metrics` is not served at all.
    pub metrics_token: Option<Secret>,
    /// The reverse proxies whose `Forwarded` / `X-Forwarded-For` name the client (see
    /// `server::proxy`). `ENCORE_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8`; unset, none.
    pub trusted_proxies: TrustedProxies,
    pub mail: MailSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            secure_cookies: false,
            auth_rate_limit: AuthRateLimit {
                burst: 2,
                period: Duration::from_secs(15),
            },
            login_failure_limit: AuthRateLimit {
                burst: 5,
                period: Duration::from_secs(60),
            },
            request_timeout: Duration::from_secs(60),
            db_acquire_timeout: super::db::DEFAULT_ACQUIRE_TIMEOUT,
            metrics_token: None,
            trusted_proxies: TrustedProxies::default(),
            mail: MailSettings::default(),
        }
    }
}

impl Settings {
    /// # Errors
    /// A variable with a value that cannot be read.
    pub fn from_env() -> anyhow::Result<Settings> {
        let mut settings = Settings::default();
        if let Ok(value) = std::env::var("ENCORE_SECURE_COOKIES") {
            settings.secure_cookies = match value.trim() {
                "true" | "1" => true,
                "false" | "0" | "" => false,
                other => bail!("ENCORE_SECURE_COOKIES must be true or false (got \"{other}\")"),
            };
        }
        if let Ok(value) = std::env::var("ENCORE_AUTH_RATE_LIMIT") {
            settings.auth_rate_limit = parse_rate(&value).with_context(|| {
                format!("ENCORE_AUTH_RATE_LIMIT must look like 2/15s (got \"{value}\")")
            })?;
        }
        if let Ok(value) = std::env::var("ENCORE_LOGIN_FAILURE_LIMIT") {
            settings.login_failure_limit = parse_rate(&value).with_context(|| {
                format!("ENCORE_LOGIN_FAILURE_LIMIT must look like 5/1m (got \"{value}\")")
            })?;
        }
        if let Ok(value) = std::env::var("ENCORE_REQUEST_TIMEOUT") {
            settings.request_timeout = parse_duration(&value).with_context(|| {
                format!("ENCORE_REQUEST_TIMEOUT must look like 60s or 2m (got \"{value}\")")
            })?;
        }
        if let Ok(value) = std::env::var("ENCORE_DB_ACQUIRE_TIMEOUT") {
            settings.db_acquire_timeout = parse_duration(&value).with_context(|| {
                format!("ENCORE_DB_ACQUIRE_TIMEOUT must look like 5s or 1m (got \"{value}\")")
            })?;
        }
        settings.metrics_token = non_empty_var("ENCORE_METRICS_TOKEN").map(Secret);
        if settings
            .metrics_token
            .as_ref()
            .is_some_and(|token| token.0.len() < 16)
        {
            bail!("ENCORE_METRICS_TOKEN must be at least 16 characters long");
        }
        if let Ok(value) = std::env::var("ENCORE_TRUSTED_PROXIES") {
            settings.trusted_proxies = TrustedProxies::parse(&value).map_err(anyhow::Error::msg)?;
        }
        settings.mail = mail_from_env()?;
        Ok(settings)
    }
}

fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn mail_from_env() -> anyhow::Result<MailSettings> {
    let mut mail = MailSettings::default();
    if let Some(url) = non_empty_var("ENCORE_SMTP_URL") {
        // Checked now, so a typo stops the server at start-up with one line, instead of
        // every message failing later.
        crate::domain::campaigns::transport::smtp(&url).map_err(anyhow::Error::msg)?;
        mail.smtp_url = Some(Secret(url));
    }
    if let Some(dir) = non_empty_var("ENCORE_OUTBOX_DIR") {
        mail.outbox_dir = PathBuf::from(dir);
    }
    if let Some(url) = non_empty_var("ENCORE_PUBLIC_URL") {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("ENCORE_PUBLIC_URL must start with https:// (got \"{url}\")");
        }
        mail.public_url = Some(url.trim_end_matches('/').to_owned());
    }
    if let Some(value) = non_empty_var("ENCORE_SEND_CONCURRENCY") {
        mail.concurrency = value
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=256).contains(n))
            .with_context(|| {
                format!("ENCORE_SEND_CONCURRENCY must be a number from 1 to 256 (got \"{value}\")")
            })?;
    }
    if let Some(value) = non_empty_var("ENCORE_SEND_RATE") {
        mail.rate = Some(value.parse::<NonZeroU32>().ok().with_context(|| {
            format!(
                "ENCORE_SEND_RATE must be messages per second, more than zero (got \"{value}\")"
            )
        })?);
    }
    if let Some(value) = non_empty_var("ENCORE_SEND_LEASE") {
        mail.lease = parse_duration(&value).with_context(|| {
            format!("ENCORE_SEND_LEASE must look like 5m or 90s (got \"{value}\")")
        })?;
    }
    if let Some(address) = non_empty_var("ENCORE_UNSUBSCRIBE_MAILTO") {
        let email = crate::domain::email::Email::parse(&address)
            .ok()
            .with_context(|| {
                format!("ENCORE_UNSUBSCRIBE_MAILTO must be an email address (got \"{address}\")")
            })?;
        mail.unsubscribe_mailto = Some(email.as_str().to_owned());
    }
    mail.secret = non_empty_var("ENCORE_SECRET").map(Secret);
    if mail
        .secret
        .as_ref()
        .is_some_and(|secret| secret.0.len() < 32)
    {
        bail!("ENCORE_SECRET must be at least 32 characters long");
    }
    Ok(mail)
}

/// `"2/15s"` → burst 2, one more every 15 seconds. Units: s, m.
fn parse_rate(text: &str) -> anyhow::Result<AuthRateLimit> {
    let (burst, period) = text.trim().split_once('/').context("missing '/'")?;
    let burst: u32 = burst.trim().parse().context("the burst is not a number")?;
    if burst == 0 {
        bail!("the burst must be more than zero");
    }
    Ok(AuthRateLimit {
        burst,
        period: parse_duration(period).context("the period")?,
    })
}

/// `"15s"` or `"2m"`: a whole number of seconds or minutes, more than zero.
fn parse_duration(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let number: u64 = number.trim().parse().context("not a number")?;
    let seconds = match unit {
        "s" => number,
        "m" => number.checked_mul(60).context("too long")?,
        _ => bail!("needs a unit, s or m"),
    };
    if seconds == 0 {
        bail!("must be more than zero");
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_or_refused() {
        assert_eq!(
            parse_rate("2/15s").unwrap(),
            AuthRateLimit {
                burst: 2,
                period: Duration::from_secs(15)
            }
        );
        assert_eq!(
            parse_rate(" 1000 / 1m ").unwrap().period,
            Duration::from_secs(60)
        );
        for bad in ["", "2", "x/15s", "2/15", "2/15h", "0/1s", "2/0s"] {
            assert!(parse_rate(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_are_read_or_refused() {
        assert_eq!(parse_duration("60s").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration(" 2m ").unwrap(), Duration::from_secs(120));
        for bad in [
            "",
            "60",
            "s",
            "-1s",
            "1.5s",
            "0s",
            "0m",
            "1h",
            "99999999999999999999m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
