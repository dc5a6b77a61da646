//! Tagging fans, one, several or "all N matching this filter" at once, and managing the
//! store's tags (rename, which merges spellings, and delete). Changes are set-based: one
//! INSERT … SELECT or DELETE per change (per [`ID_CHUNK`] ids for a list of fans, so no
//! statement binds more parameters than SQLite allows). A change over more than one batch
//! of fans runs as a background job instead, a batch per transaction (`bulk_jobs`).
//!
//! **What the timeline records.** Each fan whose tags actually change gets a zero-point
//! entry, but only one per fan and tag: toggling the tag again updates that entry in place
//! ("Untagged: vip", now), keyed by `(fan_id, tag_id)`. So the timeline says when each tag
//! last changed and what it changed to, and its size is bounded by fans × tags, however
//! often a creator re-runs a bulk change over 400k fans. The alternative, no per-fan entry
//! for bulk changes and one store-level record, would leave a fan's profile silent about
//! why they carry a tag; the history of every toggle is not worth unbounded growth.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::fans::{self, customer_tag_message};
use crate::domain::audience::filter;
use crate::domain::audience::queries;
use crate::domain::audience::sync;
use crate::domain::audience::tags::{CUSTOMER_TAG, TagName};
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::{BulkPreview, FanFilter, TagChange};
use crate::entities::{fan, fan_activity, fan_tag, tag};
use crate::vocab::{ActivityKind, TagAction};

/// The most fans a bulk action may name one by one in a request (a page shows 50); more
/// fans than this are chosen as "all matching this filter".
pub const MAX_SELECTED_FANS: usize = 1000;

/// Ids per statement when a list of fans is changed. Each id is a bound parameter, and
/// both engines cap those per statement (SQLite 32,766, PostgreSQL 65,535): a longer list
/// (a job's, or a caller's) is changed a chunk at a time.
pub const ID_CHUNK: usize = 1000;

/// What a selection of more than [`MAX_SELECTED_FANS`] fans is told.
pub fn too_many_fans_message() -> String {
    format!(
        "Select at most {MAX_SELECTED_FANS} fans at a time, or choose all fans matching this \
         filter."
    )
}

/// Which fans a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FanSelection {
    /// These fans (ids outside the store are ignored).
    Fans(Vec<i64>),
    /// Every fan matching the filter at the time of the change.
    Matching(FanFilter),
}

/// What a bulk change of `tag` would touch, for the creator to confirm: how many fans are
/// selected, and the tag as the store spells it when it has it already ("Beta" typed,
/// "beta" shown). The managed `customer` tag is refused now rather than after the creator
/// confirms (the change itself refuses it too).
///
/// # Errors
/// `Invalid` on `tag` for the `customer` tag; database failures.
pub async fn preview_bulk_change(
    db: &DatabaseConnection,
    store_id: i64,
    selection: &FanSelection,
    tag: &TagName,
) -> DomainResult<BulkPreview> {
    refuse_customer_tag(tag)?;
    if let FanSelection::Fans(ids) = selection
        && ids.len() > MAX_SELECTED_FANS
    {
        return Err(DomainError::invalid("ids", too_many_fans_message()));
    }
    let (fans, stored) = tokio::try_join!(
        async {
            match selection {
                FanSelection::Matching(filter) => queries::count_fans(db, store_id, filter).await,
                FanSelection::Fans(ids) => queries::count_fan_ids(db, store_id, ids).await,
            }
        },
        async {
            Ok(tag::Entity::find()
                .filter(tag::Column::StoreId.eq(store_id))
                .filter(tag::Column::Key.eq(tag.key.as_str()))
                .one(db)
                .await?)
        },
    )?;
    Ok(BulkPreview {
        fans,
        tag: stored.map_or_else(|| tag.name.clone(), |stored| stored.name),
    })
}

/// Adds or removes `tag` for the selected fans: [`add_tag`] or [`remove_tag`].
///
/// # Errors
/// As those do.
pub async fn change_tag(
    db: &DatabaseConnection,
    store_id: i64,
    selection: &FanSelection,
    tag: &TagName,
    action: TagAction,
) -> DomainResult<TagChange> {
    match action {
        TagAction::Add => add_tag(db, store_id, selection, tag).await,
        TagAction::Remove => remove_tag(db, store_id, selection, tag).await,
    }
}

