//! Products: what a store sells. A course purchase enrolls; a subscription product creates or
//! renews a subscription. Archived products stay in history but cannot be sold again.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::accounts::stores;
use crate::domain::error::Problems;
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::ProductSummary;
use crate::entities::product;
use crate::money::{Currency, MinorUnits, Money};
use crate::vocab::ProductKind;

const MAX_NAME_CHARS: usize = 120;

/// The "Add product" form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductForm<'a> {
    pub name: &'a str,
    /// A [`ProductKind`] slug.
    pub kind: &'a str,
    /// In the store's currency, as typed ("29", "$1,299.99").
    pub price: &'a str,
    pub is_subscription: bool,
}

/// A product that passed validation: a cleaned, non-empty name.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProduct {
    name: String,
    kind: ProductKind,
    price: Money,
    is_subscription: bool,
}

impl NewProduct {
    /// Reads the product form; the price is typed in the store's `currency`.
    ///
    /// # Errors
    /// `Invalid`, naming `name`, `kind` and/or `price`.
    pub fn parse(form: ProductForm<'_>, currency: Currency) -> DomainResult<NewProduct> {
        let mut problems = Problems::new();
        let name = problems.check("name", product_name(form.name));
        let kind = problems.check("kind", product_kind(form.kind));
        let price = problems.check("price", currency.parse(form.price));
        problems.finish(|| {
            Some(NewProduct {
                name: name?,
                kind: kind?,
                price: price?,
                is_subscription: form.is_subscription,
            })
        })
    }

    /// A product from values already typed (a generator, a test).
    ///
    /// # Errors
    /// `Invalid` on `name` for an empty or over-long name.
    pub fn new(
        name: &str,
        kind: ProductKind,
        price: Money,
        is_subscription: bool,
    ) -> DomainResult<NewProduct> {
        let name = product_name(name).map_err(|message| DomainError::invalid("name", message))?;
        Ok(NewProduct {
            name,
            kind,
            price,
            is_subscription,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn kind(&self) -> ProductKind {
        self.kind
    }

    pub fn price(&self) -> Money {
        self.price
    }

    pub fn is_subscription(&self) -> bool {
        self.is_subscription
    }
}

pub(crate) fn product_kind(slug: &str) -> Result<ProductKind, &'static str> {
    slug.parse()
        .map_err(|_| "Pick what kind of product this is.")
}

pub(crate) fn product_name(input: &str) -> Result<String, String> {
    let name = text::single_line(input, MAX_NAME_CHARS)?;
    if name.is_empty() {
        Err("Give the product a name.".to_owned())
    } else {
        Ok(name)
    }
}

/// # Errors
/// `NotFound` for an unknown store; `Invalid` on `price` for a price in another currency.
pub async fn create_product(
    db: &DatabaseConnection,
    store_id: i64,
    new: &NewProduct,
) -> DomainResult<ProductSummary> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let created = insert_product(&tx, store_id, new).await?;
        tx.commit().await?;
        Ok(summary(created))
    })
    .await
}

/// Adds a product to an active store, in the caller's transaction.
pub(crate) async fn insert_product(
    tx: &impl ConnectionTrait,
    store_id: i64,
    new: &NewProduct,
) -> DomainResult<product::Model> {
    let store = stores::find_active(tx, store_id).await?;
    let price = stores::in_store_currency(&store, new.price, "price")?;
    Ok(product::ActiveModel {
        store_id: Set(store_id),
        name: Set(new.name.clone()),
        kind: Set(new.kind),
        price_cents: Set(price.get()),
        is_subscription: Set(new.is_subscription),
        created_at: Set(time::now()),
        archived_at: Set(None),
        ..Default::default()
    }
    .insert(tx)
    .await?)
}

/// What an edit of a product changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductEdit {
    pub name: Option<String>,
    pub price: Option<Money>,
}

impl ProductEdit {
    /// # Errors
    /// `Invalid`, naming `name` and/or `price`.
    pub fn parse(
        name: Option<&str>,
        price: Option<&str>,
        currency: Currency,
    ) -> DomainResult<Self> {
        let mut problems = Problems::new();
        let name = name.map(|name| problems.check("name", product_name(name)));
        let price = price.map(|price| problems.check("price", currency.parse(price)));
        problems.finish(|| {
            Some(ProductEdit {
                name: match name {
                    Some(name) => Some(name?),
                    None => None,
                },
                price: match price {
                    Some(price) => Some(price?),
                    None => None,
                },
            })
        })
    }
}

