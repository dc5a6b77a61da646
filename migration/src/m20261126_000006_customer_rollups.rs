//! Rollups that let the revenue dashboard count people without walking customers or
//! purchases (200k customers and 2M purchases at a million fans):
//!
//! * `customer_daily`: per store and UTC day, how many customers made their first purchase
//!   that day (`new_customers`) and how many made their latest purchase that day
//!   (`last_buyers`). New customers in a range is a sum over its days; the customers who
//!   bought in a range that reaches the newest purchase is the sum of `last_buyers` from its
//!   first day on. Kept by triggers on `customers`, so every path that writes customers
//!   (purchases, the bulk generator) keeps it exact.
//! * `buyer_counts`: distinct buyers of a range that lies wholly in the past (the dashboard's
//!   "previous period"), computed once and kept until a purchase dated on or before the
//!   range's last day is written or removed; triggers on `purchases` delete what it
//!   invalidates.
//!
//! Two indexes serve the dashboard's other reads: revenue_daily covered for its range scans
//! (the sums are read from the index, not from 3,650 table rows a year), and subscriptions
//! by the end of their paid period, so "active subscribers at a moment" visits only the
//! subscriptions still running then instead of every subscription of the store.
//!
//! On PostgreSQL the `customer_daily` triggers are deferred constraint triggers: the day row
//! every purchase of the day touches is then updated at commit, so concurrent purchases hold
//! its lock for the commit only, not for the whole purchase transaction.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::{execute_for_engine, foreign_key, index};

const REVENUE_DAILY_COVERING: &str = "idx_revenue_daily_covering";
/// The name `index` gives the subscriptions index below.
const SUBSCRIPTIONS_RUNNING: &str =
    "idx_subscriptions_store_id_current_period_end_started_at_cancelled_at";

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `day` gains `n` customers of a kind (`new_customers` or `last_buyers`), SQLite form.
fn sqlite_add(column: &str, row: &str, timestamp: &str, n: i32) -> String {
    format!(
        "INSERT INTO customer_daily (store_id, day, {column}) \
         SELECT {row}.store_id, date({row}.{timestamp}), {n} WHERE {row}.{timestamp} IS NOT NULL \
         ON CONFLICT (store_id, day) DO UPDATE SET {column} = {column} + excluded.{column};"
    )
}

