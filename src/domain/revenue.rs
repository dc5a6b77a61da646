//! The revenue dashboard: totals, a series and best sellers for a date range, read from the
//! daily rollup (a few rows per day) rather than from every purchase. Counts of people
//! (customers, new customers, subscribers) come from indexed counts over customers and
//! subscriptions, never from a scan of purchases when it can be helped.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use super::fan_queries::product_names;
use super::{DomainError, DomainResult, stores};
use crate::dto::{Bucket, DateRange, RevenueSummary, SeriesPoint, TopProduct};
use crate::entities::{customer, purchase, revenue_daily, subscription};

/// How many best sellers the dashboard lists.
const TOP_PRODUCTS: usize = 5;

/// The buckets that keep a chart readable: days up to about a quarter, weeks up to about a
/// year, months beyond.
pub fn bucket_for(range: DateRange) -> Bucket {
    let days = (range.end - range.start).num_days() + 1;
    if days <= 92 {
        Bucket::Day
    } else if days <= 400 {
        Bucket::Week
    } else {
        Bucket::Month
    }
}

/// # Errors
/// `Invalid` when the range ends before it starts; `NotFound` for an unknown store.
pub async fn revenue_summary(
    db: &DatabaseConnection,
    store_id: i64,
    range: DateRange,
    now: DateTime<Utc>,
) -> DomainResult<RevenueSummary> {
    if range.end < range.start {
        return Err(DomainError::invalid(
            "range",
            "The period must end after it starts.",
        ));
    }
    let store = stores::find_active(db, store_id).await?;
    let currency = stores::currency_of(&store)?;
    let days = rollup_rows(db, store_id, range).await?;

    let mut gross = 0;
    let mut refunds = 0;
    let mut orders = 0;
    let mut by_day: BTreeMap<NaiveDate, (i64, i64, i64)> = BTreeMap::new();
    let mut by_product: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for row in &days {
        gross += row.gross;
        refunds += row.refunds;
        orders += row.orders;
        let day = by_day.entry(row.day).or_default();
        day.0 += row.gross;
        day.1 += row.refunds;
        day.2 += row.orders;
        let product = by_product.entry(row.product_id).or_default();
        product.0 += row.orders;
        product.1 += row.gross - row.refunds;
    }

    let bucket = bucket_for(range);
    let series = series(range, bucket, &by_day);
    let top_products = top_products(db, by_product).await?;

    let start = start_of(range.start);
    let end = start_of(range.end + Days::new(1));
    let customers = distinct_buyers(db, store_id, start, end).await?;
    let new_customers = customer::Entity::find()
        .filter(customer::Column::StoreId.eq(store_id))
        .filter(customer::Column::FirstPurchaseAt.gte(start))
        .filter(customer::Column::FirstPurchaseAt.lt(end))
        .count(db)
        .await?;
    let active_subscribers = active_subscribers(db, store_id, std::cmp::min(end, now)).await?;

    Ok(RevenueSummary {
        range,
        currency,
        gross_cents: gross,
        refunds_cents: refunds,
        net_cents: gross - refunds,
        orders,
        average_order_cents: if orders == 0 {
            0
        } else {
            (gross + orders / 2) / orders
        },
        customers,
        new_customers: i64::try_from(new_customers).unwrap_or(i64::MAX),
        active_subscribers,
        bucket,
        series,
        top_products,
    })
}

struct RollupRow {
    day: NaiveDate,
    product_id: i64,
    gross: i64,
    refunds: i64,
    orders: i64,
}

async fn rollup_rows(
    db: &impl ConnectionTrait,
    store_id: i64,
    range: DateRange,
) -> DomainResult<Vec<RollupRow>> {
    Ok(revenue_daily::Entity::find()
        .filter(revenue_daily::Column::StoreId.eq(store_id))
        .filter(revenue_daily::Column::Day.gte(range.start))
        .filter(revenue_daily::Column::Day.lte(range.end))
        .all(db)
        .await?
        .into_iter()
        .map(|row| RollupRow {
            day: row.day,
            product_id: row.product_id,
            gross: row.gross_cents,
            refunds: row.refunds_cents,
            orders: row.orders,
        })
        .collect())
}

/// Every bucket of the range, empty ones included, so a chart has no gaps.
fn series(
    range: DateRange,
    bucket: Bucket,
    by_day: &BTreeMap<NaiveDate, (i64, i64, i64)>,
) -> Vec<SeriesPoint> {
    let mut points: BTreeMap<NaiveDate, SeriesPoint> = BTreeMap::new();
    let mut day = range.start;
    while day <= range.end {
        let start = std::cmp::max(bucket_start(day, bucket), range.start);
        let point = points.entry(start).or_insert(SeriesPoint {
            start,
            gross_cents: 0,
            refunds_cents: 0,
            net_cents: 0,
            orders: 0,
        });
        if let Some((gross, refunds, orders)) = by_day.get(&day) {
            point.gross_cents += gross;
            point.refunds_cents += refunds;
            point.net_cents += gross - refunds;
            point.orders += orders;
        }
        day = day + Days::new(1);
    }
    points.into_values().collect()
}

