//! The Products page: create, edit price or name, archive.

use leptos::prelude::*;

use crate::dto::ProductSummary;
use crate::error::AppError;

#[server(endpoint = "products/list")]
pub async fn list_products(store_id: i64) -> Result<Vec<ProductSummary>, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(crate::domain::commerce::products::list_products(&state.db, store_id, true).await?)
}

/// `is_subscription` is a checkbox: present ("on") when ticked.
#[server(endpoint = "products/create")]
pub async fn create_product(
    store_id: i64,
    name: String,
    kind: String,
    price: String,
    is_subscription: Option<String>,
) -> Result<ProductSummary, AppError> {
    use crate::domain::commerce::products::{NewProduct, ProductForm, create_product};
    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let form = ProductForm {
        name: &name,
        kind: &kind,
        price: &price,
        is_subscription: is_subscription.is_some(),
    };
    let new = NewProduct::parse(form, store.currency)?;
    Ok(create_product(&state.db, store_id, &new).await?)
}

#[server(endpoint = "products/edit")]
pub async fn edit_product(
    store_id: i64,
    product_id: i64,
    name: String,
    price: String,
) -> Result<ProductSummary, AppError> {
    use crate::domain::commerce::products::{ProductEdit, edit_product};
    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let edit = ProductEdit::parse(Some(&name), Some(&price), store.currency)?;
    Ok(edit_product(&state.db, store_id, product_id, &edit).await?)
}

#[server(endpoint = "products/archive")]
pub async fn archive_product(store_id: i64, product_id: i64) -> Result<ProductSummary, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(crate::domain::commerce::products::archive_product(&state.db, store_id, product_id).await?)
}
