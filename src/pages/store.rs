//! `/store/{store_id}/…`: the frame around a store's pages (top bar, navigation).

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

use crate::api::auth::current_viewer;
use crate::components::layout::{StoreNav, TopBar};
use crate::error::AppError;
use crate::pages::account::{AccountMenu, LogInFirst, StoreSwitcher};
use crate::pages::not_found::NotFound;

#[derive(Params, Clone, Debug, PartialEq)]
pub struct StoreParams {
    pub store_id: Option<i64>,
}

/// The store id from the URL, if it is a number.
pub fn use_store_id() -> Memo<Option<i64>> {
    let params = use_params::<StoreParams>();
    Memo::new(move |_| {
        params
            .read()
            .as_ref()
            .ok()
            .and_then(|params| params.store_id)
    })
}

#[component]
pub fn StoreLayout() -> impl IntoView {
    let store_id = use_store_id();
    // One read for the frame: the signed-in creator's stores are the switcher's list, and
    // the store in the URL must be one of them (a store that is not theirs is NotFound,
    // exactly like one that does not exist). Keyed by the store id so that moving to
    // another store, a new one included, reads the list again.
    let viewer = Resource::new(move || store_id.get(), |_| current_viewer());

    view! {
        <Transition fallback=|| view! { <TopBar /> }>
            {move || Suspend::new(async move {
                let frame = viewer.await.and_then(|viewer| {
                    let viewer = viewer.ok_or(AppError::Unauthorized)?;
                    let store = store_id
                        .get_untracked()
                        .and_then(|id| viewer.stores.iter().find(|store| store.id == id).cloned())
                        .ok_or(AppError::NotFound)?;
                    Ok((viewer, store))
                });
                match frame {
                    Ok((viewer, store)) => {
                        // The pages inside read the store (name, currency) from here.
                        provide_context(store.clone());
                        let stores = viewer.stores.clone();
                        view! {
                            <TopBar>
                                <span class="text-slate-300" aria-hidden="true">"/"</span>
                                <StoreSwitcher current=store.name.clone() current_id=store.id stores />
                                <AccountMenu viewer=Some(viewer) />
                            </TopBar>
                            <div class="mx-auto grid max-w-6xl gap-8 px-4 py-8 md:grid-cols-[12rem_1fr]">
                                <aside>
                                    <StoreNav store_id=store.id />
                                </aside>
                                <main class="min-w-0">
                                    <Outlet />
                                </main>
                            </div>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFound /> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <LogInFirst /> }.into_any(),
                    Err(error) => {
                        view! {
                            <TopBar />
                            <main class="mx-auto max-w-3xl px-4 py-10">
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

/// `/store/{store_id}`: a store opens on its Customers page.
#[component]
pub fn StoreIndex() -> impl IntoView {
    let store_id = use_store_id();
    move || {
        store_id
            .get()
            .map(|store_id| view! { <Redirect path=format!("/store/{store_id}/customers") /> })
    }
}
