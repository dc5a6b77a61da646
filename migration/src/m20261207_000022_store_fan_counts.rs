//! Each store's number of fans, kept exact by the database: the unfiltered Fans page (the
//! page a creator opens most) shows it on every view, and counting a million fans took
//! about 30 ms of CPU per view on SQLite (issue #32). Triggers on `fans` add and subtract as
//! fans are created and erased, whichever path writes them (commands, the bulk generator,
//! the benchmark's raw SQL, `ON DELETE CASCADE` from a deleted store).
//!
//! A fan never moves to another store: the database refuses a change of `fans.store_id`
//! rather than letting the count drift (and rather than firing an UPDATE trigger on every
//! score change, which PostgreSQL's statement triggers with transition tables would do, as
//! they cannot be limited to a column).
//!
//! PostgreSQL uses statement-level triggers with transition tables, as `tags.fan_count`
//! does (migration 5): the bulk generator's insert of 100,000 fans is one UPDATE per store.

use sea_orm_migration::{prelude::*, schema::*};

use crate::execute_for_engine;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER fans_store_count_insert AFTER INSERT ON fans BEGIN \
     UPDATE stores SET fan_count = fan_count + 1 WHERE id = NEW.store_id; END",
    "CREATE TRIGGER fans_store_count_delete AFTER DELETE ON fans BEGIN \
     UPDATE stores SET fan_count = fan_count - 1 WHERE id = OLD.store_id; END",
    "CREATE TRIGGER fans_store_fixed BEFORE UPDATE OF store_id ON fans \
     WHEN OLD.store_id IS NOT NEW.store_id BEGIN \
     SELECT RAISE(ABORT, 'a fan never moves to another store'); END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS fans_store_fixed",
    "DROP TRIGGER IF EXISTS fans_store_count_delete",
    "DROP TRIGGER IF EXISTS fans_store_count_insert",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION fans_store_count_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE stores SET fan_count = stores.fan_count + added.n \
     FROM (SELECT store_id, COUNT(*) AS n FROM new_fans GROUP BY store_id) AS added \
     WHERE stores.id = added.store_id; RETURN NULL; END $$",
    "CREATE FUNCTION fans_store_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE stores SET fan_count = stores.fan_count - removed.n \
     FROM (SELECT store_id, COUNT(*) AS n FROM old_fans GROUP BY store_id) AS removed \
     WHERE stores.id = removed.store_id; RETURN NULL; END $$",
    "CREATE TRIGGER fans_store_count_insert AFTER INSERT ON fans \
     REFERENCING NEW TABLE AS new_fans FOR EACH STATEMENT \
     EXECUTE FUNCTION fans_store_count_added()",
    "CREATE TRIGGER fans_store_count_delete AFTER DELETE ON fans \
     REFERENCING OLD TABLE AS old_fans FOR EACH STATEMENT \
     EXECUTE FUNCTION fans_store_count_removed()",
    "CREATE FUNCTION fans_store_fixed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     RAISE EXCEPTION 'a fan never moves to another store'; END $$",
    "CREATE TRIGGER fans_store_fixed BEFORE UPDATE OF store_id ON fans FOR EACH ROW \
     WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id) EXECUTE FUNCTION fans_store_fixed()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS fans_store_fixed ON fans",
    "DROP FUNCTION IF EXISTS fans_store_fixed()",
    "DROP TRIGGER IF EXISTS fans_store_count_delete ON fans",
    "DROP TRIGGER IF EXISTS fans_store_count_insert ON fans",
    "DROP FUNCTION IF EXISTS fans_store_count_removed()",
    "DROP FUNCTION IF EXISTS fans_store_count_added()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction, so no fan is created between the count and its triggers.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .add_column(big_integer(Stores::FanCount).default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE stores SET fan_count = \
             (SELECT COUNT(*) FROM fans WHERE fans.store_id = stores.id)",
        )
        .await?;
        execute_for_engine(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .drop_column(Stores::FanCount)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Stores {
    Table,
    FanCount,
}
