//! `/store/{store_id}/customers/new`: record a manual sale (bank transfer, cash at a
//! workshop). The form carries a fresh request key, so a double submit records one purchase;
//! on success the Customers page opens with the buyer already in it.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::customers::{RecordManualPurchase, new_request_key};
use crate::api::products::list_products;
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, typed};
use crate::components::widgets::{LoadError, PageHeader};
use crate::dto::ProductSummary;
use crate::error::AppError;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, store_currency, use_store_id};
use crate::vocab::ProductKind;

#[component]
pub fn RecordPurchasePage() -> impl IntoView {
    let store_id = use_store_id();
    let products = page_resource(
        move || store_id.get(),
        |store_id| async move {
            match store_id {
                Some(store_id) => list_products(store_id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // One key per page load: a failed submission keeps it (nothing was recorded), a
    // successful one leaves the page.
    let request_key = page_resource(|| (), |_| new_request_key());
    view! {
        <RequireStore>
            <Title text="Record purchase" />
            <PageHeader title="Record purchase".to_owned() subtitle="A sale made outside your store: a bank transfer, cash at a workshop, a custom deal." />
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading products…"</p> }>
                {async_view(move || async move {
                    let loaded = match (products.await, request_key.await, store_id.get()) {
                        (Ok(products), Ok(key), Some(store_id)) => Ok((products, key, store_id)),
                        (Err(error), _, _) | (_, Err(error), _) => Err(error),
                        (_, _, None) => Err(AppError::NotFound),
                    };
                    match loaded {
                        Ok((products, request_key, store_id)) => {
                            let products: Vec<ProductSummary> = products.into_iter().filter(|p| !p.archived).collect();
                            view! { <PurchaseForm store_id products request_key /> }.into_any()
                        }
                        Err(error) => view! { <div class="mt-6"><LoadError error /></div> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[component]
fn PurchaseForm(
    store_id: i64,
    products: Vec<ProductSummary>,
    request_key: String,
) -> impl IntoView {
    let action = ServerAction::<RecordManualPurchase>::new();
    let error = move || action.value().get().and_then(Result::err);
    let message = move |field: &'static str| Signal::derive(move || field_message(error(), field));
    let invalid =
        move |field: &'static str| move || field_message(error(), field).is_some().to_string();
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));

    // A refused sale comes back as typed.
    let typed = |field: &str| typed::<RecordManualPurchase>(field).unwrap_or_default();
    let chosen_product = typed("product_id");
    let chosen_kind = typed("new_product_kind");

    let currency = store_currency();
    let currency_hint = "Leave empty to charge the product's price.";

    // The same form sent again with other details: say where the sale already is.
    let recorded = move || match error() {
        Some(AppError::AlreadyRecorded { link }) => Some(view! {
            <p class="mb-4 text-sm">
                <a href=link class="text-link">"Open the customer this sale was recorded for"</a>
            </p>
        }),
        _ => None,
    };

    view! {
        <FormAlert message=form_error />
        {recorded}
        <ActionForm action attr:class="mt-6 max-w-xl space-y-5" attr:novalidate=true>
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="request_key" value=request_key />
            <div>
                <label for="purchase-email" class="block text-sm font-medium text-slate-700">"Buyer's email"</label>
                <input id="purchase-email" name="email" type="email" autocomplete="off" value=typed("email") class="field" aria-describedby="purchase-email-error" aria-invalid=invalid("email") />
                <FieldMessage id="purchase-email-error" message=message("email") />
            </div>
            <div>
                <label for="purchase-name" class="block text-sm font-medium text-slate-700">"Buyer's name (optional)"</label>
                <input id="purchase-name" name="name" type="text" maxlength="120" autocomplete="off" value=typed("name") class="field" aria-describedby="purchase-name-error" aria-invalid=invalid("name") />
                <FieldMessage id="purchase-name-error" message=message("name") />
            </div>
            <FillsPrice>
                <label for="purchase-product" class="block text-sm font-medium text-slate-700">"Product"</label>
                <select
                    id="purchase-product"
                    name="product_id"
                    class="field"
                    aria-describedby="purchase-product-error"
                    aria-invalid=invalid("product_id")
                >
                    <option value="">"Choose a product…"</option>
                    {products
                        .iter()
                        .map(|product| view! {
                            <option value=product.id.to_string() data-price=currency.format_plain(product.price_cents) selected=chosen_product == product.id.to_string()>
                                {product.name.clone()}
                            </option>
                        })
                        .collect_view()}
                    <option value="new" selected=chosen_product == "new">"New product…"</option>
                </select>
                <FieldMessage id="purchase-product-error" message=message("product_id") />
            </FillsPrice>
            <fieldset class="rounded-md border border-slate-200 p-4">
                <legend class="px-1 text-sm text-slate-600">"Only for a new product"</legend>
                <div class="grid gap-4 sm:grid-cols-2">
                    <div>
                        <label for="new-product-name" class="block text-sm font-medium text-slate-700">"New product name"</label>
                        <input id="new-product-name" name="new_product_name" type="text" maxlength="120" value=typed("new_product_name") class="field" aria-describedby="new-product-name-error" aria-invalid=invalid("new_product_name") />
                        <FieldMessage id="new-product-name-error" message=message("new_product_name") />
                    </div>
                    <div>
                        <label for="new-product-kind" class="block text-sm font-medium text-slate-700">"Kind"</label>
                        <select id="new-product-kind" name="new_product_kind" class="field" aria-describedby="new-product-kind-error" aria-invalid=invalid("new_product_kind")>
                            {ProductKind::ALL
                                .iter()
                                .map(|kind| view! { <option value=kind.as_str() selected=chosen_kind == kind.as_str()>{kind.label()}</option> })
                                .collect_view()}
                        </select>
                        <FieldMessage id="new-product-kind-error" message=message("new_product_kind") />
                    </div>
                </div>
            </fieldset>
            <div class="grid gap-4 sm:grid-cols-2">
                <div>
                    <label for="purchase-amount" class="block text-sm font-medium text-slate-700">"Amount"</label>
                    <input
                        id="purchase-amount"
                        name="amount"
                        type="text"
                        inputmode="decimal"
                        placeholder="99.00"
                        value=typed("amount")
                        class="field"
                        aria-describedby="purchase-amount-hint purchase-amount-error"
                        aria-invalid=invalid("amount")
                    />
                    <p id="purchase-amount-hint" class="mt-1 text-xs text-slate-500">{currency_hint}</p>
                    <FieldMessage id="purchase-amount-error" message=message("amount") />
                </div>
                <div>
                    <label for="purchase-date" class="block text-sm font-medium text-slate-700">"Date (optional)"</label>
                    <input id="purchase-date" name="date" type="date" value=typed("date") class="field" aria-describedby="purchase-date-error" aria-invalid=invalid("date") />
                    <FieldMessage id="purchase-date-error" message=message("date") />
                </div>
            </div>
            <div class="flex items-center gap-3">
                <button
                    type="submit"
                    class="btn btn-primary"
                >
                    "Record purchase"
                </button>
                <a href=format!("/store/{store_id}/customers") class="text-sm text-slate-600 hover:underline">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

/// The product picker, an island: in the browser, picking a product fills in the amount with
/// its price (the option's `data-price`). Without JavaScript an empty amount means the
/// product's price, and the server fills it in.
#[island]
fn FillsPrice(children: Children) -> impl IntoView {
    view! { <div on:change=fill_in_price>{children()}</div> }
}

fn fill_in_price(event: leptos::ev::Event) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{Element, HtmlInputElement};

    let price = event
        .target()
        .and_then(|target| target.dyn_into::<Element>().ok())
        .and_then(|select| select.query_selector("option:checked").ok().flatten())
        .and_then(|option| option.get_attribute("data-price"));
    let amount = document()
        .get_element_by_id("purchase-amount")
        .and_then(|input| input.dyn_into::<HtmlInputElement>().ok());
    if let (Some(price), Some(amount)) = (price, amount) {
        amount.set_value(&price);
    }
}
