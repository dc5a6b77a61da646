//! What a domain command or query can fail with. Validation failures name their fields;
//! database failures keep their cause for the log.

use sea_orm::{DbErr, RuntimeErr};

use crate::error::FieldError;

pub type DomainResult<T> = Result<T, DomainError>;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The input was rejected before anything was written.
    #[error("invalid input: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// The named thing does not exist in this store.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request contradicts what is recorded (e.g. an idempotency key reused for a
    /// different purchase).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A sale recorded by hand was submitted again with different details (a form reused
    /// from the browser's history): the creator is pointed at the sale already recorded,
    /// its customer, and never shown the form's internal key.
    #[error("conflict: sale already recorded for customer {customer_id}")]
    AlreadyRecorded { store_id: i64, customer_id: i64 },
    /// Stored data breaks a rule it should never break (a bug or a hand-edited database).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The transaction lost a race with a concurrent one and should run again.
    #[error("transaction contended; retry")]
    Contended,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl DomainError {
    /// A validation failure about one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }
}

/// Whether `error` means the database cannot be reached or read at all (an outage), rather
/// than that this one statement failed: no connection could be had in time, the connection
/// broke, the server is shutting down or starting up, or the SQLite file cannot be opened or
/// read. Such a request is answered "try again shortly" (503), never as a log-out or a bug.
pub fn is_outage(error: &DbErr) -> bool {
    let sqlx_error = match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    use sea_orm::sqlx::Error;
    match sqlx_error.as_ref() {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(database_error) => {
            let code = database_error.code().unwrap_or_default();
            is_outage_code(&code)
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs of class 08 (connection exception) and 57P01–57P03 (the server is
/// shutting down, crashed, or not accepting connections yet); SQLite's primary result codes
/// SQLITE_IOERR (10), SQLITE_CORRUPT (11), SQLITE_CANTOPEN (14) and SQLITE_NOTADB (26),
/// whatever their extended code (the low byte is the primary one).
fn is_outage_code(code: &str) -> bool {
    if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03") {
        return true;
    }
    code.parse::<i32>()
        .is_ok_and(|code| matches!(code & 0xff, 10 | 11 | 14 | 26))
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects field errors while parsing a form, so every bad field is reported at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of a parsed field, or records its error and yields `None`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(FieldError::new(field, error.to_string()));
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// `Ok(value)` when no problem was recorded. `value` is only evaluated in that case, so
    /// it may unwrap the `Option`s returned by [`Problems::check`].
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> DomainResult<T> {
        if self.0.is_empty()
            && let Some(value) = value()
        {
            return Ok(value);
        }
        Err(DomainError::Invalid(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_codes_are_told_from_statement_failures() {
        for outage in [
            "08006", "08001", "57P01", "57P03", "10", "522", "14", "26", "11",
        ] {
            assert!(is_outage_code(outage), "{outage}");
        }
        // Unique violation, serialization failure, SQLITE_BUSY, SQLITE_CONSTRAINT_UNIQUE.
        for failure in ["23505", "40001", "5", "2067", "", "1"] {
            assert!(!is_outage_code(failure), "{failure}");
        }
        assert!(is_outage(&DbErr::ConnectionAcquire(
            sea_orm::error::ConnAcquireErr::Timeout
        )));
        assert!(!is_outage(&DbErr::RecordNotFound("x".into())));
    }
}
