//! Creator accounts: sign-up, log-in, password changes, and sessions.
//!
//! * Passwords are hashed with Argon2id at the `argon2` crate's defaults (m=19 MiB, t=2,
//!   p=1: OWASP's minimum), on a blocking thread so hashing never stalls the async runtime.
//! * A log-in failure says the same thing for an unknown email and a wrong password, and
//!   takes about as long (an unknown email still verifies against a dummy hash).
//! * A session token is 128 random bits, given to the browser once; the database keeps only
//!   its SHA-256. Sessions end after [`IDLE`] without use or [`ABSOLUTE`] after log-in.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, JoinType, QueryFilter, QuerySelect, TryInsertResult,
};
use sha2::{Digest, Sha256};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::email::Email;
use crate::domain::error::Problems;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::entities::{creator, session};

/// A session unused for this long has ended.
pub const IDLE: Duration = Duration::days(7);
/// A session ends this long after log-in, however much it is used.
pub const ABSOLUTE: Duration = Duration::days(30);
/// How stale `last_seen_at` may get before a request refreshes it (one write per interval,
/// not one per request).
const TOUCH_EVERY: Duration = Duration::minutes(5);

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 200;

/// The least zxcvbn score a new password needs: 3 is "safely unguessable" against an
/// attacker with the hashes, zxcvbn's own advice ("any score less than 3 should be
/// considered too weak").
const MIN_PASSWORD_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// A new password that passed the rules. Never logged, never stored in clear.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// # Errors
    /// A message for the password field.
    pub fn parse(input: &str, email: &Email) -> Result<NewPassword, String> {
        let chars = input.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
        }
        let local = email.as_str().split('@').next().unwrap_or_default();
        if local.len() >= 4 && input.to_lowercase().contains(local) {
            return Err("Don't build your password from your email address.".to_owned());
        }
        // Common passwords, words, names, keyboard walks, sequences, repeats and dates,
        // each guessed the way an attacker would (and the email, which an attacker knows).
        let strength = zxcvbn::zxcvbn(input, &[email.as_str(), local]);
        if strength.score() < MIN_PASSWORD_SCORE {
            let why = strength
                .feedback()
                .and_then(|feedback| feedback.warning())
                .map(|warning| format!(" {warning}"))
                .unwrap_or_default();
            return Err(format!(
                "That password is too easy to guess.{why} Try a short sentence."
            ));
        }
        Ok(NewPassword(input.to_owned()))
    }
}

/// The sign-up form, checked: a valid email, and a password that passes the rules for that
/// email (which are only checked once the email is valid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    email: Email,
    password: NewPassword,
}

impl NewAccount {
    /// # Errors
    /// `Invalid`, naming `email` and/or `password`.
    pub fn parse(email: &str, password: &str) -> DomainResult<NewAccount> {
        let mut problems = Problems::new();
        let email = problems.check("email", Email::parse(email));
        let password = match &email {
            Some(email) => problems.check("password", NewPassword::parse(password, email)),
            None => None,
        };
        problems.finish(|| {
            Some(NewAccount {
                email: email?,
                password: password?,
            })
        })
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn password(&self) -> &NewPassword {
        &self.password
    }
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub creator_id: i64,
    pub email: String,
}

/// The browser's half of a session: the value of the session cookie.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(…)")
    }
}

impl SessionToken {
    fn generate() -> SessionToken {
        let bytes: [u8; 16] = rand::rng().random();
        SessionToken(hex(&bytes))
    }

