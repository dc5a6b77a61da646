//! Turns an audience (`FanFilter`) into one SQL condition on `fans`. Tag filters go through
//! `fan_tags(tag_id, fan_id)`: any = EXISTS with IN, all = one EXISTS per tag, none = NOT
//! EXISTS. Tag names are matched case-insensitively by key; an unknown tag matches no fan.
//!
//! At a million fans the shape of that condition decides the speed. PostgreSQL chooses a
//! plan from its statistics and gets it right; SQLite plans by rules and walks every fan in
//! score order whatever the tag. So on SQLite [`audience`] plans it from the tags' member
//! counts (`tags.fan_count`, kept by triggers):
//!
//! * a small tag set (at most [`DRIVE_FROM_TAG_MAX`] members) drives the query: its members
//!   are read from `fan_tags` and sorted, instead of walking every fan in score order until
//!   50 of them happen to carry a rare tag. The store test is written `store_id + 0` so
//!   SQLite cannot pick the (store, score) index and walk it anyway;
//! * a large tag set keeps the EXISTS form: walking by score finds 50 members quickly;
//! * on both engines, a page sorted by score of an audience that requires a tag (one tag,
//!   AND, NOT) walks that tag's links by their copy of the score, the `(tag, score, fan)`
//!   index of migration 10: the first 50 entries, whatever the tag's size;
//! * counts always start from the smallest tag set (a count visits every match anyway);
//! * on both engines, a one-tag audience needs no count at all: its size is the tag's
//!   `fan_count` (counting 400,000 links takes longer than the whole page may), and a
//!   two-tag AND / OR / NOT audience is sized from both counts and their overlap, kept in
//!   `tag_pairs` and counted again only when a link of either tag has changed since.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};

use crate::domain::DomainResult;
use crate::domain::audience::tags;
use crate::domain::sql::contains_pattern;
use crate::domain::text;
use crate::dto::FanFilter;
use crate::entities::{customer, fan, fan_genre, fan_tag, store, tag, tag_pair};

/// Tag sets with at most this many members start the query from their members. Walking
/// fans by score costs about `50 × fans / members` probes, reading the members costs about
/// `members` lookups and a sort; at 1M fans the two meet at a few thousand members
/// (docs/benchmarks-history.md has the measurements).
pub(crate) const DRIVE_FROM_TAG_MAX: i64 = 5_000;

/// The condition selecting the fans of `store_id` that match `filter`, evaluated at `now`.
///
/// # Errors
/// Database failures while looking up tag names.
pub(crate) async fn condition(
    db: &impl ConnectionTrait,
    store_id: i64,
    filter: &FanFilter,
    now: DateTime<Utc>,
) -> DomainResult<Condition> {
    let known = tag_ids(db, store_id, &wanted_tags(filter)).await?;
    Ok(build(store_id, filter, &known, now, Start::Fans))
}

/// An audience planned for the database: the condition for a page of it, and how to find its
/// exact size.
pub(crate) struct Audience {
    pub page: Condition,
    pub total: Total,
    /// For pages sorted by score: a tag to walk in score order, if the audience requires one.
    pub by_score: Option<ScoreWalk>,
}

/// A page sorted by score read from one required tag's links in `(tag, score, fan)` order:
/// the caller joins `fan_tags` on the fan with `tag_id`, orders by the link's score and fan,
/// and filters by `page` (the rest of the audience; the tag itself is the join).
pub(crate) struct ScoreWalk {
    pub tag_id: i64,
    pub page: Condition,
}

/// How an audience's exact size is found, cheapest first.
pub(crate) enum Total {
    /// A one-tag audience: the tag's `fan_count`.
    Known(u64),
    /// A two-tag audience (AND, OR, NOT): from both tags' counts and the number of fans
    /// carrying both, kept in `tag_pairs` while both tags are unchanged, instead of
    /// counting up to 412k fans on every view.
    Pair(TagPair),
    /// Anything else: `COUNT(*)` over this condition.
    Count(Condition),
}

