//! The `subscription_daily` table, kept by triggers on `subscription_periods` (migration 9).
//! Schema only: behaviour lives in `crate::domain::commerce::subscriptions`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscription_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub store_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// Subscription periods that start on this day.
    pub starts: i64,
    /// Subscription periods that end on this day (some of them in the future).
    pub ends: i64,
}

impl ActiveModelBehavior for ActiveModel {}
