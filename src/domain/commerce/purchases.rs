//! Recording a purchase: the auto-sync. In one transaction, exactly once per
//! (store, source, external id):
//!
//! 1. upsert the customer for (store, email): totals, count, first/last purchase;
//! 2. insert the purchase; a course enrolls, a subscription product starts or renews;
//! 3. upsert the fan for the same email (a new fan has source `purchase`);
//! 4. add `floor(amount / 1000)` points through a "Purchased: {product}" activity;
//! 5. make sure the fan has the `customer` tag (for a purchase that carries money);
//! 6. add the purchase to the store's daily revenue rollup.
//!
//! A replay of the same key with the same payload returns the first result and changes
//! nothing; the same key with a different payload is a `Conflict`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    QueryFilter, QuerySelect, TryInsertResult,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::scoring;
use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::audience::tags::CUSTOMER_TAG;
use crate::domain::commerce::products;
use crate::domain::commerce::rollup;
use crate::domain::commerce::subscriptions;
use crate::domain::email::Email;
use crate::domain::sql::{excluded, later_of};
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::PurchaseReceipt;
use crate::entities::{customer, enrollment, product, purchase, store, tag};
use crate::vocab::{ActivityKind, ProductKind, PurchaseSource};

const MAX_EXTERNAL_ID_CHARS: usize = 200;
const MAX_NAME_CHARS: usize = 120;

/// A purchase to record, already parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPurchase {
    pub store_id: i64,
    pub email: Email,
    /// The buyer's name; may be empty.
    pub name: String,
    pub product_id: i64,
    /// In the store's currency, minor units, zero or more.
    pub amount_cents: i64,
    pub source: PurchaseSource,
    /// The idempotency key within (store, source): a form's generated key, an order number…
    pub external_id: String,
    /// When the purchase happened; `None` means now.
    pub purchased_at: Option<DateTime<Utc>>,
}

impl RecordPurchase {
    /// Checks the fields that are not already typed.
    ///
    /// # Errors
    /// `Invalid`, naming `name`, `amount` or `external_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store_id: i64,
        email: Email,
        name: &str,
        product_id: i64,
        amount_cents: i64,
        source: PurchaseSource,
        external_id: &str,
        purchased_at: Option<DateTime<Utc>>,
    ) -> DomainResult<RecordPurchase> {
        let name = text::single_line(name, MAX_NAME_CHARS)
            .map_err(|message| DomainError::invalid("name", message))?;
        if amount_cents < 0 {
            return Err(DomainError::invalid(
                "amount",
                "The amount cannot be negative.",
            ));
        }
        let external_id = external_id.trim();
        if external_id.is_empty() || external_id.chars().count() > MAX_EXTERNAL_ID_CHARS {
            return Err(DomainError::invalid(
                "external_id",
                format!("A purchase id must be 1 to {MAX_EXTERNAL_ID_CHARS} characters."),
            ));
        }
        Ok(RecordPurchase {
            store_id,
            email,
            name,
            product_id,
            amount_cents,
            source,
            external_id: external_id.to_owned(),
            purchased_at: purchased_at.map(time::at_db_precision),
        })
    }
}

/// A purchase date typed in a form as `YYYY-MM-DD` (taken as noon UTC, so the day is the
/// same everywhere), or nothing for now. A day after `today` is refused.
///
/// # Errors
/// A message for the date field.
pub fn parse_purchase_date(
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
        return Ok(None);
    };
    let bad = || "Enter a date like 2026-11-26.".to_owned();
    let day: chrono::NaiveDate = value.parse().map_err(|_| bad())?;
    if day > now.date_naive() {
        return Err("A purchase cannot be in the future.".to_owned());
    }
    Ok(Some(day.and_hms_opt(12, 0, 0).ok_or_else(bad)?.and_utc()))
}

