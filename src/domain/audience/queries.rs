//! What the Fans pages read: a page of an audience with its exact size, a fan's profile
//! (with their purchases: the unified view), and the store's tags with their fan counts.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select,
};

use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::fans;
use crate::domain::audience::filter;
use crate::domain::commerce::customers::purchase_rows;
use crate::domain::keyset::{Cursor, KeyKind, KeyValue, Keyset, MAX_PAGE_SIZE, page};
use crate::domain::sql::read;
use crate::domain::time;
use crate::dto::{
    ActivityRow, CustomerBadge, FanDetail, FanPage, FanProfile, FanQuery, FanRow, FanSort,
    FanTagRow, PurchaseRow, TagCount,
};
use crate::entities::{customer, fan, fan_activity, fan_genre, fan_tag, tag};
use crate::money::MinorUnits;

/// The activities a fan profile shows, newest first.
const PROFILE_ACTIVITIES: u64 = 200;

/// What the fan list page shows: one page of the audience with its exact size, and the
/// store's tags for the filter bar's suggestions. The two reads do not wait on each other,
/// so they run together.
///
/// # Errors
/// `NotFound` for an unknown store; database failures.
pub async fn list_page(
    db: &DatabaseConnection,
    store_id: i64,
    query: &FanQuery,
) -> DomainResult<(FanPage, Vec<TagCount>)> {
    tokio::try_join!(list_fans(db, store_id, query), list_tags(db, store_id))
}

/// What the fan profile page shows: the profile (with the latest activities) and the
/// store's tags for the tag form, read together.
///
/// # Errors
/// `NotFound` for a fan not in this store.
pub async fn profile_page(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
) -> DomainResult<(FanProfile, Vec<TagCount>)> {
    tokio::try_join!(
        fan_profile(db, store_id, fan_id, PROFILE_ACTIVITIES),
        list_tags(db, store_id),
    )
}

/// One page of the fans matching the query's filter, and how many match in all.
///
/// # Errors
/// `NotFound` for an unknown store; database failures.
pub async fn list_fans(
    db: &DatabaseConnection,
    store_id: i64,
    query: &FanQuery,
) -> DomainResult<FanPage> {
    // Reads that do not wait on each other's answers run together, each on its own pooled
    // connection: a page costs three round trips (store and tags; rows and total; the rows'
    // tags and badges) instead of six.
    let (_, audience) = tokio::try_join!(
        stores::find_active(db, store_id),
        filter::audience(db, store_id, &query.filter, time::now()),
    )?;
    let limit = query.page_size.clamp(1, MAX_PAGE_SIZE);
    let by_score = audience.by_score.filter(|_| query.sort == FanSort::Score);
    let (select, keyset) = match by_score {
        Some(walk) => (tag_links_by_score(walk), links_keyset(query.direction)),
        None => (
            fan::Entity::find().filter(audience.page),
            keyset(query.sort, query.direction),
        ),
    };
    let walk = keyset.walk(&query.page);
    let (models, total) = tokio::try_join!(
        read(keyset.apply(select, &walk, limit).all(db)),
        filter::exact_total(db, audience.total),
    )?;
    let paged = page(models, &walk, limit, |model| cursor(query.sort, model));
    let rows = fan_rows(db, store_id, paged.rows).await?;
    Ok(FanPage {
        rows,
        total,
        next: paged.next,
        previous: paged.previous,
    })
}

/// The exact size of an audience.
///
/// # Errors
/// Database failures.
pub async fn count_fans(
    db: &DatabaseConnection,
    store_id: i64,
    filter: &crate::dto::FanFilter,
) -> DomainResult<u64> {
    let audience = filter::audience(db, store_id, filter, time::now()).await?;
    filter::exact_total(db, audience.total).await
}

/// How many of these fan ids belong to the store (a bulk selection's real size). Distinct
/// ids are expected; a long list is counted a chunk at a time (bound parameters are capped
/// per statement).
///
/// # Errors
/// Database failures.
pub async fn count_fan_ids(
    db: &impl ConnectionTrait,
    store_id: i64,
    ids: &[i64],
) -> DomainResult<u64> {
    let mut total = 0;
    for chunk in ids.chunks(crate::domain::audience::tagging::ID_CHUNK) {
        total += fan::Entity::find()
            .filter(fan::Column::StoreId.eq(store_id))
            .filter(fan::Column::Id.is_in(chunk.iter().copied()))
            .count(db)
            .await?;
    }
    Ok(total)
}

