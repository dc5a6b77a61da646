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
                let pause = retry_pause(tries, &mut rand::rng());
                tokio::time::sleep(pause).await;
            }
            outcome => return outcome,
        }
    }
}

/// The pause before attempt `tries + 1`: it grows with each try, so the winner of the race
/// has time to commit, and a random part of it (up to the base again) keeps the losers, who
/// all failed at the same moment, from all retrying at the same moment too.
fn retry_pause(tries: u32, rng: &mut impl rand::Rng) -> Duration {
    let base = u64::from(tries) * 5;
    Duration::from_millis(base + rng.random_range(0..=base))
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn retry_pauses_grow_with_each_try_and_are_jittered() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(26);
        for tries in 1..MAX_ATTEMPTS {
            let base = Duration::from_millis(u64::from(tries) * 5);
            let pauses: Vec<Duration> = (0..50).map(|_| retry_pause(tries, &mut rng)).collect();
            assert!(
                pauses
                    .iter()
                    .all(|pause| *pause >= base && *pause <= base * 2),
                "try {tries}: {pauses:?}"
            );
            // Two racers that failed together draw different pauses: the jitter varies
            // from one draw to the next, not only from one process to another.
            let distinct: std::collections::BTreeSet<_> = pauses.iter().collect();
            assert!(distinct.len() > 1, "try {tries}: always {:?}", pauses[0]);
        }
    }
}
