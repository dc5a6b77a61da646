//! The `tag_pairs` table: how many fans carry both tags of a pair (stored once, as lower id
//! and higher id), with each tag's count and member version at the moment it was counted
//! (migration 7). Schema only: behaviour lives in `crate::domain::audience::filter`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tag_pairs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub low_tag_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub high_tag_id: i64,
    pub low_version: i64,
    pub high_version: i64,
    pub low_fans: i64,
    pub high_fans: i64,
    pub both_fans: i64,
}

impl ActiveModelBehavior for ActiveModel {}
