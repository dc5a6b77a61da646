//! Bulk tag changes over more fans than one batch: a durable job in `bulk_tag_jobs`, worked
//! a batch at a time by the background worker ([`run`]), with its progress on the page.
//!
//! * **Bounded work.** One step takes the oldest-touched unfinished job, changes the next
//!   [`BATCH_SIZE`] fans after its `cursor` (by fan id) and moves the cursor, all in one
//!   short write transaction. Between steps the database is free: on SQLite, the only
//!   writer is held for one batch, not for the whole audience, so other stores' writes go
//!   through while a 400k-fan change runs. Jobs of several stores take turns (each step puts
//!   its job at the back: `touched_at`).
//! * **Durable.** The batch and the cursor commit together, so a step is done once or not
//!   at all: after a crash or a restart the next step starts at the cursor. On PostgreSQL
//!   a step locks its job row with `FOR UPDATE SKIP LOCKED`, so workers of several Encore
//!   instances never work the same job at once; SQLite's `BEGIN IMMEDIATE` serialises them.
//! * **Which fans.** "All matching" keeps the filter and reads it batch by batch in id
//!   order: the fans matching it as the job reaches them (a change of one fan never moves
//!   another across the cursor, so the result is the same as one big change). A list of
//!   fans keeps its ids, sorted, and binds at most a batch of them per statement.
//! * **Timeline.** As for every tag change: one entry per fan and tag, updated in place
//!   (see `tagging`).

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use tokio::sync::watch;

use crate::domain::accounts::stores;
use crate::domain::audience::filter;
use crate::domain::audience::queries;
use crate::domain::audience::sync;
use crate::domain::audience::tagging::{self, FanSelection};
use crate::domain::audience::tags::TagName;
use crate::domain::tx::{begin_write, with_retries};
use crate::domain::{DomainError, DomainResult, time};
use crate::dto::FanFilter;
use crate::entities::{bulk_tag_job, fan, tag};
use crate::vocab::TagAction;

/// Fans per step. Small enough that a step holds SQLite's writer for milliseconds, large
/// enough that 400k fans take 800 steps.
pub const BATCH_SIZE: usize = 500;

const QUEUED: &str = "queued";
const RUNNING: &str = "running";
const DONE: &str = "done";
const FAILED: &str = "failed";

/// A job as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkJob {
    pub id: i64,
    pub tag: String,
    pub action: TagAction,
    /// The fans selected when the job started (a filter's audience can move meanwhile).
    pub total: u64,
    pub processed: u64,
    pub changed: u64,
    pub finished: bool,
    /// Why it stopped early, in words for the creator.
    pub failed: Option<String>,
}

impl From<bulk_tag_job::Model> for BulkJob {
    fn from(model: bulk_tag_job::Model) -> BulkJob {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        BulkJob {
            id: model.id,
            tag: model.tag_name,
            action: model.action.parse().unwrap_or(TagAction::Add),
            total: count(model.total),
            processed: count(model.processed),
            changed: count(model.changed),
            finished: model.status == DONE || model.status == FAILED,
            failed: (model.status == FAILED).then(|| model.error.unwrap_or_default()),
        }
    }
}

