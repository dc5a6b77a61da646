//! Subscriptions: a payment for a subscription product pays for one month, a full refund of
//! one ends it, and each unbroken paid stretch is a period (`subscription_periods`), so
//! "subscribers at a moment" is exact for any moment, past ones included.
//!
//! The row in `subscriptions` holds the latest period: `started_at` is the first payment
//! ever, `current_period_end` the end of what is paid for now. Its latest period always
//! ends at `current_period_end`; the audit checks it.

use chrono::{DateTime, Months, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::DomainResult;
use crate::domain::sql::scalar;
use crate::domain::time;
use crate::entities::{purchase, subscription, subscription_daily, subscription_period};
use crate::vocab::SubscriptionStatus;

/// What one payment does to a subscription paid until `paid_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// Paid while the period runs (or the moment it ends): the month follows the one paid
    /// for, and the period now ends at `until`.
    Extends { until: DateTime<Utc> },
    /// Paid after the period ended: a new period runs from the payment to `until`.
    Restarts { until: DateTime<Utc> },
}

impl Payment {
    pub fn until(self) -> DateTime<Utc> {
        match self {
            Payment::Extends { until } | Payment::Restarts { until } => until,
        }
    }
}

/// The rule for a payment at `paid_at` on a subscription paid until `paid_until`.
pub fn apply_payment(paid_until: DateTime<Utc>, paid_at: DateTime<Utc>) -> Payment {
    if paid_at <= paid_until {
        Payment::Extends {
            until: one_month_after(paid_until),
        }
    } else {
        Payment::Restarts {
            until: one_month_after(paid_at),
        }
    }
}

/// The periods a series of payments (in time order) pays for, as (start, end) pairs.
pub fn periods_of(payments: &[DateTime<Utc>]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut periods: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for &paid_at in payments {
        match periods.last_mut() {
            Some(latest) => match apply_payment(latest.1, paid_at) {
                Payment::Extends { until } => latest.1 = until,
                Payment::Restarts { until } => periods.push((paid_at, until)),
            },
            None => periods.push((paid_at, one_month_after(paid_at))),
        }
    }
    periods
}

pub fn one_month_after(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_months(Months::new(1)).unwrap_or(at)
}

/// A subscription purchase: starts the subscription with its first period, or renews it by
/// extending its latest period or, after a lapse or a cancellation, starting a new one.
pub(crate) async fn start_or_renew(
    tx: &impl ConnectionTrait,
    purchase: &purchase::Model,
) -> DomainResult<()> {
    let paid_at = purchase.purchased_at;
    let Some(existing) = paid_for(tx, purchase).await? else {
        let until = one_month_after(paid_at);
        let created = subscription::ActiveModel {
            store_id: Set(purchase.store_id),
            customer_id: Set(purchase.customer_id),
            product_id: Set(purchase.product_id),
            status: Set(SubscriptionStatus::Active),
            started_at: Set(paid_at),
            renewed_at: Set(paid_at),
            current_period_end: Set(until),
            cancelled_at: Set(None),
            ..Default::default()
        }
        .insert(tx)
        .await?;
        return start_period(tx, &created, paid_at).await;
    };
    let payment = apply_payment(existing.current_period_end, paid_at);
    let mut active: subscription::ActiveModel = existing.into();
    active.status = Set(SubscriptionStatus::Active);
    active.renewed_at = Set(paid_at);
    active.current_period_end = Set(payment.until());
    active.cancelled_at = Set(None);
    let renewed = active.update(tx).await?;
    match payment {
        Payment::Extends { .. } => {
            let latest = latest_period(tx, renewed.id).await?;
            set_latest_end(tx, &renewed, latest).await
        }
        Payment::Restarts { .. } => start_period(tx, &renewed, paid_at).await,
    }
}

/// A fully refunded subscription payment ends the subscription it paid for, at the refund:
/// what is left of the month is no longer paid for.
pub(crate) async fn cancel(
    tx: &impl ConnectionTrait,
    purchase: &purchase::Model,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let Some(existing) = paid_for(tx, purchase).await? else {
        return Ok(());
    };
    let latest = latest_period(tx, existing.id).await?;
    // Never later than it was paid for, nor before its latest period started.
    let mut ended = std::cmp::min(at, existing.current_period_end);
    if let Some(latest) = &latest {
        ended = std::cmp::max(ended, latest.started_at);
    }
    let mut active: subscription::ActiveModel = existing.clone().into();
    active.status = Set(SubscriptionStatus::Cancelled);
    active.cancelled_at = Set(Some(
        existing
            .cancelled_at
            .map_or(at, |before| std::cmp::min(before, at)),
    ));
    active.current_period_end = Set(ended);
    let cancelled = active.update(tx).await?;
    set_latest_end(tx, &cancelled, latest).await
}