/// Adds or removes `tag` for one fan of the store (the profile's tag form).
///
/// # Errors
/// `NotFound` for a fan not in this store; as [`change_tag`] otherwise.
pub async fn change_fan_tag(
    db: &DatabaseConnection,
    store_id: i64,
    fan_id: i64,
    tag: &TagName,
    action: TagAction,
) -> DomainResult<TagChange> {
    // A bulk selection ignores ids outside the store; one fan named by id must be there.
    fans::find_in_store(db, store_id, fan_id).await?;
    change_tag(db, store_id, &FanSelection::Fans(vec![fan_id]), tag, action).await
}

/// Adds `tag` to the selected fans, creating the tag if the store has none by that name.
///
/// # Errors
/// `Invalid` for the managed `customer` tag; `NotFound` for an unknown store.
pub async fn add_tag(
    db: &DatabaseConnection,
    store_id: i64,
    selection: &FanSelection,
    tag: &TagName,
) -> DomainResult<TagChange> {
    refuse_customer_tag(tag)?;
    with_retries(|| async {
        let tx = begin_write(db).await?;
        stores::find_active(&tx, store_id).await?;
        let tag_id = sync::ensure_tags(&tx, store_id, std::slice::from_ref(tag)).await?[0];
        let stored = tag::Entity::find_by_id(tag_id).one(&tx).await?;
        let display = stored.map_or_else(|| tag.name.clone(), |stored| stored.name);
        let mut changed = 0;
        for selected in selection_conditions(&tx, store_id, selection).await? {
            changed += add_in_tx(&tx, tag_id, &display, selected).await?;
        }
        tx.commit().await?;
        Ok(TagChange {
            tag: display,
            fans_changed: changed,
        })
    })
    .await
}

/// Removes `tag` from the selected fans. A tag the store does not have changes nothing.
///
/// # Errors
/// `Invalid` for the managed `customer` tag.
pub async fn remove_tag(
    db: &DatabaseConnection,
    store_id: i64,
    selection: &FanSelection,
    tag: &TagName,
) -> DomainResult<TagChange> {
    refuse_customer_tag(tag)?;
    with_retries(|| async {
        let tx = begin_write(db).await?;
        stores::find_active(&tx, store_id).await?;
        let Some(stored) = tag::Entity::find()
            .filter(tag::Column::StoreId.eq(store_id))
            .filter(tag::Column::Key.eq(tag.key.as_str()))
            .one(&tx)
            .await?
        else {
            return Ok(TagChange {
                tag: tag.name.clone(),
                fans_changed: 0,
            });
        };
        let mut removed = 0;
        for selected in selection_conditions(&tx, store_id, selection).await? {
            removed += remove_in_tx(&tx, stored.id, &stored.name, selected).await?;
        }
        tx.commit().await?;
        Ok(TagChange {
            tag: stored.name,
            fans_changed: removed,
        })
    })
    .await
}

