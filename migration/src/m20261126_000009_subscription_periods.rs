//! Subscribers at any moment, exactly and without walking every subscription:
//!
//! * `subscription_periods`: each unbroken stretch a subscription was paid for, from the
//!   payment that started it to the end of the last month paid (or the refund that cancelled
//!   it). A subscription that lapses and is bought again gets a second period, so the gap
//!   between them no longer counts as subscribed. The `subscriptions` row keeps only its
//!   latest period (`current_period_end`), which cannot answer "how many were subscribed on
//!   1 March?" once a subscription has lapsed and restarted.
//! * `subscription_daily`: per store and UTC day, how many periods start and how many end
//!   that day, kept by triggers on `subscription_periods`. Subscribers at a moment are the
//!   periods started by then minus those ended by then: a sum over the days before it
//!   (a few hundred rows a year) plus the periods starting or ending earlier that day.
//!
//! Existing subscriptions get one period each. A cancelled subscription's paid period now
//! ends at its cancellation, in the row too, so "paid until" never outlives a refund.
//!
//! The subscriptions index of migration 6 served the walk this replaces, and is dropped.
//!
//! On PostgreSQL the `subscription_daily` triggers are deferred constraint triggers, as for
//! `customer_daily`: the day row concurrent subscription payments share is locked at commit
//! only.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::{execute_for_engine, foreign_key, index};

/// The index migration 6 made for the walk over subscriptions.
const SUBSCRIPTIONS_RUNNING: &str =
    "idx_subscriptions_store_id_current_period_end_started_at_cancelled_at";

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `day` of `row.timestamp` gains `n` period starts or ends (`column`), SQLite form.
fn sqlite_add(column: &str, row: &str, timestamp: &str, n: i32) -> String {
    format!(
        "INSERT INTO subscription_daily (store_id, day, {column}) \
         VALUES ({row}.store_id, date({row}.{timestamp}), {n}) \
         ON CONFLICT (store_id, day) DO UPDATE SET {column} = {column} + excluded.{column};"
    )
}

fn sqlite_up() -> Vec<String> {
    let mut statements = vec![
        // A cancelled subscription was paid until its cancellation (migration 2 kept the
        // end of the month it had paid for).
        "UPDATE subscriptions SET current_period_end = max(cancelled_at, started_at) \
         WHERE cancelled_at IS NOT NULL AND cancelled_at < current_period_end"
            .to_owned(),
        format!(
            "CREATE TRIGGER subscription_periods_daily_insert AFTER INSERT ON subscription_periods \
             BEGIN {} {} END",
            sqlite_add("starts", "NEW", "started_at", 1),
            sqlite_add("ends", "NEW", "ended_at", 1),
        ),
    ];
    for (column, timestamp) in [("starts", "started_at"), ("ends", "ended_at")] {
        // Fires only when the day moves: most renewals move the end by a month, but a
        // period's start never moves.
        statements.push(format!(
            "CREATE TRIGGER subscription_periods_daily_{column} \
             AFTER UPDATE OF {timestamp} ON subscription_periods \
             WHEN date(OLD.{timestamp}) IS NOT date(NEW.{timestamp}) BEGIN {} {} END",
            sqlite_add(column, "OLD", timestamp, -1),
            sqlite_add(column, "NEW", timestamp, 1),
        ));
    }
    statements.push(format!(
        "CREATE TRIGGER subscription_periods_daily_delete AFTER DELETE ON subscription_periods \
         BEGIN {} {} END",
        sqlite_add("starts", "OLD", "started_at", -1),
        sqlite_add("ends", "OLD", "ended_at", -1),
    ));
    statements.push(
        "INSERT INTO subscription_periods (store_id, subscription_id, started_at, ended_at) \
         SELECT store_id, id, started_at, current_period_end FROM subscriptions"
            .to_owned(),
    );
    statements
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS subscription_periods_daily_delete",
    "DROP TRIGGER IF EXISTS subscription_periods_daily_ends",
    "DROP TRIGGER IF EXISTS subscription_periods_daily_starts",
    "DROP TRIGGER IF EXISTS subscription_periods_daily_insert",
];

