//! Where messages go. `ENCORE_SMTP_URL` names an SMTP server (lettre's URL form:
//! `smtp://user:pass@host:587?tls=required` for STARTTLS, `smtps://…:465` for TLS, plain
//! `smtp://host:25` for a local relay), sent to over a pool of connections. Without it,
//! messages are written as `.eml` files into an outbox folder, and every campaign page
//! says so: `make run` needs no mail server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one SMTP exchange may take; well inside a claim's lease.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// The configured transport.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files under this folder, one folder per campaign.
    Outbox(PathBuf),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The URL may hold a password: never printed.
            Transport::Smtp(_) => f.write_str("Transport::Smtp"),
            Transport::Outbox(folder) => write!(f, "Transport::Outbox({})", folder.display()),
        }
    }
}

/// Why a message did not go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Try again later: a 4xx answer, a dropped or refused connection, a timeout.
    Transient(String),
    /// Refused for good (5xx); `user_unknown` when the mailbox does not exist (5.1.1).
    Permanent { error: String, user_unknown: bool },
}

/// Checks an SMTP URL and builds its pooled transport.
///
/// # Errors
/// One sentence saying what is wrong with the URL (never the URL itself: it may hold a
/// password).
pub fn smtp(url: &str) -> Result<Transport, String> {
    let scheme = url.split("://").next().unwrap_or_default();
    if !matches!(scheme, "smtp" | "smtps") || !url.contains("://") {
        return Err(
            "ENCORE_SMTP_URL must look like smtp://user:password@host:587?tls=required \
             or smtps://user:password@host:465"
                .to_owned(),
        );
    }
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|error| format!("ENCORE_SMTP_URL cannot be read: {error}"))?;
    let transport = builder.timeout(Some(SMTP_TIMEOUT)).build();
    Ok(Transport::Smtp(transport))
}

impl Transport {
    /// Sends `message`; `name` is its stable file name in the outbox (`<campaign>/<row>`).
    ///
    /// # Errors
    /// What went wrong, transient or permanent.
    pub async fn send(&self, message: Message, name: &str) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(classify),
            Transport::Outbox(folder) => {
                let path = folder.join(format!("{name}.eml"));
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
                    .await
                    .map_err(|error| SendError::Transient(format!("outbox task: {error}")))?
                    .map_err(|error| SendError::Transient(format!("outbox: {error}")))
            }
        }
    }

    /// The outbox folder, when messages are saved rather than sent.
    pub fn outbox(&self) -> Option<&Path> {
        match self {
            Transport::Smtp(_) => None,
            Transport::Outbox(folder) => Some(folder),
        }
    }
}

/// Writes the whole file or nothing: a crash mid-write leaves no half message. The name is
/// stable per recipient, so a retried message replaces its first copy.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let partial = path.with_extension("eml.partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, path)
}

fn classify(error: lettre::transport::smtp::Error) -> SendError {
    let text = error.to_string();
    if error.is_permanent() {
        let lower = text.to_lowercase();
        let user_unknown = lower.contains("5.1.1")
            || lower.contains("user unknown")
            || lower.contains("no such user");
        SendError::Permanent {
            error: text,
            user_unknown,
        }
    } else {
        SendError::Transient(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_malformed_smtp_url_is_one_clear_sentence() {
        for bad in ["", "mail.example.com", "http://mail.example.com", "smtp://"] {
            let error = smtp(bad).unwrap_err();
            assert!(error.starts_with("ENCORE_SMTP_URL"), "{bad}: {error}");
        }
        assert!(smtp("smtp://127.0.0.1:2525").is_ok());
        assert!(smtp("smtps://user:secret@mail.example.com:465").is_ok());
        assert!(smtp("smtp://user:secret@mail.example.com:587?tls=required").is_ok());
    }
}
