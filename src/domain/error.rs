//! What a domain command or query can fail with. Validation failures name their fields;
//! database failures keep their cause for the log.

use sea_orm::DbErr;

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
