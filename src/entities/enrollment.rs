//! The `enrollments` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub customer_id: i64,
    pub product_id: i64,
    pub purchase_id: i64,
    pub enrolled_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
