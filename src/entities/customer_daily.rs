//! The `customer_daily` table, kept by triggers on `customers` (migration 6). Schema only:
//! behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_daily")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub store_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// Customers whose first purchase is on this day.
    pub new_customers: i64,
    /// Customers whose latest purchase is on this day.
    pub last_buyers: i64,
}

impl ActiveModelBehavior for ActiveModel {}
