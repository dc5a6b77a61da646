//! The `customers` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub email: String,
    pub name: String,
    pub sort_name: String,
    pub total_spent_cents: i64,
    pub refunded_cents: i64,
    pub purchase_count: i32,
    pub first_purchase_at: Option<DateTimeUtc>,
    pub last_purchase_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
