//! Listing and creating stores.

use leptos::prelude::*;

use crate::dto::StoreSummary;
use crate::error::AppError;

/// The signed-in creator's active stores, newest first.
#[server(endpoint = "stores/list")]
pub async fn list_stores() -> Result<Vec<StoreSummary>, AppError> {
    let state = crate::server::state::current()?;
    let viewer = crate::server::access::viewer()?;
    Ok(viewer.stores(&state.db).await?.to_vec())
}

/// The "Create store" form.
#[server(endpoint = "stores/create")]
pub async fn create_store(name: String, currency: String) -> Result<StoreSummary, AppError> {
    use crate::domain::accounts::stores::{NewStore, create_store};
    let state = crate::server::state::current()?;
    let me = crate::server::access::signed_in()?;
    let new_store = NewStore::parse(&name, &currency)?;
    let store = create_store(&state.db, me.creator_id, &new_store).await?;
    tracing::info!(store_id = store.id, "store created");
    // The store list names the new store.
    crate::server::flash::redirect_with_notice("/", &[("created", &store.id.to_string())]);
    Ok(store)
}
