//! Email engagement: opens, clicks and replies. Each event carries an idempotency reference
//! (e.g. the campaign for an open), so a retried or repeated event never counts twice; a
//! repeated open still moves "last opened" forward.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::audience::fans;
use crate::domain::audience::scoring::Engagement;
use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::sql::later_of;
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::entities::fan;
use crate::vocab::ActivityKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagementEvent {
    pub store_id: i64,
    pub fan_id: i64,
    pub kind: Engagement,
    /// Unique per fan and kind: the campaign for a first open or click, the message for a reply.
    pub reference: String,
    /// What the fan engaged with, for the timeline (a campaign name, a link).
    pub detail: String,
    pub occurred_at: Option<DateTime<Utc>>,
}

/// Whether the event counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// First time for this reference: the points were added.
    Counted { points: i64 },
    /// Seen before: no points, no new activity.
    AlreadyCounted,
}

/// # Errors
/// `NotFound` for a fan not in this store; `Invalid` for an empty reference.
pub async fn record_engagement(
    db: &DatabaseConnection,
    event: &EngagementEvent,
) -> DomainResult<Recorded> {
    let reference = event.reference.trim();
    if reference.is_empty() || reference.len() > 150 {
        return Err(DomainError::invalid(
            "reference",
            "An event needs a reference of 1 to 150 characters.",
        ));
    }
    let (kind, label) = match event.kind {
        Engagement::Open => (ActivityKind::Open, "Opened"),
        Engagement::Click => (ActivityKind::Click, "Clicked"),
        Engagement::Reply => (ActivityKind::Reply, "Replied"),
    };
    let detail = text::single_line(&event.detail, 250).unwrap_or_default();
    let occurred_at = event
        .occurred_at
        .map(time::at_db_precision)
        .unwrap_or_else(time::now);
    let reference = format!("{}:{reference}", kind.as_str());

    with_retries(|| async {
        let tx = begin_write(db).await?;
        fans::find_in_store(&tx, event.store_id, event.fan_id).await?;
        let counted = sync::record_activity(
            &tx,
            NewActivity {
                store_id: event.store_id,
                fan_id: event.fan_id,
                kind,
                detail: if detail.is_empty() {
                    label.to_owned()
                } else {
                    format!("{label}: {detail}")
                },
                points: event.kind.points(),
                reference: Some(&reference),
                purchase_id: None,
                occurred_at,
            },
        )
        .await?;
        let seen_column = match event.kind {
            Engagement::Open => Some(fan::Column::LastOpenAt),
            Engagement::Click => Some(fan::Column::LastClickAt),
            Engagement::Reply => None,
        };
        if let Some(column) = seen_column {
            fan::Entity::update_many()
                .col_expr(
                    column,
                    Expr::case(Expr::col(column).is_null(), Expr::val(occurred_at))
                        .finally(later_of(Expr::col(column), Expr::val(occurred_at)))
                        .into(),
                )
                .filter(fan::Column::Id.eq(event.fan_id))
                .exec(&tx)
                .await?;
        }
        tx.commit().await?;
        Ok(if counted {
            Recorded::Counted {
                points: event.kind.points(),
            }
        } else {
            Recorded::AlreadyCounted
        })
    })
    .await
}
