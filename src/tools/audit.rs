//! Checks Encore's invariants over a store's data and lists every violation. The tests call
//! it after each step; `encore generate` calls it after a bulk load. An empty list means:
//!
//! * each customer's net total, refunded total and purchase count equal their purchases';
//! * each purchase's refunded amount equals its refunds and never exceeds its amount;
//! * each fan's score equals the sum of their activity points;
//! * the revenue rollup equals the raw sums of purchases and refunds per day and product,
//!   and the weekly rollup equals the daily one summed per ISO week;
//! * one customer and one fan per (store, email);
//! * a fan has the `customer` tag exactly when their customer has a purchase not fully
//!   refunded;
//! * each tag's `fan_count` equals its links (the triggers of migration 5 keep it), and each
//!   link's `score` equals its fan's (migration 10);
//! * `customer_daily` equals the customers' first and latest purchase days, and each kept
//!   `buyer_counts` row equals a recount of its range (migration 6);
//! * a `tag_pairs` row counted at the tags' current member versions equals a recount
//!   (migration 7);
//! * each subscription's periods follow one another without overlapping, the first starts
//!   at its `started_at` and the latest ends at its `current_period_end`, and
//!   `subscription_daily` equals the periods' starts and ends per day (migration 9).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement};

use crate::domain::DomainResult;
use crate::domain::commerce::revenue;
use crate::domain::time;
use crate::dto::{Bucket, DateRange};
use crate::entities::{
    buyer_count, customer, customer_daily, purchase, refund, revenue_daily, revenue_weekly,
    subscription, subscription_daily, subscription_period,
};

/// Every broken invariant in the store, described for people.
///
/// # Errors
/// Database failures.
pub async fn violations(db: &impl ConnectionTrait, store_id: i64) -> DomainResult<Vec<String>> {
    let mut found = Vec::new();
    let s = store_id;

    for id in ids(
        db,
        &format!(
            "SELECT c.id FROM customers c
         LEFT JOIN (SELECT customer_id, SUM(amount_cents - refunded_cents) AS net,
                           SUM(refunded_cents) AS refunded, COUNT(*) AS n
                    FROM purchases WHERE store_id = {s} GROUP BY customer_id) p
           ON p.customer_id = c.id
         WHERE c.store_id = {s}
           AND (COALESCE(p.net, 0) <> c.total_spent_cents
                OR COALESCE(p.refunded, 0) <> c.refunded_cents
                OR COALESCE(p.n, 0) <> c.purchase_count)"
        ),
    )
    .await?
    {
        found.push(format!("customer {id}: totals differ from their purchases"));
    }

    for id in ids(
        db,
        &format!(
            "SELECT p.id FROM purchases p
         LEFT JOIN (SELECT purchase_id, SUM(amount_cents) AS total
                    FROM refunds WHERE store_id = {s} GROUP BY purchase_id) r
           ON r.purchase_id = p.id
         WHERE p.store_id = {s}
           AND (COALESCE(r.total, 0) <> p.refunded_cents
                OR p.refunded_cents < 0 OR p.refunded_cents > p.amount_cents)"
        ),
    )
    .await?
    {
        found.push(format!(
            "purchase {id}: refunded amount differs from its refunds"
        ));
    }

    for id in ids(
        db,
        &format!(
            "SELECT f.id FROM fans f
         LEFT JOIN (SELECT fan_id, SUM(points) AS total
                    FROM fan_activities WHERE store_id = {s} GROUP BY fan_id) a
           ON a.fan_id = f.id
         WHERE f.store_id = {s} AND COALESCE(a.total, 0) <> f.score"
        ),
    )
    .await?
    {
        found.push(format!(
            "fan {id}: score differs from the sum of their activity points"
        ));
    }

    for table in ["customers", "fans"] {
        let duplicated = ids(db, &format!(
            "SELECT MIN(id) FROM {table} WHERE store_id = {s} GROUP BY email HAVING COUNT(*) > 1"
        ))
        .await?;
        for id in duplicated {
            found.push(format!(
                "{table}: more than one row with the email of row {id}"
            ));
        }
    }

    for id in ids(
        db,
        &format!(
            "SELECT f.id FROM fans f
         WHERE f.store_id = {s}
           AND (CASE WHEN EXISTS (SELECT 1 FROM fan_tags ft JOIN tags t ON t.id = ft.tag_id
                                  WHERE ft.fan_id = f.id AND t.key = 'customer')
                     THEN 1 ELSE 0 END)
            <> (CASE WHEN EXISTS (SELECT 1 FROM customers c
                                  JOIN purchases p ON p.customer_id = c.id
                                  WHERE c.store_id = f.store_id AND c.email = f.email
                                    AND p.refunded_cents < p.amount_cents)
                     THEN 1 ELSE 0 END)"
        ),
    )
    .await?
    {
        found.push(format!(
            "fan {id}: the customer tag does not match their purchases"
        ));
    }

    for id in ids(
        db,
        &format!(
            "SELECT t.id FROM tags t
         LEFT JOIN (SELECT tag_id, COUNT(*) AS n FROM fan_tags
                    WHERE store_id = {s} GROUP BY tag_id) l
           ON l.tag_id = t.id
         WHERE t.store_id = {s} AND COALESCE(l.n, 0) <> t.fan_count"
        ),
    )
    .await?
    {
        found.push(format!("tag {id}: fan_count differs from its links"));
    }

    for id in ids(
        db,
        &format!(
            "SELECT DISTINCT ft.fan_id FROM fan_tags ft JOIN fans f ON f.id = ft.fan_id
         WHERE ft.store_id = {s} AND ft.score <> f.score"
        ),
    )
    .await?
    {
        found.push(format!(
            "fan {id}: a tag link's copy of the score differs from the fan's"
        ));
    }

    // A kept pair count whose versions are current must equal a recount.
    for id in ids(
        db,
        &format!(
            "SELECT p.low_tag_id FROM tag_pairs p
         JOIN tags lo ON lo.id = p.low_tag_id
         JOIN tags hi ON hi.id = p.high_tag_id
         WHERE lo.store_id = {s}
           AND p.low_version = lo.member_version AND p.high_version = hi.member_version
           AND (p.low_fans <> lo.fan_count OR p.high_fans <> hi.fan_count
                OR p.both_fans <> (SELECT COUNT(*) FROM fan_tags a
                                   JOIN fan_tags b ON b.fan_id = a.fan_id
                                    AND b.tag_id = p.high_tag_id
                                   WHERE a.tag_id = p.low_tag_id))"
        ),
    )
    .await?
    {
        found.push(format!(
            "tag pair from tag {id}: a current pair count differs from its links"
        ));
    }

    found.extend(rollup_violations(db, store_id).await?);
    found.extend(weekly_violations(db, store_id).await?);
    found.extend(customer_daily_violations(db, store_id).await?);
    found.extend(buyer_count_violations(db, store_id).await?);
    found.extend(subscription_violations(db, store_id).await?);
    Ok(found)
}