/// Renames a product and/or changes its price. Past purchases keep what they cost.
///
/// # Errors
/// `NotFound` for a product not in this store; `Invalid` on `price` for a price in another
/// currency.
pub async fn edit_product(
    db: &DatabaseConnection,
    store_id: i64,
    product_id: i64,
    edit: &ProductEdit,
) -> DomainResult<ProductSummary> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, product_id).await?;
        let mut active: product::ActiveModel = existing.into();
        if let Some(name) = &edit.name {
            active.name = Set(name.clone());
        }
        if let Some(price) = edit.price {
            let store = stores::find_active(&tx, store_id).await?;
            active.price_cents = Set(stores::in_store_currency(&store, price, "price")?.get());
        }
        let updated = active.update(&tx).await?;
        tx.commit().await?;
        Ok(summary(updated))
    })
    .await
}

/// Takes a product off sale. Its purchases and revenue stay.
///
/// # Errors
/// `NotFound` for a product not in this store.
pub async fn archive_product(
    db: &DatabaseConnection,
    store_id: i64,
    product_id: i64,
) -> DomainResult<ProductSummary> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_in_store(&tx, store_id, product_id).await?;
        let mut active: product::ActiveModel = existing.into();
        active.archived_at = Set(Some(time::now()));
        let updated = active.update(&tx).await?;
        tx.commit().await?;
        Ok(summary(updated))
    })
    .await
}

/// The store's products by name; archived ones only when asked for.
///
/// # Errors
/// Database failures.
pub async fn list_products(
    db: &DatabaseConnection,
    store_id: i64,
    include_archived: bool,
) -> DomainResult<Vec<ProductSummary>> {
    let mut query = product::Entity::find().filter(product::Column::StoreId.eq(store_id));
    if !include_archived {
        query = query.filter(product::Column::ArchivedAt.is_null());
    }
    Ok(query
        .order_by_asc(product::Column::Name)
        .order_by_asc(product::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(summary)
        .collect())
}

/// The product with this id, if it belongs to the store (archived or not).
pub(crate) async fn find_in_store(
    db: &impl ConnectionTrait,
    store_id: i64,
    product_id: i64,
) -> DomainResult<product::Model> {
    product::Entity::find_by_id(product_id)
        .filter(product::Column::StoreId.eq(store_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("product"))
}

fn summary(model: product::Model) -> ProductSummary {
    ProductSummary {
        kind: model.kind,
        id: model.id,
        name: model.name,
        price_cents: MinorUnits::new(model.price_cents),
        is_subscription: model.is_subscription,
        archived: model.archived_at.is_some(),
    }
}

/// Product names by id.
pub(crate) async fn product_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> DomainResult<HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(product::Entity::find()
        .filter(product::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|product| (product.id, product.name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_needs_a_name_a_kind_and_a_price() {
        let usd = Currency::from_code("USD").unwrap();
        let form = ProductForm {
            name: "",
            kind: "ebook",
            price: "abc",
            is_subscription: false,
        };
        let DomainError::Invalid(errors) = NewProduct::parse(form, usd).unwrap_err() else {
            panic!("expected validation errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind", "price"]);

        let form = ProductForm {
            name: " Mixing  Masterclass ",
            kind: "course",
            price: "$99",
            is_subscription: false,
        };
        let product = NewProduct::parse(form, usd).unwrap();
        assert_eq!(product.name(), "Mixing Masterclass");
        assert_eq!(product.kind(), ProductKind::Course);
        assert_eq!(product.price(), MinorUnits::new(9900).of(usd));
    }

    #[test]
    fn an_edit_checks_only_what_it_changes() {
        let usd = Currency::from_code("USD").unwrap();
        let edit = ProductEdit::parse(None, Some("15"), usd).unwrap();
        assert_eq!(
            edit,
            ProductEdit {
                name: None,
                price: Some(MinorUnits::new(1500).of(usd))
            }
        );
        assert!(ProductEdit::parse(Some(" "), None, usd).is_err());
    }
}
