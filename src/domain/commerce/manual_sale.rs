//! A manual sale: a purchase the creator records by hand (a bank transfer, cash at a
//! workshop), of one of the store's products or of a new product typed into the same form.
//! An empty amount charges the product's price; an empty date means now.
//!
//! It is one purchase command, in one write transaction: a new product is created inside
//! the purchase's transaction, so a repeated submit of the same form (the same request key:
//! JavaScript off, a retry) answers with the first receipt and creates nothing, neither a
//! second purchase nor a second product.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::commerce::products::{self, NewProduct};
use crate::domain::commerce::purchases::{
    self, RecordPurchase, SameProduct, buyer_name, parse_purchase_date, purchase_key,
};
use crate::domain::email::Email;
use crate::domain::error::Problems;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::PurchaseReceipt;
use crate::error::FieldError;
use crate::money::{Currency, MinorUnits, Money};
use crate::vocab::PurchaseSource;

/// What the product menu offers besides the store's products.
const NEW_PRODUCT: &str = "new";

const PICK_A_PRODUCT: &str = "Pick a product, or create a new one.";

/// The "Record purchase" form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct SaleForm<'a> {
    /// Generated with the form, so submitting it twice records one purchase.
    pub request_key: &'a str,
    pub email: &'a str,
    /// The buyer's name; may be empty.
    pub name: &'a str,
    /// A product id of the store, or `"new"` for the product typed below.
    pub product: &'a str,
    pub new_product_name: &'a str,
    /// A [`crate::vocab::ProductKind`] slug.
    pub new_product_kind: &'a str,
    /// In the store's currency; empty charges the product's price.
    pub amount: &'a str,
    /// `YYYY-MM-DD`; empty means now.
    pub date: &'a str,
}

/// Which product was sold.
#[derive(Debug, Clone, PartialEq)]
enum SoldProduct {
    /// One of the store's products, at the typed amount or else its price.
    Existing {
        product_id: i64,
        amount: Option<Money>,
    },
    /// A product created with the sale; its price is the sale's amount.
    New(NewProduct),
}

/// A manual sale whose fields passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualSale {
    store_id: i64,
    email: Email,
    name: String,
    product: SoldProduct,
    request_key: String,
    purchased_at: Option<DateTime<Utc>>,
}

impl ManualSale {
    /// Reads the form of a store selling in `currency`; a date after `now`'s day is refused.
    /// Every bad field is named at once.
    ///
    /// # Errors
    /// `Invalid`, naming `email`, `name`, `product_id`, `new_product_name`,
    /// `new_product_kind`, `amount`, `date` and/or `external_id` (the request key).
    pub fn parse(
        store_id: i64,
        form: SaleForm<'_>,
        currency: Currency,
        now: DateTime<Utc>,
    ) -> DomainResult<ManualSale> {
        let mut problems = Problems::new();
        let email = problems.check("email", Email::parse(form.email));
        let name = problems.check("name", buyer_name(form.name));
        let purchased_at = problems.check("date", parse_purchase_date(Some(form.date), now));
        let request_key = problems.check("external_id", purchase_key(form.request_key));

        let choice = form.product.trim();
        let existing = if choice == NEW_PRODUCT {
            None
        } else {
            let id = choice.parse::<i64>().ok();
            if id.is_none() {
                problems.add("product_id", PICK_A_PRODUCT);
            }
            id
        };
        // Only a sale of one of the store's products may leave the amount to its price.
        let amount = match existing {
            Some(_) => problems.check("amount", currency.parse_optional(form.amount)),
            None => problems.check("amount", currency.parse(form.amount).map(Some)),
        };
        let product = match existing {
            Some(product_id) => Some(SoldProduct::Existing {
                product_id,
                amount: amount.flatten(),
            }),
            None if choice == NEW_PRODUCT => {
                let name = problems.check(
                    "new_product_name",
                    products::product_name(form.new_product_name),
                );
                let kind = problems.check(
                    "new_product_kind",
                    products::product_kind(form.new_product_kind),
                );
                match (name, kind, amount.flatten()) {
                    (Some(name), Some(kind), Some(price)) => Some(SoldProduct::New(
                        NewProduct::new(&name, kind, price, false)?,
                    )),
                    _ => None,
                }
            }
            None => None,
        };
        problems.finish(|| {
            Some(ManualSale {
                store_id,
                email: email?,
                name: name?,
                product: product?,
                request_key: request_key?,
                purchased_at: purchased_at?.map(time::at_db_precision),
            })
        })
    }

