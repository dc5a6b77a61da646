//! The baselines: the same reads and writes as the app, as hand-written SQL run directly on
//! the app's own sqlx pool (SeaORM 2 hands it out), so a ratio measures what the app adds
//! (ORM, DTOs, extra checks), not a different database setup. One SQL text serves both
//! engines: `$n` placeholders work on SQLite and PostgreSQL alike.
//!
//! This module re-implements domain logic on purpose: it is the baseline the app is measured
//! against, so it must not call the code it measures. When a rule of the domain changes
//! (what a purchase writes, how an audience is counted), change it here too; every workload
//! first checks that the two give the same results, so a stale baseline fails the run.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sea_orm::sqlx::{self, AssertSqlSafe, PgPool, SqlitePool};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};

/// The app's pool, by engine.
#[derive(Clone)]
pub enum Raw {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Bind {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// SQL text with `$n` placeholders, and their values in order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    pub fn bind(&mut self, value: Bind) -> &mut Sql {
        self.binds.push(value);
        let _ = write!(self.text, "${}", self.binds.len());
        self
    }

    /// `$a, $b, …` for a list (the caller writes the parentheses).
    pub fn bind_list(&mut self, values: impl IntoIterator<Item = Bind>) -> &mut Sql {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self
    }
}

/// Binds every value of a `Sql` to a sqlx query (the same code for both engines' types).
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Int(value) => query.bind(*value),
                Bind::Text(value) => query.bind(value.clone()),
                Bind::Time(value) => query.bind(*value),
            };
        }
        query
    }};
}

impl Raw {
    /// The sqlx pool under a SeaORM connection.
    ///
    /// # Errors
    /// An engine other than SQLite or PostgreSQL.
    pub fn of(db: &DatabaseConnection) -> anyhow::Result<Raw> {
        Ok(match db.get_database_backend() {
            DatabaseBackend::Sqlite => Raw::Sqlite(db.get_sqlite_connection_pool().clone()),
            DatabaseBackend::Postgres => Raw::Postgres(db.get_postgres_connection_pool().clone()),
            other => bail!("the benchmark supports SQLite and PostgreSQL, not {other:?}"),
        })
    }

    /// Every row of a query, as a tuple.
    pub async fn all<O>(&self, sql: &Sql) -> anyhow::Result<Vec<O>>
    where
        O: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let text = AssertSqlSafe(sql.text.clone());
        let rows = match self {
            Raw::Sqlite(pool) => {
                bind_all!(sqlx::query_as::<_, O>(text), &sql.binds)
                    .fetch_all(pool)
                    .await
            }
            Raw::Postgres(pool) => {
                bind_all!(sqlx::query_as::<_, O>(text), &sql.binds)
                    .fetch_all(pool)
                    .await
            }
        };
        rows.with_context(|| format!("baseline SQL failed: {}", sql.text))
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    pub async fn execute(&self, sql: &Sql) -> anyhow::Result<u64> {
        let text = AssertSqlSafe(sql.text.clone());
        let done = match self {
            Raw::Sqlite(pool) => bind_all!(sqlx::query(text), &sql.binds)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
            Raw::Postgres(pool) => bind_all!(sqlx::query(text), &sql.binds)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()),
        };
        done.with_context(|| format!("baseline SQL failed: {}", sql.text))
    }

    /// The single value of a one-row, one-column query.
    pub async fn one_i64(&self, sql: &Sql) -> anyhow::Result<i64> {
        let rows: Vec<(i64,)> = self.all(sql).await?;
        rows.first()
            .map(|row| row.0)
            .with_context(|| format!("baseline SQL returned no row: {}", sql.text))
    }
}

/// The tag part of an audience, by tag name.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
}

/// A fan row as the Fans page shows it.
#[derive(Debug, Clone)]
pub struct RawFan {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub score: i64,
    pub email_status: String,
    pub last_open_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub spent_cents: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct RawFanPage {
    pub rows: Vec<RawFan>,
    pub total: i64,
}

type FanTuple = (
    i64,
    String,
    String,
    i64,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    DateTime<Utc>,
);

/// Tag sets with at most this many members start the query from them (the app's
/// `filter::DRIVE_FROM_TAG_MAX`).
const DRIVE_FROM_TAG_MAX: i64 = 5_000;

/// A tag named in a filter: key, id, member count, member version.
type KnownTag = (String, i64, i64, i64);

/// The tag set a query starts from: which list it came from, its ids, its size bound.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Driver {
    all_tag: Option<i64>,
    ids: Vec<i64>,
    members: i64,
}

