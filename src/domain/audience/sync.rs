//! The pieces every command uses to change a fan: find-or-create by email, the activity
//! ledger (an activity row and its points always move together), tags, and the managed
//! `customer` tag.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TryInsertResult,
};

use crate::domain::DomainResult;
use crate::domain::audience::tags::TagName;
use crate::domain::email::Email;
use crate::domain::sql::{excluded, later_of};
use crate::domain::text;
use crate::domain::time;
use crate::entities::{customer, fan, fan_activity, fan_tag, purchase, tag};
use crate::vocab::{ActivityKind, EmailStatus, FanSource};

/// Finds the fan with this email in the store, or creates one from a purchase. An existing
/// fan keeps their name unless they had none. Returns the fan's id.
pub(crate) async fn upsert_fan_for_purchase(
    db: &impl ConnectionTrait,
    store_id: i64,
    email: &Email,
    name: &str,
    at: DateTime<Utc>,
) -> DomainResult<i64> {
    let now = time::now();
    let insert = fan::ActiveModel {
        store_id: Set(store_id),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        sort_name: Set(text::sort_key(name, email.as_str())),
        score: Set(0),
        daw: Set(None),
        skill_level: Set(None),
        goals: Set(String::new()),
        email_status: Set(EmailStatus::Subscribed),
        source: Set(FanSource::Purchase),
        created_at: Set(now),
        last_activity_at: Set(at),
        last_open_at: Set(None),
        last_click_at: Set(None),
        ..Default::default()
    };
    let has_no_name = Expr::col((fan::Entity, fan::Column::Name)).eq("");
    let upsert = OnConflict::columns([fan::Column::StoreId, fan::Column::Email])
        .value(
            fan::Column::Name,
            Expr::case(has_no_name.clone(), excluded(fan::Column::Name))
                .finally(Expr::col((fan::Entity, fan::Column::Name))),
        )
        .value(
            fan::Column::SortName,
            Expr::case(has_no_name, excluded(fan::Column::SortName))
                .finally(Expr::col((fan::Entity, fan::Column::SortName))),
        )
        .to_owned();
    let fan = fan::Entity::insert(insert)
        .on_conflict(upsert)
        .exec_with_returning(db)
        .await?;
    Ok(fan.id)
}

/// One entry of a fan's activity ledger.
pub(crate) struct NewActivity<'a> {
    pub store_id: i64,
    pub fan_id: i64,
    pub kind: ActivityKind,
    pub detail: String,
    pub points: i64,
    /// Idempotency reference: an activity with the same reference is recorded once per fan.
    pub reference: Option<&'a str>,
    pub purchase_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
}

