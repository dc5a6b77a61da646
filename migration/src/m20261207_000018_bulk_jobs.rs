//! Bulk changes over a whole audience (#30 item 2): the durable job table, and the key that
//! bounds what the timeline records for tag changes.
//!
//! * `bulk_tag_jobs`: one row per "tag all N matching" (or a long list of ticked fans). The
//!   worker takes the oldest-touched unfinished job (`status`, `touched_at`), works one
//!   batch of fans after `cursor` in one short transaction that also moves the cursor, and
//!   puts it back: a restart resumes at the cursor, and jobs of several stores take turns.
//! * `fan_activities.tag_id`: set on a creator's tag change, unique with the fan. A fan has
//!   at most one such row per tag, updated in place when the tag is toggled again, so the
//!   timeline grows with fans × tags, never with the number of toggles. Rows written before
//!   this migration keep a null `tag_id` (nulls never collide in a unique index).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::{foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BulkTagJobs::Table)
                    .col(big_pk_auto(BulkTagJobs::Id))
                    .col(big_integer(BulkTagJobs::StoreId))
                    .col(big_integer(BulkTagJobs::TagId))
                    .col(string_len(BulkTagJobs::TagName, 120))
                    .col(string_len(BulkTagJobs::Action, 16))
                    // The Fans page's filter (JSON), for "all matching"; or the ticked ids
                    // (JSON, sorted).
                    .col(text_null(BulkTagJobs::Filter))
                    .col(text_null(BulkTagJobs::FanIds))
                    .col(big_integer(BulkTagJobs::Total))
                    .col(big_integer(BulkTagJobs::Processed).default(0))
                    .col(big_integer(BulkTagJobs::Changed).default(0))
                    .col(big_integer(BulkTagJobs::Cursor).default(0))
                    .col(string_len(BulkTagJobs::Status, 16))
                    .col(string_len_null(BulkTagJobs::Error, 500))
                    .col(timestamp_with_time_zone(BulkTagJobs::CreatedAt))
                    .col(timestamp_with_time_zone(BulkTagJobs::TouchedAt))
                    .col(timestamp_with_time_zone_null(BulkTagJobs::FinishedAt))
                    .foreign_key(&mut foreign_key(
                        BulkTagJobs::Table,
                        BulkTagJobs::StoreId,
                        Stores::Table,
                        Stores::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                BulkTagJobs::Table,
                &[BulkTagJobs::Status, BulkTagJobs::TouchedAt],
            ))
            .await?;
        manager
            .create_index(index(
                BulkTagJobs::Table,
                &[BulkTagJobs::StoreId, BulkTagJobs::Id],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FanActivities::Table)
                    .add_column(big_integer_null(FanActivities::TagId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    FanActivities::Table,
                    &[FanActivities::FanId, FanActivities::TagId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_fan_activities_fan_id_tag_id")
                    .table(FanActivities::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FanActivities::Table)
                    .drop_column(FanActivities::TagId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(BulkTagJobs::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum BulkTagJobs {
    Table,
    Id,
    StoreId,
    TagId,
    TagName,
    Action,
    Filter,
    FanIds,
    Total,
    Processed,
    Changed,
    Cursor,
    Status,
    Error,
    CreatedAt,
    TouchedAt,
    FinishedAt,
}

#[derive(DeriveIden, Clone)]
enum FanActivities {
    Table,
    FanId,
    TagId,
}
