//! A campaign's life: a draft is written and saved (as typed), then sent now or scheduled;
//! while it sends it can be paused, resumed or cancelled. Each step is one command that owns
//! its transaction and checks the step is allowed from the campaign's current status.
//!
//! Sending fixes the audience: the subscribed fans matching the filter at that moment are
//! copied into the queue in the same transaction that marks the campaign as sending, so a
//! fan tagged later never gets it and the progress counts have a fixed total.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};

use super::audience::{self, Audience};
use super::compose::{self, Content};
use super::sender;
use crate::domain::accounts::stores;
use crate::domain::tx::{begin_write, with_retries};
use crate::domain::{DomainError, DomainResult, time};
use crate::entities::campaign;
use crate::error::FieldError;
use crate::vocab::CampaignStatus;

/// The campaign `campaign_id` of `store_id`, or `NotFound` (another store's campaign is
/// exactly as missing as one that does not exist).
///
/// # Errors
/// `NotFound`; database failures.
pub async fn find_in_store(
    db: &impl ConnectionTrait,
    store_id: i64,
    campaign_id: i64,
) -> DomainResult<campaign::Model> {
    campaign::Entity::find_by_id(campaign_id)
        .filter(campaign::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("campaign"))
}

/// Saves a new draft with what was typed. Returns its id.
///
/// # Errors
/// `NotFound` for an unknown store; database failures.
pub async fn create_draft(
    db: &DatabaseConnection,
    store_id: i64,
    content: &Content,
    audience: &Audience,
) -> DomainResult<i64> {
    stores::find_active(db, store_id).await?;
    let now = time::now();
    let model = campaign::ActiveModel {
        store_id: Set(store_id),
        subject: Set(content.subject.clone()),
        preheader: Set(content.preheader.clone()),
        from_name: Set(content.from_name.clone()),
        body_markdown: Set(content.body.clone()),
        audience: Set(audience.query.clone()),
        status: Set(CampaignStatus::Draft),
        scheduled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        recipient_count: Set(0),
        left_out_unsubscribed: Set(0),
        left_out_bounced: Set(0),
        left_out_complained: Set(0),
        sent_count: Set(0),
        failed_count: Set(0),
        skipped_count: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(model.id)
}

/// Replaces a draft's content and audience with what was typed.
///
/// # Errors
/// `NotFound`; `Conflict` once the campaign is no longer a draft.
pub async fn update_draft(
    db: &DatabaseConnection,
    store_id: i64,
    campaign_id: i64,
    content: &Content,
    audience: &Audience,
) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, campaign_id).await?;
        if !existing.status.is_editable() {
            return Err(DomainError::Conflict(
                "This campaign has started sending; it can no longer be edited.".to_owned(),
            ));
        }
        let mut active: campaign::ActiveModel = existing.into();
        active.subject = Set(content.subject.clone());
        active.preheader = Set(content.preheader.clone());
        active.from_name = Set(content.from_name.clone());
        active.body_markdown = Set(content.body.clone());
        active.audience = Set(audience.query.clone());
        // An edit takes a scheduled campaign back to a draft: what was scheduled changed.
        active.status = Set(CampaignStatus::Draft);
        active.scheduled_at = Set(None);
        active.updated_at = Set(time::now());
        active.update(&tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

pub(crate) fn content_of(model: &campaign::Model) -> Content {
    Content {
        subject: model.subject.clone(),
        preheader: model.preheader.clone(),
        from_name: model.from_name.clone(),
        body: model.body_markdown.clone(),
    }
}

/// What stops `model` from going out: its content's problems, missing sender settings.
async fn send_problems(
    db: &impl ConnectionTrait,
    model: &campaign::Model,
) -> DomainResult<Vec<FieldError>> {
    let mut problems = compose::problems(&content_of(model));
    if !sender::is_ready(sender::find(db, model.store_id).await?.as_ref()) {
        problems.push(FieldError::new(
            "settings",
            "Add your sender address and postal address in Email settings before the first \
             send: anti-spam law asks every email to show a postal address.",
        ));
    }
    if let Err(errors) = Audience::parse(&model.audience) {
        problems.extend(errors);
    }
    Ok(problems)
}

/// Starts sending `model` now: fixes the audience into the queue and marks it sending, in
/// the caller's transaction. Refuses an audience that reaches nobody.
pub(crate) async fn start(
    db: &impl ConnectionTrait,
    model: campaign::Model,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let audience = Audience::parse(&model.audience).map_err(DomainError::Invalid)?;
    let reach = audience::reach(db, model.store_id, &audience.filter, now).await?;
    let queued = audience::snapshot(db, model.store_id, model.id, &audience.filter, now).await?;
    if queued == 0 {
        return Err(DomainError::invalid(
            "audience",
            format!(
                "Nobody in this audience can receive email ({} left out: {} unsubscribed, {} \
                 bounced, {} complained). Choose other fans.",
                reach.unsubscribed + reach.bounced + reach.complained,
                reach.unsubscribed,
                reach.bounced,
                reach.complained
            ),
        ));
    }
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let mut active: campaign::ActiveModel = model.into();
    active.status = Set(CampaignStatus::Sending);
    active.started_at = Set(Some(now));
    active.updated_at = Set(now);
    active.recipient_count = Set(count(queued));
    active.left_out_unsubscribed = Set(count(reach.unsubscribed));
    active.left_out_bounced = Set(count(reach.bounced));
    active.left_out_complained = Set(count(reach.complained));
    active.update(db).await?;
    Ok(())
}

/// Sends a draft (or a scheduled campaign) now.
///
/// # Errors
/// `Invalid` with every problem (empty subject, unknown merge field, no postal address, an
/// audience of nobody), and nothing changes; `Conflict` when it is already sending or done.
pub async fn send_now(
    db: &DatabaseConnection,
    store_id: i64,
    campaign_id: i64,
) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let model = find_in_store(&tx, store_id, campaign_id).await?;
        if !model.status.is_editable() {
            return Err(DomainError::Conflict(format!(
                "This campaign is {}; it cannot be sent again.",
                model.status.label().to_lowercase()
            )));
        }
        let problems = send_problems(&tx, &model).await?;
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        start(&tx, model, time::now()).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// Schedules a draft to start sending at `at` (in the future). The audience is fixed when it
/// starts, not now.
///
/// # Errors
/// As [`send_now`], and `Invalid` on `scheduled_at` for a time that has passed.
pub async fn schedule(
    db: &DatabaseConnection,
    store_id: i64,
    campaign_id: i64,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let model = find_in_store(&tx, store_id, campaign_id).await?;
        if !model.status.is_editable() {
            return Err(DomainError::Conflict(format!(
                "This campaign is {}; it cannot be scheduled.",
                model.status.label().to_lowercase()
            )));
        }
        let mut problems = send_problems(&tx, &model).await?;
        if at <= time::now() {
            problems.push(FieldError::new(
                "scheduled_at",
                "Pick a time in the future.",
            ));
        }
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        let mut active: campaign::ActiveModel = model.into();
        active.status = Set(CampaignStatus::Scheduled);
        active.scheduled_at = Set(Some(time::at_db_precision(at)));
        active.updated_at = Set(time::now());
        active.update(&tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The statuses a control may move a campaign from, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    Cancel,
}

impl Control {
    fn allowed(self, from: CampaignStatus) -> Option<CampaignStatus> {
        use CampaignStatus as S;
        match (self, from) {
            (Control::Pause, S::Sending) => Some(S::Paused),
            (Control::Resume, S::Paused) => Some(S::Sending),
            (Control::Cancel, S::Draft | S::Scheduled | S::Sending | S::Paused) => {
                Some(S::Cancelled)
            }
            _ => None,
        }
    }
}

/// Pauses, resumes or cancels a campaign. Messages already handed to a worker finish; no
/// new one starts while it is paused, and none ever after it is cancelled.
///
/// # Errors
/// `NotFound`; `Conflict` when the campaign's status does not allow it.
pub async fn control(
    db: &DatabaseConnection,
    store_id: i64,
    campaign_id: i64,
    control: Control,
) -> DomainResult<CampaignStatus> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let model = find_in_store(&tx, store_id, campaign_id).await?;
        let Some(to) = control.allowed(model.status) else {
            return Err(DomainError::Conflict(format!(
                "This campaign is {}; that is not possible now.",
                model.status.label().to_lowercase()
            )));
        };
        // A campaign the sender paused by itself (its sender settings went missing) resumes
        // only once they are back; resuming clears the reason.
        if control == Control::Resume
            && !sender::is_ready(sender::find(&tx, store_id).await?.as_ref())
        {
            return Err(DomainError::invalid(
                "settings",
                "Add your sender address and postal address in Email settings, then resume.",
            ));
        }
        // One statement guarded by the status read, so a worker finishing the campaign at
        // the same moment is not overwritten.
        let changed = campaign::Entity::update_many()
            .col_expr(campaign::Column::Status, Expr::val(to.as_str()))
            .col_expr(campaign::Column::UpdatedAt, Expr::val(time::now()))
            .col_expr(
                campaign::Column::PausedReason,
                Expr::val(Option::<String>::None),
            )
            .filter(campaign::Column::Id.eq(model.id))
            .filter(campaign::Column::Status.eq(model.status.as_str()))
            .exec(&tx)
            .await?;
        if changed.rows_affected != 1 {
            return Err(DomainError::Contended);
        }
        tx.commit().await?;
        Ok(to)
    })
    .await
}

