//! The read workloads: audiences by tag (top 50 by score), tag combinations, exact counts,
//! a deep page of customers, and the revenue dashboard. Each one first checks that the app
//! and its baseline return the same thing (ids in order, counts, sums), then times them.

use anyhow::ensure;
use chrono::Days;
use sea_orm::DatabaseConnection;

use encore::dto::{CustomerQuery, DateRange, FanFilter, FanQuery, PageAt};
use encore::{
    domain::audience::queries, domain::commerce::customers, domain::commerce::revenue, domain::time,
};

use super::data::{Engine, Fixture, tag_near};
use super::raw::{self, Raw, TagFilter};
use super::report::{Figure, Row, Verdict};
use super::timing::{Plan, alternate, ratio, separately};

/// Rows per page, as on the list pages.
const PAGE: i64 = 50;

/// Tag sizes as fractions of the fans: ~50, ~1k, ~20k and ~400k members at 1M fans.
const TAG_FRACTIONS: [f64; 4] = [0.000_05, 0.001, 0.02, 0.4];

pub async fn run(
    db: &DatabaseConnection,
    fixture: &Fixture,
    engine: Engine,
    plan: Plan,
) -> anyhow::Result<Vec<Row>> {
    let raw = Raw::of(db)?;
    let mut rows = Vec::new();
    let max_ratio = match engine {
        Engine::Sqlite => 3.0,
        Engine::Postgres => 1.5,
    };
    for fraction in TAG_FRACTIONS {
        let (tag, members) = tag_near(fixture, fraction);
        let filter = TagFilter {
            any: vec![tag.clone()],
            ..TagFilter::default()
        };
        let row = audience(
            db,
            &raw,
            fixture,
            plan,
            format!("Fans tagged `{tag}` ({members} fans), top 50 by score"),
            &filter,
        )
        .await?;
        rows.push(judge_latency(row, 5.0, Some(max_ratio)));
    }

    let (small, _) = tag_near(fixture, 0.02);
    let (big, _) = tag_near(fixture, 0.4);
    let pair = format!("`{small}`, `{big}`");
    let combinations = [
        (
            "AND",
            TagFilter {
                all: vec![small.clone(), big.clone()],
                ..TagFilter::default()
            },
        ),
        (
            "OR",
            TagFilter {
                any: vec![small.clone(), big.clone()],
                ..TagFilter::default()
            },
        ),
        (
            "NOT",
            TagFilter {
                any: vec![small.clone()],
                none: vec![big.clone()],
                ..TagFilter::default()
            },
        ),
    ];
    for (name, filter) in &combinations {
        let row = audience(
            db,
            &raw,
            fixture,
            plan,
            format!("Two tags {name} ({pair}), top 50"),
            filter,
        )
        .await?;
        rows.push(judge_latency(row, 10.0, None));
    }
    for (name, filter) in &combinations[..2] {
        let row = count(db, &raw, fixture, plan, name, &pair, filter, Kept::Current).await?;
        rows.push(judge_latency(row, 100.0, None));
    }
    // The same count right after either tag changed: the kept overlap is counted again.
    let (name, filter) = &combinations[0];
    let row = count(db, &raw, fixture, plan, name, &pair, filter, Kept::Dropped).await?;
    rows.push(judge_latency(row, 100.0, None));
    rows.push(customers_deep(db, &raw, fixture, plan).await?);
    rows.push(dashboard(db, &raw, fixture, plan).await?);
    Ok(rows)
}

/// A latency row judged on its app p95 (milliseconds) and, optionally, its ratio.
fn judge_latency(mut row: Row, max_p95_ms: f64, max_ratio: Option<f64>) -> Row {
    let p95_ok = match &row.app {
        Figure::Latency { p95, .. } => p95.as_secs_f64() * 1000.0 <= max_p95_ms,
        _ => false,
    };
    let ratio_ok = match (max_ratio, row.ratio) {
        (Some(max), Some(ratio)) => ratio <= max,
        (Some(_), None) => false,
        (None, _) => true,
    };
    row.target = match max_ratio {
        Some(max) => format!("p95 ≤ {max_p95_ms} ms, ≤ {max}× raw"),
        None => format!("p95 ≤ {max_p95_ms} ms"),
    };
    row.verdict = Verdict::of(p95_ok && ratio_ok);
    row
}

fn fan_query(filter: &TagFilter) -> FanQuery {
    FanQuery {
        filter: FanFilter {
            tags_any: filter.any.clone(),
            tags_all: filter.all.clone(),
            tags_none: filter.none.clone(),
            ..FanFilter::default()
        },
        ..FanQuery::default()
    }
}

