//! Stores: a creator's shop, with a name and the currency every amount in it is kept in.
//! Archiving hides a store from lists; nothing is deleted.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::domain::DomainError;
use crate::domain::DomainResult;
use crate::domain::error::Problems;
use crate::domain::text;
use crate::domain::time;
use crate::domain::tx::{begin_write, with_retries};
use crate::dto::StoreSummary;
use crate::entities::store;
use crate::money::{Currency, MinorUnits, Money};

const MAX_NAME_CHARS: usize = 80;

/// A store that passed validation and can be created.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStore {
    pub name: String,
    pub currency: Currency,
}

impl NewStore {
    /// Reads the "Create store" form.
    ///
    /// # Errors
    /// `Invalid`, naming `name` and/or `currency`.
    pub fn parse(name: &str, currency: &str) -> DomainResult<NewStore> {
        let mut problems = Problems::new();
        let name = problems.check("name", store_name(name));
        let currency = problems.check(
            "currency",
            Currency::from_code(currency).ok_or("Pick a currency from the list."),
        );
        problems.finish(|| {
            Some(NewStore {
                name: name?,
                currency: currency?,
            })
        })
    }
}

fn store_name(input: &str) -> Result<String, String> {
    let name = text::single_line(input, MAX_NAME_CHARS)?;
    if name.is_empty() {
        Err("Give the store a name.".to_owned())
    } else {
        Ok(name)
    }
}

/// Creates a store belonging to `owner_id`.
///
/// # Errors
/// Database failures.
pub async fn create_store(
    db: &DatabaseConnection,
    owner_id: i64,
    new: &NewStore,
) -> DomainResult<StoreSummary> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let created = store::ActiveModel {
            name: Set(new.name.clone()),
            currency: Set(new.currency),
            created_at: Set(time::now()),
            archived_at: Set(None),
            owner_id: Set(Some(owner_id)),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        tx.commit().await?;
        summary(created)
    })
    .await
}

/// # Errors
/// `Invalid` for a bad name, `NotFound` for an unknown or archived store.
pub async fn rename_store(
    db: &DatabaseConnection,
    store_id: i64,
    name: &str,
) -> DomainResult<StoreSummary> {
    let name = store_name(name).map_err(|message| DomainError::invalid("name", message))?;
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_active(&tx, store_id).await?;
        let mut active: store::ActiveModel = existing.into();
        active.name = Set(name.clone());
        let updated = active.update(&tx).await?;
        tx.commit().await?;
        summary(updated)
    })
    .await
}

/// Hides the store from lists. Its data stays.
///
/// # Errors
/// `NotFound` for an unknown or already archived store.
pub async fn archive_store(db: &DatabaseConnection, store_id: i64) -> DomainResult<()> {
    with_retries(|| async {
        let tx = begin_write(db).await?;
        let existing = find_active(&tx, store_id).await?;
        let mut active: store::ActiveModel = existing.into();
        active.archived_at = Set(Some(time::now()));
        active.update(&tx).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// A creator's active stores, newest first.
///
/// # Errors
/// Database failures.
pub async fn list_stores(
    db: &DatabaseConnection,
    owner_id: i64,
) -> DomainResult<Vec<StoreSummary>> {
    store::Entity::find()
        .filter(store::Column::OwnerId.eq(owner_id))
        .filter(store::Column::ArchivedAt.is_null())
        .order_by_desc(store::Column::CreatedAt)
        .order_by_desc(store::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(summary)
        .collect()
}

/// The active store with this id, read on any connection (pool or transaction).
pub(crate) async fn find_active(
    db: &impl sea_orm::ConnectionTrait,
    store_id: i64,
) -> DomainResult<store::Model> {
    store::Entity::find_by_id(store_id)
        .filter(store::Column::ArchivedAt.is_null())
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("store"))
}

/// The amount of `money` in the store's currency; money in another currency is refused
/// (on `field`) rather than counted as the store's.
///
/// # Errors
/// `Invalid` on `field`.
pub(crate) fn in_store_currency(
    store: &store::Model,
    money: Money,
    field: &str,
) -> DomainResult<MinorUnits> {
    if money.currency() != store.currency {
        return Err(DomainError::invalid(
            field,
            format!("This store's amounts are in {}.", store.currency.code()),
        ));
    }
    Ok(money.minor())
}

fn summary(model: store::Model) -> DomainResult<StoreSummary> {
    Ok(StoreSummary {
        currency: model.currency,
        id: model.id,
        name: model.name,
        created_at: model.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_needs_a_name_and_a_known_currency() {
        let DomainError::Invalid(errors) = NewStore::parse("   ", "XYZ").unwrap_err() else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "currency"]);
        assert_eq!(errors[0].message, "Give the store a name.");
        assert_eq!(errors[1].message, "Pick a currency from the list.");
    }

    #[test]
    fn a_valid_store_is_cleaned() {
        let store = NewStore::parse("  Beat   Lab ", "eur").unwrap();
        assert_eq!(store.name, "Beat Lab");
        assert_eq!(store.currency.code(), "EUR");
    }
}