fn sqlite_up() -> Vec<String> {
    let mut statements = vec![format!(
        "CREATE TRIGGER customers_daily_insert AFTER INSERT ON customers BEGIN {} {} END",
        sqlite_add("new_customers", "NEW", "first_purchase_at", 1),
        sqlite_add("last_buyers", "NEW", "last_purchase_at", 1),
    )];
    for (column, timestamp) in [
        ("new_customers", "first_purchase_at"),
        ("last_buyers", "last_purchase_at"),
    ] {
        // Fires only when the day moves: most purchases leave a customer's days alone.
        statements.push(format!(
            "CREATE TRIGGER customers_daily_{column} AFTER UPDATE OF {timestamp} ON customers \
             WHEN date(OLD.{timestamp}) IS NOT date(NEW.{timestamp}) BEGIN {} {} END",
            sqlite_add(column, "OLD", timestamp, -1),
            sqlite_add(column, "NEW", timestamp, 1),
        ));
    }
    statements.push(format!(
        "CREATE TRIGGER customers_daily_delete AFTER DELETE ON customers BEGIN {} {} END",
        sqlite_add("new_customers", "OLD", "first_purchase_at", -1),
        sqlite_add("last_buyers", "OLD", "last_purchase_at", -1),
    ));
    for (event, row) in [("INSERT", "NEW"), ("DELETE", "OLD")] {
        statements.push(format!(
            "CREATE TRIGGER purchases_buyer_counts_{} AFTER {event} ON purchases BEGIN \
             DELETE FROM buyer_counts WHERE store_id = {row}.store_id \
             AND end_day >= date({row}.purchased_at); END",
            event.to_lowercase()
        ));
    }
    statements.push(
        "CREATE TRIGGER purchases_buyer_counts_update \
         AFTER UPDATE OF store_id, customer_id, purchased_at ON purchases BEGIN \
         DELETE FROM buyer_counts WHERE store_id = OLD.store_id \
         AND end_day >= date(OLD.purchased_at); \
         DELETE FROM buyer_counts WHERE store_id = NEW.store_id \
         AND end_day >= date(NEW.purchased_at); END"
            .to_owned(),
    );
    statements
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS purchases_buyer_counts_update",
    "DROP TRIGGER IF EXISTS purchases_buyer_counts_delete",
    "DROP TRIGGER IF EXISTS purchases_buyer_counts_insert",
    "DROP TRIGGER IF EXISTS customers_daily_delete",
    "DROP TRIGGER IF EXISTS customers_daily_last_buyers",
    "DROP TRIGGER IF EXISTS customers_daily_new_customers",
    "DROP TRIGGER IF EXISTS customers_daily_insert",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION customer_daily_add(store BIGINT, at TIMESTAMPTZ, new_n INT, last_n INT) \
     RETURNS void LANGUAGE sql AS $$ \
     INSERT INTO customer_daily (store_id, day, new_customers, last_buyers) \
     SELECT store, (at AT TIME ZONE 'UTC')::date, new_n, last_n WHERE at IS NOT NULL \
     ON CONFLICT (store_id, day) DO UPDATE SET \
     new_customers = customer_daily.new_customers + excluded.new_customers, \
     last_buyers = customer_daily.last_buyers + excluded.last_buyers $$",
    "CREATE FUNCTION customers_daily_track() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     IF TG_OP = 'INSERT' THEN \
       IF (NEW.first_purchase_at AT TIME ZONE 'UTC')::date \
          IS NOT DISTINCT FROM (NEW.last_purchase_at AT TIME ZONE 'UTC')::date THEN \
         PERFORM customer_daily_add(NEW.store_id, NEW.first_purchase_at, 1, 1); \
       ELSE \
         PERFORM customer_daily_add(NEW.store_id, NEW.first_purchase_at, 1, 0); \
         PERFORM customer_daily_add(NEW.store_id, NEW.last_purchase_at, 0, 1); \
       END IF; \
     ELSIF TG_OP = 'DELETE' THEN \
       PERFORM customer_daily_add(OLD.store_id, OLD.first_purchase_at, -1, 0); \
       PERFORM customer_daily_add(OLD.store_id, OLD.last_purchase_at, 0, -1); \
     ELSE \
       IF (OLD.first_purchase_at AT TIME ZONE 'UTC')::date \
          IS DISTINCT FROM (NEW.first_purchase_at AT TIME ZONE 'UTC')::date THEN \
         PERFORM customer_daily_add(OLD.store_id, OLD.first_purchase_at, -1, 0); \
         PERFORM customer_daily_add(NEW.store_id, NEW.first_purchase_at, 1, 0); \
       END IF; \
       IF (OLD.last_purchase_at AT TIME ZONE 'UTC')::date \
          IS DISTINCT FROM (NEW.last_purchase_at AT TIME ZONE 'UTC')::date THEN \
         PERFORM customer_daily_add(OLD.store_id, OLD.last_purchase_at, 0, -1); \
         PERFORM customer_daily_add(NEW.store_id, NEW.last_purchase_at, 0, 1); \
       END IF; \
     END IF; \
     RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER customers_daily AFTER INSERT OR DELETE \
     OR UPDATE OF first_purchase_at, last_purchase_at ON customers \
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION customers_daily_track()",
    // Statement triggers: a bulk insert of purchases invalidates once per store.
    "CREATE FUNCTION purchases_invalidate_buyer_counts() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     DELETE FROM buyer_counts b USING \
       (SELECT store_id, MIN((purchased_at AT TIME ZONE 'UTC')::date) AS day \
        FROM changed_purchases GROUP BY store_id) p \
     WHERE b.store_id = p.store_id AND b.end_day >= p.day; \
     RETURN NULL; END $$",
    "CREATE TRIGGER purchases_buyer_counts_insert AFTER INSERT ON purchases \
     REFERENCING NEW TABLE AS changed_purchases FOR EACH STATEMENT \
     EXECUTE FUNCTION purchases_invalidate_buyer_counts()",
    "CREATE TRIGGER purchases_buyer_counts_delete AFTER DELETE ON purchases \
     REFERENCING OLD TABLE AS changed_purchases FOR EACH STATEMENT \
     EXECUTE FUNCTION purchases_invalidate_buyer_counts()",
    // Updates move a purchase only when its store, buyer or date change (refunds update
    // other columns): a row trigger with a column list, which transition tables cannot have.
    "CREATE FUNCTION purchase_moved_invalidate_buyer_counts() RETURNS trigger \
     LANGUAGE plpgsql AS $$ BEGIN \
     DELETE FROM buyer_counts WHERE (store_id = OLD.store_id \
       AND end_day >= (OLD.purchased_at AT TIME ZONE 'UTC')::date) \
       OR (store_id = NEW.store_id AND end_day >= (NEW.purchased_at AT TIME ZONE 'UTC')::date); \
     RETURN NULL; END $$",
    "CREATE TRIGGER purchases_buyer_counts_update \
     AFTER UPDATE OF store_id, customer_id, purchased_at ON purchases \
     FOR EACH ROW EXECUTE FUNCTION purchase_moved_invalidate_buyer_counts()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS purchases_buyer_counts_update ON purchases",
    "DROP FUNCTION IF EXISTS purchase_moved_invalidate_buyer_counts()",
    "DROP TRIGGER IF EXISTS purchases_buyer_counts_delete ON purchases",
    "DROP TRIGGER IF EXISTS purchases_buyer_counts_insert ON purchases",
    "DROP FUNCTION IF EXISTS purchases_invalidate_buyer_counts()",
    "DROP TRIGGER IF EXISTS customers_daily ON customers",
    "DROP FUNCTION IF EXISTS customers_daily_track()",
    "DROP FUNCTION IF EXISTS customer_daily_add(BIGINT, TIMESTAMPTZ, INT, INT)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on one connection, on SQLite too: its triggers are dropped and created
    /// by name, and another pooled connection may still hold the old schema.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CustomerDaily::Table)
                    .col(big_integer(CustomerDaily::StoreId))
                    .col(date(CustomerDaily::Day))
                    .col(big_integer(CustomerDaily::NewCustomers).default(0))
                    .col(big_integer(CustomerDaily::LastBuyers).default(0))
                    .primary_key(
                        Index::create()
                            .col(CustomerDaily::StoreId)
                            .col(CustomerDaily::Day),
                    )
                    .foreign_key(&mut foreign_key(
                        CustomerDaily::Table,
                        CustomerDaily::StoreId,
                        Stores::Table,
                        Stores::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BuyerCounts::Table)
                    .col(big_integer(BuyerCounts::StoreId))
                    .col(date(BuyerCounts::EndDay))
                    .col(date(BuyerCounts::StartDay))
                    .col(big_integer(BuyerCounts::Buyers))
                    // (store, end day) first: invalidation deletes "every range ending on
                    // or after day D" of a store.
                    .primary_key(
                        Index::create()
                            .col(BuyerCounts::StoreId)
                            .col(BuyerCounts::EndDay)
                            .col(BuyerCounts::StartDay),
                    )
                    .foreign_key(&mut foreign_key(
                        BuyerCounts::Table,
                        BuyerCounts::StoreId,
                        Stores::Table,
                        Stores::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name(REVENUE_DAILY_COVERING)
                    .table(RevenueDaily::Table)
                    .col(RevenueDaily::StoreId)
                    .col(RevenueDaily::Day)
                    .col(RevenueDaily::ProductId)
                    .col(RevenueDaily::GrossCents)
                    .col(RevenueDaily::RefundsCents)
                    .col(RevenueDaily::Orders)
                    .to_owned(),
            )
            .await?;
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

        let db = manager.get_connection();
        // Existing customers: one row per (store, day) with both counts.
        db.execute_unprepared(match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "INSERT INTO customer_daily (store_id, day, new_customers, last_buyers) \
                 SELECT store_id, day, SUM(new_n), SUM(last_n) FROM ( \
                   SELECT store_id, (first_purchase_at AT TIME ZONE 'UTC')::date AS day, \
                          1 AS new_n, 0 AS last_n FROM customers WHERE first_purchase_at IS NOT NULL \
                   UNION ALL \
                   SELECT store_id, (last_purchase_at AT TIME ZONE 'UTC')::date, 0, 1 \
                   FROM customers WHERE last_purchase_at IS NOT NULL) AS days \
                 GROUP BY store_id, day"
            }
            _ => {
                "INSERT INTO customer_daily (store_id, day, new_customers, last_buyers) \
                 SELECT store_id, day, SUM(new_n), SUM(last_n) FROM ( \
                   SELECT store_id, date(first_purchase_at) AS day, 1 AS new_n, 0 AS last_n \
                   FROM customers WHERE first_purchase_at IS NOT NULL \
                   UNION ALL \
                   SELECT store_id, date(last_purchase_at), 0, 1 \
                   FROM customers WHERE last_purchase_at IS NOT NULL) \
                 GROUP BY store_id, day"
            }
        })
        .await?;
        execute_for_engine(manager, &sqlite_up(), POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        for (name, table) in [
            (REVENUE_DAILY_COVERING, RevenueDaily::Table.into_iden()),
            (SUBSCRIPTIONS_RUNNING, Subscriptions::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        for table in [
            BuyerCounts::Table.into_iden(),
            CustomerDaily::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone)]
enum CustomerDaily {
    Table,
    StoreId,
    Day,
    NewCustomers,
    LastBuyers,
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

#[derive(DeriveIden, Clone)]
enum Subscriptions {
    Table,
    StoreId,
    CurrentPeriodEnd,
    StartedAt,
    CancelledAt,
}

#[derive(DeriveIden, Clone)]
enum BuyerCounts {
    Table,
    StoreId,
    EndDay,
    StartDay,
    Buyers,
}