/// Queues a bulk change of `tag` for the selected fans. Adding creates the tag now, so the
/// page can name it; removing a tag the store does not have queues a job that is already
/// done, having changed nothing.
///
/// # Errors
/// `Invalid` for the managed `customer` tag; `NotFound` for an unknown store.
pub async fn start(
    db: &DatabaseConnection,
    store_id: i64,
    selection: &FanSelection,
    tag: &TagName,
    action: TagAction,
) -> DomainResult<BulkJob> {
    if tag.is_customer_tag() {
        return Err(DomainError::invalid(
            "tag",
            crate::domain::audience::fans::customer_tag_message(),
        ));
    }
    let (filter_json, ids_json, total) = match selection {
        FanSelection::Matching(filter) => {
            let json = serde_json::to_string(filter)
                .map_err(|error| DomainError::Corrupt(format!("filter as JSON: {error}")))?;
            (
                Some(json),
                None,
                queries::count_fans(db, store_id, filter).await?,
            )
        }
        FanSelection::Fans(ids) => {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            let total = queries::count_fan_ids(db, store_id, &ids).await?;
            let json = serde_json::to_string(&ids)
                .map_err(|error| DomainError::Corrupt(format!("ids as JSON: {error}")))?;
            (None, Some(json), total)
        }
    };
    with_retries(|| async {
        let tx = begin_write(db).await?;
        stores::find_active(&tx, store_id).await?;
        let stored = match action {
            TagAction::Add => {
                let tag_id = sync::ensure_tags(&tx, store_id, std::slice::from_ref(tag)).await?[0];
                tag::Entity::find_by_id(tag_id).one(&tx).await?
            }
            TagAction::Remove => {
                tag::Entity::find()
                    .filter(tag::Column::StoreId.eq(store_id))
                    .filter(tag::Column::Key.eq(tag.key.as_str()))
                    .one(&tx)
                    .await?
            }
        };
        let now = time::now();
        let status = if stored.is_some() { QUEUED } else { DONE };
        let job = bulk_tag_job::ActiveModel {
            store_id: Set(store_id),
            tag_id: Set(stored.as_ref().map_or(0, |t| t.id)),
            tag_name: Set(stored.map_or_else(|| tag.name.clone(), |t| t.name)),
            action: Set(action.as_str().to_owned()),
            filter: Set(filter_json.clone()),
            fan_ids: Set(ids_json.clone()),
            total: Set(i64::try_from(total).unwrap_or(i64::MAX)),
            processed: Set(0),
            changed: Set(0),
            cursor: Set(0),
            status: Set(status.to_owned()),
            error: Set(None),
            created_at: Set(now),
            touched_at: Set(now),
            finished_at: Set((status == DONE).then_some(now)),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        Ok(BulkJob::from(job))
    })
    .await
}

/// A job of the store, for its page.
///
/// # Errors
/// `NotFound` for a job of another store, or none.
pub async fn find(db: &DatabaseConnection, store_id: i64, job_id: i64) -> DomainResult<BulkJob> {
    bulk_tag_job::Entity::find_by_id(job_id)
        .filter(bulk_tag_job::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .map(BulkJob::from)
        .ok_or(DomainError::NotFound("bulk change"))
}

/// Works one batch of the job whose turn it is. Returns its id, or `None` when no job is
/// waiting.
///
/// # Errors
/// Database failures (the step changed nothing then, and runs again later).
pub async fn step(db: &DatabaseConnection) -> DomainResult<Option<i64>> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let Some(job) = bulk_tag_job::Entity::find()
            .filter(bulk_tag_job::Column::Status.is_in([QUEUED, RUNNING]))
            .order_by_asc(bulk_tag_job::Column::TouchedAt)
            .order_by_asc(bulk_tag_job::Column::Id)
            .limit(1)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .one(&tx)
            .await?
        else {
            tx.commit().await?;
            return Ok(None);
        };
        let job_id = job.id;
        let outcome = work_batch(&tx, &job).await;
        let now = time::now();
        use bulk_tag_job::Column as J;
        let update = bulk_tag_job::Entity::update_many()
            .filter(J::Id.eq(job_id))
            .col_expr(J::TouchedAt, Expr::val(now));
        let update = match outcome {
            Ok(batch) => {
                let update = update
                    .col_expr(J::Cursor, Expr::val(batch.cursor))
                    .col_expr(J::Processed, Expr::col(J::Processed).add(batch.fans))
                    .col_expr(J::Changed, Expr::col(J::Changed).add(batch.changed));
                if batch.more {
                    update.col_expr(J::Status, Expr::val(RUNNING))
                } else {
                    update
                        .col_expr(J::Status, Expr::val(DONE))
                        .col_expr(J::FinishedAt, Expr::val(now))
                }
            }
            Err(StepError::Stop(reason)) => update
                .col_expr(J::Status, Expr::val(FAILED))
                .col_expr(J::Error, Expr::val(reason))
                .col_expr(J::FinishedAt, Expr::val(now)),
            Err(StepError::Domain(error)) => return Err(error),
        };
        update.exec(&tx).await?;
        tx.commit().await?;
        Ok(Some(job_id))
    })
    .await
}

/// Works every waiting job to its end (tests, and a command-line run).
///
/// # Errors
/// As [`step`].
pub async fn run_until_idle(db: &DatabaseConnection) -> DomainResult<()> {
    while step(db).await?.is_some() {}
    Ok(())
}

