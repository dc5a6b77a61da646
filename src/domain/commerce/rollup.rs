//! The daily revenue rollup: per store, UTC day and product, the gross, the refunds and the
//! number of orders. Maintained inside the purchase and refund transactions, so the dashboard
//! reads a few hundred rows instead of every purchase.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::domain::DomainResult;
use crate::domain::sql::excluded;
use crate::entities::revenue_daily;
use crate::money::MinorUnits;

/// Amounts to add to one (store, day, product) row.
pub(crate) struct Movement {
    pub store_id: i64,
    pub day: NaiveDate,
    pub product_id: i64,
    pub gross: MinorUnits,
    pub refunds: MinorUnits,
    pub orders: i64,
}

/// Adds a movement in place: `x = x + excluded.x`, so concurrent purchases never lose one.
pub(crate) async fn add(db: &impl ConnectionTrait, movement: Movement) -> DomainResult<()> {
    use revenue_daily::Column as C;
    let current = |column: C| Expr::col((revenue_daily::Entity, column));
    revenue_daily::Entity::insert(revenue_daily::ActiveModel {
        store_id: Set(movement.store_id),
        day: Set(movement.day),
        product_id: Set(movement.product_id),
        gross_cents: Set(movement.gross.get()),
        refunds_cents: Set(movement.refunds.get()),
        orders: Set(movement.orders),
    })
    .on_conflict(
        OnConflict::columns([C::StoreId, C::Day, C::ProductId])
            .value(
                C::GrossCents,
                current(C::GrossCents).add(excluded(C::GrossCents)),
            )
            .value(
                C::RefundsCents,
                current(C::RefundsCents).add(excluded(C::RefundsCents)),
            )
            .value(C::Orders, current(C::Orders).add(excluded(C::Orders)))
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