    /// A token as read from a cookie. Anything that is not 32 hex digits is no token.
    pub fn from_cookie(value: &str) -> Option<SessionToken> {
        (value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| SessionToken(value.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the database keeps: the token's SHA-256, so a leaked table opens no session.
    fn stored_hash(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What a sign-up did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignUp {
    Created(SignedIn),
    /// An account already uses the email; nothing changed. It cost the same work (the
    /// password was hashed all the same), so the two cannot be told apart by time.
    Taken,
}

impl SignUp {
    /// The new account, if one was created.
    pub fn created(self) -> Option<SignedIn> {
        match self {
            SignUp::Created(account) => Some(account),
            SignUp::Taken => None,
        }
    }
}

/// Creates an account. The email is the login; an email in use changes nothing.
///
/// # Errors
/// Database failures.
pub async fn sign_up(
    db: &DatabaseConnection,
    email: &Email,
    password: &NewPassword,
) -> DomainResult<SignUp> {
    // Hashed first, whether or not the email is free: see `SignUp::Taken`.
    let hash = hash_password(password.0.clone()).await?;
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let now = time::now();
        let inserted = creator::Entity::insert(creator::ActiveModel {
            email: Set(email.as_str().to_owned()),
            password_hash: Set(hash.clone()),
            created_at: Set(now),
            password_changed_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(creator::Column::Email)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(&tx)
        .await?;
        let TryInsertResult::Inserted(result) = inserted else {
            return Ok(SignUp::Taken);
        };
        tx.commit().await?;
        Ok(SignUp::Created(SignedIn {
            creator_id: result.last_insert_id,
            email: email.as_str().to_owned(),
        }))
    })
    .await
}

/// The account for this email and password, or `None`, in the same time either way.
///
/// # Errors
/// Database failures.
pub async fn verify_login(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> DomainResult<Option<SignedIn>> {
    let email = email.trim().to_lowercase();
    let account = creator::Entity::find()
        .filter(creator::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    let stored = account.as_ref().map_or_else(
        || DUMMY_HASH.clone(),
        |account| account.password_hash.clone(),
    );
    let matches = verify_password(password.to_owned(), stored).await?;
    Ok(account.filter(|_| matches).map(|account| SignedIn {
        creator_id: account.id,
        email: account.email,
    }))
}

/// Changes a password after checking the current one. Every session of the account ends
/// (other devices must log in again) and the device that asked gets a new one, returned: all
/// in one transaction, so a failure changes neither the password nor the sessions.
///
/// # Errors
/// `Invalid` on `current` when it is wrong.
pub async fn change_password(
    db: &DatabaseConnection,
    creator_id: i64,
    current: &str,
    new: &NewPassword,
) -> DomainResult<SessionToken> {
    let account = creator::Entity::find_by_id(creator_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("account"))?;
    if !verify_password(current.to_owned(), account.password_hash.clone()).await? {
        return Err(DomainError::invalid(
            "current",
            "That is not your current password.",
        ));
    }
    let hash = hash_password(new.0.clone()).await?;
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let mut active: creator::ActiveModel = account.clone().into();
        active.password_hash = Set(hash.clone());
        active.password_changed_at = Set(time::now());
        active.update(&tx).await?;
        session::Entity::delete_many()
            .filter(session::Column::CreatorId.eq(creator_id))
            .exec(&tx)
            .await?;
        let token = start_session(&tx, creator_id).await?;
        tx.commit().await?;
        Ok(token)
    })
    .await
}

/// Starts a session (always a new token: a log-in never reuses one), on the pool or in the
/// caller's transaction.
///
/// # Errors
/// Database failures.
pub async fn start_session(
    db: &impl ConnectionTrait,
    creator_id: i64,
) -> DomainResult<SessionToken> {
    let token = SessionToken::generate();
    let now = time::now();
    session::ActiveModel {
        token_hash: Set(token.stored_hash()),
        creator_id: Set(creator_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ABSOLUTE),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Who a session token belongs to, if it is live at `now`. An expired session is deleted.
///
/// # Errors
/// Database failures.
pub async fn resolve_session(
    db: &DatabaseConnection,
    token: &SessionToken,
    now: DateTime<Utc>,
) -> DomainResult<Option<SignedIn>> {
    // The session and its creator in one statement: this runs on every request.
    let by_creator = session::Entity::belongs_to(creator::Entity)
        .from(session::Column::CreatorId)
        .to(creator::Column::Id)
        .into();
    let Some((found, account)) = session::Entity::find_by_id(token.stored_hash())
        .join(JoinType::LeftJoin, by_creator)
        .select_also(creator::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if now >= found.expires_at || now - found.last_seen_at >= IDLE {
        session::Entity::delete_by_id(found.token_hash)
            .exec(db)
            .await?;
        return Ok(None);
    }
    let Some(account) = account else {
        return Ok(None);
    };
    if now - found.last_seen_at >= TOUCH_EVERY {
        session::Entity::update_many()
            .col_expr(
                session::Column::LastSeenAt,
                sea_orm::sea_query::Expr::val(now),
            )
            .filter(session::Column::TokenHash.eq(found.token_hash.as_str()))
            .exec(db)
            .await?;
    }
    Ok(Some(SignedIn {
        creator_id: account.id,
        email: account.email,
    }))
}

/// Ends one session (log out).
///
/// # Errors
/// Database failures.
pub async fn end_session(db: &DatabaseConnection, token: &SessionToken) -> DomainResult<()> {
    session::Entity::delete_by_id(token.stored_hash())
        .exec(db)
        .await?;
    Ok(())
}

/// An Argon2id hash (same parameters as real ones) of a random password, verified against
/// when the email is unknown so that answer takes as long as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let random: [u8; 16] = rand::rng().random();
    Argon2::default()
        .hash_password(&random)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

async fn hash_password(password: String) -> DomainResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| DomainError::Corrupt(format!("hashing a password: {error}")))
    })
    .await
    .map_err(|error| DomainError::Corrupt(format!("password hashing task: {error}")))?
}

async fn verify_password(password: String, stored: String) -> DomainResult<bool> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("a stored password hash cannot be parsed");
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|error| DomainError::Corrupt(format!("password verification task: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("beatsmith@example.com").unwrap()
    }

    fn fields(error: DomainError) -> Vec<String> {
        match error {
            DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected validation errors, got {other}"),
        }
    }

    #[test]
    fn a_sign_up_checks_the_password_against_a_valid_email_only() {
        let account = NewAccount::parse(" Beatsmith@Example.com ", "late night sessions").unwrap();
        assert_eq!(account.email(), &email());
        assert_eq!(
            fields(NewAccount::parse("nope", "short").unwrap_err()),
            ["email"]
        );
        assert_eq!(
            fields(NewAccount::parse("beatsmith@example.com", "beatsmith-2026!").unwrap_err()),
            ["password"]
        );
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        let cases = [
            ("short", "Use at least 10 characters."),
            (
                "aaaaaaaaaaaa",
                "That password is too easy to guess. Repeats like \"aaa\" are easy to guess. \
                 Try a short sentence.",
            ),
            (
                "Password123",
                "That password is too easy to guess. This is a very common password. \
                 Try a short sentence.",
            ),
            (
                "abcdefghijkl",
                "That password is too easy to guess. Sequences like abc or 6543 are easy to \
                 guess. Try a short sentence.",
            ),
            (
                "qwertyuiop1",
                "That password is too easy to guess. This is similar to a commonly used \
                 password. Try a short sentence.",
            ),
            (
                "beatsmith-2026!",
                "Don't build your password from your email address.",
            ),
        ];
        for (password, message) in cases {
            assert_eq!(
                NewPassword::parse(password, &email()).unwrap_err(),
                message,
                "{password}"
            );
        }
        assert!(NewPassword::parse(&"x".repeat(201), &email()).is_err());
    }

    #[test]
    fn guessable_passwords_of_any_kind_are_refused() {
        // A name with a year, a word with a year, a keyboard walk that turns, a keyboard
        // row with its punctuation, a word from the trade.
        for password in [
            "michael1987",
            "sunshine2024!",
            "1qaz2wsx3edc",
            "zxcvbnm,./",
            "musicproducer",
        ] {
            let refused = NewPassword::parse(password, &email());
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|message| message.starts_with("That password is too easy")),
                "{password}: {refused:?}"
            );
        }
    }

    #[test]
    fn a_short_sentence_and_a_random_password_pass() {
        for password in [
            "mixing at midnight",
            "correct horse battery",
            "a brand new phrase",
            "sidechain the kick drum",
            "a new and longer phrase",
            "yet another longer phrase",
        ] {
            assert!(NewPassword::parse(password, &email()).is_ok(), "{password}");
        }
        for _ in 0..20 {
            let random = crate::tools::demo::random_password();
            assert!(NewPassword::parse(&random, &email()).is_ok(), "{random}");
        }
    }

    #[test]
    fn session_tokens_are_128_bits_of_hex_and_stored_hashed() {
        let token = SessionToken::generate();
        assert_eq!(token.as_str().len(), 32);
        assert_eq!(
            SessionToken::from_cookie(token.as_str()),
            Some(token.clone())
        );
        assert_ne!(token.stored_hash(), token.as_str());
        assert_eq!(token.stored_hash().len(), 64);
        assert_ne!(SessionToken::generate(), token);
        for bad in ["", "xyz", &"g".repeat(32), &"a".repeat(33)] {
            assert_eq!(SessionToken::from_cookie(bad), None, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn the_dummy_hash_costs_what_a_real_one_costs() {
        let dummy = PasswordHash::new(&DUMMY_HASH).expect("a parseable hash");
        let real_text = hash_password("mixing at midnight".into()).await.unwrap();
        let real = PasswordHash::new(&real_text).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(
            dummy.params, real.params,
            "same memory, time and parallelism"
        );
        assert!(
            !verify_password("mixing at midnight".into(), DUMMY_HASH.clone())
                .await
                .unwrap()
        );
        assert!(
            verify_password("mixing at midnight".into(), real_text)
                .await
                .unwrap()
        );
    }
}
