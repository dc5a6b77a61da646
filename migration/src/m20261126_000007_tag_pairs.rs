//! The size of two-tag audiences without counting them on every view.
//!
//! With both tags' counts (`tags.fan_count`, migration 5) and the number of fans carrying
//! both, any two-tag audience is arithmetic: AND = |A ∩ B|, OR = |A| + |B| − |A ∩ B|,
//! NOT = |A| − |A ∩ B|. Counting the overlap of a 20k and a 400k tag takes 80–90 ms at a
//! million fans, so it is kept in `tag_pairs` with the tags' counts and *member versions* it
//! was counted at:
//!
//! * `tags.member_version` goes up whenever a link of the tag is added or removed (the same
//!   triggers that keep `fan_count`, now doing both);
//! * a `tag_pairs` row is filled by one statement that reads both tags and counts the overlap
//!   from a single snapshot, so the versions and the count in it always belong together;
//! * a reader uses the row only while both versions are still current, and refills it
//!   otherwise. A stale row is never used; it costs one recount.
//!
//! (Keeping pair counts exact by triggers instead would need each link change to read the
//! fan's other links, which concurrent PostgreSQL transactions do not see: two fans' tags
//! added at once would lose a pair.)

use sea_orm_migration::{prelude::*, schema::*};

use crate::{execute_for_engine, foreign_key};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Migration 5's triggers, now also moving the member version.
const SQLITE_UP: &[&str] = &[
    "DROP TRIGGER fan_tags_count_insert",
    "DROP TRIGGER fan_tags_count_delete",
    "DROP TRIGGER fan_tags_count_update",
    "CREATE TRIGGER fan_tags_count_insert AFTER INSERT ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count + 1, member_version = member_version + 1 \
     WHERE id = NEW.tag_id; END",
    "CREATE TRIGGER fan_tags_count_delete AFTER DELETE ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count - 1, member_version = member_version + 1 \
     WHERE id = OLD.tag_id; END",
    "CREATE TRIGGER fan_tags_count_update AFTER UPDATE OF fan_id, tag_id ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count - 1, member_version = member_version + 1 \
     WHERE id = OLD.tag_id; \
     UPDATE tags SET fan_count = fan_count + 1, member_version = member_version + 1 \
     WHERE id = NEW.tag_id; END",
];

/// Migration 5's triggers as they were.
const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER fan_tags_count_insert",
    "DROP TRIGGER fan_tags_count_delete",
    "DROP TRIGGER fan_tags_count_update",
    "CREATE TRIGGER fan_tags_count_insert AFTER INSERT ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count + 1 WHERE id = NEW.tag_id; END",
    "CREATE TRIGGER fan_tags_count_delete AFTER DELETE ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count - 1 WHERE id = OLD.tag_id; END",
    "CREATE TRIGGER fan_tags_count_update AFTER UPDATE OF tag_id ON fan_tags BEGIN \
     UPDATE tags SET fan_count = fan_count - 1 WHERE id = OLD.tag_id; \
     UPDATE tags SET fan_count = fan_count + 1 WHERE id = NEW.tag_id; END",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE OR REPLACE FUNCTION fan_tags_count_added() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     UPDATE tags SET fan_count = tags.fan_count + added.n, \
     member_version = tags.member_version + 1 \
     FROM (SELECT tag_id, COUNT(*) AS n FROM new_links GROUP BY tag_id) AS added \
     WHERE tags.id = added.tag_id; RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION fan_tags_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     UPDATE tags SET fan_count = tags.fan_count - removed.n, \
     member_version = tags.member_version + 1 \
     FROM (SELECT tag_id, COUNT(*) AS n FROM old_links GROUP BY tag_id) AS removed \
     WHERE tags.id = removed.tag_id; RETURN NULL; END $$",
];

const POSTGRES_DOWN: &[&str] = &[
    "CREATE OR REPLACE FUNCTION fan_tags_count_added() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     UPDATE tags SET fan_count = tags.fan_count + added.n \
     FROM (SELECT tag_id, COUNT(*) AS n FROM new_links GROUP BY tag_id) AS added \
     WHERE tags.id = added.tag_id; RETURN NULL; END $$",
    "CREATE OR REPLACE FUNCTION fan_tags_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     UPDATE tags SET fan_count = tags.fan_count - removed.n \
     FROM (SELECT tag_id, COUNT(*) AS n FROM old_links GROUP BY tag_id) AS removed \
     WHERE tags.id = removed.tag_id; RETURN NULL; END $$",
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
            .alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .add_column(big_integer(Tags::MemberVersion).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TagPairs::Table)
                    .col(big_integer(TagPairs::LowTagId))
                    .col(big_integer(TagPairs::HighTagId))
                    .col(big_integer(TagPairs::LowVersion))
                    .col(big_integer(TagPairs::HighVersion))
                    .col(big_integer(TagPairs::LowFans))
                    .col(big_integer(TagPairs::HighFans))
                    .col(big_integer(TagPairs::BothFans))
                    .primary_key(
                        Index::create()
                            .col(TagPairs::LowTagId)
                            .col(TagPairs::HighTagId),
                    )
                    .foreign_key(&mut foreign_key(
                        TagPairs::Table,
                        TagPairs::LowTagId,
                        Tags::Table,
                        Tags::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        TagPairs::Table,
                        TagPairs::HighTagId,
                        Tags::Table,
                        Tags::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        execute_for_engine(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        execute_for_engine(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .drop_table(Table::drop().table(TagPairs::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .drop_column(Tags::MemberVersion)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum TagPairs {
    Table,
    LowTagId,
    HighTagId,
    LowVersion,
    HighVersion,
    LowFans,
    HighFans,
    BothFans,
}

#[derive(DeriveIden, Clone)]
enum Tags {
    Table,
    Id,
    MemberVersion,
}