/// Two tags and how the audience's size follows from their counts.
pub(crate) struct TagPair {
    first: KnownTag,
    second: KnownTag,
    combine: Combine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Combine {
    /// Fans with both tags: |A ∩ B|.
    Both,
    /// Fans with either tag: |A| + |B| − |A ∩ B|.
    Either,
    /// Fans with the first tag and not the second: |A| − |A ∩ B|.
    FirstWithout,
}

/// Both tags' counts and their overlap, all from one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PairCounts {
    first: i64,
    second: i64,
    both: i64,
}

impl TagPair {
    fn total(&self, counts: PairCounts) -> i64 {
        match self.combine {
            Combine::Both => counts.both,
            Combine::Either => counts.first + counts.second - counts.both,
            Combine::FirstWithout => counts.first - counts.both,
        }
    }
}

/// The exact size of a planned audience.
///
/// # Errors
/// Database failures.
pub(crate) async fn exact_total(db: &impl ConnectionTrait, total: Total) -> DomainResult<u64> {
    Ok(match total {
        Total::Known(total) => total,
        Total::Count(condition) => fan::Entity::find().filter(condition).count(db).await?,
        Total::Pair(pair) => {
            let counts = pair_counts(db, &pair.first, &pair.second).await?;
            u64::try_from(pair.total(counts)).unwrap_or(0)
        }
    })
}

/// The kept `tag_pairs` row while both tags' member versions are still the ones it was
/// counted at (migration 7), else the overlap counted again and kept.
async fn pair_counts(
    db: &impl ConnectionTrait,
    first: &KnownTag,
    second: &KnownTag,
) -> DomainResult<PairCounts> {
    let (low, high) = if first.id < second.id {
        (first, second)
    } else {
        (second, first)
    };
    let kept = tag_pair::Entity::find_by_id((low.id, high.id))
        .one(db)
        .await?
        .filter(|row| row.low_version == low.version && row.high_version == high.version);
    let row = match kept {
        Some(row) => row,
        None => count_pair(db, low, high).await?,
    };
    let (first_fans, second_fans) = if first.id == low.id {
        (row.low_fans, row.high_fans)
    } else {
        (row.high_fans, row.low_fans)
    };
    Ok(PairCounts {
        first: first_fans,
        second: second_fans,
        both: row.both_fans,
    })
}

/// Counts the overlap (the smaller tag's members, each probed in the other) and keeps it
/// with both tags' counts and versions. One statement, so all of it comes from one snapshot:
/// a link added meanwhile either is counted or has moved a version past the row's.
async fn count_pair(
    db: &impl ConnectionTrait,
    low: &KnownTag,
    high: &KnownTag,
) -> DomainResult<tag_pair::Model> {
    let (small, large) = if low.fans <= high.fans {
        (low.id, high.id)
    } else {
        (high.id, low.id)
    };
    let (low, high) = (low.id, high.id);
    // Only ids read from the database are written into the statement.
    let sql = format!(
        "INSERT INTO tag_pairs (low_tag_id, high_tag_id, low_version, high_version, \
         low_fans, high_fans, both_fans) \
         SELECT lo.id, hi.id, lo.member_version, hi.member_version, lo.fan_count, hi.fan_count, \
         (SELECT COUNT(*) FROM fan_tags AS s WHERE s.tag_id = {small} AND EXISTS \
           (SELECT 1 FROM fan_tags AS o WHERE o.fan_id = s.fan_id AND o.tag_id = {large})) \
         FROM tags AS lo, tags AS hi WHERE lo.id = {low} AND hi.id = {high} \
         ON CONFLICT (low_tag_id, high_tag_id) DO UPDATE SET \
         low_version = excluded.low_version, high_version = excluded.high_version, \
         low_fans = excluded.low_fans, high_fans = excluded.high_fans, \
         both_fans = excluded.both_fans \
         RETURNING low_tag_id, high_tag_id, low_version, high_version, low_fans, high_fans, \
         both_fans"
    );
    let statement = Statement::from_string(db.get_database_backend(), sql);
    let row = tag_pair::Entity::find()
        .from_raw_sql(statement)
        .one(db)
        .await?;
    // No row: one of the tags was deleted since it was looked up; it has no fans now.
    Ok(row.unwrap_or(tag_pair::Model {
        low_tag_id: low,
        high_tag_id: high,
        low_version: 0,
        high_version: 0,
        low_fans: 0,
        high_fans: 0,
        both_fans: 0,
    }))
}

