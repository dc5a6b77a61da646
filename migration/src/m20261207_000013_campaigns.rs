//! Campaigns (#28): a store's sender settings, its campaigns, the durable send queue (one
//! row per recipient) and the app's signing secret.
//!
//! The queue is claimed by `(campaign_id, status, next_attempt_at)`, for the few campaigns
//! that are sending: queued rows whose time has come, and `sending` rows whose claim has
//! lapsed (a worker died mid-send). A claim moves `next_attempt_at` to the end of its lease,
//! so the same index finds a stale claim without a separate "claimed at" column. A paused
//! campaign's rows are never walked.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::{foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;

        manager
            .create_table(
                Table::create()
                    .table(StoreEmailSettings::Table)
                    .col(big_integer(StoreEmailSettings::StoreId).primary_key())
                    .col(string_len(StoreEmailSettings::SenderName, 120))
                    .col(string_len(StoreEmailSettings::SenderAddress, 254))
                    .col(string_len(StoreEmailSettings::ReplyTo, 254))
                    // Anti-spam law asks every marketing email for one; required before a send.
                    .col(string_len(StoreEmailSettings::PostalAddress, 500))
                    .col(timestamp_with_time_zone(StoreEmailSettings::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        StoreEmailSettings::Table,
                        StoreEmailSettings::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(big_pk_auto(Campaigns::Id))
                    .col(big_integer(Campaigns::StoreId))
                    .col(string_len(Campaigns::Subject, 200))
                    .col(string_len(Campaigns::Preheader, 200))
                    .col(string_len(Campaigns::FromName, 120))
                    .col(text(Campaigns::BodyMarkdown))
                    // The Fans page's filter as its URL query string: an audience is a link.
                    .col(string_len(Campaigns::Audience, 2000))
                    .col(string_len(Campaigns::Status, 16))
                    .col(timestamp_with_time_zone_null(Campaigns::ScheduledAt))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .col(timestamp_with_time_zone(Campaigns::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Campaigns::StartedAt))
                    .col(timestamp_with_time_zone_null(Campaigns::FinishedAt))
                    // Fixed when the audience is snapshotted into the queue.
                    .col(big_integer(Campaigns::RecipientCount).default(0))
                    .col(big_integer(Campaigns::LeftOutUnsubscribed).default(0))
                    .col(big_integer(Campaigns::LeftOutBounced).default(0))
                    .col(big_integer(Campaigns::LeftOutComplained).default(0))
                    // Kept by the worker in the transaction that settles each recipient.
                    .col(big_integer(Campaigns::SentCount).default(0))
                    .col(big_integer(Campaigns::FailedCount).default(0))
                    .col(big_integer(Campaigns::SkippedCount).default(0))
                    .foreign_key(&mut foreign_key(
                        Campaigns::Table,
                        Campaigns::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // The campaigns list, newest (highest id) first, by keyset on the id.
        manager
            .create_index(index(
                Campaigns::Table,
                &[Campaigns::StoreId, Campaigns::Id],
            ))
            .await?;
        // The scheduler: scheduled campaigns whose time has come.
        manager
            .create_index(index(
                Campaigns::Table,
                &[Campaigns::Status, Campaigns::ScheduledAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignRecipients::Table)
                    .col(big_pk_auto(CampaignRecipients::Id))
                    .col(big_integer(CampaignRecipients::CampaignId))
                    .col(big_integer(CampaignRecipients::StoreId))
                    .col(big_integer(CampaignRecipients::FanId))
                    .col(string_len(CampaignRecipients::Email, 254))
                    .col(string_len(CampaignRecipients::FirstName, 120))
                    .col(string_len(CampaignRecipients::Status, 16))
                    .col(integer(CampaignRecipients::Attempts).default(0))
                    .col(timestamp_with_time_zone(CampaignRecipients::NextAttemptAt))
                    .col(string_len_null(CampaignRecipients::MessageId, 250))
                    .col(string_len_null(CampaignRecipients::Error, 500))
                    .col(timestamp_with_time_zone_null(CampaignRecipients::SentAt))
                    .foreign_key(&mut foreign_key(
                        CampaignRecipients::Table,
                        CampaignRecipients::CampaignId,
                        Campaigns::Table,
                        Campaigns::Id,
                        Cascade,
                    ))
                    // Erasing a fan erases their copies of the address too.
                    .foreign_key(&mut foreign_key(
                        CampaignRecipients::Table,
                        CampaignRecipients::FanId,
                        Fans::Table,
                        Fans::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // One message per fan per campaign, whatever happens to the snapshot.
        manager
            .create_index(
                index(
                    CampaignRecipients::Table,
                    &[CampaignRecipients::CampaignId, CampaignRecipients::FanId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // The claim query (see the module notes): a sending campaign's due rows, queued or
        // with a lapsed claim; also its progress by status.
        manager
            .create_index(index(
                CampaignRecipients::Table,
                &[
                    CampaignRecipients::CampaignId,
                    CampaignRecipients::Status,
                    CampaignRecipients::NextAttemptAt,
                ],
            ))
            .await?;
        // Erasing a fan (the cascade) and an unsubscribe find the fan's rows by this.
        manager
            .create_index(index(
                CampaignRecipients::Table,
                &[CampaignRecipients::FanId, CampaignRecipients::Status],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppSecrets::Table)
                    .col(string_len(AppSecrets::Name, 40).primary_key())
                    .col(string_len(AppSecrets::Value, 200))
                    .col(timestamp_with_time_zone(AppSecrets::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AppSecrets::Table.into_iden(),
            CampaignRecipients::Table.into_iden(),
            Campaigns::Table.into_iden(),
            StoreEmailSettings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum StoreEmailSettings {
    Table,
    StoreId,
    SenderName,
    SenderAddress,
    ReplyTo,
    PostalAddress,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Campaigns {
    Table,
    Id,
    StoreId,
    Subject,
    Preheader,
    FromName,
    BodyMarkdown,
    Audience,
    Status,
    ScheduledAt,
    CreatedAt,
    UpdatedAt,
    StartedAt,
    FinishedAt,
    RecipientCount,
    LeftOutUnsubscribed,
    LeftOutBounced,
    LeftOutComplained,
    SentCount,
    FailedCount,
    SkippedCount,
}

#[derive(DeriveIden, Clone)]
enum CampaignRecipients {
    Table,
    Id,
    CampaignId,
    StoreId,
    FanId,
    Email,
    FirstName,
    Status,
    Attempts,
    NextAttemptAt,
    MessageId,
    Error,
    SentAt,
}

#[derive(DeriveIden, Clone)]
enum Fans {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum AppSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}
