//! The `tags` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub key: String,
    pub name: String,
    pub created_at: DateTimeUtc,
    /// How many fans carry the tag: maintained by triggers on `fan_tags` (migration 5),
    /// never written by the app.
    pub fan_count: i64,
    /// Goes up whenever a link of the tag is added or removed (the same triggers,
    /// migration 7), so a count kept in `tag_pairs` can tell it is still current.
    pub member_version: i64,
}

impl ActiveModelBehavior for ActiveModel {}