/// Adds the tag to the fans `selected` picks (and the store's), with their timeline
/// entries. Returns how many fans gained it.
pub(crate) async fn add_in_tx(
    db: &impl ConnectionTrait,
    tag_id: i64,
    display: &str,
    selected: Condition,
) -> DomainResult<u64> {
    let untagged = selected.add(Expr::not_exists(has_tag(tag_id)));
    log_change(
        db,
        untagged.clone(),
        tag_id,
        ActivityKind::TagAdded,
        &format!("Tagged: {display}"),
    )
    .await?;
    let now = time::now();
    let insert = Query::insert()
        .into_table(fan_tag::Entity)
        .columns([
            fan_tag::Column::FanId,
            fan_tag::Column::TagId,
            fan_tag::Column::StoreId,
            fan_tag::Column::CreatedAt,
            fan_tag::Column::Score,
        ])
        .select_from(
            Query::select()
                .column((fan::Entity, fan::Column::Id))
                .expr(Expr::val(tag_id))
                .column((fan::Entity, fan::Column::StoreId))
                .expr(Expr::val(now))
                // Saves SQLite's trigger a rewrite (migration 10).
                .column((fan::Entity, fan::Column::Score))
                .from(fan::Entity)
                .cond_where(untagged)
                .to_owned(),
        )
        .map_err(|error| DomainError::Corrupt(format!("tagging query: {error}")))?
        .on_conflict(
            OnConflict::columns([fan_tag::Column::FanId, fan_tag::Column::TagId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(db.execute(&insert).await?.rows_affected())
}

/// Removes the tag from the fans `selected` picks, with their timeline entries. Returns how
/// many fans lost it.
pub(crate) async fn remove_in_tx(
    db: &impl ConnectionTrait,
    tag_id: i64,
    display: &str,
    selected: Condition,
) -> DomainResult<u64> {
    let tagged = selected.add(Expr::exists(has_tag(tag_id)));
    log_change(
        db,
        tagged.clone(),
        tag_id,
        ActivityKind::TagRemoved,
        &format!("Untagged: {display}"),
    )
    .await?;
    let removed = fan_tag::Entity::delete_many()
        .filter(fan_tag::Column::TagId.eq(tag_id))
        .filter(
            fan_tag::Column::FanId.in_subquery(
                Query::select()
                    .column((fan::Entity, fan::Column::Id))
                    .from(fan::Entity)
                    .cond_where(tagged)
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    Ok(removed.rows_affected)
}

/// These fans of the store, as a condition.
pub(crate) fn fans_in(store_id: i64, ids: &[i64]) -> Condition {
    Condition::all()
        .add(Expr::col((fan::Entity, fan::Column::StoreId)).eq(store_id))
        .add(Expr::col((fan::Entity, fan::Column::Id)).is_in(ids.iter().copied()))
}

/// Renames a tag. If another tag already has the new name (in any case), the two merge:
/// its fans get the surviving tag and this one is deleted. Returns the name the tag now
/// shows (after a merge, the surviving tag's spelling).
///
/// # Errors
/// `NotFound` for a tag not in this store; `Invalid` for the `customer` tag (either side).
pub async fn rename_tag(
    db: &DatabaseConnection,
    store_id: i64,
    tag_id: i64,
    new_name: &TagName,
) -> DomainResult<String> {
    refuse_customer_tag(new_name)?;
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, tag_id).await?;
        if existing.key == CUSTOMER_TAG {
            return Err(DomainError::invalid("name", customer_tag_message()));
        }
        let other = tag::Entity::find()
            .filter(tag::Column::StoreId.eq(store_id))
            .filter(tag::Column::Key.eq(new_name.key.as_str()))
            .filter(tag::Column::Id.ne(tag_id))
            .one(&tx)
            .await?;
        let shown = match other {
            None => {
                let mut active: tag::ActiveModel = existing.into();
                active.key = Set(new_name.key.clone());
                active.name = Set(new_name.name.clone());
                active.update(&tx).await?;
                new_name.name.clone()
            }
            Some(survivor) => {
                merge_into(&tx, &existing, &survivor).await?;
                survivor.name
            }
        };
        tx.commit().await?;
        Ok(shown)
    })
    .await
}

/// Moves every fan of `from` onto `into` (keeping the earlier tagging time) and deletes `from`.
async fn merge_into(
    db: &impl ConnectionTrait,
    from: &tag::Model,
    into: &tag::Model,
) -> DomainResult<()> {
    let copy = Query::insert()
        .into_table(fan_tag::Entity)
        .columns([
            fan_tag::Column::FanId,
            fan_tag::Column::TagId,
            fan_tag::Column::StoreId,
            fan_tag::Column::CreatedAt,
            fan_tag::Column::Score,
        ])
        .select_from(
            Query::select()
                .column(fan_tag::Column::FanId)
                .expr(Expr::val(into.id))
                .column(fan_tag::Column::StoreId)
                .column(fan_tag::Column::CreatedAt)
                .column(fan_tag::Column::Score)
                .from(fan_tag::Entity)
                .and_where(fan_tag::Column::TagId.eq(from.id))
                .to_owned(),
        )
        .map_err(|error| DomainError::Corrupt(format!("merge query: {error}")))?
        .on_conflict(
            OnConflict::columns([fan_tag::Column::FanId, fan_tag::Column::TagId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&copy).await?;
    tag::Entity::delete_by_id(from.id).exec(db).await?;
    Ok(())
}

/// Deletes a tag from the store and from every fan that had it. Returns the deleted tag's
/// name, for the report.
///
/// # Errors
/// `NotFound` for a tag not in this store; `Invalid` for the `customer` tag.
pub async fn delete_tag(
    db: &DatabaseConnection,
    store_id: i64,
    tag_id: i64,
) -> DomainResult<String> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, tag_id).await?;
        if existing.key == CUSTOMER_TAG {
            return Err(DomainError::invalid("tag", customer_tag_message()));
        }
        // Fan links go with the tag (ON DELETE CASCADE).
        tag::Entity::delete_by_id(tag_id).exec(&tx).await?;
        tx.commit().await?;
        Ok(existing.name)
    })
    .await
}

