//! The one place a request reaches a store: every server function and route that touches
//! store data resolves the store here, for the signed-in creator. A store that is not
//! theirs is `NotFound`, exactly like one that does not exist, so nothing is learnt about
//! other creators' stores.

use sea_orm::DatabaseConnection;

use crate::domain::accounts::creators::SignedIn;
use crate::dto::StoreSummary;
use crate::error::AppError;

use super::session::Viewer;
use super::state::{AppState, current};

/// The viewer of the request a server function is answering.
///
/// # Errors
/// `Internal` outside a request (a wiring bug, logged).
pub fn viewer() -> Result<Viewer, AppError> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>().ok_or_else(|| {
        tracing::error!("request parts are missing from the server function context");
        AppError::Internal
    })?;
    Ok(parts
        .extensions
        .get::<Viewer>()
        .cloned()
        .unwrap_or_default())
}

/// The signed-in creator.
///
/// # Errors
/// `Unauthorized` when nobody is signed in.
pub fn signed_in() -> Result<SignedIn, AppError> {
    viewer()?.signed_in.ok_or(AppError::Unauthorized)
}

/// The store, if `viewer` may see it: one of their active stores. Someone else's store is
/// `NotFound`, exactly like one that does not exist or is archived.
///
/// # Errors
/// `Unauthorized` when nobody is signed in; `NotFound` for a store that is not theirs.
pub async fn owned_store(
    db: &DatabaseConnection,
    viewer: &Viewer,
    store_id: i64,
) -> Result<StoreSummary, AppError> {
    viewer
        .stores(db)
        .await?
        .iter()
        .find(|store| store.id == store_id)
        .cloned()
        .ok_or(AppError::NotFound)
}

/// The app state and the store a server function is about.
///
/// # Errors
/// `Unauthorized` when nobody is signed in; `NotFound` for a store that is not theirs.
pub async fn store_scope(store_id: i64) -> Result<(AppState, StoreSummary), AppError> {
    let state = current()?;
    let store = owned_store(&state.db, &viewer()?, store_id).await?;
    Ok((state, store))
}
