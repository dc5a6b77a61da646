//! Recording a purchase: the auto-sync. In one transaction, exactly once per
//! (store, source, external id):
//!
//! 1. upsert the customer for (store, email): totals, count, first/last purchase;
//! 2. insert the purchase; a course enrolls, a subscription product starts or renews;
//! 3. upsert the fan for the same email (a new fan has source `purchase`);
//! 4. add `floor(amount / 1000)` points through a "Purchased: {product}" activity;
//! 5. make sure the fan has the `customer` tag (for a purchase that carries money).
//!
//! The purchase's insert also enters it in the store's daily revenue rollup: the database's
//! triggers keep every rollup (see [`crate::domain::derived`]).
//!
//! A replay of the same key with the same payload returns the first result and changes
//! nothing; the same key with a different payload is a `Conflict`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QuerySelect, TryInsertResult,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::audience::scoring;
use crate::domain::audience::sync::{self, NewActivity};
use crate::domain::audience::tags::CUSTOMER_TAG;
use crate::domain::commerce::products::{self, NewProduct};
use crate::domain::commerce::subscriptions;
use crate::domain::email::Email;
use crate::domain::error::Problems;
use crate::domain::sql::{excluded, later_of};
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::PurchaseReceipt;
use crate::entities::{customer, enrollment, product, purchase, store, tag};
use crate::money::{Currency, MinorUnits, Money};
use crate::vocab::{ActivityKind, ProductKind, PurchaseSource};

const MAX_EXTERNAL_ID_CHARS: usize = 200;
const MAX_NAME_CHARS: usize = 120;

/// A purchase as a webhook, an import or an API call reports it, before it is checked.
#[derive(Debug, Clone, Copy)]
pub struct PurchaseInput<'a> {
    pub store_id: i64,
    pub email: &'a str,
    /// The buyer's name; may be empty.
    pub name: &'a str,
    pub product_id: i64,
    /// Zero or more, in the store's currency.
    pub amount: Money,
    pub source: PurchaseSource,
    /// The idempotency key within (store, source): a form's generated key, an order number…
    pub external_id: &'a str,
    /// When the purchase happened; `None` means now.
    pub purchased_at: Option<DateTime<Utc>>,
}

/// A purchase to record: a valid email, a cleaned one-line name, an amount of zero or more
/// and an idempotency key of 1 to 200 characters. Built by [`RecordPurchase::parse`] (or,
/// within `commerce`, from parts already checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPurchase {
    pub(super) store_id: i64,
    pub(super) email: Email,
    pub(super) name: String,
    pub(super) product_id: i64,
    pub(super) amount: Money,
    pub(super) source: PurchaseSource,
    pub(super) external_id: String,
    pub(super) purchased_at: Option<DateTime<Utc>>,
}

impl RecordPurchase {
    /// Checks a reported purchase, naming every bad field at once.
    ///
    /// # Errors
    /// `Invalid`, naming `email`, `name`, `amount` and/or `external_id`.
    pub fn parse(input: PurchaseInput<'_>) -> DomainResult<RecordPurchase> {
        let mut problems = Problems::new();
        let email = problems.check("email", Email::parse(input.email));
        let name = problems.check("name", buyer_name(input.name));
        if input.amount.minor().is_negative() {
            problems.add("amount", "The amount cannot be negative.");
        }
        let external_id = problems.check("external_id", purchase_key(input.external_id));
        problems.finish(|| {
            Some(RecordPurchase {
                store_id: input.store_id,
                email: email?,
                name: name?,
                product_id: input.product_id,
                amount: input.amount,
                source: input.source,
                external_id: external_id?,
                purchased_at: input.purchased_at.map(time::at_db_precision),
            })
        })
    }

    pub fn store_id(&self) -> i64 {
        self.store_id
    }

    pub fn email(&self) -> &Email {
        &self.email
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn product_id(&self) -> i64 {
        self.product_id
    }

    pub fn amount(&self) -> Money {
        self.amount
    }

    pub fn source(&self) -> PurchaseSource {
        self.source
    }

    pub fn external_id(&self) -> &str {
        &self.external_id
    }

    pub fn purchased_at(&self) -> Option<DateTime<Utc>> {
        self.purchased_at
    }
}

/// A buyer's name: one line, at most 120 characters, possibly empty.
pub(super) fn buyer_name(input: &str) -> Result<String, String> {
    text::single_line(input, MAX_NAME_CHARS)
}

/// A purchase's idempotency key: 1 to 200 characters, trimmed.
pub(super) fn purchase_key(input: &str) -> Result<String, String> {
    let key = input.trim();
    if key.is_empty() || key.chars().count() > MAX_EXTERNAL_ID_CHARS {
        return Err(format!(
            "A purchase id must be 1 to {MAX_EXTERNAL_ID_CHARS} characters."
        ));
    }
    Ok(key.to_owned())
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
        let sale = find_for_sale(&tx, command.store_id, command.product_id).await?;
        let attempt = record_in(&tx, command, &sale, SameProduct::Id).await?;
        settle(db, tx, command, attempt, SameProduct::Id).await
    })
    .await
}

