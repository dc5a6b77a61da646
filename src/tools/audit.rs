//! Checks Encore's invariants over a store's data and lists every violation. The tests call
//! it after each step; `encore generate` calls it after a bulk load. Each [`Check`] proves
//! one invariant, most of them that a piece of derived data equals what it is derived from
//! ([`crate::domain::derived`] lists which data each one covers); a violation starts with
//! its check's name, so an empty list means every check passed.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};

use crate::domain::DomainResult;
use crate::domain::commerce::revenue;
use crate::domain::text;
use crate::domain::time;
use crate::dto::{Bucket, DateRange};
use crate::entities::{
    buyer_count, customer, customer_daily, fan, purchase, refund, revenue_daily, revenue_weekly,
    subscription, subscription_daily, subscription_period,
};

/// One invariant the audit checks. A violation's text starts with its check's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// Each customer's net total, refunded total and purchase count equal their purchases'.
    CustomerTotals,
    /// Each customer's first and latest purchase times are their purchases' earliest and
    /// latest.
    CustomerDates,
    /// Each customer's and fan's `sort_name` is `text::sort_key` of their name and email.
    SortNames,
    /// Each purchase's refunded amount equals its refunds and never exceeds its amount.
    PurchaseRefunds,
    /// Each fan's score equals the sum of their activity points.
    FanScores,
    /// One customer and one fan per (store, email).
    OneRowPerEmail,
    /// A fan has the `customer` tag exactly when their customer has a purchase not fully
    /// refunded.
    CustomerTag,
    /// Each tag's `fan_count` equals its links.
    TagFanCounts,
    /// Each tag link's `score` equals its fan's.
    TagLinkScores,
    /// The store's `fan_count` equals its fans.
    StoreFanCount,
    /// A `tag_pairs` row counted at the tags' current member versions equals a recount.
    TagPairs,
    /// `revenue_daily` equals the purchases and refunds summed per day and product.
    RevenueDaily,
    /// `revenue_weekly` equals `revenue_daily` summed per ISO week.
    RevenueWeekly,
    /// `customer_daily` equals the customers' first and latest purchase days, counted.
    CustomerDaily,
    /// Each kept `buyer_counts` row equals a recount of its range's buyers.
    BuyerCounts,
    /// Each subscription's periods follow one another without overlapping, the first starts
    /// at its `started_at` and the latest ends at its `current_period_end`.
    SubscriptionPeriods,
    /// `subscription_daily` equals the periods' starts and ends counted per day.
    SubscriptionDaily,
}

impl Check {
    pub const ALL: &'static [Check] = &[
        Check::CustomerTotals,
        Check::CustomerDates,
        Check::SortNames,
        Check::PurchaseRefunds,
        Check::FanScores,
        Check::OneRowPerEmail,
        Check::CustomerTag,
        Check::TagFanCounts,
        Check::TagLinkScores,
        Check::StoreFanCount,
        Check::TagPairs,
        Check::RevenueDaily,
        Check::RevenueWeekly,
        Check::CustomerDaily,
        Check::BuyerCounts,
        Check::SubscriptionPeriods,
        Check::SubscriptionDaily,
    ];

    /// The name a violation of this check starts with.
    pub fn name(self) -> &'static str {
        match self {
            Check::CustomerTotals => "customer totals",
            Check::CustomerDates => "customer purchase dates",
            Check::SortNames => "sort names",
            Check::PurchaseRefunds => "purchase refunds",
            Check::FanScores => "fan scores",
            Check::OneRowPerEmail => "one row per email",
            Check::CustomerTag => "customer tag",
            Check::TagFanCounts => "tag fan counts",
            Check::TagLinkScores => "tag link scores",
            Check::StoreFanCount => "store fan count",
            Check::TagPairs => "tag pairs",
            Check::RevenueDaily => "revenue_daily",
            Check::RevenueWeekly => "revenue_weekly",
            Check::CustomerDaily => "customer_daily",
            Check::BuyerCounts => "buyer_counts",
            Check::SubscriptionPeriods => "subscription periods",
            Check::SubscriptionDaily => "subscription_daily",
        }
    }

    /// Whether `violation` (one of [`violations`]'s) is this check's.
    pub fn found(self, violation: &str) -> bool {
        violation
            .strip_prefix(self.name())
            .is_some_and(|rest| rest.starts_with(": "))
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every broken invariant in the store, described for people: "{check}: {what}".
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
        found.push(format!(
            "{}: customer {id} differs from their purchases",
            Check::CustomerTotals
        ));
    }

    // `IS DISTINCT FROM`: a customer without purchases has neither time (SQLite has it
    // since 3.39). Both sides are the same stored values, so they compare exactly.
    for id in ids(
        db,
        &format!(
            "SELECT c.id FROM customers c
         LEFT JOIN (SELECT customer_id, MIN(purchased_at) AS first, MAX(purchased_at) AS last
                    FROM purchases WHERE store_id = {s} GROUP BY customer_id) p
           ON p.customer_id = c.id
         WHERE c.store_id = {s}
           AND (c.first_purchase_at IS DISTINCT FROM p.first
                OR c.last_purchase_at IS DISTINCT FROM p.last)"
        ),
    )
    .await?
    {
        found.push(format!(
            "{}: customer {id}'s first or latest purchase time differs from their purchases'",
            Check::CustomerDates
        ));
    }

    found.extend(sort_name_violations(db, store_id).await?);

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
            "{}: purchase {id}'s refunded amount differs from its refunds",
            Check::PurchaseRefunds
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
            "{}: fan {id}'s score differs from the sum of their activity points",
            Check::FanScores
        ));
    }

    for table in ["customers", "fans"] {
        let duplicated = ids(db, &format!(
            "SELECT MIN(id) FROM {table} WHERE store_id = {s} GROUP BY email HAVING COUNT(*) > 1"
        ))
        .await?;
        for id in duplicated {
            found.push(format!(
                "{}: {table} has more than one row with the email of row {id}",
                Check::OneRowPerEmail
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
            "{}: fan {id}'s customer tag does not match their purchases",
            Check::CustomerTag
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
        found.push(format!(
            "{}: tag {id}'s fan_count differs from its links",
            Check::TagFanCounts
        ));
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
            "{}: a tag link's copy of fan {id}'s score differs from the fan's",
            Check::TagLinkScores
        ));
    }

    for count in ids(
        db,
        &format!(
            "SELECT s.fan_count FROM stores s
         WHERE s.id = {s} AND s.fan_count <> (SELECT COUNT(*) FROM fans WHERE store_id = {s})"
        ),
    )
    .await?
    {
        found.push(format!(
            "{}: the store's fan_count ({count}) differs from its fans",
            Check::StoreFanCount
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
            "{}: a current pair count from tag {id} differs from its links",
            Check::TagPairs
        ));
    }

    found.extend(rollup_violations(db, store_id).await?);
    found.extend(weekly_violations(db, store_id).await?);
    found.extend(customer_daily_violations(db, store_id).await?);
    found.extend(buyer_count_violations(db, store_id).await?);
    found.extend(subscription_violations(db, store_id).await?);
    Ok(found)
}