/// Plans `filter` (see the module notes).
///
/// # Errors
/// Database failures while looking up tag names.
pub(crate) async fn audience(
    db: &impl ConnectionTrait,
    store_id: i64,
    filter: &FanFilter,
    now: DateTime<Utc>,
) -> DomainResult<Audience> {
    let known = tag_ids(db, store_id, &wanted_tags(filter)).await?;
    let sqlite = db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
    let driver = if sqlite { driver(filter, &known) } else { None };
    let small = driver
        .as_ref()
        .filter(|driver| driver.members <= DRIVE_FROM_TAG_MAX);
    let total = match (one_tag_total(filter, &known), tag_pair(filter, &known)) {
        _ if *filter == FanFilter::default() => Total::Known(store_fan_count(db, store_id).await?),
        (Some(total), _) => Total::Known(total),
        (None, Some(pair)) => Total::Pair(pair),
        (None, None) => Total::Count(build(
            store_id,
            filter,
            &known,
            now,
            Start::from(driver.as_ref()),
        )),
    };
    let by_score = score_walk(filter, &known).map(|(from, tag_id)| ScoreWalk {
        tag_id,
        page: build(
            store_id,
            filter,
            &known,
            now,
            Start::Links {
                from,
                hide_store: sqlite,
            },
        ),
    });
    Ok(Audience {
        page: build(store_id, filter, &known, now, Start::from(small)),
        total,
        by_score,
    })
}

/// Every fan of the store: its trigger-kept count (migration 22), instead of counting up to
/// a million fans on every unfiltered view of the Fans page.
async fn store_fan_count(db: &impl ConnectionTrait, store_id: i64) -> DomainResult<u64> {
    // Read by hand: the column is the triggers' alone, so the `stores` model does not carry
    // it (every store insert would have to read it back).
    let select = Query::select()
        .column(Alias::new("fan_count"))
        .from(store::Entity)
        .and_where(Expr::col(store::Column::Id).eq(store_id))
        .to_owned();
    let count = match db
        .query_one_raw(db.get_database_backend().build(&select))
        .await?
    {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        // No store: it has no fans.
        None => 0,
    };
    Ok(u64::try_from(count).unwrap_or(0))
}

/// The store's tags a filter names, by key: every name is looked up in constant time, so
/// matching is linear in the filter's names, not names × tags.
type Known = HashMap<String, KnownTag>;

/// A known tag: key, id, member count and member version.
#[derive(Debug, Clone)]
struct KnownTag {
    key: String,
    id: i64,
    fans: i64,
    version: i64,
}

/// The tag set every matching fan belongs to, from which a query can start.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Driver {
    /// `Any`: the any-list; `All(id)`: that one tag of the all-list.
    from: DriverFrom,
    tag_ids: Vec<i64>,
    /// An upper bound of the set's size (the sum of the tags' counts).
    members: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DriverFrom {
    Any,
    All(i64),
}

fn wanted_tags(filter: &FanFilter) -> Vec<&String> {
    filter
        .tags_any
        .iter()
        .chain(&filter.tags_all)
        .chain(&filter.tags_none)
        .collect()
}

fn find<'a>(known: &'a Known, name: &str) -> Option<&'a KnownTag> {
    known.get(&tag_key(name))
}

/// The known tags of the any-list, each once (by id, in id order); unknown names add nobody.
fn known_any<'a>(filter: &FanFilter, known: &'a Known) -> Vec<&'a KnownTag> {
    let mut any: Vec<&KnownTag> = filter
        .tags_any
        .iter()
        .filter_map(|name| find(known, name))
        .collect();
    any.sort_by_key(|tag| tag.id);
    any.dedup_by_key(|tag| tag.id);
    any
}

