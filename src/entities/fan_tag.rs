//! The `fan_tags` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fan_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fan_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_id: i64,
    pub store_id: i64,
    pub created_at: DateTimeUtc,
    /// A copy of the fan's score, kept by triggers (migration 10), so that a tag's fans can
    /// be read in score order from the (tag, score, fan) index.
    pub score: i64,
}

impl ActiveModelBehavior for ActiveModel {}
