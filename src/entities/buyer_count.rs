//! The `buyer_counts` table: distinct buyers of past date ranges, invalidated by triggers on
//! `purchases` (migration 6). Schema only: behaviour lives in `crate::domain::commerce::revenue`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "buyer_counts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub store_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub end_day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub start_day: Date,
    pub buyers: i64,
}

impl ActiveModelBehavior for ActiveModel {}