/// The background worker: steps while there is work, pausing after each step for as long as
/// it took, which lets other writers in; waits `poll` when there is none; stops when `stop` turns true (a step
/// in flight finishes or rolls back whole).
pub async fn run(db: DatabaseConnection, poll: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let started = std::time::Instant::now();
        let pause = match step(&db).await {
            // As long as the step took: the writer is free at least half the time, so
            // SQLite's other writers (waiting in its busy handler) find it free.
            Ok(Some(_)) => started
                .elapsed()
                .clamp(Duration::from_millis(5), Duration::from_secs(1)),
            Ok(None) => poll,
            Err(error) => {
                tracing::error!(%error, "a bulk tag step failed; it runs again shortly");
                poll
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = stop.changed() => return,
        }
    }
}

struct Batch {
    cursor: i64,
    fans: i64,
    changed: i64,
    more: bool,
}

enum StepError {
    /// The job cannot go on (its tag or store is gone): it ends, failed, with this reason.
    Stop(String),
    Domain(DomainError),
}

impl From<DomainError> for StepError {
    fn from(error: DomainError) -> StepError {
        StepError::Domain(error)
    }
}

impl From<sea_orm::DbErr> for StepError {
    fn from(error: sea_orm::DbErr) -> StepError {
        StepError::Domain(error.into())
    }
}

async fn work_batch(
    tx: &sea_orm::DatabaseTransaction,
    job: &bulk_tag_job::Model,
) -> Result<Batch, StepError> {
    let corrupt = |what: &str| DomainError::Corrupt(format!("bulk job {}: {what}", job.id));
    match stores::find_active(tx, job.store_id).await {
        Err(DomainError::NotFound(_)) => {
            return Err(StepError::Stop("The store was archived.".to_owned()));
        }
        Err(error) => return Err(error.into()),
        Ok(_) => {}
    }
    if tag::Entity::find_by_id(job.tag_id).one(tx).await?.is_none() {
        return Err(StepError::Stop(
            "The tag was deleted while the change ran.".to_owned(),
        ));
    }
    let limit = BATCH_SIZE;
    let (fans, more) = match (&job.filter, &job.fan_ids) {
        (Some(json), _) => {
            let filter: FanFilter =
                serde_json::from_str(json).map_err(|_| corrupt("unreadable filter"))?;
            let condition = filter::condition(tx, job.store_id, &filter, time::now()).await?;
            let fans: Vec<i64> = fan::Entity::find()
                .select_only()
                .column(fan::Column::Id)
                .filter(condition)
                .filter(fan::Column::Id.gt(job.cursor))
                .order_by_asc(fan::Column::Id)
                .limit(u64::try_from(limit).unwrap_or(500))
                .into_tuple()
                .all(tx)
                .await?;
            let more = fans.len() == limit;
            (fans, more)
        }
        (None, Some(json)) => {
            let ids: Vec<i64> =
                serde_json::from_str(json).map_err(|_| corrupt("unreadable ids"))?;
            let start = ids.partition_point(|id| *id <= job.cursor);
            let end = (start + limit).min(ids.len());
            (ids[start..end].to_vec(), end < ids.len())
        }
        (None, None) => return Err(corrupt("no fans").into()),
    };
    let Some(&last) = fans.last() else {
        return Ok(Batch {
            cursor: job.cursor,
            fans: 0,
            changed: 0,
            more: false,
        });
    };
    let selected = tagging::fans_in(job.store_id, &fans);
    let changed = match job.action.parse::<TagAction>() {
        Ok(TagAction::Add) => tagging::add_in_tx(tx, job.tag_id, &job.tag_name, selected).await?,
        Ok(TagAction::Remove) => {
            tagging::remove_in_tx(tx, job.tag_id, &job.tag_name, selected).await?
        }
        Err(_) => return Err(corrupt("unknown action").into()),
    };
    // For a list, the ids counted are the store's fans among them.
    let fans_in_store = match &job.filter {
        Some(_) => fans.len() as u64,
        None => queries::count_fan_ids(tx, job.store_id, &fans).await?,
    };
    Ok(Batch {
        cursor: last,
        fans: i64::try_from(fans_in_store).unwrap_or(i64::MAX),
        changed: i64::try_from(changed).unwrap_or(i64::MAX),
        more,
    })
}
