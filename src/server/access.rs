//! The one place a request reaches a store: every server function and route that touches
//! store data resolves the store here. An unknown or archived store is `NotFound`, so
//! nothing is learnt about stores one cannot see.

use sea_orm::DatabaseConnection;

use crate::domain::stores;
use crate::dto::StoreSummary;
use crate::error::AppError;

use super::state::{AppState, current};

/// The store a request is about.
///
/// # Errors
/// `NotFound` for a store that does not exist (or is not the caller's to see).
pub async fn resolve_store(
    db: &DatabaseConnection,
    store_id: i64,
) -> Result<StoreSummary, AppError> {
    Ok(stores::get_store(db, store_id).await?)
}

/// The app state and the store a server function is about.
///
/// # Errors
/// `NotFound` for a store that does not exist (or is not the caller's to see).
pub async fn store_scope(store_id: i64) -> Result<(AppState, StoreSummary), AppError> {
    let state = current()?;
    let store = resolve_store(&state.db, store_id).await?;
    Ok((state, store))
}
