//! Audience: fans, their genres and tags, and the activity ledger that their score sums.
//! Indexes follow the Fans page: every sort is a (store, key, id) index for keyset pagination,
//! and tag filters enter through `fan_tags(tag_id, fan_id)`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::m20261126_000002_commerce::Purchases;
use crate::{foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        manager
            .create_table(
                Table::create()
                    .table(Fans::Table)
                    .col(big_pk_auto(Fans::Id))
                    .col(big_integer(Fans::StoreId))
                    .col(string_len(Fans::Email, 254))
                    .col(string_len(Fans::Name, 120))
                    .col(string_len(Fans::SortName, 254))
                    // Always the sum of the fan's activity points (an invariant the tests check).
                    .col(big_integer(Fans::Score))
                    .col(string_len_null(Fans::Daw, 16))
                    .col(string_len_null(Fans::SkillLevel, 16))
                    .col(string_len(Fans::Goals, 1000))
                    .col(string_len(Fans::EmailStatus, 16))
                    .col(string_len(Fans::Source, 16))
                    .col(timestamp_with_time_zone(Fans::CreatedAt))
                    .col(timestamp_with_time_zone(Fans::LastActivityAt))
                    .col(timestamp_with_time_zone_null(Fans::LastOpenAt))
                    .col(timestamp_with_time_zone_null(Fans::LastClickAt))
                    .foreign_key(&mut foreign_key(
                        Fans::Table,
                        Fans::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(Fans::Table, &[Fans::StoreId, Fans::Email])
                    .unique()
                    .to_owned(),
            )
            .await?;
        for sort_key in [
            Fans::Score,
            Fans::LastActivityAt,
            Fans::CreatedAt,
            Fans::SortName,
        ] {
            manager
                .create_index(index(Fans::Table, &[Fans::StoreId, sort_key, Fans::Id]))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(FanGenres::Table)
                    .col(big_integer(FanGenres::FanId))
                    .col(string_len(FanGenres::Genre, 16))
                    .col(big_integer(FanGenres::StoreId))
                    .primary_key(Index::create().col(FanGenres::FanId).col(FanGenres::Genre))
                    .foreign_key(&mut foreign_key(
                        FanGenres::Table,
                        FanGenres::FanId,
                        Fans::Table,
                        Fans::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                FanGenres::Table,
                &[FanGenres::StoreId, FanGenres::Genre, FanGenres::FanId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(big_pk_auto(Tags::Id))
                    .col(big_integer(Tags::StoreId))
                    // Trimmed and lower-cased: "Ableton" and "ableton " share one key.
                    .col(string_len(Tags::Key, 50))
                    // The first spelling, shown in the UI.
                    .col(string_len(Tags::Name, 50))
                    .col(timestamp_with_time_zone(Tags::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        Tags::Table,
                        Tags::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(Tags::Table, &[Tags::StoreId, Tags::Key])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FanTags::Table)
                    .col(big_integer(FanTags::FanId))
                    .col(big_integer(FanTags::TagId))
                    .col(big_integer(FanTags::StoreId))
                    .col(timestamp_with_time_zone(FanTags::CreatedAt))
                    .primary_key(Index::create().col(FanTags::FanId).col(FanTags::TagId))
                    .foreign_key(&mut foreign_key(
                        FanTags::Table,
                        FanTags::FanId,
                        Fans::Table,
                        Fans::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        FanTags::Table,
                        FanTags::TagId,
                        Tags::Table,
                        Tags::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(FanTags::Table, &[FanTags::TagId, FanTags::FanId]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FanActivities::Table)
                    .col(big_pk_auto(FanActivities::Id))
                    .col(big_integer(FanActivities::StoreId))
                    .col(big_integer(FanActivities::FanId))
                    .col(string_len(FanActivities::Kind, 16))
                    .col(string_len(FanActivities::Detail, 300))
                    .col(big_integer(FanActivities::Points))
                    // Idempotency reference of the event that caused this row, unique per fan.
                    .col(string_len_null(FanActivities::Reference, 200))
                    .col(big_integer_null(FanActivities::PurchaseId))
                    .col(timestamp_with_time_zone(FanActivities::OccurredAt))
                    .foreign_key(&mut foreign_key(
                        FanActivities::Table,
                        FanActivities::FanId,
                        Fans::Table,
                        Fans::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        FanActivities::Table,
                        FanActivities::PurchaseId,
                        Purchases::Table,
                        Purchases::Id,
                        SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    FanActivities::Table,
                    &[FanActivities::FanId, FanActivities::Reference],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                FanActivities::Table,
                &[
                    FanActivities::FanId,
                    FanActivities::OccurredAt,
                    FanActivities::Id,
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FanActivities::Table.into_iden(),
            FanTags::Table.into_iden(),
            Tags::Table.into_iden(),
            FanGenres::Table.into_iden(),
            Fans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum Fans {
    Table,
    Id,
    StoreId,
    Email,
    Name,
    SortName,
    Score,
    Daw,
    SkillLevel,
    Goals,
    EmailStatus,
    Source,
    CreatedAt,
    LastActivityAt,
    LastOpenAt,
    LastClickAt,
}

#[derive(DeriveIden, Clone)]
enum FanGenres {
    Table,
    FanId,
    Genre,
    StoreId,
}

#[derive(DeriveIden, Clone)]
enum Tags {
    Table,
    Id,
    StoreId,
    Key,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum FanTags {
    Table,
    FanId,
    TagId,
    StoreId,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum FanActivities {
    Table,
    Id,
    StoreId,
    FanId,
    Kind,
    Detail,
    Points,
    Reference,
    PurchaseId,
    OccurredAt,
}
