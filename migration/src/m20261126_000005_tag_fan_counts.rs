//! Each tag's member count, kept exact by the database itself: triggers on `fan_tags` add
//! and subtract as links come and go, whichever path writes them (purchases, bulk tagging,
//! merges, and ON DELETE CASCADE from a deleted fan or tag). The audience builder reads it
//! to show the exact size of a one-tag audience without counting up to a million links, and
//! to choose whether a query starts from the tag's members or from the score order.
//!
//! PostgreSQL uses statement-level triggers with transition tables, so a bulk tagging of
//! 400,000 fans is one UPDATE per tag, not one per link. SQLite only has row triggers.

use sea_orm_migration::{prelude::*, schema::*};

use crate::execute_for_engine;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER fan_tags_count_insert AFTER INSERT ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count + 1 WHERE id = NEW.tag_id; END",
    "CREATE TRIGGER fan_tags_count_delete AFTER DELETE ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count - 1 WHERE id = OLD.tag_id; END",
    "CREATE TRIGGER fan_tags_count_update AFTER UPDATE OF tag_id ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count - 1 WHERE id = OLD.tag_id; \
     UPDATE tags SET fan_count = fan_count + 1 WHERE id = NEW.tag_id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS fan_tags_count_update",
    "DROP TRIGGER IF EXISTS fan_tags_count_delete",
    "DROP TRIGGER IF EXISTS fan_tags_count_insert",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION fan_tags_count_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE tags SET fan_count = tags.fan_count + added.n \
     FROM (SELECT tag_id, COUNT(*) AS n FROM new_links GROUP BY tag_id) AS added \
     WHERE tags.id = added.tag_id; RETURN NULL; END $$",
    "CREATE FUNCTION fan_tags_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE tags SET fan_count = tags.fan_count - removed.n \
     FROM (SELECT tag_id, COUNT(*) AS n FROM old_links GROUP BY tag_id) AS removed \
     WHERE tags.id = removed.tag_id; RETURN NULL; END $$",
    "CREATE TRIGGER fan_tags_count_insert AFTER INSERT ON fan_tags \
     REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION fan_tags_count_added()",
    "CREATE TRIGGER fan_tags_count_delete AFTER DELETE ON fan_tags \
     REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION fan_tags_count_removed()",
    // An UPDATE is a removal from the old tag and an addition to the new one.
    "CREATE TRIGGER fan_tags_count_update_old AFTER UPDATE ON fan_tags \
     REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION fan_tags_count_removed()",
    "CREATE TRIGGER fan_tags_count_update_new AFTER UPDATE ON fan_tags \
     REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION fan_tags_count_added()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS fan_tags_count_update_new ON fan_tags",
    "DROP TRIGGER IF EXISTS fan_tags_count_update_old ON fan_tags",
    "DROP TRIGGER IF EXISTS fan_tags_count_delete ON fan_tags",
    "DROP TRIGGER IF EXISTS fan_tags_count_insert ON fan_tags",
    "DROP FUNCTION IF EXISTS fan_tags_count_removed()",
    "DROP FUNCTION IF EXISTS fan_tags_count_added()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .add_column(big_integer(Tags::FanCount).default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE tags SET fan_count = \
             (SELECT COUNT(*) FROM fan_tags WHERE fan_tags.tag_id = tags.id)",
        )
        .await?;
        execute_for_engine(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .drop_column(Tags::FanCount)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    FanCount,
}
