//! Refunds, full or partial, never more than what remains of a purchase. A refund lowers the
//! customer's net total, takes the purchase's points back down to `floor(net / 1000)` through
//! a negative "Refunded: {product}" activity, enters the rollup on the day it happens (the
//! refund's insert does, by trigger: [`crate::domain::derived`]), and keeps the `customer`
//! tag true. Email consent is never touched.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, TryInsertResult,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::scoring;
use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::commerce::products;
use crate::domain::commerce::purchases::purchase_reference;
use crate::domain::commerce::subscriptions;
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::RefundReceipt;
use crate::entities::{customer, fan_activity, purchase, refund};
use crate::money::{MinorUnits, Money};
use crate::vocab::ActivityKind;

const MAX_REASON_CHARS: usize = 300;
const MAX_REQUEST_KEY_CHARS: usize = 100;

/// A refund as asked for, before it is checked.
#[derive(Debug, Clone, Copy)]
pub struct RefundInput<'a> {
    pub store_id: i64,
    pub purchase_id: i64,
    /// More than zero, in the store's currency; `None` refunds everything that remains.
    pub amount: Option<Money>,
    pub reason: &'a str,
    /// Idempotency key of the refund request: a double submit refunds once.
    pub request_key: &'a str,
    /// When the money went back; `None` means now.
    pub refunded_at: Option<DateTime<Utc>>,
}

/// A refund to make: an amount more than zero (or all that remains), a reason of at most 300
/// characters, and a request key of 1 to 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPurchase {
    store_id: i64,
    purchase_id: i64,
    amount: Option<Money>,
    reason: String,
    request_key: String,
    refunded_at: Option<DateTime<Utc>>,
}

impl RefundPurchase {
    /// # Errors
    /// `Invalid`, naming `amount`, `reason` or `request_key`.
    pub fn parse(input: RefundInput<'_>) -> DomainResult<RefundPurchase> {
        if input
            .amount
            .is_some_and(|amount| !amount.minor().is_positive())
        {
            return Err(DomainError::invalid(
                "amount",
                "A refund must be more than zero.",
            ));
        }
        let reason = text::multi_line(input.reason, MAX_REASON_CHARS)
            .map_err(|message| DomainError::invalid("reason", message))?;
        let request_key = input.request_key.trim();
        if request_key.is_empty() || request_key.chars().count() > MAX_REQUEST_KEY_CHARS {
            return Err(DomainError::invalid(
                "request_key",
                "This refund form has expired. Please reload the page.",
            ));
        }
        Ok(RefundPurchase {
            store_id: input.store_id,
            purchase_id: input.purchase_id,
            amount: input.amount,
            reason,
            request_key: request_key.to_owned(),
            refunded_at: input.refunded_at.map(time::at_db_precision),
        })
    }

    pub fn store_id(&self) -> i64 {
        self.store_id
    }

    pub fn purchase_id(&self) -> i64 {
        self.purchase_id
    }

    /// `None` refunds everything that remains.
    pub fn amount(&self) -> Option<Money> {
        self.amount
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn request_key(&self) -> &str {
        &self.request_key
    }

    pub fn refunded_at(&self) -> Option<DateTime<Utc>> {
        self.refunded_at
    }
}

/// # Errors
/// `NotFound` (store, purchase), `Invalid` (nothing left to refund, more than remains),
/// `Conflict` (request key reused with another amount).
pub async fn refund_purchase(
    db: &DatabaseConnection,
    command: &RefundPurchase,
) -> DomainResult<RefundReceipt> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let receipt = refund_in(&tx, command).await?;
        tx.commit().await?;
        Ok(receipt)
    })
    .await
}

