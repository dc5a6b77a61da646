//! The revenue dashboard: totals, a series and best sellers for a date range, read from the
//! daily rollup (a few rows per day) rather than from every purchase. Counts of people
//! come from their own rollups: customers and new customers from `customer_daily`,
//! subscribers from `subscription_daily` (see `subscriptions`), never from a scan of
//! purchases when it can be helped.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, OnConflict, Query, SelectStatement, UnionType,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::commerce::products::product_names;
use crate::domain::commerce::subscriptions;
use crate::domain::sql::{bigint_sum, scalar};
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::{
    Bucket, Dashboard, DateRange, PeriodTotals, RevenueSummary, SeriesPoint, TopProduct,
};
use crate::entities::{buyer_count, customer_daily, purchase, revenue_daily, revenue_weekly};
use crate::money::{Currency, MinorUnits};

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

/// The dashboard: the range and the period of the same length just before it, read at the
/// same time (two connections), for the cards' changes. The store is checked once, beside
/// both periods' reads, rather than at the head of each period's chain of statements.
///
/// # Errors
/// As [`revenue_summary`].
pub async fn dashboard(
    db: &DatabaseConnection,
    store_id: i64,
    range: DateRange,
    now: DateTime<Utc>,
) -> DomainResult<Dashboard> {
    check_range(range)?;
    // `join!`, not `try_join!`: an unknown or archived store must answer `NotFound` whatever
    // finishes first. (A past period's buyer count may still be kept for an archived store:
    // a cache of its own data. An unknown store cannot have one: the key is a foreign key.)
    let (store, current, previous) = tokio::join!(
        stores::find_active(db, store_id),
        period_figures(db, store_id, range, now, Detail::SeriesAndBestSellers),
        period_figures(
            db,
            store_id,
            previous_period(range),
            now,
            Detail::TotalsOnly
        ),
    );
    let currency = store?.currency;
    let (current, previous) = (current?, previous?);
    Ok(Dashboard {
        current: current.in_currency(currency),
        previous: previous.totals,
    })
}

/// The period of the same length that ends the day before `range` starts.
pub fn previous_period(range: DateRange) -> DateRange {
    let length = Days::new(u64::try_from((range.end - range.start).num_days() + 1).unwrap_or(0));
    DateRange {
        start: range.start - length,
        end: range.start - Days::new(1),
    }
}

/// One period's totals, series and best sellers.
///
/// # Errors
/// `Invalid` when the range ends before it starts; `NotFound` for an unknown store.
pub async fn revenue_summary(
    db: &DatabaseConnection,
    store_id: i64,
    range: DateRange,
    now: DateTime<Utc>,
) -> DomainResult<RevenueSummary> {
    check_range(range)?;
    let store = stores::find_active(db, store_id).await?;
    let figures = period_figures(db, store_id, range, now, Detail::SeriesAndBestSellers).await?;
    Ok(figures.in_currency(store.currency))
}

fn check_range(range: DateRange) -> DomainResult<()> {
    if range.end < range.start {
        return Err(DomainError::invalid(
            "range",
            "The period must end after it starts.",
        ));
    }
    Ok(())
}

/// What a period's read includes besides its totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// The totals alone: the previous period, which the cards compare against.
    TotalsOnly,
    /// The chart's series and the best sellers too (one more statement).
    SeriesAndBestSellers,
}

/// A period's figures, in minor units of a currency the caller reads with the store. With
/// [`Detail::TotalsOnly`], `series` and `top_products` are left empty.
struct PeriodFigures {
    totals: PeriodTotals,
    bucket: Bucket,
    series: Vec<SeriesPoint>,
    top_products: Vec<TopProduct>,
}

impl PeriodFigures {
    fn in_currency(self, currency: Currency) -> RevenueSummary {
        RevenueSummary {
            currency,
            totals: self.totals,
            bucket: self.bucket,
            series: self.series,
            top_products: self.top_products,
        }
    }
}

