//! Trying a campaign before it goes: the rendered email as a web page (the preview, at
//! desktop and phone widths on the campaign's preview page) and "send a test to me", the
//! real message through the real transport to the signed-in creator's own address.
//!
//! Both fill the merge field as a fan without a first name sees it (its fallback). Neither
//! writes a recipient row nor touches a fan: a test message has its own Message-ID, and its
//! unsubscribe link carries no token (it opens the "link not valid" page).

use sea_orm::{DatabaseConnection, EntityTrait};

use super::compose;
use super::lifecycle::{content_of, find_in_store};
use super::render::{Footer, Letter, Rendered};
use super::sender;
use super::transport::SendError;
use super::worker::{self, Envelope, Mailer, Unpreparable};
use crate::domain::{DomainError, DomainResult, time};
use crate::entities::store;
use crate::error::FieldError;

/// What the preview's footer says before the postal address is set.
pub const POSTAL_ADDRESS_PLACEHOLDER: &str = "(Your postal address, from Email settings)";

/// The campaign `campaign_id` of `store_id` rendered as a fan without a first name gets it.
///
/// # Errors
/// `NotFound` for a campaign not in this store; `Invalid` when its text uses an unknown
/// merge field; database failures.
pub async fn preview(
    db: &DatabaseConnection,
    store_id: i64,
    campaign_id: i64,
) -> DomainResult<Letter> {
    let model = find_in_store(db, store_id, campaign_id).await?;
    let content = content_of(&model);
    let rendered =
        Rendered::new(&content).map_err(|_| DomainError::Invalid(compose::problems(&content)))?;
    let store = store::Entity::find_by_id(store_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    let postal = sender::find(db, store_id)
        .await?
        .map(|settings| settings.postal_address)
        .filter(|address| !address.trim().is_empty())
        .unwrap_or_else(|| POSTAL_ADDRESS_PLACEHOLDER.to_owned());
    Ok(rendered.letter(
        "",
        &Footer {
            store_name: &store.name,
            postal_address: &postal,
            unsubscribe_url: "#unsubscribe",
        },
    ))
}

/// Sends the campaign, as a fan without a first name would get it, to `to` (the creator's
/// own address), its subject starting "[Test] ". Returns the test's Message-ID.
///
/// # Errors
/// `NotFound`; `Invalid` when it could not be sent as it stands (no subject or body, an
/// unknown merge field, no sender settings); `Conflict` when the mail server refused it
/// (the cause is logged); database failures.
pub async fn send_test(
    db: &DatabaseConnection,
    mailer: &Mailer,
    store_id: i64,
    campaign_id: i64,
    to: &str,
) -> DomainResult<String> {
    let model = find_in_store(db, store_id, campaign_id).await?;
    let mut problems = compose::problems(&content_of(&model));
    let prepared = match worker::prepare(db, model.id).await {
        Ok(prepared) => Some(prepared),
        Err(Unpreparable::Database(error)) => return Err(error),
        Err(Unpreparable::Hold(_)) => {
            if !sender::is_ready(sender::find(db, store_id).await?.as_ref()) {
                problems.push(FieldError::new(
                    "settings",
                    "Add your sender address and postal address in Email settings first.",
                ));
            }
            None
        }
    };
    let Some(prepared) = prepared.filter(|_| problems.is_empty()) else {
        if problems.is_empty() {
            problems.push(FieldError::new(
                "settings",
                "The sender or reply-to address in Email settings cannot be used.",
            ));
        }
        return Err(DomainError::Invalid(problems));
    };
    let n = time::now().timestamp_micros();
    let message_id = mailer.test_message_id(model.id, n);
    let unsubscribe = format!("{}/unsubscribe/test", mailer.public_url);
    let message = worker::compose(
        &prepared,
        Envelope {
            to,
            first_name: "",
            unsubscribe_url: &unsubscribe,
            list_unsubscribe: format!("<{unsubscribe}>"),
            message_id: message_id.clone(),
            subject_prefix: "[Test] ",
        },
    )
    .map_err(|error| DomainError::Corrupt(format!("a test message: {error}")))?;
    match mailer
        .transport
        .send(message, &format!("{}/test-{n}", model.id))
        .await
    {
        Ok(()) => Ok(message_id),
        Err(SendError::Transient(error) | SendError::Permanent { error, .. }) => {
            tracing::warn!(campaign_id, %error, "a test message did not go");
            Err(DomainError::Conflict(
                "The mail server did not take the test message. Try again in a moment; the \
                 cause is in the server log."
                    .to_owned(),
            ))
        }
    }
}