async fn refund_in(
    tx: &impl ConnectionTrait,
    command: &RefundPurchase,
) -> DomainResult<RefundReceipt> {
    let store = stores::find_active(tx, command.store_id).await?;
    let currency = store.currency;
    let requested = command
        .amount
        .map(|amount| stores::in_store_currency(&store, amount, "amount"))
        .transpose()?;
    let purchase = purchase::Entity::find_by_id(command.purchase_id)
        .filter(purchase::Column::StoreId.eq(command.store_id))
        .one(tx)
        .await?
        .ok_or(DomainError::NotFound("purchase"))?;

    if let Some(earlier) = refund::Entity::find()
        .filter(refund::Column::PurchaseId.eq(purchase.id))
        .filter(refund::Column::RequestKey.eq(command.request_key.as_str()))
        .one(tx)
        .await?
    {
        if requested.is_some_and(|amount| amount.get() != earlier.amount_cents) {
            return Err(DomainError::Conflict(
                "This refund request was already made with a different amount.".to_owned(),
            ));
        }
        return Ok(RefundReceipt {
            refund_id: earlier.id,
            purchase_id: purchase.id,
            customer_id: purchase.customer_id,
            amount_cents: MinorUnits::new(earlier.amount_cents),
            remaining_cents: MinorUnits::new(purchase.amount_cents - purchase.refunded_cents),
            points: 0,
            replayed: true,
        });
    }

    let remaining = MinorUnits::new(purchase.amount_cents - purchase.refunded_cents);
    if !remaining.is_positive() {
        return Err(DomainError::invalid(
            "amount",
            "This purchase is already fully refunded.",
        ));
    }
    let amount = requested.unwrap_or(remaining);
    if amount > remaining {
        return Err(DomainError::invalid(
            "amount",
            format!("You can refund at most {}.", currency.format(remaining)),
        ));
    }

    // Guarded in place: a concurrent refund that got there first makes this match no row.
    let moved = purchase::Entity::update_many()
        .col_expr(
            purchase::Column::RefundedCents,
            Expr::col(purchase::Column::RefundedCents).add(amount.get()),
        )
        .filter(purchase::Column::Id.eq(purchase.id))
        .filter(
            Expr::col(purchase::Column::RefundedCents)
                .add(amount.get())
                .lte(Expr::col(purchase::Column::AmountCents)),
        )
        .exec(tx)
        .await?;
    if moved.rows_affected != 1 {
        return Err(DomainError::Contended);
    }

    let refunded_at = command.refunded_at.unwrap_or_else(time::now);
    let refund = refund::Model {
        id: 0,
        store_id: command.store_id,
        purchase_id: purchase.id,
        amount_cents: amount.get(),
        reason: command.reason.clone(),
        request_key: command.request_key.clone(),
        refunded_at,
        created_at: time::now(),
    };
    let mut insert: refund::ActiveModel = refund.clone().into();
    insert.id = NotSet;
    let inserted = refund::Entity::insert(insert)
        .on_conflict(
            OnConflict::columns([refund::Column::PurchaseId, refund::Column::RequestKey])
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(tx)
        .await?;
    let TryInsertResult::Inserted(result) = inserted else {
        return Err(DomainError::Contended);
    };
    let refund = refund::Model {
        id: result.last_insert_id,
        ..refund
    };

    customer::Entity::update_many()
        .col_expr(
            customer::Column::TotalSpentCents,
            Expr::col(customer::Column::TotalSpentCents).sub(amount.get()),
        )
        .col_expr(
            customer::Column::RefundedCents,
            Expr::col(customer::Column::RefundedCents).add(amount.get()),
        )
        .filter(customer::Column::Id.eq(purchase.customer_id))
        .exec(tx)
        .await?;

    let product = products::find_in_store(tx, command.store_id, purchase.product_id).await?;
    let fully_refunded = amount == remaining;
    if fully_refunded && product.is_subscription {
        subscriptions::cancel(tx, &purchase, refunded_at).await?;
    }

    let points = take_back_points(tx, &purchase, &product.name, remaining, amount, &refund).await?;
    Ok(RefundReceipt {
        refund_id: refund.id,
        purchase_id: purchase.id,
        customer_id: purchase.customer_id,
        amount_cents: amount,
        remaining_cents: remaining - amount,
        points,
        replayed: false,
    })
}

/// Lowers the fan's points for this purchase to `floor(net / 1000)` and re-checks the
/// `customer` tag. Only the fan who received the purchase's points loses them: after an
/// erasure, a new fan with the same email never had them.
async fn take_back_points(
    tx: &impl ConnectionTrait,
    purchase: &purchase::Model,
    product_name: &str,
    net_before: MinorUnits,
    amount: MinorUnits,
    refund: &refund::Model,
) -> DomainResult<i64> {
    let customer = customer::Entity::find_by_id(purchase.customer_id)
        .one(tx)
        .await?
        .ok_or_else(|| DomainError::Corrupt(format!("purchase {} has no customer", purchase.id)))?;
    let Some(fan) = sync::find_fan_by_email(tx, purchase.store_id, &customer.email).await? else {
        return Ok(0);
    };
    let earned_here = fan_activity::Entity::find()
        .filter(fan_activity::Column::FanId.eq(fan.id))
        .filter(fan_activity::Column::Reference.eq(purchase_reference(purchase.id)))
        .one(tx)
        .await?
        .is_some();
    let points = if earned_here {
        scoring::purchase_points(net_before - amount) - scoring::purchase_points(net_before)
    } else {
        0
    };
    sync::record_activity(
        tx,
        NewActivity {
            store_id: purchase.store_id,
            fan_id: fan.id,
            kind: ActivityKind::Refund,
            detail: format!("Refunded: {product_name}"),
            points,
            reference: Some(&format!("refund:{}", refund.id)),
            purchase_id: Some(purchase.id),
            occurred_at: refund.refunded_at,
        },
    )
    .await?;
    sync::sync_customer_tag(tx, purchase.store_id, fan.id, &customer.email).await?;
    Ok(points)
}
