//! A store's sender settings: the name and address campaigns come from, where replies go,
//! and the postal address every campaign's footer carries (anti-spam law asks for one, so a
//! campaign cannot go out before it is set).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};

use crate::domain::email::Email;
use crate::domain::error::Problems;
use crate::domain::{DomainResult, text, time};
use crate::dto::EmailSettingsView;
use crate::entities::store_email_settings;

pub const MAX_POSTAL_ADDRESS_CHARS: usize = 500;

/// The settings form as typed.
pub struct SenderForm<'a> {
    pub sender_name: &'a str,
    pub sender_address: &'a str,
    pub reply_to: &'a str,
    pub postal_address: &'a str,
}

/// Valid sender settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub sender_name: String,
    pub sender_address: Email,
    pub reply_to: Option<Email>,
    pub postal_address: String,
}

impl Sender {
    /// # Errors
    /// One message per bad field: the sender address and postal address are required.
    pub fn parse(form: &SenderForm<'_>) -> DomainResult<Sender> {
        let mut problems = Problems::new();
        let name = problems.check("sender_name", text::single_line(form.sender_name, 120));
        let address = problems.check("sender_address", Email::parse(form.sender_address));
        let reply_to = if form.reply_to.trim().is_empty() {
            Some(None)
        } else {
            problems
                .check("reply_to", Email::parse(form.reply_to))
                .map(Some)
        };
        let postal = problems.check(
            "postal_address",
            text::multi_line(form.postal_address, MAX_POSTAL_ADDRESS_CHARS),
        );
        if postal.as_deref().is_some_and(str::is_empty) {
            problems.add(
                "postal_address",
                "Enter the postal address your emails show: anti-spam law asks for one.",
            );
        }
        problems.finish(|| {
            Some(Sender {
                sender_name: name?,
                sender_address: address?,
                reply_to: reply_to?,
                postal_address: postal?,
            })
        })
    }
}

/// Saves the store's sender settings (creating or replacing them).
///
/// # Errors
/// Database failures.
pub async fn save(db: &DatabaseConnection, store_id: i64, sender: &Sender) -> DomainResult<()> {
    use store_email_settings::Column as C;
    store_email_settings::Entity::insert(store_email_settings::ActiveModel {
        store_id: Set(store_id),
        sender_name: Set(sender.sender_name.clone()),
        sender_address: Set(sender.sender_address.as_str().to_owned()),
        reply_to: Set(sender
            .reply_to
            .as_ref()
            .map(|email| email.as_str().to_owned())
            .unwrap_or_default()),
        postal_address: Set(sender.postal_address.clone()),
        updated_at: Set(time::now()),
    })
    .on_conflict(
        OnConflict::column(C::StoreId)
            .update_columns([
                C::SenderName,
                C::SenderAddress,
                C::ReplyTo,
                C::PostalAddress,
                C::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The store's settings, if saved.
///
/// # Errors
/// Database failures.
pub async fn find(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Option<store_email_settings::Model>> {
    Ok(store_email_settings::Entity::find_by_id(store_id)
        .one(db)
        .await?)
}

/// Whether saved settings let a campaign go out.
pub fn is_ready(settings: Option<&store_email_settings::Model>) -> bool {
    settings.is_some_and(|s| !s.sender_address.is_empty() && !s.postal_address.trim().is_empty())
}

/// The settings form's values (empty before the first save).
///
/// # Errors
/// Database failures.
pub async fn view(db: &DatabaseConnection, store_id: i64) -> DomainResult<EmailSettingsView> {
    let settings = find(db, store_id).await?;
    let ready = is_ready(settings.as_ref());
    Ok(
        settings.map_or_else(EmailSettingsView::default, |s| EmailSettingsView {
            sender_name: s.sender_name,
            sender_address: s.sender_address,
            reply_to: s.reply_to,
            postal_address: s.postal_address,
            ready,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_needs_an_address_and_a_postal_address() {
        let error = Sender::parse(&SenderForm {
            sender_name: "Night Owl",
            sender_address: "not an email",
            reply_to: "also bad",
            postal_address: "  ",
        })
        .unwrap_err();
        let message = error.to_string();
        for field in ["sender_address", "reply_to", "postal_address"] {
            assert!(message.contains(field), "{message}");
        }
        let sender = Sender::parse(&SenderForm {
            sender_name: "Night Owl",
            sender_address: "Hello@NightOwl.test",
            reply_to: "",
            postal_address: "1 Loop Street\nBerlin",
        })
        .unwrap();
        assert_eq!(sender.sender_address.as_str(), "hello@nightowl.test");
        assert_eq!(sender.reply_to, None);
    }
}