fn keyset(sort: FanSort, direction: crate::dto::SortDirection) -> Keyset {
    let column = |c: fan::Column| Expr::col((fan::Entity, c));
    let (key, kind) = match sort {
        FanSort::Score => (column(fan::Column::Score), KeyKind::Int),
        FanSort::LastActivity => (column(fan::Column::LastActivityAt), KeyKind::Time),
        FanSort::Newest => (column(fan::Column::CreatedAt), KeyKind::Time),
        FanSort::Name => (column(fan::Column::SortName), KeyKind::Text),
    };
    Keyset {
        key,
        id: column(fan::Column::Id),
        kind,
        direction,
    }
}

/// Fans joined to one tag's links, to be read in the links' (score, fan) order: the
/// `(tag, score, fan)` index gives a page of the tag's best fans in as many steps.
fn tag_links_by_score(walk: filter::ScoreWalk) -> Select<fan::Entity> {
    let mut select = fan::Entity::find()
        .filter(walk.page)
        .filter(Expr::col((fan_tag::Entity, fan_tag::Column::TagId)).eq(walk.tag_id));
    QueryTrait::query(&mut select).inner_join(
        fan_tag::Entity,
        Expr::col((fan_tag::Entity, fan_tag::Column::FanId)).equals((fan::Entity, fan::Column::Id)),
    );
    select
}

/// The score keyset on the links' copy of the score (equal to the fans', so cursors are the
/// same as [`keyset`]'s for `FanSort::Score`).
fn links_keyset(direction: crate::dto::SortDirection) -> Keyset {
    Keyset {
        key: Expr::col((fan_tag::Entity, fan_tag::Column::Score)),
        id: Expr::col((fan_tag::Entity, fan_tag::Column::FanId)),
        kind: KeyKind::Int,
        direction,
    }
}

fn cursor(sort: FanSort, model: &fan::Model) -> Cursor {
    let key = match sort {
        FanSort::Score => KeyValue::Int(model.score),
        FanSort::LastActivity => KeyValue::Time(model.last_activity_at),
        FanSort::Newest => KeyValue::Time(model.created_at),
        FanSort::Name => KeyValue::Text(model.sort_name.clone()),
    };
    Cursor { key, id: model.id }
}

/// Adds tags and customer badges to a page of fans: two queries for the whole page.
async fn fan_rows(
    db: &impl ConnectionTrait,
    store_id: i64,
    models: Vec<fan::Model>,
) -> DomainResult<Vec<FanRow>> {
    let ids: Vec<i64> = models.iter().map(|model| model.id).collect();
    let emails: Vec<String> = models.iter().map(|model| model.email.clone()).collect();
    let (mut tags, badges) = tokio::try_join!(
        tag_names_by_fan(db, &ids),
        customer_badges(db, store_id, &emails),
    )?;
    Ok(models
        .into_iter()
        .map(|model| FanRow {
            tags: tags.remove(&model.id).unwrap_or_default(),
            customer: badges.get(&model.email).cloned(),
            daw: model.daw,
            email_status: model.email_status,
            id: model.id,
            email: model.email,
            name: model.name,
            score: model.score,
            last_open_at: model.last_open_at,
            last_activity_at: model.last_activity_at,
            created_at: model.created_at,
        })
        .collect())
}

/// Tag names per fan, in the order they were added. Names only: a list shows no dates, and
/// reading one per link would parse a timestamp for every tag on the page.
pub(crate) async fn tag_names_by_fan(
    db: &impl ConnectionTrait,
    fan_ids: &[i64],
) -> DomainResult<HashMap<i64, Vec<String>>> {
    let mut by_fan: HashMap<i64, Vec<String>> = HashMap::new();
    if fan_ids.is_empty() {
        return Ok(by_fan);
    }
    for row in db.query_all(&fan_tag_links(fan_ids)).await? {
        by_fan
            .entry(row.try_get::<i64>("", "fan_id")?)
            .or_default()
            .push(row.try_get::<String>("", "name")?);
    }
    Ok(by_fan)
}

/// The tag links of these fans, as (fan id, tag name), oldest link first: the order a fan's
/// tags are shown in.
fn fan_tag_links(fan_ids: &[i64]) -> SelectStatement {
    Query::select()
        .column((fan_tag::Entity, fan_tag::Column::FanId))
        .column((tag::Entity, tag::Column::Name))
        .from(fan_tag::Entity)
        .inner_join(
            tag::Entity,
            Expr::col((tag::Entity, tag::Column::Id))
                .equals((fan_tag::Entity, fan_tag::Column::TagId)),
        )
        .and_where(
            Expr::col((fan_tag::Entity, fan_tag::Column::FanId)).is_in(fan_ids.iter().copied()),
        )
        .order_by((fan_tag::Entity, fan_tag::Column::CreatedAt), Order::Asc)
        .order_by((tag::Entity, tag::Column::Name), Order::Asc)
        .to_owned()
}