/// The Fans page's reads, as `list_fans` makes them: the store, the tags (with counts),
/// the top `limit + 1` fans by score, the exact total (a COUNT, or the tag's count for a
/// one-tag audience), the page's tags and customer badges. The same plan as the app's, with
/// the same reads run together: store and tags, rows and total, the rows' tags and badges.
pub async fn fan_page(
    raw: &Raw,
    store_id: i64,
    filter: &TagFilter,
    limit: i64,
) -> anyhow::Result<RawFanPage> {
    let ((), known) =
        tokio::try_join!(store_exists(raw, store_id), tag_ids(raw, store_id, filter))?;
    let driver = driver(raw, filter, &known);
    let small = driver
        .as_ref()
        .filter(|driver| driver.members <= DRIVE_FROM_TAG_MAX);

    let columns = "SELECT fans.id, fans.email, fans.name, fans.score, fans.email_status, \
                   fans.last_open_at, fans.last_activity_at, fans.created_at FROM fans ";
    let mut page = Sql::new(columns);
    match score_walk(filter, &known) {
        // The app's walk of one required tag's links in (tag, score, fan) order.
        Some(walk) => {
            page.push("JOIN fan_tags ON fan_tags.fan_id = fans.id WHERE fan_tags.tag_id = ")
                .bind(Bind::Int(walk.ids[0]))
                .push(" AND ");
            let hide_store = matches!(raw, Raw::Sqlite(_));
            fan_where(
                &mut page,
                store_id,
                filter,
                &known,
                Start::Links(&walk, hide_store),
            );
            page.push(" ORDER BY fan_tags.score DESC, fan_tags.fan_id DESC LIMIT ");
        }
        None => {
            page.push("WHERE ");
            fan_where(&mut page, store_id, filter, &known, Start::from(small));
            page.push(" ORDER BY fans.score DESC, fans.id DESC LIMIT ");
        }
    }
    page.bind(Bind::Int(limit + 1));
    let (mut fans, total): (Vec<FanTuple>, i64) = tokio::try_join!(
        raw.all(&page),
        exact_total(raw, store_id, filter, &known, driver.as_ref()),
    )?;
    fans.truncate(usize::try_from(limit).unwrap_or(0));

    let ids: Vec<i64> = fans.iter().map(|fan| fan.0).collect();
    let emails: Vec<String> = fans.iter().map(|fan| fan.1.clone()).collect();
    let (tags, badges) = tokio::try_join!(
        page_tags(raw, &ids),
        customer_badges(raw, store_id, &emails),
    )?;
    let rows = fans
        .into_iter()
        .map(
            |(id, email, name, score, email_status, last_open_at, _, _)| RawFan {
                tags: tags
                    .iter()
                    .filter(|(fan, _)| *fan == id)
                    .map(|(_, tag)| tag.clone())
                    .collect(),
                spent_cents: badges
                    .iter()
                    .find(|(badge_email, _)| *badge_email == email)
                    .map(|(_, spent)| *spent),
                id,
                email,
                name,
                score,
                email_status,
                last_open_at,
            },
        )
        .collect();
    Ok(RawFanPage { rows, total })
}

/// The exact size of an audience: the tags, then the tag's count or one COUNT.
pub async fn fan_count(raw: &Raw, store_id: i64, filter: &TagFilter) -> anyhow::Result<i64> {
    let known = tag_ids(raw, store_id, filter).await?;
    let driver = driver(raw, filter, &known);
    exact_total(raw, store_id, filter, &known, driver.as_ref()).await
}

/// The app's three ways to size an audience: a one-tag audience's count, a two-tag
/// audience's counts and overlap, or one COUNT.
async fn exact_total(
    raw: &Raw,
    store_id: i64,
    filter: &TagFilter,
    known: &[KnownTag],
    driver: Option<&Driver>,
) -> anyhow::Result<i64> {
    if let Some(total) = one_tag_total(filter, known) {
        return Ok(total);
    }
    if let Some((first, second, combine)) = tag_pair(filter, known) {
        let (first_fans, second_fans, both) = pair_counts(raw, first, second).await?;
        return Ok(match combine {
            PairKind::Both => both,
            PairKind::Either => first_fans + second_fans - both,
            PairKind::FirstWithout => first_fans - both,
        });
    }
    let mut count = Sql::new("SELECT COUNT(*) FROM fans WHERE ");
    fan_where(&mut count, store_id, filter, known, Start::from(driver));
    raw.one_i64(&count).await
}

