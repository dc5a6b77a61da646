//! The daily revenue rollup moves into the database, beside every other rollup
//! (`src/domain/derived.rs` has the rule): triggers on `purchases` and `refunds` add each
//! fact's amounts to its (store, UTC day, product) row of `revenue_daily`, whichever path
//! writes it (purchases, refunds, the bulk generator, the benchmark's raw-SQL loop). Until
//! now the purchase and refund commands added them in Rust and the generator summed them a
//! second way.
//!
//! * A purchase adds its amount and one order on the day it was bought; a refund adds its
//!   amount to the refunds of the day it was made, under its purchase's product.
//! * Purchases and refunds are facts: the columns the rollup reads (store, product,
//!   purchase, amount, time) never change once written, and the database refuses a change
//!   rather than letting the rollup drift. They are never deleted but with their store,
//!   whose rollup rows go with it (`ON DELETE CASCADE`); a product that has purchases
//!   cannot be deleted (`RESTRICT`).
//!
//! On PostgreSQL the triggers are deferred constraint triggers, as for `customer_daily`: the
//! day row that every purchase of a product that day updates is then locked at commit only,
//! not from the purchase's insert to the end of its transaction.
//!
//! The rollup (and `revenue_weekly`, which migration 8's triggers keep from it) is recomputed
//! from every purchase and refund, so whatever the Rust code had written, the rollup starts
//! exact.

use sea_orm_migration::prelude::*;

use crate::execute_for_engine;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Adds amounts to one `revenue_daily` row, SQLite form: `source` yields (store, day,
/// product, gross, refunds, orders).
fn sqlite_add(source: &str) -> String {
    format!(
        "INSERT INTO revenue_daily (store_id, day, product_id, gross_cents, refunds_cents, orders) \
         {source} \
         ON CONFLICT (store_id, day, product_id) DO UPDATE SET \
         gross_cents = gross_cents + excluded.gross_cents, \
         refunds_cents = refunds_cents + excluded.refunds_cents, \
         orders = orders + excluded.orders;"
    )
}

/// Refuses a change to the columns of a fact that the rollup reads.
const SQLITE_FACTS_FIXED: &str = "SELECT RAISE(ABORT, \
     'purchases and refunds are facts: their store, product, amount and time never change');";

fn sqlite_up() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER purchases_revenue_daily AFTER INSERT ON purchases BEGIN {} END",
            sqlite_add(
                "VALUES (NEW.store_id, date(NEW.purchased_at), NEW.product_id, \
                 NEW.amount_cents, 0, 1)"
            )
        ),
        // The SELECT's WHERE is what lets SQLite read the ON CONFLICT after it as the
        // upsert's, not as a join constraint.
        format!(
            "CREATE TRIGGER refunds_revenue_daily AFTER INSERT ON refunds BEGIN {} END",
            sqlite_add(
                "SELECT NEW.store_id, date(NEW.refunded_at), product_id, 0, NEW.amount_cents, 0 \
                 FROM purchases WHERE id = NEW.purchase_id"
            )
        ),
        format!(
            "CREATE TRIGGER purchases_facts_fixed BEFORE UPDATE OF store_id, product_id, \
             amount_cents, purchased_at ON purchases \
             WHEN OLD.store_id IS NOT NEW.store_id OR OLD.product_id IS NOT NEW.product_id \
             OR OLD.amount_cents IS NOT NEW.amount_cents \
             OR OLD.purchased_at IS NOT NEW.purchased_at BEGIN {SQLITE_FACTS_FIXED} END"
        ),
        format!(
            "CREATE TRIGGER refunds_facts_fixed BEFORE UPDATE OF store_id, purchase_id, \
             amount_cents, refunded_at ON refunds \
             WHEN OLD.store_id IS NOT NEW.store_id OR OLD.purchase_id IS NOT NEW.purchase_id \
             OR OLD.amount_cents IS NOT NEW.amount_cents \
             OR OLD.refunded_at IS NOT NEW.refunded_at BEGIN {SQLITE_FACTS_FIXED} END"
        ),
    ]
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS refunds_facts_fixed",
    "DROP TRIGGER IF EXISTS purchases_facts_fixed",
    "DROP TRIGGER IF EXISTS refunds_revenue_daily",
    "DROP TRIGGER IF EXISTS purchases_revenue_daily",
];

