//! Unsubscribing from a campaign's link, without a login. The link carries a token signed
//! for its recipient row ([`crate::domain::signing`]); a forged or altered token finds
//! nothing (the page answers 404) and changes nothing. Unsubscribing is idempotent: the fan
//! becomes `unsubscribed` once, their timeline says "Unsubscribed (from: <subject>)", and
//! their messages still queued are skipped when a worker reaches them.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::signing::{Purpose, SigningKey};
use crate::domain::tx::{begin_write, with_retries};
use crate::domain::{DomainError, DomainResult, time};
use crate::entities::{campaign, campaign_recipient, fan, store};
use crate::vocab::{ActivityKind, EmailStatus};

/// What the unsubscribe page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribePage {
    pub store_name: String,
    pub email: String,
    pub already: bool,
}

/// The recipient row a token is for, if the token is genuine and the row still exists.
async fn recipient(
    db: &impl sea_orm::ConnectionTrait,
    key: &SigningKey,
    token: &str,
) -> DomainResult<campaign_recipient::Model> {
    let id = key
        .verify(Purpose::Unsubscribe, token)
        .ok_or(DomainError::NotFound("recipient"))?;
    campaign_recipient::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("recipient"))
}

/// The page behind a link: whose address, which store, already unsubscribed or not.
///
/// # Errors
/// `NotFound` for a forged token, or a fan since erased.
pub async fn page(
    db: &DatabaseConnection,
    key: &SigningKey,
    token: &str,
) -> DomainResult<UnsubscribePage> {
    let row = recipient(db, key, token).await?;
    let fan = fan::Entity::find_by_id(row.fan_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("fan"))?;
    let store = store::Entity::find_by_id(row.store_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))?;
    Ok(UnsubscribePage {
        store_name: store.name,
        email: fan.email,
        already: fan.email_status == EmailStatus::Unsubscribed,
    })
}

/// Unsubscribes the fan a token was sent to. Returns the page to show afterwards.
///
/// # Errors
/// `NotFound` for a forged token, or a fan since erased; nothing changes.
pub async fn unsubscribe(
    db: &DatabaseConnection,
    key: &SigningKey,
    token: &str,
) -> DomainResult<UnsubscribePage> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let row = recipient(&tx, key, token).await?;
        let campaign = campaign::Entity::find_by_id(row.campaign_id)
            .one(&tx)
            .await?
            .ok_or(DomainError::NotFound("campaign"))?;
        let fan = fan::Entity::find_by_id(row.fan_id)
            .filter(fan::Column::StoreId.eq(row.store_id))
            .one(&tx)
            .await?
            .ok_or(DomainError::NotFound("fan"))?;
        let store = store::Entity::find_by_id(row.store_id)
            .one(&tx)
            .await?
            .ok_or(DomainError::NotFound("store"))?;
        // Bounced and complained stay as they are: they already stop every email, and say
        // more than "unsubscribed".
        if fan.email_status == EmailStatus::Subscribed {
            let now = time::now();
            fan::Entity::update_many()
                .col_expr(
                    fan::Column::EmailStatus,
                    Expr::val(EmailStatus::Unsubscribed.as_str()),
                )
                .filter(fan::Column::Id.eq(fan.id))
                .exec(&tx)
                .await?;
            sync::record_activity(
                &tx,
                NewActivity {
                    store_id: row.store_id,
                    fan_id: fan.id,
                    kind: ActivityKind::StatusChange,
                    detail: format!("Unsubscribed (from: {})", campaign.subject),
                    points: 0,
                    reference: None,
                    purchase_id: None,
                    occurred_at: now,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(UnsubscribePage {
            store_name: store.name,
            email: fan.email,
            already: true,
        })
    })
    .await
}