/// The app's `filter::pair_counts`: the kept row while both versions are current, else
/// the same one-statement recount.
async fn pair_counts(
    raw: &Raw,
    first: &KnownTag,
    second: &KnownTag,
) -> anyhow::Result<(i64, i64, i64)> {
    let (low, high) = if first.1 < second.1 {
        (first, second)
    } else {
        (second, first)
    };
    let mut sql = Sql::new(
        "SELECT low_version, high_version, low_fans, high_fans, both_fans FROM tag_pairs \
         WHERE low_tag_id = ",
    );
    sql.bind(Bind::Int(low.1))
        .push(" AND high_tag_id = ")
        .bind(Bind::Int(high.1));
    let kept: Vec<(i64, i64, i64, i64, i64)> = raw.all(&sql).await?;
    let current = kept
        .into_iter()
        .find(|row| row.0 == low.3 && row.1 == high.3);
    let (low_fans, high_fans, both) = match current {
        Some((_, _, low_fans, high_fans, both)) => (low_fans, high_fans, both),
        None => {
            let (small, large) = if low.2 <= high.2 {
                (low.1, high.1)
            } else {
                (high.1, low.1)
            };
            let (low, high) = (low.1, high.1);
            let refill = Sql::new(&format!(
                "INSERT INTO tag_pairs (low_tag_id, high_tag_id, low_version, high_version, \
                 low_fans, high_fans, both_fans) \
                 SELECT lo.id, hi.id, lo.member_version, hi.member_version, lo.fan_count, \
                 hi.fan_count, (SELECT COUNT(*) FROM fan_tags AS s WHERE s.tag_id = {small} \
                 AND EXISTS (SELECT 1 FROM fan_tags AS o WHERE o.fan_id = s.fan_id \
                 AND o.tag_id = {large})) \
                 FROM tags AS lo, tags AS hi WHERE lo.id = {low} AND hi.id = {high} \
                 ON CONFLICT (low_tag_id, high_tag_id) DO UPDATE SET \
                 low_version = excluded.low_version, high_version = excluded.high_version, \
                 low_fans = excluded.low_fans, high_fans = excluded.high_fans, \
                 both_fans = excluded.both_fans RETURNING low_fans, high_fans, both_fans"
            ));
            raw.all::<(i64, i64, i64)>(&refill)
                .await?
                .first()
                .copied()
                .context("the pair count returned no row")?
        }
    };
    Ok(if first.1 == low.1 {
        (low_fans, high_fans, both)
    } else {
        (high_fans, low_fans, both)
    })
}

enum PairKind {
    Both,
    Either,
    FirstWithout,
}

/// Two known tags as AND, OR or NOT (the app's `filter::tag_pair`).
fn tag_pair<'a>(
    filter: &TagFilter,
    known: &'a [KnownTag],
) -> Option<(&'a KnownTag, &'a KnownTag, PairKind)> {
    let keys = |names: &[String]| -> Option<Vec<String>> {
        let mut keys: Vec<String> = names.iter().map(|name| key_of(name)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.iter()
            .all(|key| known.iter().any(|tag| tag.0 == *key))
            .then_some(keys)
    };
    let (any, all, none) = (keys(&filter.any)?, keys(&filter.all)?, keys(&filter.none)?);
    let (mut required, either) = if any.len() == 1 {
        (any, Vec::new())
    } else {
        (Vec::new(), any)
    };
    required.extend(all);
    required.sort_unstable();
    required.dedup();
    let (first, second, kind) = match (required.as_slice(), either.as_slice(), none.as_slice()) {
        ([a, b], [], []) => (a, b, PairKind::Both),
        ([], [a, b], []) => (a, b, PairKind::Either),
        ([a], [], [b]) if a != b => (a, b, PairKind::FirstWithout),
        _ => return None,
    };
    Some((find(known, first)?, find(known, second)?, kind))
}

async fn store_exists(raw: &Raw, store_id: i64) -> anyhow::Result<()> {
    let mut sql = Sql::new("SELECT id FROM stores WHERE id = ");
    sql.bind(Bind::Int(store_id))
        .push(" AND archived_at IS NULL");
    let found: Vec<(i64,)> = raw.all(&sql).await?;
    if found.is_empty() {
        bail!("store {store_id} does not exist");
    }
    Ok(())
}

/// How a filter names a tag: trimmed and lower-cased, like the app's tag keys.
fn key_of(name: &str) -> String {
    name.trim().to_lowercase()
}

fn find<'a>(known: &'a [KnownTag], name: &str) -> Option<&'a KnownTag> {
    let key = key_of(name);
    known.iter().find(|tag| tag.0 == key)
}