/// The smallest tag set the filter requires, if it requires one.
fn driver(filter: &FanFilter, known: &Known) -> Option<Driver> {
    let mut candidates = Vec::new();
    let any = known_any(filter, known);
    if !any.is_empty() {
        let tag_ids: Vec<i64> = any.iter().map(|tag| tag.id).collect();
        let members = any.iter().map(|tag| tag.fans).sum();
        candidates.push(Driver {
            from: DriverFrom::Any,
            tag_ids,
            members,
        });
    }
    for tag in filter.tags_all.iter().filter_map(|name| find(known, name)) {
        candidates.push(Driver {
            from: DriverFrom::All(tag.id),
            tag_ids: vec![tag.id],
            members: tag.fans,
        });
    }
    candidates.into_iter().min_by_key(|driver| driver.members)
}

/// The smallest single tag every fan of the audience must carry (a tag of the all-list, or
/// the any-list's only known tag), as where a walk in score order starts: the fewer its
/// members, the fewer links the walk passes over that fail the rest of the filter.
fn score_walk(filter: &FanFilter, known: &Known) -> Option<(DriverFrom, i64)> {
    let mut candidates: Vec<(DriverFrom, &KnownTag)> = Vec::new();
    if let [only] = known_any(filter, known)[..] {
        candidates.push((DriverFrom::Any, only));
    }
    for name in &filter.tags_all {
        // An unknown required tag empties the audience; nothing to walk.
        let tag = find(known, name)?;
        candidates.push((DriverFrom::All(tag.id), tag));
    }
    candidates
        .into_iter()
        .min_by_key(|(_, tag)| tag.fans)
        .map(|(from, tag)| (from, tag.id))
}

/// The size of a one-tag audience with nothing else in the filter: the tag's count.
fn one_tag_total(filter: &FanFilter, known: &Known) -> Option<u64> {
    if !is_tags_only(filter) || !filter.tags_none.is_empty() {
        return None;
    }
    let mut keys: Vec<String> = filter
        .tags_any
        .iter()
        .chain(&filter.tags_all)
        .map(|name| tag_key(name))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    match keys.as_slice() {
        [key] => Some(
            known
                .get(key)
                .map_or(0, |tag| u64::try_from(tag.fans).unwrap_or(0)),
        ),
        _ => None,
    }
}

/// A filter of tags only that names exactly two known tags as AND (`all`, or one `any` and
/// one `all`), OR (two `any`) or NOT (one required, one `none`).
fn tag_pair(filter: &FanFilter, known: &Known) -> Option<TagPair> {
    if !is_tags_only(filter) {
        return None;
    }
    // Every name must be a known tag: an unknown one changes the meaning (see `build`).
    let keys = |names: &[String]| -> Option<Vec<String>> {
        let mut keys: Vec<String> = names.iter().map(|name| tag_key(name)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.iter()
            .all(|key| known.contains_key(key))
            .then_some(keys)
    };
    let (any, all, none) = (
        keys(&filter.tags_any)?,
        keys(&filter.tags_all)?,
        keys(&filter.tags_none)?,
    );
    // One `any` tag is a required tag like the `all` ones.
    let (mut required, either) = if any.len() == 1 {
        (any, Vec::new())
    } else {
        (Vec::new(), any)
    };
    required.extend(all);
    required.sort_unstable();
    required.dedup();
    let (first, second, combine) = match (required.as_slice(), either.as_slice(), none.as_slice()) {
        ([a, b], [], []) => (a, b, Combine::Both),
        ([], [a, b], []) => (a, b, Combine::Either),
        ([a], [], [b]) if a != b => (a, b, Combine::FirstWithout),
        _ => return None,
    };
    let tag = |key: &String| known.get(key).cloned();
    Some(TagPair {
        first: tag(first)?,
        second: tag(second)?,
        combine,
    })
}

fn is_tags_only(filter: &FanFilter) -> bool {
    FanFilter {
        tags_any: filter.tags_any.clone(),
        tags_all: filter.tags_all.clone(),
        tags_none: filter.tags_none.clone(),
        ..FanFilter::default()
    } == *filter
}

/// Where the query for an audience starts.
#[derive(Debug, Clone, Copy)]
enum Start<'a> {
    /// From the store's fans (the planner picks the index).
    Fans,
    /// From the members of a small tag set, read first.
    Members(&'a Driver),
    /// From one tag's links, which the caller joins: that requirement is met by the join.
    /// `hide_store`: write the store test so SQLite cannot start from the store's fans; on
    /// PostgreSQL the plain test keeps its row estimates right (with `store_id + 0` it
    /// guessed 0.5 % of the fans and chose a hash join over every fan: 250 ms for NOT).
    Links { from: DriverFrom, hide_store: bool },
}

impl<'a> From<Option<&'a Driver>> for Start<'a> {
    fn from(driver: Option<&'a Driver>) -> Self {
        driver.map_or(Start::Fans, Start::Members)
    }
}

