//! `/store/{store_id}/products`: what the store sells. Create a product, change its name or
//! price (past purchases keep what they cost), or archive it (it stays in history).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::products::{ArchiveProduct, CreateProduct, EditProduct, list_products};
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, typed};
use crate::components::widgets::{EmptyState, LoadError, PageHeader};
use crate::dto::ProductSummary;
use crate::error::AppError;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, store_currency, use_store_id};
use crate::vocab::ProductKind;

#[component]
pub fn ProductsPage() -> impl IntoView {
    let store_id = use_store_id();
    let create = ServerAction::<CreateProduct>::new();
    let edit = ServerAction::<EditProduct>::new();
    let archive = ServerAction::<ArchiveProduct>::new();
    let products = page_resource(
        move || store_id.get(),
        |store_id| async move {
            match store_id {
                Some(store_id) => list_products(store_id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let edit_error = Signal::derive(move || {
        edit.value().get().and_then(Result::err).map(|error| {
            error
                .field_message("price")
                .or(error.field_message("name"))
                .map_or_else(|| error.to_string(), str::to_owned)
        })
    });

    view! {
        <RequireStore>
            <Title text="Products" />
            <a href=move || format!("/store/{}/customers", store_id.get().unwrap_or_default()) class="text-sm text-violet-700 hover:underline">"← Customers"</a>
            <div class="mt-2">
                <PageHeader title="Products".to_owned() subtitle="What you sell. Prices are defaults for new sales; past purchases keep what they cost." />
            </div>
            <FormAlert message=edit_error />
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading products…"</p> }>
                {async_view(move || async move {
                    match products.await {
                        Ok(products) if products.is_empty() => view! {
                            <div class="mt-6">
                                <EmptyState title="No products yet">"Add what you sell below: a course, a sample pack, presets, coaching or a membership."</EmptyState>
                            </div>
                        }.into_any(),
                        Ok(products) => view! { <ProductTable products edit archive store_id=store_id.get().unwrap_or_default() /> }.into_any(),
                        Err(error) => view! { <div class="mt-6"><LoadError error /></div> }.into_any(),
                    }
                })}
            </Transition>
            <NewProductForm action=create store_id />
        </RequireStore>
    }
}

#[component]
fn ProductTable(
    products: Vec<ProductSummary>,
    edit: ServerAction<EditProduct>,
    archive: ServerAction<ArchiveProduct>,
    store_id: i64,
) -> impl IntoView {
    let currency = store_currency();
    view! {
        <div class="table-frame mt-6">
            <table class="list-table">
                <thead>
                    <tr>
                        <th scope="col">"Product"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Name and price"</th>
                        <th scope="col"><span class="sr-only">"Archive"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {products.into_iter().map(|product| {
                        let label = format!("{} ({})", product.name, currency.format(product.price_cents));
                        // ActionForm builds its children later, so they get their own copies.
                        let (id, name) = (product.id, product.name.clone());
                        let (edit_name, archive_name) = (name.clone(), name.clone());
                        let price = currency.format_plain(product.price_cents);
                        // A refused edit of this product comes back as typed.
                        let refused = typed::<EditProduct>("product_id") == Some(id.to_string());
                        let typed_edit = |field: &str| refused.then(|| typed::<EditProduct>(field)).flatten();
                        let (shown_name, price) = (
                            typed_edit("name").unwrap_or_else(|| edit_name.clone()),
                            typed_edit("price").unwrap_or(price),
                        );
                        view! {
                            <tr class=if product.archived { "align-middle bg-slate-50 text-slate-500" } else { "align-middle" }>
                                <td>
                                    <span class="font-medium">{product.name.clone()}</span>
                                    {product.is_subscription.then(|| view! { <span class="ml-2 text-xs text-slate-500">"monthly subscription"</span> })}
                                    {product.archived.then(|| view! { <span class="ml-2 rounded bg-slate-200 px-1.5 py-0.5 text-xs text-slate-700">"Archived"</span> })}
                                </td>
                                <td>{product.kind.label()}</td>
                                <td>
                                    <ActionForm action=edit attr:class="flex flex-wrap items-center gap-2" attr:aria-label=format!("Edit {name}")>
                                        <input type="hidden" name="store_id" value=store_id />
                                        <input type="hidden" name="product_id" value=id />
                                        <label class="sr-only" for=format!("product-name-{id}")>{format!("Name of {edit_name}")}</label>
                                        <input id=format!("product-name-{id}") name="name" value=shown_name maxlength="120" class="w-48 rounded-md border border-slate-300 px-2 py-1" />
                                        <label class="sr-only" for=format!("product-price-{id}")>{format!("Price of {edit_name}")}</label>
                                        <input id=format!("product-price-{id}") name="price" value=price inputmode="decimal" class="w-24 rounded-md border border-slate-300 px-2 py-1 text-right" />
                                        <button type="submit" class="rounded-md border border-slate-300 bg-white px-2 py-1 font-medium hover:bg-slate-50">"Save"</button>
                                    </ActionForm>
                                </td>
                                <td class="text-right">
                                    {(!product.archived).then(|| view! {
                                        <ActionForm action=archive attr:aria-label=format!("Archive {label}")>
                                            <input type="hidden" name="store_id" value=store_id />
                                            <input type="hidden" name="product_id" value=id />
                                            <button type="submit" class="text-sm font-medium text-red-700 hover:underline">
                                                "Archive"<span class="sr-only">{format!(" {archive_name}")}</span>
                                            </button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn NewProductForm(
    action: ServerAction<CreateProduct>,
    store_id: Memo<Option<i64>>,
) -> impl IntoView {
    let currency = store_currency();
    let error = move || action.value().get().and_then(Result::err);
    let message = move |field: &'static str| Signal::derive(move || field_message(error(), field));
    let invalid =
        move |field: &'static str| move || field_message(error(), field).is_some().to_string();
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    // A refused product comes back as typed.
    let subscription = typed::<CreateProduct>("is_subscription").is_some();
    let typed = |field: &str| typed::<CreateProduct>(field).unwrap_or_default();
    let chosen_kind = typed("kind");
    view! {
        <section aria-labelledby="new-product-heading" class="mt-10 max-w-xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
            <h2 id="new-product-heading" class="text-lg font-semibold">"New product"</h2>
            <FormAlert message=form_error />
            <ActionForm action attr:class="mt-4 space-y-4" attr:novalidate=true>
                <input type="hidden" name="store_id" value=move || store_id.get().unwrap_or_default() />
                <div>
                    <label for="product-name" class="block text-sm font-medium text-slate-700">"Name"</label>
                    <input id="product-name" name="name" maxlength="120" value=typed("name") class="field" aria-describedby="product-name-error" aria-invalid=invalid("name") />
                    <FieldMessage id="product-name-error" message=message("name") />
                </div>
                <div class="grid gap-4 sm:grid-cols-2">
                    <div>
                        <label for="product-kind" class="block text-sm font-medium text-slate-700">"Kind"</label>
                        <select id="product-kind" name="kind" class="field" aria-describedby="product-kind-error" aria-invalid=invalid("kind")>
                            {ProductKind::ALL.iter().map(|kind| view! { <option value=kind.as_str() selected=chosen_kind == kind.as_str()>{kind.label()}</option> }).collect_view()}
                        </select>
                        <FieldMessage id="product-kind-error" message=message("kind") />
                    </div>
                    <div>
                        <label for="product-price" class="block text-sm font-medium text-slate-700">{format!("Price ({})", currency.code())}</label>
                        <input id="product-price" name="price" inputmode="decimal" placeholder="99.00" value=typed("price") class="field" aria-describedby="product-price-error" aria-invalid=invalid("price") />
                        <FieldMessage id="product-price-error" message=message("price") />
                    </div>
                </div>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" name="is_subscription" checked=subscription />
                    "Monthly subscription (each payment renews it for a month)"
                </label>
                <button type="submit" class="btn btn-primary">
                    "Add product"
                </button>
            </ActionForm>
        </section>
    }
}
