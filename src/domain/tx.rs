//! Write transactions: how every command starts one, and when it runs again.
//!
//! SQLite: a write transaction starts `BEGIN IMMEDIATE`, taking the write lock up front. A
//! deferred transaction that reads and then writes fails under concurrency with "database is
//! locked", because SQLite cannot upgrade its read snapshot. PostgreSQL: counters are updated
//! in place (`x = x + excluded.x`) and a serialization failure or deadlock runs the whole
//! command again, a bounded number of times.

use std::future::Future;
use std::time::Duration;

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;

/// How many times a command runs before a contention error is given up and reported.
const MAX_ATTEMPTS: u32 = 8;

/// Starts a transaction that will write: `BEGIN IMMEDIATE` on SQLite.
///
/// # Errors
/// The database could not start the transaction.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Runs `attempt` until it succeeds, fails for a reason other than contention, or has run
/// [`MAX_ATTEMPTS`] times. Each attempt must open (and commit) its own transaction, so a
/// failed attempt leaves nothing behind.
///
/// # Errors
/// The last error of the attempts.
pub async fn with_retries<T, F, Fut>(mut attempt: F) -> DomainResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = DomainResult<T>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(error) if tries < MAX_ATTEMPTS && is_contention(&error) => {
                tracing::debug!(%error, tries, "retrying contended transaction");
                // A short, growing, jittered pause lets the winner of the race commit.
                let jitter = u64::from(std::process::id() ^ tries) % 7;
                tokio::time::sleep(Duration::from_millis(u64::from(tries) * 5 + jitter)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Serialization failures and deadlocks (PostgreSQL), busy or locked databases (SQLite),
/// and races a command detected itself.
fn is_contention(error: &DomainError) -> bool {
    let db_error = match error {
        DomainError::Contended => return true,
        DomainError::Database(db_error) => db_error,
        _ => return false,
    };
    let sqlx_error = match db_error {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    let sea_orm::sqlx::Error::Database(database_error) = sqlx_error.as_ref() else {
        return false;
    };
    let code = database_error.code().unwrap_or_default();
    // PostgreSQL SQLSTATE: serialization_failure, deadlock_detected.
    // SQLite result codes: SQLITE_BUSY (5) and SQLITE_LOCKED (6) with their extended codes.
    matches!(
        code.as_ref(),
        "40001" | "40P01" | "5" | "6" | "261" | "262" | "517" | "773"
    )
}