async fn tag_ids(raw: &Raw, store_id: i64, filter: &TagFilter) -> anyhow::Result<Vec<KnownTag>> {
    let keys: Vec<String> = filter
        .any
        .iter()
        .chain(&filter.all)
        .chain(&filter.none)
        .map(|name| key_of(name))
        .collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT key, id, fan_count, member_version FROM tags WHERE store_id = ");
    sql.bind(Bind::Int(store_id)).push(" AND key IN (");
    sql.bind_list(keys.into_iter().map(Bind::Text)).push(")");
    raw.all(&sql).await
}

/// The smallest tag set every match belongs to (SQLite only: PostgreSQL plans by itself).
fn driver(raw: &Raw, filter: &TagFilter, known: &[KnownTag]) -> Option<Driver> {
    if matches!(raw, Raw::Postgres(_)) {
        return None;
    }
    let mut candidates = Vec::new();
    let mut any: Vec<i64> = filter
        .any
        .iter()
        .filter_map(|name| find(known, name).map(|tag| tag.1))
        .collect();
    any.sort_unstable();
    any.dedup();
    if !any.is_empty() {
        let members = known
            .iter()
            .filter(|tag| any.contains(&tag.1))
            .map(|tag| tag.2)
            .sum();
        candidates.push(Driver {
            all_tag: None,
            ids: any,
            members,
        });
    }
    for tag in filter.all.iter().filter_map(|name| find(known, name)) {
        candidates.push(Driver {
            all_tag: Some(tag.1),
            ids: vec![tag.1],
            members: tag.2,
        });
    }
    candidates.into_iter().min_by_key(|driver| driver.members)
}

/// The smallest single tag every match must carry (an all-list tag, or the any-list's only
/// known tag), walked in score order on both engines (the app's `filter::score_walk`).
fn score_walk(filter: &TagFilter, known: &[KnownTag]) -> Option<Driver> {
    let mut candidates = Vec::new();
    let mut any: Vec<&KnownTag> = filter
        .any
        .iter()
        .filter_map(|name| find(known, name))
        .collect();
    any.sort_by_key(|tag| tag.1);
    any.dedup_by_key(|tag| tag.1);
    if let [only] = any[..] {
        candidates.push(Driver {
            all_tag: None,
            ids: vec![only.1],
            members: only.2,
        });
    }
    for name in &filter.all {
        let tag = find(known, name)?;
        candidates.push(Driver {
            all_tag: Some(tag.1),
            ids: vec![tag.1],
            members: tag.2,
        });
    }
    candidates.into_iter().min_by_key(|driver| driver.members)
}

/// A one-tag audience's size is its tag's count.
fn one_tag_total(filter: &TagFilter, known: &[KnownTag]) -> Option<i64> {
    if !filter.none.is_empty() {
        return None;
    }
    let mut keys: Vec<String> = filter
        .any
        .iter()
        .chain(&filter.all)
        .map(|n| key_of(n))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    match keys.as_slice() {
        [key] => Some(
            known
                .iter()
                .find(|tag| tag.0 == *key)
                .map_or(0, |tag| tag.2),
        ),
        _ => None,
    }
}

/// Where an audience query starts (the app's `filter::Start`).
#[derive(Clone, Copy)]
enum Start<'a> {
    Fans,
    /// From the members of a small tag set.
    Members(&'a Driver),
    /// From one tag's links, joined by the caller; `true`: hide the store test (SQLite).
    Links(&'a Driver, bool),
}

impl<'a> From<Option<&'a Driver>> for Start<'a> {
    fn from(driver: Option<&'a Driver>) -> Self {
        driver.map_or(Start::Fans, Start::Members)
    }
}