const POSTGRES_UP: &[&str] = &[
    "UPDATE subscriptions SET current_period_end = GREATEST(cancelled_at, started_at) \
     WHERE cancelled_at IS NOT NULL AND cancelled_at < current_period_end",
    "CREATE FUNCTION subscription_daily_add(store BIGINT, at TIMESTAMPTZ, starts_n INT, ends_n INT) \
     RETURNS void LANGUAGE sql AS $$ \
     INSERT INTO subscription_daily (store_id, day, starts, ends) \
     VALUES (store, (at AT TIME ZONE 'UTC')::date, starts_n, ends_n) \
     ON CONFLICT (store_id, day) DO UPDATE SET \
     starts = subscription_daily.starts + excluded.starts, \
     ends = subscription_daily.ends + excluded.ends $$",
    "CREATE FUNCTION subscription_periods_daily_track() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     IF TG_OP = 'INSERT' THEN \
       PERFORM subscription_daily_add(NEW.store_id, NEW.started_at, 1, 0); \
       PERFORM subscription_daily_add(NEW.store_id, NEW.ended_at, 0, 1); \
     ELSIF TG_OP = 'DELETE' THEN \
       PERFORM subscription_daily_add(OLD.store_id, OLD.started_at, -1, 0); \
       PERFORM subscription_daily_add(OLD.store_id, OLD.ended_at, 0, -1); \
     ELSE \
       IF (OLD.started_at AT TIME ZONE 'UTC')::date \
          IS DISTINCT FROM (NEW.started_at AT TIME ZONE 'UTC')::date THEN \
         PERFORM subscription_daily_add(OLD.store_id, OLD.started_at, -1, 0); \
         PERFORM subscription_daily_add(NEW.store_id, NEW.started_at, 1, 0); \
       END IF; \
       IF (OLD.ended_at AT TIME ZONE 'UTC')::date \
          IS DISTINCT FROM (NEW.ended_at AT TIME ZONE 'UTC')::date THEN \
         PERFORM subscription_daily_add(OLD.store_id, OLD.ended_at, 0, -1); \
         PERFORM subscription_daily_add(NEW.store_id, NEW.ended_at, 0, 1); \
       END IF; \
     END IF; \
     RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER subscription_periods_daily AFTER INSERT OR DELETE \
     OR UPDATE OF started_at, ended_at ON subscription_periods \
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION subscription_periods_daily_track()",
    "INSERT INTO subscription_periods (store_id, subscription_id, started_at, ended_at) \
     SELECT store_id, id, started_at, current_period_end FROM subscriptions",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS subscription_periods_daily ON subscription_periods",
    "DROP FUNCTION IF EXISTS subscription_periods_daily_track()",
    "DROP FUNCTION IF EXISTS subscription_daily_add(BIGINT, TIMESTAMPTZ, INT, INT)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on one connection, on SQLite too (see migration 6).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SubscriptionPeriods::Table)
                    .col(big_pk_auto(SubscriptionPeriods::Id))
                    .col(big_integer(SubscriptionPeriods::StoreId))
                    .col(big_integer(SubscriptionPeriods::SubscriptionId))
                    .col(timestamp_with_time_zone(SubscriptionPeriods::StartedAt))
                    .col(timestamp_with_time_zone(SubscriptionPeriods::EndedAt))
                    .foreign_key(&mut foreign_key(
                        SubscriptionPeriods::Table,
                        SubscriptionPeriods::StoreId,
                        Stores::Table,
                        Stores::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        SubscriptionPeriods::Table,
                        SubscriptionPeriods::SubscriptionId,
                        Subscriptions::Table,
                        Subscriptions::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // A subscription's latest period (renewals extend it, refunds end it); and the
        // periods that start or end on the day of the moment asked about.
        for columns in [
            [
                SubscriptionPeriods::SubscriptionId,
                SubscriptionPeriods::EndedAt,
            ],
            [SubscriptionPeriods::StoreId, SubscriptionPeriods::StartedAt],
            [SubscriptionPeriods::StoreId, SubscriptionPeriods::EndedAt],
        ] {
            manager
                .create_index(index(SubscriptionPeriods::Table, &columns))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SubscriptionDaily::Table)
                    .col(big_integer(SubscriptionDaily::StoreId))
                    .col(date(SubscriptionDaily::Day))
                    .col(big_integer(SubscriptionDaily::Starts).default(0))
                    .col(big_integer(SubscriptionDaily::Ends).default(0))
                    .primary_key(
                        Index::create()
                            .col(SubscriptionDaily::StoreId)
                            .col(SubscriptionDaily::Day),
                    )
                    .foreign_key(&mut foreign_key(
                        SubscriptionDaily::Table,
                        SubscriptionDaily::StoreId,
                        Stores::Table,
                        Stores::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(SUBSCRIPTIONS_RUNNING)
                    .table(Subscriptions::Table)
                    .to_owned(),
            )
            .await?;
        execute_for_engine(manager, &sqlite_up(), POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .create_index(index(
                Subscriptions::Table,
                &[
                    Subscriptions::StoreId,
                    Subscriptions::CurrentPeriodEnd,
                    Subscriptions::StartedAt,
                    Subscriptions::CancelledAt,
                ],
            ))
            .await?;
        for table in [
            SubscriptionDaily::Table.into_iden(),
            SubscriptionPeriods::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum SubscriptionPeriods {
    Table,
    Id,
    StoreId,
    SubscriptionId,
    StartedAt,
    EndedAt,
}

#[derive(DeriveIden, Clone)]
enum SubscriptionDaily {
    Table,
    StoreId,
    Day,
    Starts,
    Ends,
}

#[derive(DeriveIden, Clone)]
enum Subscriptions {
    Table,
    Id,
    StoreId,
    CurrentPeriodEnd,
    StartedAt,
    CancelledAt,
}