/// The subscription a purchase pays for: the buyer's, to the purchase's product.
async fn paid_for(
    tx: &impl ConnectionTrait,
    purchase: &purchase::Model,
) -> DomainResult<Option<subscription::Model>> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::CustomerId.eq(purchase.customer_id))
        .filter(subscription::Column::ProductId.eq(purchase.product_id))
        .one(tx)
        .await?)
}

async fn start_period(
    tx: &impl ConnectionTrait,
    subscription: &subscription::Model,
    from: DateTime<Utc>,
) -> DomainResult<()> {
    subscription_period::ActiveModel {
        store_id: Set(subscription.store_id),
        subscription_id: Set(subscription.id),
        started_at: Set(from),
        ended_at: Set(subscription.current_period_end),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// The subscription's latest period.
async fn latest_period(
    tx: &impl ConnectionTrait,
    subscription_id: i64,
) -> DomainResult<Option<subscription_period::Model>> {
    Ok(subscription_period::Entity::find()
        .filter(subscription_period::Column::SubscriptionId.eq(subscription_id))
        .order_by_desc(subscription_period::Column::EndedAt)
        .one(tx)
        .await?)
}

/// Ends the latest period where the subscription's paid period now ends.
async fn set_latest_end(
    tx: &impl ConnectionTrait,
    subscription: &subscription::Model,
    latest: Option<subscription_period::Model>,
) -> DomainResult<()> {
    match latest {
        Some(latest) => {
            let mut period: subscription_period::ActiveModel = latest.into();
            period.ended_at = Set(subscription.current_period_end);
            period.update(tx).await?;
            Ok(())
        }
        // Not reachable while the invariant holds; a period keeps the data whole anyway.
        None => start_period(tx, subscription, subscription.started_at).await,
    }
}

/// Subscribers at `at`, as an expression a statement selects (the revenue dashboard reads
/// it with the period's other counts, in one round trip): periods started by then and not
/// yet ended. Counted as the periods started minus the periods ended by `at`: whole days
/// before `at`'s day from the daily rollup, that day's own starts and ends up to `at` from
/// the periods' indexes.
pub(crate) fn subscribers_at(store_id: i64, at: DateTime<Utc>) -> Expr {
    let day = time::revenue_day(at);
    let day_start = time::day_start(day);
    use subscription_daily::Column as D;
    let before_today = Query::select()
        .expr(Func::coalesce([
            Expr::FunctionCall(Func::sum(Expr::col(D::Starts).sub(Expr::col(D::Ends)))),
            Expr::val(0),
        ]))
        .from(subscription_daily::Entity)
        .and_where(Expr::col(D::StoreId).eq(store_id))
        .and_where(Expr::col(D::Day).lt(day))
        .to_owned();
    use subscription_period::Column as P;
    let today = |column: P| {
        Query::select()
            .expr(Expr::col(subscription_period::Column::Id).count())
            .from(subscription_period::Entity)
            .and_where(Expr::col(P::StoreId).eq(store_id))
            .and_where(Expr::col(column).gte(day_start))
            .and_where(Expr::col(column).lte(at))
            .to_owned()
    };
    scalar(before_today)
        .add(scalar(today(P::StartedAt)))
        .sub(scalar(today(P::EndedAt)))
        .cast_as(Alias::new("BIGINT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn payments_in_time_extend_the_period_and_late_ones_restart_it() {
        let periods = periods_of(&[
            at("2026-01-10T09:00:00Z"),
            // Early: the month follows the one paid for.
            at("2026-02-01T09:00:00Z"),
            // Lapsed on 10 March; paid again in May: a new period.
            at("2026-05-20T09:00:00Z"),
        ]);
        assert_eq!(
            periods,
            [
                (at("2026-01-10T09:00:00Z"), at("2026-03-10T09:00:00Z")),
                (at("2026-05-20T09:00:00Z"), at("2026-06-20T09:00:00Z")),
            ]
        );
    }

    #[test]
    fn a_payment_the_moment_a_period_ends_extends_it() {
        let end = at("2026-02-10T09:00:00Z");
        assert_eq!(
            apply_payment(end, end),
            Payment::Extends {
                until: at("2026-03-10T09:00:00Z")
            }
        );
        assert_eq!(periods_of(&[]), []);
    }
}