    /// The purchase of `product_id` for `amount`.
    fn purchase(&self, product_id: i64, amount: Money) -> RecordPurchase {
        RecordPurchase {
            store_id: self.store_id,
            email: self.email.clone(),
            name: self.name.clone(),
            product_id,
            amount,
            source: PurchaseSource::Manual,
            external_id: self.request_key.clone(),
            purchased_at: self.purchased_at,
        }
    }
}

/// Records a manual sale, creating its new product in the same transaction, exactly once
/// per request key.
///
/// # Errors
/// `NotFound` for an unknown store; `Invalid` on `product_id` for a product the store does
/// not sell; `AlreadyRecorded` for a request key already used for a different sale; database
/// failures after retries.
pub async fn record_manual_sale(
    db: &DatabaseConnection,
    sale: &ManualSale,
) -> DomainResult<PurchaseReceipt> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let (command, same_product, for_sale) = match &sale.product {
            SoldProduct::Existing { product_id, amount } => {
                let for_sale = purchases::find_for_sale(&tx, sale.store_id, *product_id)
                    .await
                    .map_err(|error| match error {
                        DomainError::NotFound("product") => {
                            DomainError::invalid("product_id", PICK_A_PRODUCT)
                        }
                        other => other,
                    })?;
                let amount = amount
                    .unwrap_or_else(|| MinorUnits::new(for_sale.price_cents).of(for_sale.currency));
                let command = sale.purchase(*product_id, amount);
                (command, SameProduct::Id, for_sale)
            }
            SoldProduct::New(new) => {
                // Rolled back with the purchase when the key turns out to be taken.
                let created = products::insert_product(&tx, sale.store_id, new).await?;
                let for_sale = purchases::find_for_sale(&tx, sale.store_id, created.id).await?;
                let command = sale.purchase(created.id, new.price());
                (command, SameProduct::Created(new), for_sale)
            }
        };
        let attempt = purchases::record_in(&tx, &command, &for_sale, same_product)
            .await
            .map_err(product_field)?;
        purchases::settle(db, tx, &command, attempt, same_product).await
    })
    .await
}

/// A purchase's complaint about its product belongs to the form's product menu.
fn product_field(error: DomainError) -> DomainError {
    match error {
        DomainError::Invalid(errors) => DomainError::Invalid(
            errors
                .into_iter()
                .map(|error| match error.field.as_str() {
                    "product" => FieldError::new("product_id", error.message),
                    _ => error,
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-11-26T08:00:00Z".parse().unwrap()
    }

    fn fields(error: DomainError) -> Vec<String> {
        match error {
            DomainError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected validation errors, got {other}"),
        }
    }

    fn form<'a>() -> SaleForm<'a> {
        SaleForm {
            request_key: "k-1",
            email: "ada@example.com",
            product: "7",
            ..SaleForm::default()
        }
    }

    #[test]
    fn an_empty_amount_leaves_the_price_to_the_product() {
        let sale = ManualSale::parse(1, form(), usd(), now()).unwrap();
        assert_eq!(
            sale.product,
            SoldProduct::Existing {
                product_id: 7,
                amount: None
            }
        );
        let typed = SaleForm {
            amount: "$12.50",
            ..form()
        };
        let sale = ManualSale::parse(1, typed, usd(), now()).unwrap();
        assert_eq!(
            sale.product,
            SoldProduct::Existing {
                product_id: 7,
                amount: Some(MinorUnits::new(1250).of(usd()))
            }
        );
    }

    #[test]
    fn a_new_product_is_priced_at_the_sale_amount() {
        let new = SaleForm {
            product: "new",
            new_product_name: " Beat  Review Call ",
            new_product_kind: "coaching",
            amount: "45",
            ..form()
        };
        let sale = ManualSale::parse(1, new, usd(), now()).unwrap();
        let SoldProduct::New(product) = &sale.product else {
            panic!("expected a new product");
        };
        assert_eq!(product.name(), "Beat Review Call");
        assert_eq!(product.price(), MinorUnits::new(4500).of(usd()));
        assert!(!product.is_subscription());
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = SaleForm {
            email: "nope",
            product: "",
            amount: "",
            date: "2026-11-27",
            ..form()
        };
        let error = ManualSale::parse(1, bad, usd(), now()).unwrap_err();
        assert_eq!(fields(error), ["email", "date", "product_id", "amount"]);

        let new = SaleForm {
            product: "new",
            new_product_kind: "ebook",
            amount: "",
            ..form()
        };
        let error = ManualSale::parse(1, new, usd(), now()).unwrap_err();
        assert_eq!(
            fields(error),
            ["amount", "new_product_name", "new_product_kind"]
        );
    }
}
