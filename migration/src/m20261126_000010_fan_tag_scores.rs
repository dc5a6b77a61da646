//! A tag's fans in score order, read straight from an index: each `fan_tags` link carries its
//! fan's score, indexed by (tag, score, fan). "Fans with tag X, best first" then reads the
//! first 50 entries of X's index whatever X's size, instead of walking every fan by score
//! until 50 carry X (slow for a rare tag) or sorting all of X's members (slow for a common
//! one). Two-tag AND and NOT audiences walk one tag's index the same way.
//!
//! Triggers keep the copy exact on every path that writes links or scores:
//!
//! * a new link takes its fan's score. On PostgreSQL a BEFORE trigger reads it `FOR SHARE`:
//!   a transaction changing the fan's score concurrently either commits first (the share
//!   lock waits and then reads the new score) or waits for the link's transaction to commit
//!   (and its own update of the fan's links then sees the new link). Without the lock each
//!   would miss the other's change. SQLite has one writer at a time, and writers that pass
//!   the right score (the bulk paths) cost one lookup;
//! * a fan's score change is copied to its links.
//!
//! On PostgreSQL migration 5's UPDATE triggers counted every update of a link as a move
//! between tags (statement triggers with transition tables cannot name columns), so a score
//! copy would have moved every tag's member version and thrown away the kept pair counts.
//! They become a row trigger on updates of `fan_id` or `tag_id` only.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{execute_for_engine, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "UPDATE fan_tags SET score = (SELECT score FROM fans WHERE fans.id = fan_tags.fan_id)",
    "CREATE TRIGGER fan_tags_take_score AFTER INSERT ON fan_tags \
     WHEN NEW.score IS NOT (SELECT score FROM fans WHERE id = NEW.fan_id) BEGIN \
     UPDATE fan_tags SET score = (SELECT score FROM fans WHERE id = NEW.fan_id) \
     WHERE fan_id = NEW.fan_id AND tag_id = NEW.tag_id; END",
    "CREATE TRIGGER fan_tags_take_moved_score AFTER UPDATE OF fan_id ON fan_tags BEGIN \
     UPDATE fan_tags SET score = (SELECT score FROM fans WHERE id = NEW.fan_id) \
     WHERE fan_id = NEW.fan_id AND tag_id = NEW.tag_id; END",
    "CREATE TRIGGER fans_score_to_fan_tags AFTER UPDATE OF score ON fans \
     WHEN NEW.score IS NOT OLD.score BEGIN \
     UPDATE fan_tags SET score = NEW.score WHERE fan_id = NEW.id; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS fans_score_to_fan_tags",
    "DROP TRIGGER IF EXISTS fan_tags_take_moved_score",
    "DROP TRIGGER IF EXISTS fan_tags_take_score",
];

const POSTGRES_UP: &[&str] = &[
    // Migration 5's UPDATE triggers, for moves only (first, so that
    // the copy below is not counted as one).
    "DROP TRIGGER fan_tags_count_update_old ON fan_tags",
    "DROP TRIGGER fan_tags_count_update_new ON fan_tags",
    "CREATE FUNCTION fan_tags_count_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE tags SET fan_count = fan_count - 1, member_version = member_version + 1 \
     WHERE id = OLD.tag_id; \
     UPDATE tags SET fan_count = fan_count + 1, member_version = member_version + 1 \
     WHERE id = NEW.tag_id; \
     RETURN NULL; END $$",
    "CREATE TRIGGER fan_tags_count_moved AFTER UPDATE OF fan_id, tag_id ON fan_tags \
     FOR EACH ROW WHEN (OLD.fan_id IS DISTINCT FROM NEW.fan_id \
                        OR OLD.tag_id IS DISTINCT FROM NEW.tag_id) \
     EXECUTE FUNCTION fan_tags_count_moved()",
    "UPDATE fan_tags SET score = fans.score FROM fans WHERE fans.id = fan_tags.fan_id",
    "CREATE FUNCTION fan_tags_take_score() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     SELECT score INTO NEW.score FROM fans WHERE id = NEW.fan_id FOR SHARE; \
     RETURN NEW; END $$",
    "CREATE TRIGGER fan_tags_take_score BEFORE INSERT OR UPDATE OF fan_id ON fan_tags \
     FOR EACH ROW EXECUTE FUNCTION fan_tags_take_score()",
    "CREATE FUNCTION fans_score_to_fan_tags() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     UPDATE fan_tags SET score = NEW.score WHERE fan_id = NEW.id; \
     RETURN NULL; END $$",
    "CREATE TRIGGER fans_score_to_fan_tags AFTER UPDATE OF score ON fans \
     FOR EACH ROW WHEN (OLD.score IS DISTINCT FROM NEW.score) \
     EXECUTE FUNCTION fans_score_to_fan_tags()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS fan_tags_count_moved ON fan_tags",
    "DROP FUNCTION IF EXISTS fan_tags_count_moved()",
    "CREATE TRIGGER fan_tags_count_update_old AFTER UPDATE ON fan_tags \
     REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION fan_tags_count_removed()",
    "CREATE TRIGGER fan_tags_count_update_new AFTER UPDATE ON fan_tags \
     REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION fan_tags_count_added()",
    "DROP TRIGGER IF EXISTS fans_score_to_fan_tags ON fans",
    "DROP FUNCTION IF EXISTS fans_score_to_fan_tags()",
    "DROP TRIGGER IF EXISTS fan_tags_take_score ON fan_tags",
    "DROP FUNCTION IF EXISTS fan_tags_take_score()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on one connection, on SQLite too (see migration 6).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(FanTags::Table)
                    .add_column(big_integer(FanTags::Score).default(0))
                    .to_owned(),
            )
            .await?;
        execute_for_engine(manager, SQLITE_UP, POSTGRES_UP).await?;
        manager
            .create_index(index(
                FanTags::Table,
                &[FanTags::TagId, FanTags::Score, FanTags::FanId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_fan_tags_tag_id_score_fan_id")
                    .table(FanTags::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FanTags::Table)
                    .drop_column(FanTags::Score)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum FanTags {
    Table,
    TagId,
    Score,
    FanId,
}
