//! Stores: the tenant boundary. Every other table carries a `store_id`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Stores::Table)
                    .col(big_pk_auto(Stores::Id))
                    .col(string_len(Stores::Name, 80))
                    .col(char_len(Stores::Currency, 3))
                    .col(timestamp_with_time_zone(Stores::CreatedAt))
                    .col(timestamp_with_time_zone_null(Stores::ArchivedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Stores::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
pub(crate) enum Stores {
    Table,
    Id,
    Name,
    Currency,
    CreatedAt,
    ArchivedAt,
}
