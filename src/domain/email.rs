//! The one email normalisation: trim, lower-case, then validate with the `email_address`
//! crate (RFC 5321/5322 syntax) and require a dotted domain, so a typo like `ada@gmail`
//! is caught at the form instead of bouncing later.

use std::fmt;

use email_address::{EmailAddress, Options};

/// A normalised, syntactically valid email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// # Errors
    /// A message for the email field when the address is empty or not valid.
    pub fn parse(input: &str) -> Result<Email, EmailError> {
        let normalised = input.trim().to_lowercase();
        if normalised.is_empty() {
            return Err(EmailError::Empty);
        }
        if normalised.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let options = Options {
            allow_display_text: false,
            ..Options::default()
                .with_required_tld()
                .without_domain_literal()
        };
        EmailAddress::parse_with_options(&normalised, options).map_err(|_| EmailError::Invalid)?;
        Ok(Email(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("Enter a valid email address, like name@example.com.")]
    Invalid,
    #[error("That email address is too long.")]
    TooLong,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let cases = [
            ("  Ada@Example.COM ", "ada@example.com"),
            ("fan+encore@studio.io", "fan+encore@studio.io"),
            ("o'brien@example.ie", "o'brien@example.ie"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Email::parse(input).map(Email::into_string).as_deref(),
                Ok(expected)
            );
        }
    }

    #[test]
    fn bad_emails_are_refused_with_a_reason() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("not-an-email", EmailError::Invalid),
            ("ada@", EmailError::Invalid),
            ("@example.com", EmailError::Invalid),
            ("ada@gmail", EmailError::Invalid),
            ("ada@[127.0.0.1]", EmailError::Invalid),
            ("Ada <ada@example.com>", EmailError::Invalid),
            ("two@@example.com", EmailError::Invalid),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }
}
