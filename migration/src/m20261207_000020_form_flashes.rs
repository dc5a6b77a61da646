//! One-shot form messages (#27 item 1, #30 item 9): what a rejected form post typed and the
//! message it got, or the notice a successful one earned, kept for the page the browser is
//! sent back to and read there once.
//!
//! A row is found by the hash of a random id in the visitor's `encore_flash` cookie (the id
//! itself is never stored, like session tokens) and belongs to the creator who posted (none
//! for log-in and sign-up), so a row is only ever shown to the browser that made it. Rows
//! live for minutes: every write first sweeps the expired ones through `created_at`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FormFlashes::Table)
                    .col(char_len(FormFlashes::IdHash, 64).primary_key())
                    .col(big_integer_null(FormFlashes::CreatorId))
                    // The page it is for (a path, no query): read only there.
                    .col(string_len(FormFlashes::Path, 2048))
                    // JSON: the server function, its error, the typed fields, or a notice.
                    .col(text(FormFlashes::Payload))
                    .col(timestamp_with_time_zone(FormFlashes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(FormFlashes::Table, &[FormFlashes::CreatedAt]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FormFlashes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum FormFlashes {
    Table,
    IdHash,
    CreatorId,
    Path,
    Payload,
    CreatedAt,
}