/// Appends an activity and adds its points to the fan's score, in the caller's transaction.
/// Returns false, changing nothing, when an activity with the same reference exists.
pub(crate) async fn record_activity(
    db: &impl ConnectionTrait,
    activity: NewActivity<'_>,
) -> DomainResult<bool> {
    let inserted = fan_activity::Entity::insert(fan_activity::ActiveModel {
        store_id: Set(activity.store_id),
        fan_id: Set(activity.fan_id),
        kind: Set(activity.kind),
        detail: Set(activity.detail),
        points: Set(activity.points),
        reference: Set(activity.reference.map(str::to_owned)),
        purchase_id: Set(activity.purchase_id),
        occurred_at: Set(activity.occurred_at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([fan_activity::Column::FanId, fan_activity::Column::Reference])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    if !matches!(inserted, TryInsertResult::Inserted(1)) {
        return Ok(false);
    }
    // The score moves in place (score = score + points), never read-modify-write.
    fan::Entity::update_many()
        .col_expr(
            fan::Column::Score,
            Expr::col(fan::Column::Score).add(activity.points),
        )
        .col_expr(
            fan::Column::LastActivityAt,
            later_of(
                Expr::col(fan::Column::LastActivityAt),
                Expr::val(activity.occurred_at),
            ),
        )
        .filter(fan::Column::Id.eq(activity.fan_id))
        .exec(db)
        .await?;
    Ok(true)
}

/// The ids of these tags in the store, creating the missing ones with the given spelling.
/// Returned in the order of `tags`.
pub(crate) async fn ensure_tags(
    db: &impl ConnectionTrait,
    store_id: i64,
    tags: &[TagName],
) -> DomainResult<Vec<i64>> {
    if tags.is_empty() {
        return Ok(Vec::new());
    }
    // Usually every tag exists already (the `customer` tag on each purchase): one read.
    let found = tag_ids(db, store_id, tags).await?;
    if found.len() == tags.len() {
        return Ok(found);
    }
    let now = time::now();
    tag::Entity::insert_many(tags.iter().map(|tag| tag::ActiveModel {
        store_id: Set(store_id),
        key: Set(tag.key.clone()),
        name: Set(tag.name.clone()),
        created_at: Set(now),
        ..Default::default()
    }))
    .on_conflict(
        OnConflict::columns([tag::Column::StoreId, tag::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    tag_ids(db, store_id, tags).await
}

/// The ids of those of `tags` the store has, in the order of `tags`.
async fn tag_ids(
    db: &impl ConnectionTrait,
    store_id: i64,
    tags: &[TagName],
) -> DomainResult<Vec<i64>> {
    let found = tag::Entity::find()
        .filter(tag::Column::StoreId.eq(store_id))
        .filter(tag::Column::Key.is_in(tags.iter().map(|tag| tag.key.clone())))
        .all(db)
        .await?;
    Ok(tags
        .iter()
        .filter_map(|wanted| {
            found
                .iter()
                .find(|tag| tag.key == wanted.key)
                .map(|tag| tag.id)
        })
        .collect())
}

/// Adds a tag to one fan; true if the fan did not have it.
pub(crate) async fn tag_fan(
    db: &impl ConnectionTrait,
    store_id: i64,
    fan_id: i64,
    tag_id: i64,
) -> DomainResult<bool> {
    let inserted = fan_tag::Entity::insert(fan_tag::ActiveModel {
        fan_id: Set(fan_id),
        tag_id: Set(tag_id),
        store_id: Set(store_id),
        created_at: Set(time::now()),
        // Copied from the fan by a trigger (migration 10).
        score: NotSet,
    })
    .on_conflict(
        OnConflict::columns([fan_tag::Column::FanId, fan_tag::Column::TagId])
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec_without_returning(db)
    .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(1)))
}

/// Keeps the managed `customer` tag true for one fan: present exactly when the customer with
/// the fan's email has a purchase that is not fully refunded.
pub(crate) async fn sync_customer_tag(
    db: &impl ConnectionTrait,
    store_id: i64,
    fan_id: i64,
    email: &str,
) -> DomainResult<()> {
    // No `purchases.store_id` test: the customer is already the store's, and with one
    // PostgreSQL may walk the (store, purchased_at, customer) index through every purchase of
    // the store instead of the customer's few (the ingest benchmark caught it: see
    // docs/benchmarks-history.md, item 5).
    let paying = purchase::Entity::find()
        .select_only()
        .column(purchase::Column::Id)
        .filter(
            purchase::Column::CustomerId.in_subquery(
                Query::select()
                    .column(customer::Column::Id)
                    .from(customer::Entity)
                    .and_where(customer::Column::StoreId.eq(store_id))
                    .and_where(customer::Column::Email.eq(email))
                    .to_owned(),
            ),
        )
        .filter(
            Expr::col(purchase::Column::RefundedCents).lt(Expr::col(purchase::Column::AmountCents)),
        )
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some();
    if paying {
        tag_customer(db, store_id, fan_id).await?;
    } else if let Some(tag) = tag::Entity::find()
        .filter(tag::Column::StoreId.eq(store_id))
        .filter(tag::Column::Key.eq(TagName::customer().key))
        .one(db)
        .await?
    {
        fan_tag::Entity::delete_many()
            .filter(fan_tag::Column::FanId.eq(fan_id))
            .filter(fan_tag::Column::TagId.eq(tag.id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Gives one fan the managed `customer` tag (for a purchase known to be paying).
pub(crate) async fn tag_customer(
    db: &impl ConnectionTrait,
    store_id: i64,
    fan_id: i64,
) -> DomainResult<()> {
    let tag_id = ensure_tags(db, store_id, &[TagName::customer()]).await?[0];
    tag_fan(db, store_id, fan_id, tag_id).await?;
    Ok(())
}

/// The fan with this email in the store, if any.
pub(crate) async fn find_fan_by_email(
    db: &impl ConnectionTrait,
    store_id: i64,
    email: &str,
) -> DomainResult<Option<fan::Model>> {
    Ok(fan::Entity::find()
        .filter(fan::Column::StoreId.eq(store_id))
        .filter(fan::Column::Email.eq(email))
        .one(db)
        .await?)
}
