//! Connecting to the database and bringing its schema up to date.
//!
//! SQLite is tuned for a web server: WAL (readers never block the writer), foreign keys on,
//! a busy timeout so writers queue instead of failing, and `synchronous=NORMAL`, which is
//! durable across application crashes in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// How long a SQLite writer waits for the write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a pooled connection may sit idle before it is pinged on checkout. Under load a
/// connection comes back within milliseconds and is never pinged; after a database restart,
/// a connection used in the last few seconds fails its next statement once (that request
/// gets an error page) and is then closed, where the ping would have replaced it quietly.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

/// How long a request waits for a pooled connection by default (`ENCORE_DB_ACQUIRE_TIMEOUT`).
///
/// While the database is down, the pool keeps trying to open a connection until this runs
/// out, and only then does the request fail (503, "try again shortly"): a short wait is what
/// makes an outage answer quickly instead of holding every visitor for half a minute. It
/// stays well above what a busy pool makes a request wait (milliseconds).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens a connection pool for `url` (`sqlite://…` or `postgres://…`) that waits up to
/// [`DEFAULT_ACQUIRE_TIMEOUT`] for a connection.
///
/// # Errors
/// An unsupported URL, an unwritable data directory, or an unreachable database, each as one
/// readable sentence.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with(url, DEFAULT_ACQUIRE_TIMEOUT).await
}

/// [`connect`], waiting up to `acquire_timeout` for a connection.
///
/// # Errors
/// As [`connect`].
pub async fn connect_with(
    url: &str,
    acquire_timeout: Duration,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(acquire_timeout.min(Duration::from_secs(5)))
        .acquire_timeout(acquire_timeout)
        // SQLx pings a pooled connection on every checkout by default: one more round trip
        // (PostgreSQL) or worker-thread hand-off (SQLite) for each statement a page runs.
        // A connection in use is alive; only one left idle long enough for a server,
        // proxy or firewall to drop it is worth a ping.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(true)
        .sqlx_logging_level(tracing::log::LevelFilter::Debug)
        .sqlx_slow_statements_logging_settings(
            tracing::log::LevelFilter::Warn,
            Duration::from_millis(500),
        );

    if url.starts_with("sqlite:") {
        prepare_sqlite_file(url)?;
        options.max_connections(8).map_sqlx_sqlite_opts(|sqlite| {
            // The file was made above if it was missing. A connection the pool opens later
            // must not make a new, empty one: if the file disappears under a running server,
            // that is an outage to report, not a fresh database with nobody's data.
            sqlite
                .create_if_missing(false)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .synchronous(SqliteSynchronous::Normal)
        });
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        options.max_connections(16);
    } else {
        bail!(
            "DATABASE_URL must start with sqlite:// or postgres:// (got \"{}\")",
            redact(url)
        );
    }

    Database::connect(options)
        .await
        .with_context(|| format!("cannot connect to the database at {}", redact(url)))
}

/// Applies every pending migration.
///
/// # Errors
/// A migration failed; the database is left at the last migration that succeeded.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("cannot apply database migrations")
}

/// Creates the directory of a SQLite file, so `./data/encore.db` works on a fresh clone,
/// reports an unwritable location before SQLite's vaguer "unable to open database file",
/// and creates the file itself if it is missing (an empty file is an empty database).
fn prepare_sqlite_file(url: &str) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("invalid SQLite URL \"{url}\""))?;
    let file = options.get_filename();
    if file.as_os_str() == ":memory:" || file.as_os_str().is_empty() {
        return Ok(());
    }
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        let probe = dir.join(".encore-write-test");
        std::fs::write(&probe, b"")
            .with_context(|| format!("the data directory {} is not writable", dir.display()))?;
        std::fs::remove_file(&probe).ok();
    }
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(file)
        .with_context(|| format!("cannot create the database file {}", file.display()))?;
    Ok(())
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _password)) => {
                    format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://encore:s3cret@db.internal:5432/encore"),
            "postgres://encore:***@db.internal:5432/encore"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/encore"),
            "postgres://postgres@127.0.0.1/encore"
        );
        assert_eq!(redact("sqlite://data/encore.db"), "sqlite://data/encore.db");
    }
}
