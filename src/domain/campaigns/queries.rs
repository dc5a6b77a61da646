//! What the campaign pages read: the list (newest first, by keyset on the id) and one
//! campaign with its audience, problems and progress.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::audience::{self, Audience};
use super::lifecycle::{content_of, find_in_store};
use super::{compose, sender};
use crate::domain::accounts::stores;
use crate::domain::{DomainResult, time};
use crate::dto::{
    AudienceView, CampaignDetail, CampaignList, CampaignRow, MailDelivery, ReachView, SendProgress,
};
use crate::entities::campaign;
use crate::error::FieldError;

/// Campaigns per page.
pub const PAGE_SIZE: u64 = 50;

fn progress(model: &campaign::Model) -> SendProgress {
    SendProgress {
        recipients: model.recipient_count,
        sent: model.sent_count,
        failed: model.failed_count,
        skipped: model.skipped_count,
    }
}

fn words(query: &str) -> String {
    Audience::parse(query).map_or_else(
        |_| "An audience link that cannot be read".to_owned(),
        |audience| audience.describe(),
    )
}

/// A page of the store's campaigns, newest first, after the campaign id `after`.
///
/// # Errors
/// `NotFound` for an unknown store; database failures.
pub async fn list(
    db: &DatabaseConnection,
    store_id: i64,
    after: Option<i64>,
    delivery: MailDelivery,
) -> DomainResult<CampaignList> {
    stores::find_active(db, store_id).await?;
    let mut select = campaign::Entity::find()
        .filter(campaign::Column::StoreId.eq(store_id))
        .order_by_desc(campaign::Column::Id)
        .limit(PAGE_SIZE + 1);
    if let Some(after) = after {
        select = select.filter(campaign::Column::Id.lt(after));
    }
    let mut models = select.all(db).await?;
    let next = (models.len() as u64 > PAGE_SIZE).then(|| {
        models.truncate(PAGE_SIZE as usize);
        models.last().map(|m| m.id.to_string()).unwrap_or_default()
    });
    let rows = models
        .into_iter()
        .map(|model| CampaignRow {
            id: model.id,
            subject: model.subject.clone(),
            status: model.status,
            audience_words: words(&model.audience),
            progress: progress(&model),
            created_at: model.created_at,
            scheduled_at: model.scheduled_at,
        })
        .collect();
    Ok(CampaignList {
        rows,
        next,
        delivery,
    })
}

/// An audience from the Fans page, in words and with its reach now.
///
/// # Errors
/// `Invalid` on `audience` for a link that cannot be read; database failures.
pub async fn audience_view(
    db: &DatabaseConnection,
    store_id: i64,
    query: &str,
) -> DomainResult<AudienceView> {
    let audience = Audience::parse(query).map_err(crate::domain::DomainError::Invalid)?;
    let reach = audience::reach(db, store_id, &audience.filter, time::now()).await?;
    Ok(AudienceView {
        words: audience.describe(),
        query: audience.query,
        reach: ReachView {
            recipients: reach.recipients,
            unsubscribed: reach.unsubscribed,
            bounced: reach.bounced,
            complained: reach.complained,
        },
    })
}

/// One campaign's page.
///
/// # Errors
/// `NotFound` for a campaign not in this store; database failures.
pub async fn detail(
    db: &DatabaseConnection,
    store_id: i64,
    campaign_id: i64,
    delivery: MailDelivery,
) -> DomainResult<CampaignDetail> {
    let model = find_in_store(db, store_id, campaign_id).await?;
    let settings_ready = sender::is_ready(sender::find(db, store_id).await?.as_ref());
    let editable = model.status.is_editable();
    let (audience, problems) = if editable {
        // Before sending the audience is live: its reach now.
        let mut problems = compose::problems(&content_of(&model));
        let audience = match audience_view(db, store_id, &model.audience).await {
            Ok(view) => view,
            Err(crate::domain::DomainError::Invalid(errors)) => {
                problems.extend(errors);
                AudienceView {
                    query: model.audience.clone(),
                    words: words(&model.audience),
                    reach: ReachView::default(),
                }
            }
            Err(error) => return Err(error),
        };
        if !settings_ready {
            problems.push(FieldError::new(
                "settings",
                "Add your sender address and postal address in Email settings before the \
                 first send.",
            ));
        }
        (audience, problems)
    } else {
        (
            AudienceView {
                query: model.audience.clone(),
                words: words(&model.audience),
                reach: ReachView {
                    recipients: u64::try_from(model.recipient_count).unwrap_or(0),
                    unsubscribed: u64::try_from(model.left_out_unsubscribed).unwrap_or(0),
                    bounced: u64::try_from(model.left_out_bounced).unwrap_or(0),
                    complained: u64::try_from(model.left_out_complained).unwrap_or(0),
                },
            },
            Vec::new(),
        )
    };
    Ok(CampaignDetail {
        id: model.id,
        subject: model.subject.clone(),
        preheader: model.preheader.clone(),
        from_name: model.from_name.clone(),
        body: model.body_markdown.clone(),
        left_out: audience.reach,
        audience,
        status: model.status,
        progress: progress(&model),
        problems,
        settings_ready,
        paused_reason: model
            .paused_reason
            .clone()
            .filter(|_| model.status == crate::vocab::CampaignStatus::Paused),
        delivery,
        scheduled_at: model.scheduled_at,
        started_at: model.started_at,
        finished_at: model.finished_at,
    })
}
