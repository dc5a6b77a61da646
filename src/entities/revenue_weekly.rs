//! The `revenue_weekly` table: the daily rollup summed per ISO week (keyed by its Monday),
//! kept by triggers on `revenue_daily` (migration 8). Schema only: behaviour lives in
//! `crate::domain::commerce::revenue`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revenue_weekly")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub store_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub week: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    pub gross_cents: i64,
    pub refunds_cents: i64,
    pub orders: i64,
}

impl ActiveModelBehavior for ActiveModel {}