/// Starts every scheduled campaign whose time has come. Returns how many started. A
/// campaign whose audience now reaches nobody goes back to being a draft, logged.
///
/// # Errors
/// Database failures.
pub async fn start_due(db: &DatabaseConnection, now: DateTime<Utc>) -> DomainResult<usize> {
    let due = campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Scheduled.as_str()))
        .filter(campaign::Column::ScheduledAt.lte(now))
        .all(db)
        .await?;
    let mut started = 0;
    for model in due {
        let id = model.id;
        let outcome = with_retries(|| async {
            let tx = begin_write(db).await?;
            // Read again in the transaction: another instance may have started it.
            let current = campaign::Entity::find_by_id(id).one(&tx).await?;
            let Some(current) = current.filter(|c| c.status == CampaignStatus::Scheduled) else {
                return Ok(false);
            };
            start(&tx, current, now).await?;
            tx.commit().await?;
            Ok(true)
        })
        .await;
        match outcome {
            Ok(true) => started += 1,
            Ok(false) => {}
            Err(DomainError::Invalid(problems)) => {
                tracing::warn!(
                    campaign_id = id,
                    ?problems,
                    "a scheduled campaign could not start"
                );
                campaign::Entity::update_many()
                    .col_expr(
                        campaign::Column::Status,
                        Expr::val(CampaignStatus::Draft.as_str()),
                    )
                    .col_expr(
                        campaign::Column::ScheduledAt,
                        Expr::val(Option::<DateTime<Utc>>::None),
                    )
                    .filter(campaign::Column::Id.eq(id))
                    .filter(campaign::Column::Status.eq(CampaignStatus::Scheduled.as_str()))
                    .exec(db)
                    .await?;
            }
            Err(error) => return Err(error),
        }
    }
    Ok(started)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_move_only_from_the_statuses_they_name() {
        use CampaignStatus as S;
        assert_eq!(Control::Pause.allowed(S::Sending), Some(S::Paused));
        assert_eq!(Control::Pause.allowed(S::Draft), None);
        assert_eq!(Control::Resume.allowed(S::Paused), Some(S::Sending));
        assert_eq!(Control::Resume.allowed(S::Sent), None);
        assert_eq!(Control::Cancel.allowed(S::Sending), Some(S::Cancelled));
        assert_eq!(Control::Cancel.allowed(S::Sent), None);
        assert_eq!(Control::Cancel.allowed(S::Cancelled), None);
    }
}
