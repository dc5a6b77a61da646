//! "What did these customers buy?": the Customers page asks it for the 50 customers it
//! shows, as `SELECT DISTINCT customer_id, product_id FROM purchases WHERE customer_id IN
//! (…)`. Migration 2's (customer, purchased_at) index finds those purchases, but each one's
//! product is then read from its table row: at 1M fans the page's 50 best customers have
//! about 1,000 purchases, scattered over the table. An index on (customer, product) answers
//! from the index alone, already in the order `DISTINCT` wants.
//!
//! The (customer, purchased_at) index stays: a customer's purchases newest first (the
//! customer page, the fan profile) still walk it.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX_NAME: &str = "idx_purchases_customer_id_product_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                Purchases::Table,
                &[Purchases::CustomerId, Purchases::ProductId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX_NAME)
                    .table(Purchases::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum Purchases {
    Table,
    CustomerId,
    ProductId,
}
