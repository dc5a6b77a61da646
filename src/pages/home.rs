//! `/`: the creator's stores, and the form to create one.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::current_viewer;
use crate::api::stores::CreateStore;
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, reported, typed};
use crate::components::layout::TopBar;
use crate::dto::StoreSummary;
use crate::error::AppError;
use crate::money::CURRENCIES;
use crate::pages::account::{AccountMenu, LogInFirst};
use crate::pages::resource::page_resource;

#[component]
pub fn HomePage() -> impl IntoView {
    let create_store = ServerAction::<CreateStore>::new();
    let viewer = page_resource(|| (), |_| current_viewer());
    // The form reports `created` = the new store's id here; the page names that store.
    let created: Option<i64> = reported("created").and_then(|id| id.parse().ok());

    view! {
        <Title text="Your stores" />
        <Transition fallback=|| view! { <TopBar /> }>
            {async_view(move || async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        let stores = viewer.stores.clone();
                        let created = stores.iter().find(|store| Some(store.id) == created).map(|store| store.name.clone());
                        view! {
                            <TopBar>
                                <AccountMenu viewer=Some(viewer) />
                            </TopBar>
                            <main id="main" tabindex="-1" class="mx-auto max-w-3xl px-4 py-10">
                                <h1 class="text-2xl font-semibold tracking-tight">"Your stores"</h1>
                                <p class="mt-1 text-slate-600">
                                    "Each store keeps its own customers, fans and revenue."
                                </p>
                                <section aria-label="Stores" class="mt-6">
                                    <StoreList stores />
                                </section>
                                <CreateStoreForm action=create_store created />
                            </main>
                        }
                            .into_any()
                    }
                    Ok(None) | Err(AppError::Unauthorized) => view! { <LogInFirst /> }.into_any(),
                    Err(error) => {
                        view! {
                            <TopBar />
                            <main id="main" tabindex="-1" class="mx-auto max-w-3xl px-4 py-10">
                                <p class="text-red-700" role="alert">{error.to_string()}</p>
                            </main>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn StoreList(stores: Vec<StoreSummary>) -> impl IntoView {
    if stores.is_empty() {
        return view! {
            <div class="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
                <p class="font-medium">"No stores yet"</p>
                <p class="mt-1 text-sm text-slate-600">
                    "Create your first store below to start recording sales and growing your fans."
                </p>
            </div>
        }
            .into_any();
    }
    view! {
        <ul class="divide-y divide-slate-200 overflow-hidden rounded-lg border border-slate-200 bg-white">
            {stores
                .into_iter()
                .map(|store| {
                    view! {
                        <li>
                            <a
                                href=format!("/store/{}/customers", store.id)
                                class="flex items-center justify-between px-4 py-3 hover:bg-slate-50"
                            >
                                <span class="font-medium" data-testid="store-name">{store.name}</span>
                                <span class="text-sm text-slate-500">{store.currency.code()}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
        .into_any()
}

#[component]
fn CreateStoreForm(
    action: ServerAction<CreateStore>,
    /// The name of the store just created, if the form redirected here.
    created: Option<String>,
) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    let name_error = Signal::derive(move || field_message(error(), "name"));
    let currency_error = Signal::derive(move || field_message(error(), "currency"));
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    let created = created.map(|name| format!("Created “{name}”."));
    let chosen_currency = typed::<CreateStore>("currency");

    view! {
        <section
            aria-labelledby="create-store-heading"
            class="mt-10 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
        >
            <h2 id="create-store-heading" class="text-lg font-semibold">
                "Create store"
            </h2>
            <p class="mt-4 text-sm text-emerald-700" role="status">
                {created}
            </p>
            <FormAlert message=form_error />
            <ActionForm action=action attr:class="mt-2 space-y-4" attr:novalidate=true>
                <div>
                    <label for="store-name" class="block text-sm font-medium text-slate-700">
                        "Store name"
                    </label>
                    <input
                        id="store-name"
                        name="name"
                        type="text"
                        maxlength="80"
                        autocomplete="off"
                        placeholder="e.g. Night Owl Beats"
                        value={typed::<CreateStore>("name")}
                        aria-describedby="store-name-error"
                        aria-invalid=move || name_error.get().is_some().to_string()
                        class="field"
                    />
                    <FieldMessage id="store-name-error" message=name_error />
                </div>
                <div>
                    <label for="store-currency" class="block text-sm font-medium text-slate-700">
                        "Currency"
                    </label>
                    <select
                        id="store-currency"
                        name="currency"
                        aria-describedby="store-currency-error"
                        aria-invalid=move || currency_error.get().is_some().to_string()
                        class="field"
                    >
                        {CURRENCIES
                            .iter()
                            .map(|currency| {
                                view! {
                                    <option
                                        value=currency.code()
                                        selected=chosen_currency.as_deref() == Some(currency.code())
                                    >
                                        {format!("{} — {}", currency.code(), currency.name())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldMessage id="store-currency-error" message=currency_error />
                </div>
                <button
                    type="submit"
                    class="btn btn-primary"
                >
                    "Create store"
                </button>
            </ActionForm>
        </section>
    }
}
