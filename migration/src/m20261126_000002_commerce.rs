//! Commerce: products, customers, purchases, refunds, enrollments, subscriptions and the daily
//! revenue rollup. Indexes follow the Customers page's sorts and filters and the revenue queries.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::{foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict};

        manager
            .create_table(
                Table::create()
                    .table(Products::Table)
                    .col(big_pk_auto(Products::Id))
                    .col(big_integer(Products::StoreId))
                    .col(string_len(Products::Name, 120))
                    .col(string_len(Products::Kind, 16))
                    .col(big_integer(Products::PriceCents))
                    .col(boolean(Products::IsSubscription))
                    .col(timestamp_with_time_zone(Products::CreatedAt))
                    .col(timestamp_with_time_zone_null(Products::ArchivedAt))
                    .foreign_key(&mut foreign_key(
                        Products::Table,
                        Products::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(Products::Table, &[Products::StoreId, Products::Name]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customers::Table)
                    .col(big_pk_auto(Customers::Id))
                    .col(big_integer(Customers::StoreId))
                    .col(string_len(Customers::Email, 254))
                    .col(string_len(Customers::Name, 120))
                    // Lower-cased name (or email when there is no name): the "name" sort key.
                    .col(string_len(Customers::SortName, 254))
                    // Net of refunds: gross purchases minus refunded amounts.
                    .col(big_integer(Customers::TotalSpentCents))
                    .col(big_integer(Customers::RefundedCents))
                    .col(integer(Customers::PurchaseCount))
                    .col(timestamp_with_time_zone_null(Customers::FirstPurchaseAt))
                    .col(timestamp_with_time_zone_null(Customers::LastPurchaseAt))
                    .col(timestamp_with_time_zone(Customers::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        Customers::Table,
                        Customers::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(Customers::Table, &[Customers::StoreId, Customers::Email])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One index per sort of the customer list; keyset pagination walks them by (key, id).
        for sort_key in [
            Customers::TotalSpentCents,
            Customers::LastPurchaseAt,
            Customers::SortName,
            Customers::PurchaseCount,
            Customers::FirstPurchaseAt,
        ] {
            manager
                .create_index(index(
                    Customers::Table,
                    &[Customers::StoreId, sort_key, Customers::Id],
                ))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Purchases::Table)
                    .col(big_pk_auto(Purchases::Id))
                    .col(big_integer(Purchases::StoreId))
                    .col(big_integer(Purchases::CustomerId))
                    .col(big_integer(Purchases::ProductId))
                    .col(big_integer(Purchases::AmountCents))
                    .col(big_integer(Purchases::RefundedCents))
                    .col(char_len(Purchases::Currency, 3))
                    .col(string_len(Purchases::Source, 16))
                    .col(string_len(Purchases::ExternalId, 200))
                    .col(timestamp_with_time_zone(Purchases::PurchasedAt))
                    .col(timestamp_with_time_zone(Purchases::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        Purchases::Table,
                        Purchases::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Purchases::Table,
                        Purchases::CustomerId,
                        Customers::Table,
                        Customers::Id,
                        Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        Purchases::Table,
                        Purchases::ProductId,
                        Products::Table,
                        Products::Id,
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        // The idempotency key: one purchase per (store, source, external id).
        manager
            .create_index(
                index(
                    Purchases::Table,
                    &[Purchases::StoreId, Purchases::Source, Purchases::ExternalId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                Purchases::Table,
                &[Purchases::CustomerId, Purchases::PurchasedAt],
            ))
            .await?;
        // "Customers who bought product X".
        manager
            .create_index(index(
                Purchases::Table,
                &[
                    Purchases::StoreId,
                    Purchases::ProductId,
                    Purchases::CustomerId,
                ],
            ))
            .await?;
        // Distinct purchasing customers in a date range, answered from the index alone.
        manager
            .create_index(index(
                Purchases::Table,
                &[
                    Purchases::StoreId,
                    Purchases::PurchasedAt,
                    Purchases::CustomerId,
                ],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Refunds::Table)
                    .col(big_pk_auto(Refunds::Id))
                    .col(big_integer(Refunds::StoreId))
                    .col(big_integer(Refunds::PurchaseId))
                    .col(big_integer(Refunds::AmountCents))
                    .col(string_len(Refunds::Reason, 300))
                    // The refund form's idempotency key: a double submit refunds once.
                    .col(string_len(Refunds::RequestKey, 100))
                    .col(timestamp_with_time_zone(Refunds::RefundedAt))
                    .col(timestamp_with_time_zone(Refunds::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        Refunds::Table,
                        Refunds::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Refunds::Table,
                        Refunds::PurchaseId,
                        Purchases::Table,
                        Purchases::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(Refunds::Table, &[Refunds::PurchaseId, Refunds::RequestKey])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                Refunds::Table,
                &[Refunds::StoreId, Refunds::RefundedAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Enrollments::Table)
                    .col(big_pk_auto(Enrollments::Id))
                    .col(big_integer(Enrollments::StoreId))
                    .col(big_integer(Enrollments::CustomerId))
                    .col(big_integer(Enrollments::ProductId))
                    .col(big_integer(Enrollments::PurchaseId))
                    .col(timestamp_with_time_zone(Enrollments::EnrolledAt))
                    .foreign_key(&mut foreign_key(
                        Enrollments::Table,
                        Enrollments::CustomerId,
                        Customers::Table,
                        Customers::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Enrollments::Table,
                        Enrollments::ProductId,
                        Products::Table,
                        Products::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Enrollments::Table,
                        Enrollments::PurchaseId,
                        Purchases::Table,
                        Purchases::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    Enrollments::Table,
                    &[Enrollments::CustomerId, Enrollments::ProductId],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Subscriptions::Table)
                    .col(big_pk_auto(Subscriptions::Id))
                    .col(big_integer(Subscriptions::StoreId))
                    .col(big_integer(Subscriptions::CustomerId))
                    .col(big_integer(Subscriptions::ProductId))
                    .col(string_len(Subscriptions::Status, 16))
                    .col(timestamp_with_time_zone(Subscriptions::StartedAt))
                    .col(timestamp_with_time_zone(Subscriptions::RenewedAt))
                    .col(timestamp_with_time_zone(Subscriptions::CurrentPeriodEnd))
                    .col(timestamp_with_time_zone_null(Subscriptions::CancelledAt))
                    .foreign_key(&mut foreign_key(
                        Subscriptions::Table,
                        Subscriptions::CustomerId,
                        Customers::Table,
                        Customers::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        Subscriptions::Table,
                        Subscriptions::ProductId,
                        Products::Table,
                        Products::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    Subscriptions::Table,
                    &[Subscriptions::CustomerId, Subscriptions::ProductId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // "Active subscribers" and the "subscribed now" filter.
        manager
            .create_index(index(
                Subscriptions::Table,
                &[
                    Subscriptions::StoreId,
                    Subscriptions::Status,
                    Subscriptions::CurrentPeriodEnd,
                ],
            ))
            .await?;

        // Maintained inside the purchase and refund transactions; the dashboard reads only this.
        manager
            .create_table(
                Table::create()
                    .table(RevenueDaily::Table)
                    .col(big_integer(RevenueDaily::StoreId))
                    .col(date(RevenueDaily::Day))
                    .col(big_integer(RevenueDaily::ProductId))
                    .col(big_integer(RevenueDaily::GrossCents))
                    .col(big_integer(RevenueDaily::RefundsCents))
                    .col(big_integer(RevenueDaily::Orders))
                    .primary_key(
                        Index::create()
                            .col(RevenueDaily::StoreId)
                            .col(RevenueDaily::Day)
                            .col(RevenueDaily::ProductId),
                    )
                    .foreign_key(&mut foreign_key(
                        RevenueDaily::Table,
                        RevenueDaily::StoreId,
                        Stores::Table,
                        Stores::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        RevenueDaily::Table,
                        RevenueDaily::ProductId,
                        Products::Table,
                        Products::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RevenueDaily::Table.into_iden(),
            Subscriptions::Table.into_iden(),
            Enrollments::Table.into_iden(),
            Refunds::Table.into_iden(),
            Purchases::Table.into_iden(),
            Customers::Table.into_iden(),
            Products::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
pub(crate) enum Products {
    Table,
    Id,
    StoreId,
    Name,
    Kind,
    PriceCents,
    IsSubscription,
    CreatedAt,
    ArchivedAt,
}

#[derive(DeriveIden, Clone)]
pub(crate) enum Customers {
    Table,
    Id,
    StoreId,
    Email,
    Name,
    SortName,
    TotalSpentCents,
    RefundedCents,
    PurchaseCount,
    FirstPurchaseAt,
    LastPurchaseAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
pub(crate) enum Purchases {
    Table,
    Id,
    StoreId,
    CustomerId,
    ProductId,
    AmountCents,
    RefundedCents,
    Currency,
    Source,
    ExternalId,
    PurchasedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Refunds {
    Table,
    Id,
    StoreId,
    PurchaseId,
    AmountCents,
    Reason,
    RequestKey,
    RefundedAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum Enrollments {
    Table,
    Id,
    StoreId,
    CustomerId,
    ProductId,
    PurchaseId,
    EnrolledAt,
}

#[derive(DeriveIden, Clone)]
enum Subscriptions {
    Table,
    Id,
    StoreId,
    CustomerId,
    ProductId,
    Status,
    StartedAt,
    RenewedAt,
    CurrentPeriodEnd,
    CancelledAt,
}

#[derive(DeriveIden, Clone)]
enum RevenueDaily {
    Table,
    StoreId,
    Day,
    ProductId,
    GrossCents,
    RefundsCents,
    Orders,
}