/// One audience page: `list_fans` against the same reads in raw SQL.
async fn audience(
    db: &DatabaseConnection,
    raw: &Raw,
    fixture: &Fixture,
    plan: Plan,
    workload: String,
    filter: &TagFilter,
) -> anyhow::Result<Row> {
    let store = fixture.store_id;
    let query = fan_query(filter);
    let app = queries::list_fans(db, store, &query).await?;
    let base = raw::fan_page(raw, store, filter, PAGE).await?;
    let app_ids: Vec<i64> = app.rows.iter().map(|row| row.id).collect();
    let base_ids: Vec<i64> = base.rows.iter().map(|row| row.id).collect();
    ensure!(
        app_ids == base_ids,
        "{workload}: the app and the baseline return different fans"
    );
    ensure!(
        i64::try_from(app.total)? == base.total,
        "{workload}: the app counts {} fans, the baseline {}",
        app.total,
        base.total
    );
    let app_tags: usize = app.rows.iter().map(|row| row.tags.len()).sum();
    let base_tags: usize = base.rows.iter().map(|row| row.tags.len()).sum();
    ensure!(app_tags == base_tags, "{workload}: the page's tags differ");
    let app_badges = app.rows.iter().filter(|row| row.customer.is_some()).count();
    let base_badges = base
        .rows
        .iter()
        .filter(|row| row.spent_cents.is_some())
        .count();
    ensure!(
        app_badges == base_badges,
        "{workload}: the page's customer badges differ"
    );

    let (app_samples, base_samples) = alternate(
        plan,
        async || {
            queries::list_fans(db, store, &query)
                .await
                .map(drop)
                .map_err(Into::into)
        },
        async || raw::fan_page(raw, store, filter, PAGE).await.map(drop),
    )
    .await?;
    Ok(Row {
        workload: format!("{workload} (exact total {})", base.total),
        ratio: Some(ratio(app_samples.median(), base_samples.median())),
        app: Figure::latency(&app_samples),
        baseline: Figure::latency(&base_samples),
        target: String::new(),
        verdict: Verdict::Info,
    })
}

/// Whether a two-tag count finds its overlap kept in `tag_pairs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kept {
    Current,
    /// Dropped before every round (on both sides), as after a change to either tag.
    Dropped,
}

/// The exact size of an audience: `count_fans` against the same statements in raw SQL.
#[allow(clippy::too_many_arguments)]
async fn count(
    db: &DatabaseConnection,
    raw: &Raw,
    fixture: &Fixture,
    plan: Plan,
    name: &str,
    pair: &str,
    filter: &TagFilter,
    kept: Kept,
) -> anyhow::Result<Row> {
    let store = fixture.store_id;
    let query = fan_query(filter);
    let app = queries::count_fans(db, store, &query.filter).await?;
    let base = raw::fan_count(raw, store, filter).await?;
    ensure!(
        i64::try_from(app)? == base,
        "count {name}: the app counts {app}, the baseline {base}"
    );
    let forget = async || -> anyhow::Result<()> {
        if kept == Kept::Dropped {
            raw.execute(&raw::Sql::new("DELETE FROM tag_pairs")).await?;
        }
        Ok(())
    };
    let (app_samples, base_samples) = alternate(
        plan,
        async || {
            forget().await?;
            queries::count_fans(db, store, &query.filter)
                .await
                .map(drop)
                .map_err(Into::into)
        },
        async || {
            forget().await?;
            raw::fan_count(raw, store, filter).await.map(drop)
        },
    )
    .await?;
    let how = match kept {
        Kept::Current => "",
        Kept::Dropped => ", counted again (its kept overlap dropped first)",
    };
    Ok(Row {
        workload: format!("Exact count, two tags {name} ({pair}) = {base}{how}"),
        ratio: Some(ratio(app_samples.median(), base_samples.median())),
        app: Figure::latency(&app_samples),
        baseline: Figure::latency(&base_samples),
        target: String::new(),
        verdict: Verdict::Info,
    })
}