/// The condition itself, for a query that starts as `start` says.
fn build(
    store_id: i64,
    filter: &FanFilter,
    known: &Known,
    now: DateTime<Utc>,
    start: Start<'_>,
) -> Condition {
    let column = |c: fan::Column| Expr::col((fan::Entity, c));
    let mut all = match start {
        Start::Fans
        | Start::Links {
            hide_store: false, ..
        } => Condition::all().add(column(fan::Column::StoreId).eq(store_id)),
        Start::Links {
            hide_store: true, ..
        } => Condition::all().add(column(fan::Column::StoreId).add(0).eq(store_id)),
        Start::Members(driver) => Condition::all()
            // `+ 0` hides the store test from the index chooser (see the module notes).
            .add(column(fan::Column::StoreId).add(0).eq(store_id))
            .add(
                column(fan::Column::Id).in_subquery(
                    Query::select()
                        .column((fan_tag::Entity, fan_tag::Column::FanId))
                        .from(fan_tag::Entity)
                        .and_where(
                            Expr::col((fan_tag::Entity, fan_tag::Column::TagId))
                                .is_in(driver.tag_ids.iter().copied()),
                        )
                        .to_owned(),
                ),
            ),
    };
    let id_of = |name: &String| find(known, name).map(|tag| tag.id);
    let driven_by = match start {
        Start::Fans => None,
        Start::Members(driver) => Some(driver.from),
        Start::Links { from, .. } => Some(from),
    };

    if !filter.tags_any.is_empty() && driven_by != Some(DriverFrom::Any) {
        let ids: Vec<i64> = filter.tags_any.iter().filter_map(id_of).collect();
        all = all.add(if ids.is_empty() {
            nothing()
        } else {
            Expr::exists(fan_tags_where(fan_tag::Column::TagId.is_in(ids)))
        });
    }
    for name in &filter.tags_all {
        let id = id_of(name);
        if id.is_some_and(|id| driven_by == Some(DriverFrom::All(id))) {
            continue; // the driver already requires it
        }
        all = all.add(match id {
            Some(id) => Expr::exists(fan_tags_where(fan_tag::Column::TagId.eq(id))),
            None => nothing(),
        });
    }
    let excluded: Vec<i64> = filter.tags_none.iter().filter_map(id_of).collect();
    if !excluded.is_empty() {
        all = all.add(Expr::not_exists(fan_tags_where(
            fan_tag::Column::TagId.is_in(excluded),
        )));
    }

    if let Some(daw) = filter.daw {
        all = all.add(column(fan::Column::Daw).eq(daw.as_str()));
    }
    if let Some(skill) = filter.skill {
        all = all.add(column(fan::Column::SkillLevel).eq(skill.as_str()));
    }
    if let Some(status) = filter.email_status {
        all = all.add(column(fan::Column::EmailStatus).eq(status.as_str()));
    }
    if let Some(genre) = filter.genre {
        all = all.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(fan_genre::Entity)
                .and_where(
                    Expr::col((fan_genre::Entity, fan_genre::Column::FanId))
                        .equals((fan::Entity, fan::Column::Id)),
                )
                .and_where(fan_genre::Column::Genre.eq(genre.as_str()))
                .to_owned(),
        ));
    }
    if let Some(min) = filter.score_min {
        all = all.add(column(fan::Column::Score).gte(min));
    }
    if let Some(max) = filter.score_max {
        all = all.add(column(fan::Column::Score).lte(max));
    }
    if let Some(days) = filter.opened_within_days {
        all = all.add(column(fan::Column::LastOpenAt).gte(days_before(now, days)));
    }
    if let Some(days) = filter.not_opened_days {
        all = all.add(
            Condition::any()
                .add(column(fan::Column::LastOpenAt).is_null())
                .add(column(fan::Column::LastOpenAt).lt(days_before(now, days))),
        );
    }
    if let Some(is_customer) = filter.customer {
        let customers = Query::select()
            .expr(Expr::val(1))
            .from(customer::Entity)
            .and_where(
                Expr::col((customer::Entity, customer::Column::StoreId))
                    .equals((fan::Entity, fan::Column::StoreId)),
            )
            .and_where(
                Expr::col((customer::Entity, customer::Column::Email))
                    .equals((fan::Entity, fan::Column::Email)),
            )
            .to_owned();
        all = all.add(if is_customer {
            Expr::exists(customers)
        } else {
            Expr::not_exists(customers)
        });
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let pattern = contains_pattern(search);
        all = all.add(
            Condition::any()
                .add(column(fan::Column::Email).like(pattern.clone()))
                .add(column(fan::Column::SortName).like(pattern)),
        );
    }
    all
}