/// The INSERT is written in each PL/pgSQL function rather than in a shared SQL function:
/// PL/pgSQL keeps a statement's plan for the session, a SQL function is planned per call.
const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION purchases_to_revenue_daily() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     INSERT INTO revenue_daily (store_id, day, product_id, gross_cents, refunds_cents, orders) \
     VALUES (NEW.store_id, (NEW.purchased_at AT TIME ZONE 'UTC')::date, NEW.product_id, \
             NEW.amount_cents, 0, 1) \
     ON CONFLICT (store_id, day, product_id) DO UPDATE SET \
     gross_cents = revenue_daily.gross_cents + excluded.gross_cents, \
     orders = revenue_daily.orders + excluded.orders; \
     RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER purchases_revenue_daily AFTER INSERT ON purchases \
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION purchases_to_revenue_daily()",
    "CREATE FUNCTION refunds_to_revenue_daily() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     INSERT INTO revenue_daily (store_id, day, product_id, gross_cents, refunds_cents, orders) \
     SELECT NEW.store_id, (NEW.refunded_at AT TIME ZONE 'UTC')::date, product_id, \
            0, NEW.amount_cents, 0 \
     FROM purchases WHERE id = NEW.purchase_id \
     ON CONFLICT (store_id, day, product_id) DO UPDATE SET \
     refunds_cents = revenue_daily.refunds_cents + excluded.refunds_cents; \
     RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER refunds_revenue_daily AFTER INSERT ON refunds \
     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refunds_to_revenue_daily()",
    "CREATE FUNCTION revenue_facts_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     RAISE EXCEPTION 'purchases and refunds are facts: their store, product, amount and time \
     never change'; END $$",
    "CREATE TRIGGER purchases_facts_fixed BEFORE UPDATE OF store_id, product_id, amount_cents, \
     purchased_at ON purchases FOR EACH ROW \
     WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id \
           OR OLD.product_id IS DISTINCT FROM NEW.product_id \
           OR OLD.amount_cents IS DISTINCT FROM NEW.amount_cents \
           OR OLD.purchased_at IS DISTINCT FROM NEW.purchased_at) \
     EXECUTE FUNCTION revenue_facts_fixed()",
    "CREATE TRIGGER refunds_facts_fixed BEFORE UPDATE OF store_id, purchase_id, amount_cents, \
     refunded_at ON refunds FOR EACH ROW \
     WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id \
           OR OLD.purchase_id IS DISTINCT FROM NEW.purchase_id \
           OR OLD.amount_cents IS DISTINCT FROM NEW.amount_cents \
           OR OLD.refunded_at IS DISTINCT FROM NEW.refunded_at) \
     EXECUTE FUNCTION revenue_facts_fixed()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS refunds_facts_fixed ON refunds",
    "DROP TRIGGER IF EXISTS purchases_facts_fixed ON purchases",
    "DROP FUNCTION IF EXISTS revenue_facts_fixed()",
    "DROP TRIGGER IF EXISTS refunds_revenue_daily ON refunds",
    "DROP FUNCTION IF EXISTS refunds_to_revenue_daily()",
    "DROP TRIGGER IF EXISTS purchases_revenue_daily ON purchases",
    "DROP FUNCTION IF EXISTS purchases_to_revenue_daily()",
];

/// Every purchase and refund summed per (store, UTC day, product), for `day` the engine's
/// UTC date of a timestamp column.
fn recompute(day: impl Fn(&str) -> String) -> String {
    format!(
        "INSERT INTO revenue_daily (store_id, day, product_id, gross_cents, refunds_cents, orders) \
         SELECT store_id, day, product_id, SUM(gross), SUM(refunds), SUM(orders) FROM ( \
           SELECT store_id, {purchase_day} AS day, product_id, amount_cents AS gross, \
                  0 AS refunds, 1 AS orders FROM purchases \
           UNION ALL \
           SELECT r.store_id, {refund_day}, p.product_id, 0, r.amount_cents, 0 \
           FROM refunds r JOIN purchases p ON p.id = r.purchase_id) AS facts \
         GROUP BY store_id, day, product_id",
        purchase_day = day("purchased_at"),
        refund_day = day("r.refunded_at"),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on one connection, on SQLite too (see migration 6).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Migration 8's triggers rebuild the weekly rollup as the daily rows go back in.
        db.execute_unprepared("DELETE FROM revenue_weekly").await?;
        db.execute_unprepared("DELETE FROM revenue_daily").await?;
        let sql = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                recompute(|column| format!("({column} AT TIME ZONE 'UTC')::date"))
            }
            _ => recompute(|column| format!("date({column})")),
        };
        db.execute_unprepared(&sql).await?;
        execute_for_engine(manager, &sqlite_up(), POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
