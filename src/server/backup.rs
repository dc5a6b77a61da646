//! `encore backup FILE`: a consistent copy of a SQLite database, taken while the server runs.
//!
//! SQLite's `VACUUM INTO` writes the database as one read transaction sees it into a new
//! file: every transaction committed before it started is in the copy and none that
//! commits later, so the copy is a state the database really was in, whatever the server
//! is writing meanwhile (in WAL mode the writers are not held up). The copy is compact and
//! self-contained (no `-wal` file beside it), ready to be put in place of the database.
//!
//! PostgreSQL has its own tool for this, `pg_dump`; the command says so.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::db;

/// Copies the SQLite database at `url` into `target`, a file that must not exist yet, and
/// returns the copy's size in bytes.
///
/// # Errors
/// A PostgreSQL URL (pointing to `pg_dump`), an existing `target`, a `target` in a directory
/// that does not exist, no database at `url`, or SQLite's own failure, each as a sentence.
pub async fn backup(url: &str, target: &Path) -> anyhow::Result<u64> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        bail!(
            "encore backup copies a SQLite database; for PostgreSQL use pg_dump, e.g. \
             pg_dump --format=custom --file=encore.dump \"$DATABASE_URL\" \
             (restore with pg_restore --dbname=…)"
        );
    }
    if !url.starts_with("sqlite:") {
        bail!(
            "DATABASE_URL must start with sqlite:// or postgres:// (got \"{}\")",
            db::redact(url)
        );
    }
    let source = sqlite_file(url)?;
    if !source.is_file() {
        bail!("there is no database at {} to back up", source.display());
    }
    check_target(target)?;

    let connection = db::connect(url).await?;
    let copied = connection
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [target.to_string_lossy().into_owned().into()],
        ))
        .await
        .with_context(|| format!("cannot write the backup to {}", target.display()));
    connection.close().await.ok();
    copied?;
    let size = std::fs::metadata(target)
        .with_context(|| format!("the backup {} is missing", target.display()))?
        .len();
    Ok(size)
}

/// The database file a `sqlite://` URL names.
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("invalid SQLite URL \"{url}\""))?;
    let file = options.get_filename();
    if file.as_os_str().is_empty() || file.as_os_str() == ":memory:" {
        bail!("an in-memory database cannot be backed up");
    }
    Ok(file.to_path_buf())
}

/// A backup never replaces a file (an older backup, or the database itself), and goes into
/// a directory that exists.
fn check_target(target: &Path) -> anyhow::Result<()> {
    if target.as_os_str().is_empty() {
        bail!("name the file to write the backup to, e.g. encore backup backups/encore.db");
    }
    if target.exists() || target.is_symlink() {
        bail!(
            "{} already exists; a backup never overwrites a file, so choose a new name",
            target.display()
        );
    }
    let dir = target
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!(
            "cannot write the backup to {}: the directory {} does not exist",
            target.display(),
            dir.display()
        );
    }
    Ok(())
}
