//! The `revenue_daily` table: purchases and refunds summed per (store, UTC day, product),
//! kept by triggers on `purchases` and `refunds` (migration 12), never written by the app.
//! Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revenue_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub store_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub product_id: i64,
    pub gross_cents: i64,
    pub refunds_cents: i64,
    pub orders: i64,
}

impl ActiveModelBehavior for ActiveModel {}
