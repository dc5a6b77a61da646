//! The `purchases` table. Schema only: behaviour lives in `crate::domain`.

use sea_orm::entity::prelude::*;

use crate::money::Currency;
use crate::vocab::PurchaseSource;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub customer_id: i64,
    pub product_id: i64,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    pub currency: Currency,
    pub source: PurchaseSource,
    pub external_id: String,
    pub purchased_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
