//! Turns an audience (`FanFilter`) into one SQL condition on `fans`. Tag filters go through
//! `fan_tags(tag_id, fan_id)`: any = EXISTS with IN, all = one EXISTS per tag, none = NOT
//! EXISTS. Tag names are matched case-insensitively by key; an unknown tag matches no fan.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LikeExpr, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{DomainResult, tags, text};
use crate::dto::FanFilter;
use crate::entities::{customer, fan, fan_genre, fan_tag, tag};

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
    let column = |c: fan::Column| Expr::col((fan::Entity, c));
    let mut all = Condition::all().add(column(fan::Column::StoreId).eq(store_id));

    let wanted: Vec<&String> = filter
        .tags_any
        .iter()
        .chain(&filter.tags_all)
        .chain(&filter.tags_none)
        .collect();
    let known = tag_ids(db, store_id, &wanted).await?;
    let id_of = |name: &String| {
        known
            .iter()
            .find(|(key, _)| *key == tag_key(name))
            .map(|(_, id)| *id)
    };

    if !filter.tags_any.is_empty() {
        let ids: Vec<i64> = filter.tags_any.iter().filter_map(id_of).collect();
        all = all.add(if ids.is_empty() {
            nothing()
        } else {
            Expr::exists(fan_tags_where(fan_tag::Column::TagId.is_in(ids)))
        });
    }
    for name in &filter.tags_all {
        all = all.add(match id_of(name) {
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
    Ok(all)
}

/// `LIKE '%…%'` for a search term: lower-cased (emails and sort names are stored lower-case,
/// so this is case-insensitive on both engines) with `%`, `_` and `\` escaped.
pub(crate) fn contains_pattern(search: &str) -> LikeExpr {
    let escaped: String = search
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// The key a tag name in a filter is looked up by: cleaned like a tag name, lower-cased.
fn tag_key(name: &str) -> String {
    tags::key_of(&text::single_line(name, tags::MAX_TAG_CHARS * 4).unwrap_or_default())
}

/// (key, id) of the named tags that exist in the store.
async fn tag_ids(
    db: &impl ConnectionTrait,
    store_id: i64,
    names: &[&String],
) -> DomainResult<Vec<(String, i64)>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = names.iter().map(|name| tag_key(name)).collect();
    Ok(tag::Entity::find()
        .filter(tag::Column::StoreId.eq(store_id))
        .filter(tag::Column::Key.is_in(keys))
        .all(db)
        .await?
        .into_iter()
        .map(|tag| (tag.key, tag.id))
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

    #[test]
    fn search_terms_cannot_inject_wildcards() {
        let pattern = contains_pattern("100%_Ab\\c");
        let sql = Query::select()
            .expr(Expr::val(1))
            .and_where(Expr::col(fan::Column::Email).like(pattern))
            .to_string(SqliteQueryBuilder);
        assert!(sql.contains(r"'%100\%\_ab\\c%'"), "{sql}");
        assert!(sql.contains(r"ESCAPE '\'"), "{sql}");
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
