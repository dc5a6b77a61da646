//! The `subscription_periods` table: each unbroken stretch a subscription was paid for
//! (migration 9). Schema only: behaviour lives in `crate::domain::commerce::subscriptions`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscription_periods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub subscription_id: i64,
    pub started_at: DateTimeUtc,
    /// The end of the last month paid for, or the refund that cancelled the subscription.
    pub ended_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
