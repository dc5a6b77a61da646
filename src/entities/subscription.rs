//! The `subscriptions` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

use crate::vocab::SubscriptionStatus;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub customer_id: i64,
    pub product_id: i64,
    pub status: SubscriptionStatus,
    pub started_at: DateTimeUtc,
    pub renewed_at: DateTimeUtc,
    pub current_period_end: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