/// Ends an attempt's write transaction: commits a new purchase, or rolls back and answers a
/// recorded key as a replay (or a conflict).
pub(super) async fn settle(
    db: &DatabaseConnection,
    tx: DatabaseTransaction,
    command: &RecordPurchase,
    attempt: Attempt,
    product: SameProduct<'_>,
) -> DomainResult<PurchaseReceipt> {
    match attempt {
        Attempt::Answered(receipt) => {
            tx.commit().await?;
            Ok(receipt)
        }
        Attempt::KeyTaken { currency } => {
            // Undo this attempt's writes (the customer upsert, a product made with the sale)
            // before answering from what is stored.
            tx.rollback().await?;
            // Committed before the insert met it, and purchases are never deleted; if it is
            // not here, something else is wrong with the race, so run the command again.
            let existing = find_by_key(db, command)
                .await?
                .ok_or(DomainError::Contended)?;
            replay(db, command, product, currency, existing).await
        }
    }
}

/// How a replay recognises the product of the first purchase.
#[derive(Debug, Clone, Copy)]
pub(super) enum SameProduct<'a> {
    /// By the command's product id.
    Id,
    /// A product created with the sale (a manual sale of a new product) has another id on
    /// every attempt: the first purchase's product is recognised by its name and kind.
    Created(&'a NewProduct),
}

/// What one attempt inside the write transaction came to.
pub(super) enum Attempt {
    /// The receipt to give: a new purchase, or a replay found before any write.
    Answered(PurchaseReceipt),
    /// The purchase insert met a recorded key: roll back and answer as a replay (or a
    /// conflict).
    KeyTaken { currency: Currency },
}

/// The write path assumes the key is new, the common case, and lets the purchase insert's
/// unique key catch a replay: a lookup before writing would cost every purchase a round trip.
pub(super) async fn record_in(
    tx: &impl ConnectionTrait,
    command: &RecordPurchase,
    sale: &ForSale,
    product: SameProduct<'_>,
) -> DomainResult<Attempt> {
    if command.amount.currency() != sale.currency {
        return Err(DomainError::invalid(
            "amount",
            format!("This store's amounts are in {}.", sale.currency.code()),
        ));
    }
    if sale.archived_at.is_some() {
        // A replay of a sale made before the product was archived still answers as one.
        if let Some(existing) = find_by_key(tx, command).await? {
            return replay(tx, command, product, sale.currency, existing)
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
        amount_cents: command.amount.minor().get(),
        refunded_cents: 0,
        currency: sale.currency,
        source: command.source,
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

    if sale.kind == ProductKind::Course {
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
    let points = scoring::purchase_points(command.amount.minor());
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
    if command.amount.minor().is_positive() {
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
pub(super) struct ForSale {
    product_id: i64,
    product_name: String,
    /// The product's price: a manual sale's amount when none is typed.
    pub(super) price_cents: i64,
    kind: ProductKind,
    is_subscription: bool,
    archived_at: Option<DateTime<Utc>>,
    /// The store's currency.
    pub(super) currency: Currency,
    customer_tag_id: Option<i64>,
}

/// The product with this id, archived or not, in this store, which must be active.
///
/// # Errors
/// `NotFound("store")` or `NotFound("product")`, or a database failure.
pub(super) async fn find_for_sale(
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
        .column(product::Column::PriceCents)
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
        .filter(purchase::Column::Source.eq(command.source))
        .filter(purchase::Column::ExternalId.eq(command.external_id.as_str()))
        .one(tx)
        .await?)
}

/// Answers a repeated key: the original receipt when the payload matches, else `Conflict`.
async fn replay(
    db: &impl ConnectionTrait,
    command: &RecordPurchase,
    product: SameProduct<'_>,
    currency: Currency,
    existing: purchase::Model,
) -> DomainResult<PurchaseReceipt> {
    let customer = customer::Entity::find_by_id(existing.customer_id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Corrupt(format!("purchase {} has no customer", existing.id)))?;
    let same_product = match product {
        SameProduct::Id => existing.product_id == command.product_id,
        SameProduct::Created(new) => {
            let first = products::find_in_store(db, command.store_id, existing.product_id).await?;
            first.name == new.name() && first.kind == new.kind()
        }
    };
    let same = customer.email == command.email.as_str()
        && same_product
        && existing.amount_cents == command.amount.minor().get()
        && existing.currency == currency
        && command
            .purchased_at
            .is_none_or(|at| at == existing.purchased_at);
    if !same && command.source == PurchaseSource::Manual {
        return Err(DomainError::AlreadyRecorded {
            store_id: command.store_id,
            customer_id: customer.id,
        });
    }
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
        points: scoring::purchase_points(MinorUnits::new(existing.amount_cents)),
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
        total_spent_cents: Set(command.amount.minor().get()),
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