/// A period's figures for a store whose caller checks it.
async fn period_figures(
    db: &DatabaseConnection,
    store_id: i64,
    range: DateRange,
    now: DateTime<Utc>,
    detail: Detail,
) -> DomainResult<PeriodFigures> {
    let bucket = bucket_for(range);
    let (mut gross, mut refunds, mut orders) = (0, 0, 0);
    let mut by_day: BTreeMap<NaiveDate, (i64, i64, i64)> = BTreeMap::new();
    let mut by_product: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for row in rollup_rows(db, store_id, range, bucket).await? {
        gross += row.gross;
        refunds += row.refunds;
        orders += row.orders;
        if detail == Detail::SeriesAndBestSellers {
            let day = by_day.entry(row.day).or_default();
            day.0 += row.gross;
            day.1 += row.refunds;
            day.2 += row.orders;
            let product = by_product.entry(row.product_id).or_default();
            product.0 += row.orders;
            product.1 += row.gross - row.refunds;
        }
    }
    let (series, top_products) = match detail {
        Detail::TotalsOnly => (Vec::new(), Vec::new()),
        Detail::SeriesAndBestSellers => (
            series(range, bucket, &by_day),
            top_products(db, by_product).await?,
        ),
    };

    let end = time::day_start(range.end + Days::new(1));
    let people = period_people(db, store_id, range, std::cmp::min(end, now)).await?;
    let customers = distinct_buyers(db, store_id, range, now, &people).await?;

    Ok(PeriodFigures {
        totals: PeriodTotals {
            range,
            gross_cents: MinorUnits::new(gross),
            refunds_cents: MinorUnits::new(refunds),
            net_cents: MinorUnits::new(gross - refunds),
            orders,
            average_order_cents: MinorUnits::new(if orders == 0 {
                0
            } else {
                (gross + orders / 2) / orders
            }),
            customers,
            new_customers: people.new_customers,
            active_subscribers: people.active_subscribers,
        },
        bucket,
        series,
        top_products,
    })
}

/// One rollup row: a day's sums for a product, or a whole week's (dated its Monday).
struct RollupRow {
    day: NaiveDate,
    product_id: i64,
    gross: i64,
    refunds: i64,
    orders: i64,
}

/// The rollup rows covering the range, in one statement. A weekly chart reads the weeks
/// wholly inside the range from `revenue_weekly` (dated their Monday, which is their bucket)
/// and only the days at its ragged ends from `revenue_daily`, joined by `UNION ALL`: a year
/// is ~60 rows per product instead of 365, in one round trip instead of three. Daily and
/// monthly charts read days (a week can straddle two months).
async fn rollup_rows(
    db: &impl ConnectionTrait,
    store_id: i64,
    range: DateRange,
    bucket: Bucket,
) -> DomainResult<Vec<RollupRow>> {
    let weeks = match bucket {
        Bucket::Week => whole_weeks(range),
        Bucket::Day | Bucket::Month => None,
    };
    let statement = match weeks {
        None => daily_rows(store_id, range.start, range.end),
        Some((first_monday, last_monday)) => {
            let mut statement = weekly_rows(store_id, first_monday, last_monday);
            if range.start < first_monday {
                let head = daily_rows(store_id, range.start, first_monday - Days::new(1));
                statement.union(UnionType::All, head);
            }
            let last_sunday = last_monday + Days::new(6);
            if last_sunday < range.end {
                let tail = daily_rows(store_id, last_sunday + Days::new(1), range.end);
                statement.union(UnionType::All, tail);
            }
            statement
        }
    };
    db.query_all(&statement)
        .await?
        .iter()
        .map(|row| {
            Ok(RollupRow {
                day: row.try_get_by_index(0)?,
                product_id: row.try_get_by_index(1)?,
                gross: row.try_get_by_index(2)?,
                refunds: row.try_get_by_index(3)?,
                orders: row.try_get_by_index(4)?,
            })
        })
        .collect()
}

/// The Mondays of the first and the last ISO week lying wholly inside the range, if any.
fn whole_weeks(range: DateRange) -> Option<(NaiveDate, NaiveDate)> {
    let first_monday = bucket_start(range.start + Days::new(6), Bucket::Week);
    let last_monday = bucket_start(range.end + Days::new(1), Bucket::Week) - Days::new(7);
    (first_monday <= last_monday).then_some((first_monday, last_monday))
}

/// The weeks' rows from `first` to `last` (Mondays), in the columns of [`RollupRow`].
fn weekly_rows(store_id: i64, first: NaiveDate, last: NaiveDate) -> SelectStatement {
    use revenue_weekly::Column as W;
    Query::select()
        .columns([
            W::Week,
            W::ProductId,
            W::GrossCents,
            W::RefundsCents,
            W::Orders,
        ])
        .from(revenue_weekly::Entity)
        .and_where(W::StoreId.eq(store_id))
        .and_where(W::Week.gte(first))
        .and_where(W::Week.lte(last))
        .to_owned()
}

