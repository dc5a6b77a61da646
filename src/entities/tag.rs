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
}

impl ActiveModelBehavior for ActiveModel {}