/// Customer badges by email, for the fans of one page.
pub(crate) async fn customer_badges(
    db: &impl ConnectionTrait,
    store_id: i64,
    emails: &[String],
) -> DomainResult<HashMap<String, CustomerBadge>> {
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(customer::Entity::find()
        .filter(customer::Column::StoreId.eq(store_id))
        .filter(customer::Column::Email.is_in(emails.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|customer| {
            (
                customer.email,
                CustomerBadge {
                    customer_id: customer.id,
                    total_spent_cents: MinorUnits::new(customer.total_spent_cents),
                },
            )
        })
        .collect())
}

/// Everything the fan profile shows. `activity_limit` caps the timeline (newest first).
///
/// # Errors
/// `NotFound` for a fan not in this store.
pub async fn fan_profile(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
    activity_limit: u64,
) -> DomainResult<FanProfile> {
    let (store, model) = tokio::try_join!(
        stores::find_active(db, store_id),
        fans::find_in_store(db, store_id, fan_id),
    )?;
    let currency = store.currency;

    let mut with_dates = fan_tag_links(&[fan_id]);
    with_dates.column((fan_tag::Entity, fan_tag::Column::CreatedAt));
    // The profile's parts do not wait on each other: they are read together, each on its
    // own pooled connection.
    let (genres, tags, activities, (customer, purchases)) = tokio::try_join!(
        read(
            fan_genre::Entity::find()
                .filter(fan_genre::Column::FanId.eq(fan_id))
                .all(db),
        ),
        read(db.query_all(&with_dates)),
        read(
            fan_activity::Entity::find()
                .filter(fan_activity::Column::FanId.eq(fan_id))
                .order_by_desc(fan_activity::Column::OccurredAt)
                .order_by_desc(fan_activity::Column::Id)
                .limit(activity_limit.clamp(1, 1000))
                .all(db),
        ),
        customer_side(db, store_id, &model.email),
    )?;

    let mut genres: Vec<_> = genres.into_iter().map(|row| row.genre).collect();
    genres.sort();
    let tags = tags
        .into_iter()
        .map(|row| {
            Ok(FanTagRow {
                name: row.try_get("", "name")?,
                added_at: row.try_get("", "created_at")?,
            })
        })
        .collect::<DomainResult<_>>()?;
    let activities = activities
        .into_iter()
        .map(|row| ActivityRow {
            kind: row.kind,
            id: row.id,
            detail: row.detail,
            points: row.points,
            occurred_at: row.occurred_at,
        })
        .collect();

    Ok(FanProfile {
        currency,
        tags,
        activities,
        purchases,
        customer: customer.map(|customer| CustomerBadge {
            customer_id: customer.id,
            total_spent_cents: MinorUnits::new(customer.total_spent_cents),
        }),
        fan: FanDetail {
            daw: model.daw,
            skill: model.skill_level,
            email_status: model.email_status,
            source: model.source,
            genres,
            id: model.id,
            email: model.email,
            name: model.name,
            score: model.score,
            goals: model.goals,
            created_at: model.created_at,
            last_activity_at: model.last_activity_at,
            last_open_at: model.last_open_at,
            last_click_at: model.last_click_at,
        },
    })
}

/// The fan's customer record in the store, by email, with its purchases (none without one).
async fn customer_side(
    db: &impl ConnectionTrait,
    store_id: i64,
    email: &str,
) -> DomainResult<(Option<customer::Model>, Vec<PurchaseRow>)> {
    let customer = customer::Entity::find()
        .filter(customer::Column::StoreId.eq(store_id))
        .filter(customer::Column::Email.eq(email))
        .one(db)
        .await?;
    let purchases = match &customer {
        Some(customer) => purchase_rows(db, customer.id).await?,
        None => Vec::new(),
    };
    Ok((customer, purchases))
}

/// The store's tags by name, each with how many fans carry it (the trigger-kept count: the
/// Fans page shows it on every view, and counting 3M links each time took about a second).
///
/// # Errors
/// Database failures.
pub async fn list_tags(db: &DatabaseConnection, store_id: i64) -> DomainResult<Vec<TagCount>> {
    // Only what the list shows: every Fans page reads every tag of the store.
    let tags: Vec<(i64, String, i64)> = tag::Entity::find()
        .select_only()
        .columns([tag::Column::Id, tag::Column::Name, tag::Column::FanCount])
        .filter(tag::Column::StoreId.eq(store_id))
        .order_by_asc(tag::Column::Key)
        .into_tuple()
        .all(db)
        .await?;
    Ok(tags
        .into_iter()
        .map(|(id, name, fan_count)| TagCount {
            fans: u64::try_from(fan_count).unwrap_or(0),
            id,
            name,
        })
        .collect())
}