/// The days' rows from `first` to `last`, in the columns of [`RollupRow`].
fn daily_rows(store_id: i64, first: NaiveDate, last: NaiveDate) -> SelectStatement {
    use revenue_daily::Column as D;
    Query::select()
        .columns([
            D::Day,
            D::ProductId,
            D::GrossCents,
            D::RefundsCents,
            D::Orders,
        ])
        .from(revenue_daily::Entity)
        .and_where(D::StoreId.eq(store_id))
        .and_where(D::Day.gte(first))
        .and_where(D::Day.lte(last))
        .to_owned()
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
            gross_cents: MinorUnits::ZERO,
            refunds_cents: MinorUnits::ZERO,
            net_cents: MinorUnits::ZERO,
            orders: 0,
        });
        if let Some(&(gross, refunds, orders)) = by_day.get(&day) {
            point.gross_cents += MinorUnits::new(gross);
            point.refunds_cents += MinorUnits::new(refunds);
            point.net_cents += MinorUnits::new(gross - refunds);
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

/// The best sellers by net revenue, then units, from (product → (units, net)).
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
            net_cents: MinorUnits::new(net_cents),
        })
        .collect())
}

/// Distinct customers who bought in the range, without walking purchases or customers:
///
/// * when no purchase is dated after the range (any range ending today, the dashboard's
///   usual question), a customer bought in it exactly when their latest purchase is on or
///   after its first day: a sum over the `customer_daily` rollup, read with the rest of
///   [`PeriodPeople`];
/// * when the range is wholly in the past (the "previous period"), the count is computed
///   once and kept in `buyer_counts` until a purchase dated inside or before it changes
///   (the kept count is read with the rest of [`PeriodPeople`]);
/// * otherwise (a range ending today with purchases dated after it) it is counted.
async fn distinct_buyers(
    db: &DatabaseConnection,
    store_id: i64,
    range: DateRange,
    now: DateTime<Utc>,
    people: &PeriodPeople,
) -> DomainResult<i64> {
    if people.latest_day.is_none_or(|latest| latest <= range.end) {
        return Ok(people.buyers_since_start);
    }
    if range.end < now.date_naive() {
        return match people.kept_buyers {
            Some(kept) => Ok(kept),
            None => keep_buyers(db, store_id, range).await,
        };
    }
    count_buyers(db, store_id, range).await
}

/// A period's counts of people, read in one statement (one round trip, which is most of a
/// statement's cost on PostgreSQL): `customer_daily` over the range's days and after, the
/// subscribers at its end, and the distinct buyers `buyer_counts` keeps for it.
#[derive(Default)]
struct PeriodPeople {
    /// Customers whose first purchase is in the range.
    new_customers: i64,
    /// Customers whose latest purchase is on or after the range's first day.
    buyers_since_start: i64,
    /// The day of the store's newest purchase, when it is on or after the range's first day.
    latest_day: Option<NaiveDate>,
    /// Subscribers at the range's end (or now, for a range that ends today).
    active_subscribers: i64,
    /// The range's distinct buyers as `buyer_counts` keeps them, if it does.
    kept_buyers: Option<i64>,
}

async fn period_people(
    db: &impl ConnectionTrait,
    store_id: i64,
    range: DateRange,
    subscribers_at: DateTime<Utc>,
) -> DomainResult<PeriodPeople> {
    use buyer_count::Column as B;
    use customer_daily::Column as C;
    let days = Query::select()
        .expr_as(
            bigint_sum(
                Expr::case(Expr::col(C::Day).lte(range.end), Expr::col(C::NewCustomers)).finally(0),
            ),
            Alias::new("new_customers"),
        )
        .expr_as(bigint_sum(Expr::col(C::LastBuyers)), Alias::new("buyers"))
        .expr_as(
            Expr::FunctionCall(Func::max(Expr::case(
                Expr::col(C::LastBuyers).gt(0),
                Expr::col(C::Day),
            ))),
            Alias::new("latest_day"),
        )
        .from(customer_daily::Entity)
        .and_where(Expr::col(C::StoreId).eq(store_id))
        .and_where(Expr::col(C::Day).gte(range.start))
        .to_owned();
    let kept = Query::select()
        .column(B::Buyers)
        .from(buyer_count::Entity)
        .and_where(Expr::col(B::StoreId).eq(store_id))
        .and_where(Expr::col(B::EndDay).eq(range.end))
        .and_where(Expr::col(B::StartDay).eq(range.start))
        .to_owned();
    let statement = Query::select()
        .columns([
            Alias::new("new_customers"),
            Alias::new("buyers"),
            Alias::new("latest_day"),
        ])
        .expr_as(
            subscriptions::subscribers_at(store_id, subscribers_at),
            Alias::new("subscribers"),
        )
        .expr_as(scalar(kept), Alias::new("kept_buyers"))
        .from_subquery(days, Alias::new("days"))
        .to_owned();
    // Aggregates without GROUP BY always make one row; none would mean nothing to count.
    let Some(row) = db.query_one(&statement).await? else {
        return Ok(PeriodPeople::default());
    };
    Ok(PeriodPeople {
        new_customers: row
            .try_get::<Option<i64>>("", "new_customers")?
            .unwrap_or(0),
        buyers_since_start: row.try_get::<Option<i64>>("", "buyers")?.unwrap_or(0),
        latest_day: row.try_get("", "latest_day")?,
        active_subscribers: row.try_get::<Option<i64>>("", "subscribers")?.unwrap_or(0),
        kept_buyers: row.try_get("", "kept_buyers")?,
    })
}