/// The key a tag name in a filter is looked up by: cleaned like a tag name, lower-cased.
fn tag_key(name: &str) -> String {
    tags::key_of(&text::single_line(name, tags::MAX_TAG_CHARS * 4).unwrap_or_default())
}

/// The named tags that exist in the store, with their member counts.
async fn tag_ids(
    db: &impl ConnectionTrait,
    store_id: i64,
    names: &[&String],
) -> DomainResult<Known> {
    if names.is_empty() {
        return Ok(Known::new());
    }
    let keys: HashSet<String> = names.iter().map(|name| tag_key(name)).collect();
    Ok(tag::Entity::find()
        .filter(tag::Column::StoreId.eq(store_id))
        .filter(tag::Column::Key.is_in(keys))
        .all(db)
        .await?
        .into_iter()
        .map(|tag| {
            let known = KnownTag {
                key: tag.key,
                id: tag.id,
                fans: tag.fan_count,
                version: tag.member_version,
            };
            (known.key.clone(), known)
        })
        .collect())
}

fn fan_tags_where(tag_condition: Expr) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(fan_tag::Entity)
        .and_where(
            Expr::col((fan_tag::Entity, fan_tag::Column::FanId))
                .equals((fan::Entity, fan::Column::Id)),
        )
        .and_where(tag_condition)
        .to_owned()
}

/// A condition no row meets (an unknown tag was asked for).
fn nothing() -> Expr {
    Expr::cust("1 = 0")
}

