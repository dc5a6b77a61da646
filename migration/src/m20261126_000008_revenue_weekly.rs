//! The weekly revenue rollup: per store, ISO week (its Monday) and product, the sums of the
//! daily rollup's days in that week. A year on the dashboard then reads about 52 weekly rows
//! per product plus the days at its ragged ends, instead of 365 daily rows per product.
//!
//! Kept by triggers on `revenue_daily` (whose rows only ever grow by `x = x + excluded.x` and
//! go with their store or product), so every path that writes the daily rollup — purchases,
//! refunds, the bulk generator — keeps this one too, in the same transaction.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_stores::Stores;
use crate::{execute_for_engine, foreign_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The Monday of `day`'s ISO week, SQLite form (`%w` counts from Sunday = 0).
const SQLITE_MONDAY: &str =
    "date(NEW.day, '-' || ((CAST(strftime('%w', NEW.day) AS INTEGER) + 6) % 7) || ' days')";

fn sqlite_up() -> Vec<String> {
    let add = |gross: &str, refunds: &str, orders: &str| {
        format!(
            "INSERT INTO revenue_weekly \
             (store_id, week, product_id, gross_cents, refunds_cents, orders) \
             VALUES (NEW.store_id, {SQLITE_MONDAY}, NEW.product_id, {gross}, {refunds}, {orders}) \
             ON CONFLICT (store_id, week, product_id) DO UPDATE SET \
             gross_cents = gross_cents + excluded.gross_cents, \
             refunds_cents = refunds_cents + excluded.refunds_cents, \
             orders = orders + excluded.orders;"
        )
    };
    vec![
        format!(
            "CREATE TRIGGER revenue_daily_weekly_insert AFTER INSERT ON revenue_daily BEGIN {} END",
            add("NEW.gross_cents", "NEW.refunds_cents", "NEW.orders")
        ),
        format!(
            "CREATE TRIGGER revenue_daily_weekly_update AFTER UPDATE ON revenue_daily BEGIN {} END",
            add(
                "NEW.gross_cents - OLD.gross_cents",
                "NEW.refunds_cents - OLD.refunds_cents",
                "NEW.orders - OLD.orders"
            )
        ),
    ]
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS revenue_daily_weekly_update",
    "DROP TRIGGER IF EXISTS revenue_daily_weekly_insert",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION revenue_daily_to_weekly() RETURNS trigger LANGUAGE plpgsql AS $$ \
     DECLARE gross BIGINT := NEW.gross_cents; refunds BIGINT := NEW.refunds_cents; \
     orders BIGINT := NEW.orders; \
     BEGIN \
     IF TG_OP = 'UPDATE' THEN \
       gross := gross - OLD.gross_cents; refunds := refunds - OLD.refunds_cents; \
       orders := orders - OLD.orders; \
     END IF; \
     INSERT INTO revenue_weekly (store_id, week, product_id, gross_cents, refunds_cents, orders) \
     VALUES (NEW.store_id, date_trunc('week', NEW.day)::date, NEW.product_id, gross, refunds, \
             orders) \
     ON CONFLICT (store_id, week, product_id) DO UPDATE SET \
     gross_cents = revenue_weekly.gross_cents + excluded.gross_cents, \
     refunds_cents = revenue_weekly.refunds_cents + excluded.refunds_cents, \
     orders = revenue_weekly.orders + excluded.orders; \
     RETURN NULL; END $$",
    "CREATE TRIGGER revenue_daily_weekly AFTER INSERT OR UPDATE ON revenue_daily \
     FOR EACH ROW EXECUTE FUNCTION revenue_daily_to_weekly()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS revenue_daily_weekly ON revenue_daily",
    "DROP FUNCTION IF EXISTS revenue_daily_to_weekly()",
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
                    .table(RevenueWeekly::Table)
                    .col(big_integer(RevenueWeekly::StoreId))
                    .col(date(RevenueWeekly::Week))
                    .col(big_integer(RevenueWeekly::ProductId))
                    .col(big_integer(RevenueWeekly::GrossCents))
                    .col(big_integer(RevenueWeekly::RefundsCents))
                    .col(big_integer(RevenueWeekly::Orders))
                    .primary_key(
                        Index::create()
                            .col(RevenueWeekly::StoreId)
                            .col(RevenueWeekly::Week)
                            .col(RevenueWeekly::ProductId),
                    )
                    .foreign_key(&mut foreign_key(
                        RevenueWeekly::Table,
                        RevenueWeekly::StoreId,
                        Stores::Table,
                        Stores::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        RevenueWeekly::Table,
                        RevenueWeekly::ProductId,
                        Products::Table,
                        Products::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let monday = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "date_trunc('week', day)::date".to_owned(),
            _ => SQLITE_MONDAY.replace("NEW.", ""),
        };
        db.execute_unprepared(&format!(
            "INSERT INTO revenue_weekly \
             (store_id, week, product_id, gross_cents, refunds_cents, orders) \
             SELECT store_id, {monday}, product_id, SUM(gross_cents), SUM(refunds_cents), \
             SUM(orders) FROM revenue_daily GROUP BY store_id, {monday}, product_id"
        ))
        .await?;
        execute_for_engine(manager, &sqlite_up(), POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .drop_table(Table::drop().table(RevenueWeekly::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum RevenueWeekly {
    Table,
    StoreId,
    Week,
    ProductId,
    GrossCents,
    RefundsCents,
    Orders,
}

#[derive(DeriveIden, Clone)]
enum Products {
    Table,
    Id,
}
