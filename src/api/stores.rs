//! Listing and creating stores.

use leptos::prelude::*;

use crate::dto::StoreSummary;
use crate::error::AppError;

/// Active stores, newest first.
#[server(endpoint = "stores/list")]
pub async fn list_stores() -> Result<Vec<StoreSummary>, AppError> {
    let state = crate::server::state::current()?;
    Ok(crate::domain::stores::list_stores(&state.db).await?)
}

/// One active store, for the store layout's header.
#[server(endpoint = "stores/get")]
pub async fn get_store(store_id: i64) -> Result<StoreSummary, AppError> {
    let state = crate::server::state::current()?;
    Ok(crate::domain::stores::get_store(&state.db, store_id).await?)
}

/// The "Create store" form.
#[server(endpoint = "stores/create")]
pub async fn create_store(name: String, currency: String) -> Result<StoreSummary, AppError> {
    use crate::domain::stores::{NewStore, create_store};
    let state = crate::server::state::current()?;
    let new_store = NewStore::parse(&name, &currency)?;
    let store = create_store(&state.db, &new_store).await?;
    tracing::info!(store_id = store.id, "store created");
    Ok(store)
}