/// Counts a past range's distinct buyers and keeps the count in `buyer_counts`.
///
/// The count and its row are written in one write transaction that first excludes purchase
/// writers (`BEGIN IMMEDIATE` on SQLite; on PostgreSQL a lock that conflicts with the
/// invalidation triggers' DELETE), so a purchase dated inside the range either is counted or
/// deletes the row after it is written: a stale count cannot be kept.
async fn keep_buyers(
    db: &DatabaseConnection,
    store_id: i64,
    range: DateRange,
) -> DomainResult<i64> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        if tx.get_database_backend() == DbBackend::Postgres {
            tx.execute_unprepared("LOCK TABLE buyer_counts IN SHARE ROW EXCLUSIVE MODE")
                .await?;
        }
        let buyers = count_buyers(&tx, store_id, range).await?;
        buyer_count::Entity::insert(buyer_count::ActiveModel {
            store_id: Set(store_id),
            end_day: Set(range.end),
            start_day: Set(range.start),
            buyers: Set(buyers),
        })
        .on_conflict(
            OnConflict::columns([
                buyer_count::Column::StoreId,
                buyer_count::Column::EndDay,
                buyer_count::Column::StartDay,
            ])
            .update_column(buyer_count::Column::Buyers)
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
        tx.commit().await?;
        Ok(buyers)
    })
    .await
}

/// `COUNT(DISTINCT customer_id)` over the purchases of the range (an index range on
/// purchases by store and date).
///
/// # Errors
/// Database failures.
pub(crate) async fn count_buyers(
    db: &impl ConnectionTrait,
    store_id: i64,
    range: DateRange,
) -> DomainResult<i64> {
    let statement = Query::select()
        .expr_as(
            Expr::col(purchase::Column::CustomerId).count_distinct(),
            Alias::new("buyers"),
        )
        .from(purchase::Entity)
        .and_where(Expr::col(purchase::Column::StoreId).eq(store_id))
        .and_where(Expr::col(purchase::Column::PurchasedAt).gte(time::day_start(range.start)))
        .and_where(
            Expr::col(purchase::Column::PurchasedAt).lt(time::day_start(range.end + Days::new(1))),
        )
        .to_owned();
    let row = db.query_one(&statement).await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "buyers")?,
        None => 0,
    })
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
    fn the_previous_period_has_the_same_length_and_ends_the_day_before() {
        let range = DateRange {
            start: date("2026-11-01"),
            end: date("2026-11-30"),
        };
        assert_eq!(
            previous_period(range),
            DateRange {
                start: date("2026-10-02"),
                end: date("2026-10-31"),
            }
        );
    }

    #[test]
    fn whole_weeks_are_the_mondays_of_weeks_inside_the_range() {
        // Thursday 2026-11-26 back to Friday 2025-11-28: whole weeks from Monday 2025-12-01
        // to the week of Monday 2026-11-16 (the week of 11-23 is not over on the 26th).
        let year = DateRange {
            start: date("2025-11-28"),
            end: date("2026-11-26"),
        };
        assert_eq!(
            whole_weeks(year),
            Some((date("2025-12-01"), date("2026-11-16")))
        );
        // Monday to Sunday is one whole week; Tuesday to the next Monday has none.
        let monday_to_sunday = DateRange {
            start: date("2026-11-16"),
            end: date("2026-11-22"),
        };
        assert_eq!(
            whole_weeks(monday_to_sunday),
            Some((date("2026-11-16"), date("2026-11-16")))
        );
        let tuesday_to_monday = DateRange {
            start: date("2026-11-17"),
            end: date("2026-11-23"),
        };
        assert_eq!(whole_weeks(tuesday_to_monday), None);
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
        assert_eq!(weekly[0].net_cents, MinorUnits::new(9900 + 1000));
        assert_eq!(weekly[0].orders, 2);
        assert_eq!(weekly[1].gross_cents, MinorUnits::new(2000));
        assert_eq!(series(range, Bucket::Day, &by_day).len(), 8);
    }
}
