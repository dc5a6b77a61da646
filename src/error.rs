//! The one error type that crosses the wire from server functions to pages.
//!
//! Validation problems name the field they belong to, so forms can show the message next to
//! it. Internal failures carry no detail: the server logs the cause, the page says sorry.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one form field, e.g. `name`: "Give the store a name."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was rejected; nothing changed.
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldError>),
    /// Nobody is signed in.
    #[error("Please log in to continue.")]
    Unauthorized,
    /// Too many attempts in a short time (log-in, sign-up).
    #[error("Too many attempts. Please wait a little, then try again.")]
    RateLimited,
    /// The thing asked for does not exist (or is not the caller's to see).
    #[error("We couldn't find that.")]
    NotFound,
    /// The request contradicts what is already recorded.
    #[error("{0}")]
    Conflict(String),
    /// A sale typed by hand was already recorded (the same form, sent again with other
    /// details); `link` opens its customer.
    #[error("This sale was already recorded.")]
    AlreadyRecorded { link: String },
    /// The request was malformed (missing or unreadable arguments).
    #[error("That request could not be understood. Please reload the page and try again.")]
    BadRequest,
    /// The browser could not reach the server.
    #[error("Couldn't reach Encore. Check your connection and try again.")]
    Unreachable,
    /// The database cannot be reached (an outage): nothing was done, and the same request
    /// will work once it is back. Never a reason to sign anyone out.
    #[error("Encore can't reach its database right now. Please try again in a moment.")]
    Unavailable,
    /// Something failed on the server; the cause is in the server log.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    /// A rejection of one field's value, e.g. `AppError::invalid("tag", "Enter a tag name.")`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, message)])
    }

    /// The message for `field`, if this error is about it.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            AppError::Invalid(errors) => errors
                .iter()
                .find(|error| error.field == field)
                .map(|error| error.message.as_str()),
            _ => None,
        }
    }

    /// The HTTP status this error answers with (a server function's error response carries
    /// it instead of a blanket 500).
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::Invalid(_) | AppError::BadRequest => 400,
            AppError::Unauthorized => 401,
            AppError::NotFound => 404,
            AppError::Conflict(_) | AppError::AlreadyRecorded { .. } => 409,
            AppError::RateLimited => 429,
            AppError::Unreachable => 502,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
        }
    }

    /// A message for the whole form: everything except per-field validation problems.
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Invalid(_) => None,
            other => Some(other.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                AppError::BadRequest
            }
            ServerFnErrorErr::MissingArg(_) => AppError::BadRequest,
            ServerFnErrorErr::Request(_) => AppError::Unreachable,
            other => {
                tracing::error!(error = %other, "server function transport error");
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::domain::DomainError> for AppError {
    /// Rejections pass through with their message; failures are logged with their cause and
    /// reach the page only as [`AppError::Internal`].
    fn from(error: crate::domain::DomainError) -> Self {
        use crate::domain::DomainError;
        match error {
            DomainError::Invalid(errors) => AppError::Invalid(errors),
            DomainError::NotFound(_) => AppError::NotFound,
            DomainError::Conflict(message) => AppError::Conflict(message),
            DomainError::Database(cause) if crate::domain::is_outage(&cause) => {
                tracing::error!(error = %cause, "the database is unreachable");
                crate::server::outage::report();
                AppError::Unavailable
            }
            DomainError::AlreadyRecorded {
                store_id,
                customer_id,
            } => AppError::AlreadyRecorded {
                link: format!("/store/{store_id}/customers/{customer_id}"),
            },
            DomainError::Corrupt(_) | DomainError::Contended | DomainError::Database(_) => {
                tracing::error!(error = %error, "request failed");
                AppError::Internal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_are_found_by_field_name() {
        let error = AppError::Invalid(vec![
            FieldError::new("name", "Give the store a name."),
            FieldError::new("currency", "Pick a currency from the list."),
        ]);
        assert_eq!(error.field_message("name"), Some("Give the store a name."));
        assert_eq!(
            error.field_message("currency"),
            Some("Pick a currency from the list.")
        );
        assert_eq!(error.field_message("email"), None);
        assert_eq!(error.form_message(), None);
    }

    #[test]
    fn one_invalid_field_is_one_field_error() {
        let error = AppError::invalid("tag", "Enter a tag name.");
        assert_eq!(error.field_message("tag"), Some("Enter a tag name."));
        assert_eq!(error.http_status(), 400);
    }

    #[test]
    fn an_outage_is_a_503_that_names_no_cause() {
        assert_eq!(AppError::Unavailable.http_status(), 503);
        assert_eq!(
            AppError::Unavailable.form_message().as_deref(),
            Some("Encore can't reach its database right now. Please try again in a moment.")
        );
    }

    #[test]
    fn internal_errors_say_nothing_about_their_cause() {
        assert_eq!(
            AppError::Internal.form_message().as_deref(),
            Some("Something went wrong on our side. Please try again.")
        );
    }
}