/// The audience condition of `fan_filter`, for the tag part, for a query that starts as
/// `start` says.
fn fan_where(sql: &mut Sql, store_id: i64, filter: &TagFilter, known: &[KnownTag], start: Start) {
    let id_of = |name: &String| find(known, name).map(|tag| tag.1);
    let exists = "EXISTS (SELECT 1 FROM fan_tags WHERE fan_tags.fan_id = fans.id AND ";
    match start {
        Start::Fans | Start::Links(_, false) => {
            sql.push("fans.store_id = ").bind(Bind::Int(store_id));
        }
        Start::Links(_, true) => {
            sql.push("fans.store_id + 0 = ").bind(Bind::Int(store_id));
        }
        Start::Members(driver) => {
            sql.push("fans.store_id + 0 = ")
                .bind(Bind::Int(store_id))
                .push(" AND fans.id IN (SELECT fan_id FROM fan_tags WHERE tag_id IN (")
                .bind_list(driver.ids.iter().copied().map(Bind::Int))
                .push("))");
        }
    }
    // The tag set the query starts from is already required of every row.
    let driver = match start {
        Start::Fans => None,
        Start::Members(driver) | Start::Links(driver, _) => Some(driver),
    };
    let driven_by_any = driver.is_some_and(|driver| driver.all_tag.is_none());
    if !filter.any.is_empty() && !driven_by_any {
        let ids: Vec<i64> = filter.any.iter().filter_map(id_of).collect();
        if ids.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(" AND ")
                .push(exists)
                .push("fan_tags.tag_id IN (")
                .bind_list(ids.into_iter().map(Bind::Int))
                .push("))");
        }
    }
    for name in &filter.all {
        match id_of(name) {
            Some(id) if driver.is_some_and(|driver| driver.all_tag == Some(id)) => {}
            Some(id) => {
                sql.push(" AND ")
                    .push(exists)
                    .push("fan_tags.tag_id = ")
                    .bind(Bind::Int(id))
                    .push(")");
            }
            None => {
                sql.push(" AND 1 = 0");
            }
        }
    }
    let excluded: Vec<i64> = filter.none.iter().filter_map(id_of).collect();
    if !excluded.is_empty() {
        sql.push(" AND NOT ")
            .push(exists)
            .push("fan_tags.tag_id IN (")
            .bind_list(excluded.into_iter().map(Bind::Int))
            .push("))");
    }
}

async fn page_tags(raw: &Raw, fan_ids: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
    if fan_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT fan_tags.fan_id, tags.name FROM fan_tags \
         JOIN tags ON tags.id = fan_tags.tag_id WHERE fan_tags.fan_id IN (",
    );
    sql.bind_list(fan_ids.iter().copied().map(Bind::Int))
        .push(") ORDER BY fan_tags.created_at, tags.name");
    raw.all(&sql).await
}

async fn customer_badges(
    raw: &Raw,
    store_id: i64,
    emails: &[String],
) -> anyhow::Result<Vec<(String, i64)>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT email, total_spent_cents FROM customers WHERE store_id = ");
    sql.bind(Bind::Int(store_id)).push(" AND email IN (");
    sql.bind_list(emails.iter().cloned().map(Bind::Text))
        .push(")");
    raw.all(&sql).await
}

