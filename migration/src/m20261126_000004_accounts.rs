//! Creator accounts and their sessions, and store ownership. Sessions live in the database
//! so any app server instance can serve any request; only a hash of each session token is
//! stored, so a copy of the database holds no usable session.

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
                    .table(Creators::Table)
                    .col(big_pk_auto(Creators::Id))
                    .col(string_len(Creators::Email, 254))
                    // Argon2id, PHC string format (algorithm, parameters, salt and hash).
                    .col(string_len(Creators::PasswordHash, 200))
                    .col(timestamp_with_time_zone(Creators::CreatedAt))
                    .col(timestamp_with_time_zone(Creators::PasswordChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(Creators::Table, &[Creators::Email])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // SHA-256 of the cookie's random token, hex.
                    .col(char_len(Sessions::TokenHash, 64).primary_key())
                    .col(big_integer(Sessions::CreatorId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    // Absolute expiry; idle expiry is computed from last_seen_at.
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .foreign_key(&mut foreign_key(
                        Sessions::Table,
                        Sessions::CreatorId,
                        Creators::Table,
                        Creators::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(Sessions::Table, &[Sessions::CreatorId]))
            .await?;

        // Existing stores have no owner (and are reachable by nobody) until one is set.
        manager
            .alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .add_column(big_integer_null(StoreOwner::OwnerId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stores_owner_id_created_at")
                    .table(Stores::Table)
                    .col(StoreOwner::OwnerId)
                    .col(Stores::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // SQLite cannot add a constraint to an existing table; PostgreSQL can.
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name("fk_stores_owner_id")
                        .from(Stores::Table, StoreOwner::OwnerId)
                        .to(Creators::Table, Creators::Id)
                        .on_delete(ForeignKeyAction::SetNull)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name("fk_stores_owner_id")
                        .table(Stores::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_stores_owner_id_created_at")
                    .table(Stores::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .drop_column(StoreOwner::OwnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Creators::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum Creators {
    Table,
    Id,
    Email,
    PasswordHash,
    CreatedAt,
    PasswordChangedAt,
}

#[derive(DeriveIden, Clone)]
enum Sessions {
    Table,
    TokenHash,
    CreatorId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum StoreOwner {
    OwnerId,
}