/// Compares the rollup with sums recomputed from every purchase and refund.
async fn rollup_violations(db: &impl ConnectionTrait, store_id: i64) -> DomainResult<Vec<String>> {
    type Key = (NaiveDate, i64);
    let mut raw: BTreeMap<Key, (i64, i64, i64)> = BTreeMap::new();
    let purchases: Vec<(i64, chrono::DateTime<chrono::Utc>, i64, i64)> = purchase::Entity::find()
        .select_only()
        .column(purchase::Column::Id)
        .column(purchase::Column::PurchasedAt)
        .column(purchase::Column::ProductId)
        .column(purchase::Column::AmountCents)
        .filter(purchase::Column::StoreId.eq(store_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut product_of = std::collections::HashMap::new();
    for (id, at, product_id, amount) in purchases {
        product_of.insert(id, product_id);
        let sums = raw.entry((time::revenue_day(at), product_id)).or_default();
        sums.0 += amount;
        sums.2 += 1;
    }
    let refunds: Vec<(chrono::DateTime<chrono::Utc>, i64, i64)> = refund::Entity::find()
        .select_only()
        .column(refund::Column::RefundedAt)
        .column(refund::Column::PurchaseId)
        .column(refund::Column::AmountCents)
        .filter(refund::Column::StoreId.eq(store_id))
        .into_tuple()
        .all(db)
        .await?;
    for (at, purchase_id, amount) in refunds {
        let product_id = product_of.get(&purchase_id).copied().unwrap_or_default();
        raw.entry((time::revenue_day(at), product_id))
            .or_default()
            .1 += amount;
    }

    let mut rolled: BTreeMap<Key, (i64, i64, i64)> = BTreeMap::new();
    for row in revenue_daily::Entity::find()
        .filter(revenue_daily::Column::StoreId.eq(store_id))
        .all(db)
        .await?
    {
        rolled.insert(
            (row.day, row.product_id),
            (row.gross_cents, row.refunds_cents, row.orders),
        );
    }
    Ok(differences("revenue rollup (day, product)", raw, rolled))
}

/// Compares `revenue_weekly` with the daily rollup summed per ISO week.
async fn weekly_violations(db: &impl ConnectionTrait, store_id: i64) -> DomainResult<Vec<String>> {
    let mut raw: BTreeMap<(NaiveDate, i64), (i64, i64, i64)> = BTreeMap::new();
    for row in revenue_daily::Entity::find()
        .filter(revenue_daily::Column::StoreId.eq(store_id))
        .all(db)
        .await?
    {
        let week = revenue::bucket_start(row.day, Bucket::Week);
        let sums = raw.entry((week, row.product_id)).or_default();
        sums.0 += row.gross_cents;
        sums.1 += row.refunds_cents;
        sums.2 += row.orders;
    }
    let kept = revenue_weekly::Entity::find()
        .filter(revenue_weekly::Column::StoreId.eq(store_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            (
                (row.week, row.product_id),
                (row.gross_cents, row.refunds_cents, row.orders),
            )
        })
        .collect();
    Ok(differences("revenue_weekly (week, product)", raw, kept))
}

/// Compares `customer_daily` with first and latest purchase days recounted from customers.
async fn customer_daily_violations(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Vec<String>> {
    type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let customers: Vec<Times> = customer::Entity::find()
        .select_only()
        .column(customer::Column::FirstPurchaseAt)
        .column(customer::Column::LastPurchaseAt)
        .filter(customer::Column::StoreId.eq(store_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut raw: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for (first, last) in customers {
        if let Some(first) = first {
            raw.entry(time::revenue_day(first)).or_default().0 += 1;
        }
        if let Some(last) = last {
            raw.entry(time::revenue_day(last)).or_default().1 += 1;
        }
    }
    let rolled = customer_daily::Entity::find()
        .filter(customer_daily::Column::StoreId.eq(store_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.day, (row.new_customers, row.last_buyers)))
        .collect();
    Ok(differences(
        "customer_daily (new customers, last buyers)",
        raw,
        rolled,
    ))
}

/// Each kept distinct-buyer count equals a recount over the purchases of its range.
async fn buyer_count_violations(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Vec<String>> {
    let mut found = Vec::new();
    for kept in buyer_count::Entity::find()
        .filter(buyer_count::Column::StoreId.eq(store_id))
        .all(db)
        .await?
    {
        let range = DateRange {
            start: kept.start_day,
            end: kept.end_day,
        };
        let buyers = revenue::count_buyers(db, store_id, range).await?;
        if buyers != kept.buyers {
            found.push(format!(
                "buyer count {} to {}: kept {} but purchases have {buyers} buyers",
                kept.start_day, kept.end_day, kept.buyers
            ));
        }
    }
    Ok(found)
}

/// Checks each subscription's periods against its row, and the daily rollup against the
/// periods.
async fn subscription_violations(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Vec<String>> {
    let mut found = Vec::new();
    type Period = (DateTime<Utc>, DateTime<Utc>);
    let mut periods: BTreeMap<i64, Vec<Period>> = BTreeMap::new();
    let mut raw: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for period in subscription_period::Entity::find()
        .filter(subscription_period::Column::StoreId.eq(store_id))
        .all(db)
        .await?
    {
        raw.entry(time::revenue_day(period.started_at))
            .or_default()
            .0 += 1;
        raw.entry(time::revenue_day(period.ended_at)).or_default().1 += 1;
        periods
            .entry(period.subscription_id)
            .or_default()
            .push((period.started_at, period.ended_at));
    }
    for subscription in subscription::Entity::find()
        .filter(subscription::Column::StoreId.eq(store_id))
        .all(db)
        .await?
    {
        let mut own = periods.remove(&subscription.id).unwrap_or_default();
        own.sort_unstable();
        let follow_one_another = own.iter().all(|(start, end)| start <= end)
            && own.windows(2).all(|pair| pair[0].1 < pair[1].0);
        let bounds = own
            .first()
            .map(|first| first.0)
            .zip(own.last().map(|last| last.1));
        if !follow_one_another
            || bounds != Some((subscription.started_at, subscription.current_period_end))
        {
            found.push(format!(
                "subscription {}: its periods {own:?} do not match its start and paid period",
                subscription.id
            ));
        }
    }
    for id in periods.keys() {
        found.push(format!("subscription {id}: has periods but no row"));
    }
    let rolled = subscription_daily::Entity::find()
        .filter(subscription_daily::Column::StoreId.eq(store_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.day, (row.starts, row.ends)))
        .collect();
    found.extend(differences(
        "subscription_daily (starts, ends)",
        raw,
        rolled,
    ));
    Ok(found)
}

/// Where a rollup differs from the same sums recomputed from the facts. A row of zeros is the
/// same as no row.
fn differences<K, V>(what: &str, mut raw: BTreeMap<K, V>, mut rolled: BTreeMap<K, V>) -> Vec<String>
where
    K: Ord + std::fmt::Debug,
    V: PartialEq + Default + std::fmt::Debug,
{
    rolled.retain(|_, sums| *sums != V::default());
    raw.retain(|_, sums| *sums != V::default());
    let mut found = Vec::new();
    for (key, sums) in &raw {
        if rolled.get(key) != Some(sums) {
            found.push(format!(
                "{what} {key:?}: {:?} but the facts sum to {sums:?}",
                rolled.get(key)
            ));
        }
    }
    for key in rolled.keys().filter(|key| !raw.contains_key(key)) {
        found.push(format!("{what} {key:?}: has no facts behind it"));
    }
    found
}

async fn ids(db: &impl ConnectionTrait, sql: &str) -> DomainResult<Vec<i64>> {
    let statement = Statement::from_string(db.get_database_backend(), sql.to_owned());
    db.query_all_raw(statement)
        .await?
        .into_iter()
        .map(|row| Ok(row.try_get_by_index::<i64>(0)?))
        .collect()
}