/// A customer row as the Customers page shows it.
#[derive(Debug, Clone)]
pub struct RawCustomer {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub total_spent_cents: i64,
    pub purchase_count: i64,
    pub last_purchase_at: Option<DateTime<Utc>>,
    pub products: Vec<String>,
    pub subscription: Option<String>,
    pub score: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct RawCustomerPage {
    pub rows: Vec<RawCustomer>,
    pub total: i64,
}

type CustomerTuple = (
    i64,
    String,
    String,
    i64,
    i64,
    i32,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// The Customers page's reads, as `list_customers` makes them: the store, a keyset page by
/// total spent (after `after` = (total, id)), the total, and the page's products,
/// subscriptions and fan scores. The same reads run together as in the app: store, rows and
/// total; then products, subscriptions and scores.
pub async fn customer_page(
    raw: &Raw,
    store_id: i64,
    after: Option<(i64, i64)>,
    limit: i64,
) -> anyhow::Result<RawCustomerPage> {
    let mut page = Sql::new(
        "SELECT id, email, name, total_spent_cents, refunded_cents, purchase_count, \
         first_purchase_at, last_purchase_at FROM customers WHERE store_id = ",
    );
    page.bind(Bind::Int(store_id));
    if let Some((total, id)) = after {
        page.push(" AND total_spent_cents <= ")
            .bind(Bind::Int(total))
            .push(" AND (total_spent_cents < ")
            .bind(Bind::Int(total))
            .push(" OR id < ")
            .bind(Bind::Int(id))
            .push(")");
    }
    page.push(" ORDER BY total_spent_cents DESC, id DESC LIMIT ")
        .bind(Bind::Int(limit + 1));

    // The app's total for an unfiltered list: the rollup's first purchases, plus customers
    // without one (none, but the app asks).
    let mut count = Sql::new(
        "SELECT CAST((SELECT COALESCE(CAST(SUM(new_customers) AS BIGINT), 0) \
         FROM customer_daily WHERE store_id = ",
    );
    count
        .bind(Bind::Int(store_id))
        .push(") + (SELECT COUNT(*) FROM customers WHERE store_id = ")
        .bind(Bind::Int(store_id))
        .push(" AND first_purchase_at IS NULL) AS BIGINT)");

    let ((), mut customers, total): ((), Vec<CustomerTuple>, i64) = tokio::try_join!(
        store_exists(raw, store_id),
        raw.all(&page),
        raw.one_i64(&count),
    )?;
    customers.truncate(usize::try_from(limit).unwrap_or(0));

    let ids: Vec<i64> = customers.iter().map(|row| row.0).collect();
    let emails: Vec<String> = customers.iter().map(|row| row.1.clone()).collect();
    type Products = Vec<(i64, String)>;
    type Statuses = Vec<(i64, String)>;
    type Scores = Vec<(String, i64)>;
    let (products, subscriptions, scores): (Products, Statuses, Scores) = if ids.is_empty() {
        (Vec::new(), Vec::new(), Vec::new())
    } else {
        let mut subscribed =
            Sql::new("SELECT customer_id, status FROM subscriptions WHERE customer_id IN (");
        subscribed
            .bind_list(ids.iter().copied().map(Bind::Int))
            .push(")");
        let mut fans = Sql::new("SELECT email, score FROM fans WHERE store_id = ");
        fans.bind(Bind::Int(store_id)).push(" AND email IN (");
        fans.bind_list(emails.into_iter().map(Bind::Text)).push(")");
        tokio::try_join!(
            products_bought(raw, &ids),
            raw.all(&subscribed),
            raw.all(&fans)
        )?
    };

    let rows = customers
        .into_iter()
        .map(
            |(id, email, name, total_spent_cents, _, purchase_count, _, last_purchase_at)| {
                let mut bought: Vec<String> = products
                    .iter()
                    .filter(|(customer, _)| *customer == id)
                    .map(|(_, name)| name.clone())
                    .collect();
                bought.sort();
                RawCustomer {
                    products: bought,
                    subscription: subscriptions
                        .iter()
                        .find(|(customer, _)| *customer == id)
                        .map(|(_, status)| status.clone()),
                    score: scores
                        .iter()
                        .find(|(fan_email, _)| *fan_email == email)
                        .map(|(_, score)| *score),
                    id,
                    email,
                    name,
                    total_spent_cents,
                    purchase_count: i64::from(purchase_count),
                    last_purchase_at,
                }
            },
        )
        .collect();
    Ok(RawCustomerPage { rows, total })
}

/// The distinct products each of these customers bought, by name: (customer, product name).
async fn products_bought(raw: &Raw, customer_ids: &[i64]) -> anyhow::Result<Vec<(i64, String)>> {
    let mut bought =
        Sql::new("SELECT DISTINCT customer_id, product_id FROM purchases WHERE customer_id IN (");
    bought
        .bind_list(customer_ids.iter().copied().map(Bind::Int))
        .push(")");
    let pairs: Vec<(i64, i64)> = raw.all(&bought).await?;
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let mut product_ids: Vec<i64> = pairs.iter().map(|pair| pair.1).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let mut named = Sql::new("SELECT id, name FROM products WHERE id IN (");
    named
        .bind_list(product_ids.into_iter().map(Bind::Int))
        .push(")");
    let names: Vec<(i64, String)> = raw.all(&named).await?;
    Ok(pairs
        .iter()
        .map(|(customer, product)| {
            let name = names
                .iter()
                .find(|(id, _)| id == product)
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            (*customer, name)
        })
        .collect())
}

/// The customer at `offset` in the total-spent order, as a keyset cursor (total, id).
pub async fn customer_at(
    raw: &Raw,
    store_id: i64,
    offset: i64,
) -> anyhow::Result<Option<(i64, i64)>> {
    let mut sql = Sql::new("SELECT total_spent_cents, id FROM customers WHERE store_id = ");
    sql.bind(Bind::Int(store_id))
        .push(" ORDER BY total_spent_cents DESC, id DESC LIMIT 1 OFFSET ")
        .bind(Bind::Int(offset));
    let rows: Vec<(i64, i64)> = raw.all(&sql).await?;
    Ok(rows.first().copied())
}

/// Revenue figures summed from every purchase and refund in `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawRevenue {
    pub gross: i64,
    pub refunds: i64,
    pub orders: i64,
    pub buyers: i64,
    pub new_customers: i64,
    /// Subscription periods running at the end of the range (or now).
    pub subscribers: i64,
}

pub async fn revenue(
    raw: &Raw,
    store_id: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<RawRevenue> {
    let mut sales = Sql::new(
        "SELECT COALESCE(CAST(SUM(amount_cents) AS BIGINT), 0), COUNT(*), \
         COUNT(DISTINCT customer_id) FROM purchases WHERE store_id = ",
    );
    sales
        .bind(Bind::Int(store_id))
        .push(" AND purchased_at >= ")
        .bind(Bind::Time(start))
        .push(" AND purchased_at < ")
        .bind(Bind::Time(end));
    let (gross, orders, buyers) = raw
        .all::<(i64, i64, i64)>(&sales)
        .await?
        .first()
        .copied()
        .context("the revenue sums returned no row")?;
    let mut refunded = Sql::new(
        "SELECT COALESCE(CAST(SUM(amount_cents) AS BIGINT), 0) FROM refunds WHERE store_id = ",
    );
    refunded
        .bind(Bind::Int(store_id))
        .push(" AND refunded_at >= ")
        .bind(Bind::Time(start))
        .push(" AND refunded_at < ")
        .bind(Bind::Time(end));
    let refunds = raw.one_i64(&refunded).await?;
    let mut first_purchases = Sql::new("SELECT COUNT(*) FROM customers WHERE store_id = ");
    first_purchases
        .bind(Bind::Int(store_id))
        .push(" AND first_purchase_at >= ")
        .bind(Bind::Time(start))
        .push(" AND first_purchase_at < ")
        .bind(Bind::Time(end));
    let new_customers = raw.one_i64(&first_purchases).await?;
    let at = std::cmp::min(end, now);
    let mut running = Sql::new("SELECT COUNT(*) FROM subscription_periods WHERE store_id = ");
    running
        .bind(Bind::Int(store_id))
        .push(" AND started_at <= ")
        .bind(Bind::Time(at))
        .push(" AND ended_at > ")
        .bind(Bind::Time(at));
    let subscribers = raw.one_i64(&running).await?;
    Ok(RawRevenue {
        gross,
        refunds,
        orders,
        buyers,
        new_customers,
        subscribers,
    })
}

/// The store's tags with their member counts, by key: the tag suggestions of the Fans
/// page's filter bar (the app's `queries::list_tags`).
pub async fn store_tags(raw: &Raw, store_id: i64) -> anyhow::Result<Vec<(i64, String, i64)>> {
    let mut sql = Sql::new("SELECT id, name, fan_count FROM tags WHERE store_id = ");
    sql.bind(Bind::Int(store_id)).push(" ORDER BY key");
    raw.all(&sql).await
}

/// Member counts of the store's ordinary tags (the managed `customer` tag left out),
/// smallest first.
pub async fn tag_sizes(raw: &Raw, store_id: i64) -> anyhow::Result<Vec<(String, i64)>> {
    let mut sql = Sql::new(
        "SELECT tags.name, COUNT(*) FROM fan_tags JOIN tags ON tags.id = fan_tags.tag_id \
         WHERE fan_tags.store_id = ",
    );
    sql.bind(Bind::Int(store_id))
        .push(" AND tags.key <> 'customer' GROUP BY tags.name ORDER BY COUNT(*), tags.name");
    raw.all(&sql).await
}

/// The database engine's version, for the report.
pub async fn engine_version(db: &DatabaseConnection) -> String {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
        _ => "SELECT 'PostgreSQL ' || current_setting('server_version')",
    };
    match db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
    {
        Ok(Some(row)) => row.try_get_by_index::<String>(0).unwrap_or_default(),
        _ => "unknown version".to_owned(),
    }
}
