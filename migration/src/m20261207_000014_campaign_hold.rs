//! Campaigns (#28): why the sender stopped a campaign by itself. A sending campaign whose
//! messages cannot be built (the store's sender settings were removed, its sender address no
//! longer reads) is paused by the worker with the reason here, shown on its page, instead
//! of being claimed again every lease for ever. Resuming clears it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .add_column(string_len_null(Campaigns::PausedReason, 500))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .drop_column(Campaigns::PausedReason)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    PausedReason,
}