/// The first day of the bucket a day falls in: itself, its ISO week's Monday, or the 1st.
pub fn bucket_start(day: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => day,
        Bucket::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        Bucket::Month => day.with_day(1).unwrap_or(day),
    }
}

async fn top_products(
    db: &impl ConnectionTrait,
    by_product: BTreeMap<i64, (i64, i64)>,
) -> DomainResult<Vec<TopProduct>> {
    let mut ranked: Vec<(i64, i64, i64)> = by_product
        .into_iter()
        .map(|(product_id, (units, net))| (product_id, units, net))
        .collect();
    ranked.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    ranked.truncate(TOP_PRODUCTS);
    let names = product_names(db, ranked.iter().map(|(id, _, _)| *id)).await?;
    Ok(ranked
        .into_iter()
        .map(|(product_id, units, net_cents)| TopProduct {
            name: names.get(&product_id).cloned().unwrap_or_default(),
            product_id,
            units,
            net_cents,
        })
        .collect())
}

/// Distinct customers who bought in `[start, end)`. When no purchase is at or after `end`
/// (any range ending today: the dashboard's usual question), a customer bought in the range
/// exactly when their last purchase is on or after `start`: an index range over customers
/// instead of a scan of every purchase in the range (2M at a million fans).
async fn distinct_buyers(
    db: &impl ConnectionTrait,
    store_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> DomainResult<i64> {
    let latest: Option<Option<DateTime<Utc>>> = customer::Entity::find()
        .select_only()
        .column_as(Expr::col(customer::Column::LastPurchaseAt).max(), "latest")
        .filter(customer::Column::StoreId.eq(store_id))
        .into_tuple()
        .one(db)
        .await?;
    if latest.flatten().is_none_or(|latest| latest < end) {
        let buyers = customer::Entity::find()
            .filter(customer::Column::StoreId.eq(store_id))
            .filter(customer::Column::LastPurchaseAt.gte(start))
            .count(db)
            .await?;
        return Ok(i64::try_from(buyers).unwrap_or(i64::MAX));
    }
    let statement = Query::select()
        .expr_as(
            Expr::col(purchase::Column::CustomerId).count_distinct(),
            Alias::new("buyers"),
        )
        .from(purchase::Entity)
        .and_where(Expr::col(purchase::Column::StoreId).eq(store_id))
        .and_where(Expr::col(purchase::Column::PurchasedAt).gte(start))
        .and_where(Expr::col(purchase::Column::PurchasedAt).lt(end))
        .to_owned();
    let row = db.query_one(&statement).await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "buyers")?,
        None => 0,
    })
}

/// Subscriptions running at `at`: started, not yet at the end of their paid period, and not
/// cancelled by then.
async fn active_subscribers(
    db: &impl ConnectionTrait,
    store_id: i64,
    at: DateTime<Utc>,
) -> DomainResult<i64> {
    let count = subscription::Entity::find()
        .filter(subscription::Column::StoreId.eq(store_id))
        .filter(subscription::Column::StartedAt.lte(at))
        .filter(subscription::Column::CurrentPeriodEnd.gt(at))
        .filter(
            subscription::Column::CancelledAt
                .is_null()
                .or(subscription::Column::CancelledAt.gt(at)),
        )
        .count(db)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_bucket_follows_the_length_of_the_period() {
        let range = |days: u64| DateRange {
            start: date("2026-01-01"),
            end: date("2026-01-01") + Days::new(days - 1),
        };
        assert_eq!(bucket_for(range(7)), Bucket::Day);
        assert_eq!(bucket_for(range(90)), Bucket::Day);
        assert_eq!(bucket_for(range(365)), Bucket::Week);
        assert_eq!(bucket_for(range(1000)), Bucket::Month);
    }

    #[test]
    fn buckets_start_on_mondays_and_firsts() {
        // 2026-11-26 is a Thursday.
        assert_eq!(
            bucket_start(date("2026-11-26"), Bucket::Week),
            date("2026-11-23")
        );
        assert_eq!(
            bucket_start(date("2026-11-26"), Bucket::Month),
            date("2026-11-01")
        );
        assert_eq!(
            bucket_start(date("2026-11-26"), Bucket::Day),
            date("2026-11-26")
        );
    }

    #[test]
    fn the_series_has_every_bucket_and_sums_days_into_them() {
        let range = DateRange {
            start: date("2026-11-25"),
            end: date("2026-12-02"),
        };
        let mut by_day = BTreeMap::new();
        by_day.insert(date("2026-11-26"), (9900, 0, 1));
        by_day.insert(date("2026-11-29"), (1500, 500, 1));
        by_day.insert(date("2026-12-01"), (2000, 0, 2));
        let weekly = series(range, Bucket::Week, &by_day);
        let starts: Vec<_> = weekly.iter().map(|point| point.start).collect();
        assert_eq!(starts, [date("2026-11-25"), date("2026-11-30")]);
        assert_eq!(weekly[0].net_cents, 9900 + 1000);
        assert_eq!(weekly[0].orders, 2);
        assert_eq!(weekly[1].gross_cents, 2000);
        assert_eq!(series(range, Bucket::Day, &by_day).len(), 8);
    }
}