/// Compares every customer's and fan's `sort_name` with the key of their name and email,
/// a page of rows at a time (`text::sort_key` lowercases Unicode, which neither engine's
/// `lower` does alike).
async fn sort_name_violations(
    db: &impl ConnectionTrait,
    store_id: i64,
) -> DomainResult<Vec<String>> {
    const PAGE: u64 = 10_000;
    type Row = (i64, String, String, String);
    let mut found = Vec::new();
    let mut wrong = |table: &str, rows: &[Row]| {
        for (id, name, email, sort_name) in rows {
            if *sort_name != text::sort_key(name, email) {
                found.push(format!(
                    "{}: {table} row {id}'s sort_name is not the key of its name and email",
                    Check::SortNames
                ));
            }
        }
    };
    let mut after = 0;
    loop {
        let rows: Vec<Row> = customer::Entity::find()
            .select_only()
            .column(customer::Column::Id)
            .column(customer::Column::Name)
            .column(customer::Column::Email)
            .column(customer::Column::SortName)
            .filter(customer::Column::StoreId.eq(store_id))
            .filter(customer::Column::Id.gt(after))
            .order_by_asc(customer::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        wrong("customers", &rows);
        match rows.last() {
            Some(last) => after = last.0,
            None => break,
        }
    }
    let mut after = 0;
    loop {
        let rows: Vec<Row> = fan::Entity::find()
            .select_only()
            .column(fan::Column::Id)
            .column(fan::Column::Name)
            .column(fan::Column::Email)
            .column(fan::Column::SortName)
            .filter(fan::Column::StoreId.eq(store_id))
            .filter(fan::Column::Id.gt(after))
            .order_by_asc(fan::Column::Id)
            .limit(PAGE)
            .into_tuple()
            .all(db)
            .await?;
        wrong("fans", &rows);
        match rows.last() {
            Some(last) => after = last.0,
            None => break,
        }
    }
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
    Ok(differences(
        Check::RevenueDaily,
        "(day, product) (gross, refunds, orders)",
        raw,
        rolled,
    ))
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
    Ok(differences(
        Check::RevenueWeekly,
        "(week, product) (gross, refunds, orders)",
        raw,
        kept,
    ))
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
        Check::CustomerDaily,
        "day (new customers, last buyers)",
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
                "{}: {} to {} kept {} but purchases have {buyers} buyers",
                Check::BuyerCounts,
                kept.start_day,
                kept.end_day,
                kept.buyers
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
                "{}: subscription {}'s periods {own:?} do not match its start and paid period",
                Check::SubscriptionPeriods,
                subscription.id
            ));
        }
    }
    for id in periods.keys() {
        found.push(format!(
            "{}: subscription {id} has periods but no row",
            Check::SubscriptionPeriods
        ));
    }
    let rolled = subscription_daily::Entity::find()
        .filter(subscription_daily::Column::StoreId.eq(store_id))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.day, (row.starts, row.ends)))
        .collect();
    found.extend(differences(
        Check::SubscriptionDaily,
        "day (starts, ends)",
        raw,
        rolled,
    ));
    Ok(found)
}

/// Where a rollup differs from the same sums recomputed from the facts (`what` names its
/// key and sums). A row of zeros is the same as no row.
fn differences<K, V>(
    check: Check,
    what: &str,
    mut raw: BTreeMap<K, V>,
    mut rolled: BTreeMap<K, V>,
) -> Vec<String>
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
                "{check}: {what} {key:?} is {:?} but the facts sum to {sums:?}",
                rolled.get(key)
            ));
        }
    }
    for key in rolled.keys().filter(|key| !raw.contains_key(key)) {
        found.push(format!("{check}: {what} {key:?} has no facts behind it"));
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