/// Customers by total spent: the page at depth (100k, or half the customers in smaller
/// stores) against page 1, both through the app. The raw keyset pages check the rows.
async fn customers_deep(
    db: &DatabaseConnection,
    raw: &Raw,
    fixture: &Fixture,
    plan: Plan,
) -> anyhow::Result<Row> {
    let store = fixture.store_id;
    let depth = i64::try_from((fixture.spec.customers / 2).min(100_000))?;
    let Some((total, id)) = raw::customer_at(raw, store, depth - 1).await? else {
        anyhow::bail!("the store has fewer than {depth} customers");
    };
    let first = CustomerQuery::default();
    let deep = CustomerQuery {
        // The app's cursor format: "{id}.{key}".
        page: PageAt::After(format!("{id}.{total}")),
        ..CustomerQuery::default()
    };
    for (query, after) in [(&first, None), (&deep, Some((total, id)))] {
        let app = customers::list_customers(db, store, query).await?;
        let base = raw::customer_page(raw, store, after, PAGE).await?;
        let app_ids: Vec<i64> = app.rows.iter().map(|row| row.id).collect();
        let base_ids: Vec<i64> = base.rows.iter().map(|row| row.id).collect();
        ensure!(
            app_ids == base_ids && i64::try_from(app.total)? == base.total,
            "customers after {after:?}: the app and the baseline differ"
        );
    }
    let (deep_samples, first_samples) = alternate(
        plan,
        async || {
            customers::list_customers(db, store, &deep)
                .await
                .map(drop)
                .map_err(Into::into)
        },
        async || {
            customers::list_customers(db, store, &first)
                .await
                .map(drop)
                .map_err(Into::into)
        },
    )
    .await?;
    let ratio = ratio(deep_samples.median(), first_samples.median());
    Ok(Row {
        workload: format!("Customers by total spent: page at depth {depth} (app) vs page 1 (app)"),
        app: Figure::latency(&deep_samples),
        baseline: Figure::latency(&first_samples),
        ratio: Some(ratio),
        target: "≤ 2× page 1".to_owned(),
        verdict: Verdict::of(ratio <= 2.0),
    })
}

/// The revenue dashboard for the last 365 days as the Customers page shows it (the period and
/// the 365 days before it, from the rollups) against the same figures summed from every
/// purchase, refund and customer.
async fn dashboard(
    db: &DatabaseConnection,
    raw: &Raw,
    fixture: &Fixture,
    plan: Plan,
) -> anyhow::Result<Row> {
    let store = fixture.store_id;
    let now = time::now();
    let end = now.date_naive();
    let current = DateRange {
        start: end - Days::new(364),
        end,
    };
    let periods = [current, revenue::previous_period(current)];
    let bounds = |range: DateRange| {
        (
            time::day_start(range.start),
            time::day_start(range.end + Days::new(1)),
        )
    };
    // The dashboard itself: the current period in full, the previous one as totals alone.
    let shown = revenue::dashboard(db, store, current, now).await?;
    for (range, app) in periods
        .into_iter()
        .zip([shown.current.totals, shown.previous])
    {
        ensure!(
            app.range == range,
            "the dashboard read {:?}, not {range:?}",
            app.range
        );
        let (start_at, end_at) = bounds(range);
        let base = raw::revenue(raw, store, start_at, end_at, now).await?;
        let app_figures = (
            app.gross_cents.get(),
            app.refunds_cents.get(),
            app.orders,
            app.customers,
            app.new_customers,
            app.active_subscribers,
        );
        let base_figures = (
            base.gross,
            base.refunds,
            base.orders,
            base.buyers,
            base.new_customers,
            base.subscribers,
        );
        ensure!(
            app_figures == base_figures,
            "revenue {} to {}: the dashboard's (gross, refunds, orders, buyers, new customers, \
             subscribers) \
             {app_figures:?} differ from the raw sums {base_figures:?}",
            range.start,
            range.end
        );
    }
    let base = raw::revenue(raw, store, bounds(current).0, bounds(current).1, now).await?;
    // Not alternated: the baseline is the raw sums, 50 times the work (see `separately`).
    let (app_samples, base_samples) = separately(
        plan,
        async || {
            revenue::dashboard(db, store, current, now).await?;
            Ok(())
        },
        async || {
            // Both periods at once, as the app reads them.
            let ((a, b), (c, d)) = (bounds(periods[0]), bounds(periods[1]));
            tokio::try_join!(
                raw::revenue(raw, store, a, b, now),
                raw::revenue(raw, store, c, d, now)
            )?;
            Ok(())
        },
    )
    .await?;
    Ok(judge_latency(
        Row {
            workload: format!(
                "Revenue dashboard, 365 days and the 365 before ({} orders in the period; \
                 equal to the raw sums)",
                base.orders
            ),
            ratio: Some(ratio(app_samples.median(), base_samples.median())),
            app: Figure::latency(&app_samples),
            baseline: Figure::latency(&base_samples),
            target: String::new(),
            verdict: Verdict::Info,
        },
        5.0,
        None,
    ))
}