fn refuse_customer_tag(tag: &TagName) -> DomainResult<()> {
    if tag.is_customer_tag() {
        Err(DomainError::invalid("tag", customer_tag_message()))
    } else {
        Ok(())
    }
}

async fn find_in_store(
    db: &impl ConnectionTrait,
    store_id: i64,
    tag_id: i64,
) -> DomainResult<tag::Model> {
    tag::Entity::find_by_id(tag_id)
        .filter(tag::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("tag"))
}

/// The selection as conditions, each binding at most [`ID_CHUNK`] ids.
async fn selection_conditions(
    db: &impl ConnectionTrait,
    store_id: i64,
    selection: &FanSelection,
) -> DomainResult<Vec<Condition>> {
    match selection {
        FanSelection::Fans(ids) => Ok(ids
            .chunks(ID_CHUNK)
            .map(|chunk| fans_in(store_id, chunk))
            .collect()),
        FanSelection::Matching(filter) => Ok(vec![
            filter::condition(db, store_id, filter, time::now()).await?,
        ]),
    }
}

fn has_tag(tag_id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(fan_tag::Entity)
        .and_where(
            Expr::col((fan_tag::Entity, fan_tag::Column::FanId))
                .equals((fan::Entity, fan::Column::Id)),
        )
        .and_where(Expr::col((fan_tag::Entity, fan_tag::Column::TagId)).eq(tag_id))
        .to_owned()
}

/// A zero-point timeline entry for every fan the condition selects: the fan's one entry for
/// this tag, written or, when the tag changed before, updated in place (see the module's
/// note on what the timeline records).
async fn log_change(
    db: &impl ConnectionTrait,
    fans: Condition,
    tag_id: i64,
    kind: ActivityKind,
    detail: &str,
) -> DomainResult<()> {
    let insert = Query::insert()
        .into_table(fan_activity::Entity)
        .columns([
            fan_activity::Column::StoreId,
            fan_activity::Column::FanId,
            fan_activity::Column::TagId,
            fan_activity::Column::Kind,
            fan_activity::Column::Detail,
            fan_activity::Column::Points,
            fan_activity::Column::OccurredAt,
        ])
        .select_from(
            Query::select()
                .column((fan::Entity, fan::Column::StoreId))
                .column((fan::Entity, fan::Column::Id))
                .expr(Expr::val(tag_id))
                .expr(Expr::val(kind.as_str()))
                .expr(Expr::val(detail))
                .expr(Expr::val(0i64))
                .expr(Expr::val(time::now()))
                .from(fan::Entity)
                .cond_where(fans)
                .to_owned(),
        )
        .map_err(|error| DomainError::Corrupt(format!("activity query: {error}")))?
        .on_conflict(
            OnConflict::columns([fan_activity::Column::FanId, fan_activity::Column::TagId])
                .update_columns([
                    fan_activity::Column::Kind,
                    fan_activity::Column::Detail,
                    fan_activity::Column::OccurredAt,
                ])
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}