fn days_before(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    fn known(tags: &[(&str, i64, i64)]) -> Known {
        tags.iter()
            .map(|(key, id, fans)| {
                let tag = KnownTag {
                    key: (*key).to_owned(),
                    id: *id,
                    fans: *fans,
                    version: 0,
                };
                (tag.key.clone(), tag)
            })
            .collect()
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn two_tag_audiences_are_sized_from_their_counts() {
        let known = known(&[("vip", 1, 50), ("newsletter", 2, 400), ("trap", 3, 900)]);
        let counts = PairCounts {
            first: 50,
            second: 400,
            both: 30,
        };
        let plan = |filter: FanFilter| {
            tag_pair(&filter, &known)
                .map(|pair| (pair.first.id, pair.second.id, pair.total(counts)))
        };
        let and = FanFilter {
            tags_all: names(&["VIP", "newsletter"]),
            ..FanFilter::default()
        };
        // AND and OR do not care which tag comes first.
        let either_way = |plan: Option<(i64, i64, i64)>| {
            plan.map(|(a, b, total)| (Ord::min(a, b), Ord::max(a, b), total))
        };
        assert_eq!(either_way(plan(and)), Some((1, 2, 30)));
        let or = FanFilter {
            tags_any: names(&["vip", "Newsletter"]),
            ..FanFilter::default()
        };
        assert_eq!(either_way(plan(or)), Some((1, 2, 420)));
        let one_any_one_all = FanFilter {
            tags_any: names(&["vip"]),
            tags_all: names(&["newsletter"]),
            ..FanFilter::default()
        };
        assert_eq!(either_way(plan(one_any_one_all)), Some((1, 2, 30)));
        let not = FanFilter {
            tags_all: names(&["vip"]),
            tags_none: names(&["newsletter"]),
            ..FanFilter::default()
        };
        assert_eq!(plan(not), Some((1, 2, 20)));

        // Not a pair: three tags, an unknown tag, a tag excluded from itself, anything but
        // tags in the filter.
        for filter in [
            FanFilter {
                tags_any: names(&["vip", "newsletter", "trap"]),
                ..FanFilter::default()
            },
            FanFilter {
                tags_all: names(&["vip", "nosuchtag"]),
                ..FanFilter::default()
            },
            FanFilter {
                tags_any: names(&["vip"]),
                tags_none: names(&["VIP"]),
                ..FanFilter::default()
            },
            FanFilter {
                tags_all: names(&["vip", "trap"]),
                score_min: Some(3),
                ..FanFilter::default()
            },
        ] {
            assert!(plan(filter.clone()).is_none(), "{filter:?}");
        }
    }

    #[test]
    fn the_smallest_required_tag_set_drives_the_query() {
        let known = known(&[("vip", 1, 50), ("newsletter", 2, 400_000), ("trap", 3, 900)]);
        let all = FanFilter {
            tags_all: names(&["Newsletter", "vip"]),
            ..FanFilter::default()
        };
        let by_all = driver(&all, &known).unwrap();
        assert_eq!((by_all.from, by_all.members), (DriverFrom::All(1), 50));
        let any = FanFilter {
            tags_any: names(&["vip", "trap", "VIP "]),
            tags_all: names(&["newsletter"]),
            ..FanFilter::default()
        };
        let by_any = driver(&any, &known).unwrap();
        assert_eq!(
            (by_any.from, by_any.tag_ids, by_any.members),
            (DriverFrom::Any, vec![1, 3], 950)
        );
        let none_only = FanFilter {
            tags_none: names(&["vip"]),
            ..FanFilter::default()
        };
        assert_eq!(driver(&none_only, &known), None);
    }

    #[test]
    fn a_score_page_walks_the_smallest_tag_every_fan_must_carry() {
        let known = known(&[("vip", 1, 50), ("trap", 2, 900), ("lofi", 3, 400_000)]);
        let walk = |filter: FanFilter| score_walk(&filter, &known);
        let all = FanFilter {
            tags_all: names(&["lofi", "trap"]),
            ..FanFilter::default()
        };
        assert_eq!(walk(all), Some((DriverFrom::All(2), 2)));
        // The any-list's only known tag is required too (an unknown name adds nobody).
        let any_one = FanFilter {
            tags_any: names(&["VIP", "nosuchtag", "vip"]),
            tags_all: names(&["lofi"]),
            ..FanFilter::default()
        };
        assert_eq!(walk(any_one), Some((DriverFrom::Any, 1)));
        let not = FanFilter {
            tags_all: names(&["lofi"]),
            tags_none: names(&["vip"]),
            ..FanFilter::default()
        };
        assert_eq!(walk(not), Some((DriverFrom::All(3), 3)));
        // Either of two tags, only excluded tags, an unknown required tag: nothing to walk.
        let either = FanFilter {
            tags_any: names(&["vip", "trap"]),
            ..FanFilter::default()
        };
        assert_eq!(walk(either), None);
        let none_only = FanFilter {
            tags_none: names(&["vip"]),
            ..FanFilter::default()
        };
        assert_eq!(walk(none_only), None);
        let unknown = FanFilter {
            tags_all: names(&["vip", "nosuchtag"]),
            ..FanFilter::default()
        };
        assert_eq!(walk(unknown), None);
    }

    #[test]
    fn only_a_lone_tag_takes_its_size_from_the_tag_count() {
        let known = known(&[("vip", 1, 50), ("trap", 3, 900)]);
        let lone = |filter: FanFilter| one_tag_total(&filter, &known);
        let tags = |any: &[&str], all: &[&str]| FanFilter {
            tags_any: names(any),
            tags_all: names(all),
            ..FanFilter::default()
        };
        assert_eq!(lone(tags(&["VIP"], &[])), Some(50));
        assert_eq!(lone(tags(&["vip"], &["vip "])), Some(50));
        assert_eq!(lone(tags(&["unknown"], &[])), Some(0));
        assert_eq!(lone(tags(&["vip", "trap"], &[])), None);
        assert_eq!(lone(tags(&[], &[])), None);
        let with_score = FanFilter {
            score_min: Some(3),
            ..tags(&["vip"], &[])
        };
        assert_eq!(lone(with_score), None);
        let with_none = FanFilter {
            tags_none: names(&["trap"]),
            ..tags(&["vip"], &[])
        };
        assert_eq!(lone(with_none), None);
    }

    #[test]
    fn a_driven_query_hides_the_store_test_from_sqlites_index_chooser() {
        let known = known(&[("vip", 1, 50)]);
        let filter = FanFilter {
            tags_any: names(&["vip"]),
            ..FanFilter::default()
        };
        let now = "2026-11-26T08:00:00Z".parse().unwrap();
        let driven = driver(&filter, &known);
        let sql = Query::select()
            .expr(Expr::val(1))
            .from(fan::Entity)
            .cond_where(build(
                7,
                &filter,
                &known,
                now,
                Start::Members(driven.as_ref().unwrap()),
            ))
            .to_string(SqliteQueryBuilder);
        assert!(sql.contains(r#""fans"."store_id" + 0 = 7"#), "{sql}");
        assert!(
            sql.contains(r#""fans"."id" IN (SELECT "fan_tags"."fan_id""#),
            "{sql}"
        );
        assert!(!sql.contains("EXISTS"), "{sql}");
        let walked = Query::select()
            .expr(Expr::val(1))
            .from(fan::Entity)
            .cond_where(build(7, &filter, &known, now, Start::Fans))
            .to_string(SqliteQueryBuilder);
        assert!(walked.contains(r#""fans"."store_id" = 7"#), "{walked}");
        assert!(walked.contains("EXISTS"), "{walked}");
        // Walking a tag's links: the join requires the tag; only SQLite hides the store.
        for (hide_store, test) in [
            (true, r#""fans"."store_id" + 0 = 7"#),
            (false, r#""fans"."store_id" = 7"#),
        ] {
            let start = Start::Links {
                from: DriverFrom::Any,
                hide_store,
            };
            let links = Query::select()
                .expr(Expr::val(1))
                .from(fan::Entity)
                .cond_where(build(7, &filter, &known, now, start))
                .to_string(SqliteQueryBuilder);
            assert!(links.contains(test), "{links}");
            assert!(
                !links.contains("EXISTS") && !links.contains(" IN "),
                "{links}"
            );
        }
    }

    #[test]
    fn an_unknown_tag_matches_nothing_on_both_engines() {
        let sql = Query::select()
            .expr(Expr::val(1))
            .and_where(nothing())
            .to_string(PostgresQueryBuilder);
        assert!(sql.ends_with("WHERE 1 = 0"), "{sql}");
    }
}