/// Records a purchase and syncs its customer and fan, exactly once.
///
/// # Errors
/// `NotFound` (store, product), `Invalid` (archived product), `Conflict` (key reused for a
/// different purchase), or a database failure after retries.
pub async fn record_purchase(
    db: &DatabaseConnection,
    command: &RecordPurchase,
) -> DomainResult<PurchaseReceipt> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        match record_in(&tx, command).await? {
            Attempt::Answered(receipt) => {
                tx.commit().await?;
                Ok(receipt)
            }
            Attempt::KeyTaken { currency } => {
                // Undo this attempt's customer upsert before answering from what is stored.
                tx.rollback().await?;
                // Committed before the insert met it, and purchases are never deleted; if it
                // is not here, something else is wrong with the race, so run the command again.
                let existing = find_by_key(db, command)
                    .await?
                    .ok_or(DomainError::Contended)?;
                replay(db, command, &currency, existing).await
            }
        }
    })
    .await
}

/// What one attempt inside the write transaction came to.
enum Attempt {
    /// The receipt to give: a new purchase, or a replay found before any write.
    Answered(PurchaseReceipt),
    /// The purchase insert met a recorded key: roll back and answer as a replay (or a
    /// conflict).
    KeyTaken { currency: String },
}

/// The write path assumes the key is new, the common case, and lets the purchase insert's
/// unique key catch a replay: a lookup before writing would cost every purchase a round trip.
async fn record_in(tx: &impl ConnectionTrait, command: &RecordPurchase) -> DomainResult<Attempt> {
    let sale = find_for_sale(tx, command.store_id, command.product_id).await?;

    if sale.archived_at.is_some() {
        // A replay of a sale made before the product was archived still answers as one.
        if let Some(existing) = find_by_key(tx, command).await? {
            return replay(tx, command, &sale.currency, existing)
                .await
                .map(Attempt::Answered);
        }
        return Err(DomainError::invalid(
            "product",
            "This product is archived and can no longer be sold.",
        ));
    }

    let purchased_at = command.purchased_at.unwrap_or_else(time::now);
    // Locks the customer's row (PostgreSQL) until commit, so everything below that reads and
    // then writes per-customer rows (the subscription) runs one purchase at a time per customer.
    let customer_id = upsert_customer(tx, command, purchased_at).await?;

    let purchase = purchase::Model {
        id: 0,
        store_id: command.store_id,
        customer_id,
        product_id: sale.product_id,
        amount_cents: command.amount_cents,
        refunded_cents: 0,
        currency: sale.currency.clone(),
        source: command.source.as_str().to_owned(),
        external_id: command.external_id.clone(),
        purchased_at,
        created_at: time::now(),
    };
    let mut insert: purchase::ActiveModel = purchase.clone().into();
    insert.id = NotSet;
    let inserted = purchase::Entity::insert(insert)
        .on_conflict(
            OnConflict::columns([
                purchase::Column::StoreId,
                purchase::Column::Source,
                purchase::Column::ExternalId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .try_insert()
        .exec(tx)
        .await?;
    let purchase = match inserted {
        TryInsertResult::Inserted(result) => purchase::Model {
            id: result.last_insert_id,
            ..purchase
        },
        // Recorded before, or by a concurrent transaction that committed first.
        TryInsertResult::Conflicted | TryInsertResult::Empty => {
            return Ok(Attempt::KeyTaken {
                currency: sale.currency,
            });
        }
    };

    if products::kind_of(sale.product_id, &sale.kind)? == ProductKind::Course {
        enroll(tx, &purchase).await?;
    }
    if sale.is_subscription {
        subscriptions::start_or_renew(tx, &purchase).await?;
    }

    let fan_id = sync::upsert_fan_for_purchase(
        tx,
        command.store_id,
        &command.email,
        &command.name,
        purchased_at,
    )
    .await?;
    let points = scoring::purchase_points(command.amount_cents);
    sync::record_activity(
        tx,
        NewActivity {
            store_id: command.store_id,
            fan_id,
            kind: ActivityKind::Purchase,
            detail: format!("Purchased: {}", sale.product_name),
            points,
            reference: Some(&purchase_reference(purchase.id)),
            purchase_id: Some(purchase.id),
            occurred_at: purchased_at,
        },
    )
    .await?;
    // The one rule for the tag: a purchase with money not refunded (a free download is not
    // one). This purchase is such a purchase when it has money, so no need to look.
    if command.amount_cents > 0 {
        match sale.customer_tag_id {
            Some(tag_id) => {
                sync::tag_fan(tx, command.store_id, fan_id, tag_id).await?;
            }
            // The store's first paying purchase makes the tag.
            None => sync::tag_customer(tx, command.store_id, fan_id).await?,
        }
    } else {
        sync::sync_customer_tag(tx, command.store_id, fan_id, command.email.as_str()).await?;
    }

    rollup::add(
        tx,
        rollup::Movement {
            store_id: command.store_id,
            day: time::revenue_day(purchased_at),
            product_id: sale.product_id,
            gross_cents: command.amount_cents,
            refunds_cents: 0,
            orders: 1,
        },
    )
    .await?;

    Ok(Attempt::Answered(PurchaseReceipt {
        purchase_id: purchase.id,
        customer_id,
        fan_id: Some(fan_id),
        points,
        replayed: false,
    }))
}

/// What recording a purchase needs to know before it writes. Read in one statement, since it
/// runs on every purchase: the product, its store's currency, and the id of the store's
/// managed `customer` tag once the store has one (that tag is never renamed or deleted).
#[derive(Debug, FromQueryResult)]
struct ForSale {
    product_id: i64,
    product_name: String,
    kind: String,
    is_subscription: bool,
    archived_at: Option<DateTime<Utc>>,
    currency: String,
    customer_tag_id: Option<i64>,
}

/// The product with this id, archived or not, in this store, which must be active.
///
/// # Errors
/// `NotFound("store")` or `NotFound("product")`, or a database failure.
async fn find_for_sale(
    tx: &impl ConnectionTrait,
    store_id: i64,
    product_id: i64,
) -> DomainResult<ForSale> {
    let of_store = product::Entity::belongs_to(store::Entity)
        .from(product::Column::StoreId)
        .to(store::Column::Id)
        .into();
    let customer_tag = Query::select()
        .column(tag::Column::Id)
        .from(tag::Entity)
        .and_where(tag::Column::StoreId.eq(store_id))
        .and_where(tag::Column::Key.eq(CUSTOMER_TAG))
        .to_owned();
    let found = product::Entity::find_by_id(product_id)
        .filter(product::Column::StoreId.eq(store_id))
        .join(JoinType::InnerJoin, of_store)
        .filter(store::Column::ArchivedAt.is_null())
        .select_only()
        .column_as(product::Column::Id, "product_id")
        .column_as(product::Column::Name, "product_name")
        .column(product::Column::Kind)
        .column(product::Column::IsSubscription)
        .column(product::Column::ArchivedAt)
        .column(store::Column::Currency)
        .expr_as(Expr::from(customer_tag), "customer_tag_id")
        .into_model::<ForSale>()
        .one(tx)
        .await?;
    if let Some(sale) = found {
        return Ok(sale);
    }
    // Not for sale: say which one is missing (a rare path, so a second read is fine).
    stores::find_active(tx, store_id).await?;
    Err(DomainError::NotFound("product"))
}

/// The activity reference of a purchase: one "Purchased" entry per purchase and fan.
pub(crate) fn purchase_reference(purchase_id: i64) -> String {
    format!("purchase:{purchase_id}")
}

async fn find_by_key(
    tx: &impl ConnectionTrait,
    command: &RecordPurchase,
) -> DomainResult<Option<purchase::Model>> {
    Ok(purchase::Entity::find()
        .filter(purchase::Column::StoreId.eq(command.store_id))
        .filter(purchase::Column::Source.eq(command.source.as_str()))
        .filter(purchase::Column::ExternalId.eq(command.external_id.as_str()))
        .one(tx)
        .await?)
}

/// Answers a repeated key: the original receipt when the payload matches, else `Conflict`.
async fn replay(
    db: &impl ConnectionTrait,
    command: &RecordPurchase,
    currency: &str,
    existing: purchase::Model,
) -> DomainResult<PurchaseReceipt> {
    let customer = customer::Entity::find_by_id(existing.customer_id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Corrupt(format!("purchase {} has no customer", existing.id)))?;
    let same = customer.email == command.email.as_str()
        && existing.product_id == command.product_id
        && existing.amount_cents == command.amount_cents
        && existing.currency == currency
        && command
            .purchased_at
            .is_none_or(|at| at == existing.purchased_at);
    if !same {
        return Err(DomainError::Conflict(format!(
            "The purchase id \"{}\" was already used for a different purchase.",
            command.external_id
        )));
    }
    let fan = sync::find_fan_by_email(db, command.store_id, &customer.email).await?;
    Ok(PurchaseReceipt {
        purchase_id: existing.id,
        customer_id: customer.id,
        fan_id: fan.map(|fan| fan.id),
        points: scoring::purchase_points(existing.amount_cents),
        replayed: true,
    })
}

/// Adds the purchase to the customer's totals, creating the customer on a first purchase.
async fn upsert_customer(
    tx: &impl ConnectionTrait,
    command: &RecordPurchase,
    purchased_at: DateTime<Utc>,
) -> DomainResult<i64> {
    use customer::Column as C;
    let current = |column: C| Expr::col((customer::Entity, column));
    let has_no_name = current(C::Name).eq("");
    let upsert = OnConflict::columns([C::StoreId, C::Email])
        .value(
            C::TotalSpentCents,
            current(C::TotalSpentCents).add(excluded(C::TotalSpentCents)),
        )
        .value(
            C::PurchaseCount,
            current(C::PurchaseCount).add(excluded(C::PurchaseCount)),
        )
        .value(
            C::FirstPurchaseAt,
            Expr::case(
                current(C::FirstPurchaseAt)
                    .is_null()
                    .or(excluded(C::FirstPurchaseAt).lt(current(C::FirstPurchaseAt))),
                excluded(C::FirstPurchaseAt),
            )
            .finally(current(C::FirstPurchaseAt)),
        )
        .value(
            C::LastPurchaseAt,
            later_of(current(C::LastPurchaseAt), excluded(C::LastPurchaseAt)),
        )
        .value(
            C::Name,
            Expr::case(has_no_name.clone(), excluded(C::Name)).finally(current(C::Name)),
        )
        .value(
            C::SortName,
            Expr::case(has_no_name, excluded(C::SortName)).finally(current(C::SortName)),
        )
        .to_owned();
    let customer = customer::Entity::insert(customer::ActiveModel {
        store_id: Set(command.store_id),
        email: Set(command.email.as_str().to_owned()),
        name: Set(command.name.clone()),
        sort_name: Set(text::sort_key(&command.name, command.email.as_str())),
        total_spent_cents: Set(command.amount_cents),
        refunded_cents: Set(0),
        purchase_count: Set(1),
        first_purchase_at: Set(Some(purchased_at)),
        last_purchase_at: Set(Some(purchased_at)),
        created_at: Set(time::now()),
        ..Default::default()
    })
    .on_conflict(upsert)
    .exec_with_returning(tx)
    .await?;
    Ok(customer.id)
}

/// A course purchase enrolls its buyer (once per course).
async fn enroll(tx: &impl ConnectionTrait, purchase: &purchase::Model) -> DomainResult<()> {
    enrollment::Entity::insert(enrollment::ActiveModel {
        store_id: Set(purchase.store_id),
        customer_id: Set(purchase.customer_id),
        product_id: Set(purchase.product_id),
        purchase_id: Set(purchase.id),
        enrolled_at: Set(purchase.purchased_at),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            enrollment::Column::CustomerId,
            enrollment::Column::ProductId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .try_insert()
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purchase_dates_are_days_not_in_the_future() {
        let now: DateTime<Utc> = "2026-11-26T08:00:00Z".parse().unwrap();
        assert_eq!(parse_purchase_date(None, now), Ok(None));
        assert_eq!(parse_purchase_date(Some("  "), now), Ok(None));
        assert_eq!(
            parse_purchase_date(Some("2026-11-26"), now),
            Ok(Some("2026-11-26T12:00:00Z".parse().unwrap()))
        );
        assert!(parse_purchase_date(Some("2026-11-27"), now).is_err());
        assert!(parse_purchase_date(Some("26/11/2026"), now).is_err());
    }
}
