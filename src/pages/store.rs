//! `/store/{store_id}/…`: the frame around a store's pages (top bar, navigation).

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

use crate::api::auth::current_viewer;
use crate::components::async_view::async_view;
use crate::components::layout::{StoreNav, TopBar};
use crate::components::widgets::LoadError;
use crate::dto::{StoreSummary, ViewerSummary};
use crate::error::AppError;
use crate::money::{CURRENCIES, Currency};
use crate::pages::account::{AccountMenu, LogInFirst, StoreSwitcher};
use crate::pages::not_found::NotFoundMessage;
use crate::pages::resource::page_resource;

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

/// The frame's one read, shared with the pages inside it: the signed-in creator and their
/// stores, keyed by the URL's store id (so moving to another store, a new one included,
/// reads the list again).
#[derive(Clone, Copy)]
struct StoreFrame {
    viewer: Resource<Result<Option<ViewerSummary>, AppError>>,
    store_id: Memo<Option<i64>>,
}

impl StoreFrame {
    /// The viewer and the store in the URL, which must be one of theirs: a store that is
    /// not theirs is NotFound, exactly like one that does not exist.
    async fn read(self) -> Result<(ViewerSummary, StoreSummary), AppError> {
        let viewer = self.viewer.await?.ok_or(AppError::Unauthorized)?;
        let store = self
            .store_id
            .get_untracked()
            .and_then(|id| viewer.stores.iter().find(|store| store.id == id).cloned())
            .ok_or(AppError::NotFound)?;
        Ok((viewer, store))
    }
}

/// The frame around a store's pages: the top bar with the store switcher, the navigation,
/// and the page.
///
/// The page (`<Outlet/>`) sits outside the frame's `<Transition>` on purpose. A page built
/// inside one is built again whenever the content is (up to three times per request before
/// [`async_view`]), and creates its resources, and loads its data, each time. Each page
/// instead wraps what it shows in [`RequireStore`], under resources it created once, outside
/// any Suspense.
#[component]
pub fn StoreLayout() -> impl IntoView {
    let store_id = use_store_id();
    let frame = StoreFrame {
        viewer: page_resource(move || store_id.get(), |_| current_viewer()),
        store_id,
    };
    provide_context(frame);

    view! {
        <Transition fallback=|| view! { <TopBar /> }>
            {async_view(move || async move {
                match frame.read().await {
                    Ok((viewer, store)) => {
                        let stores = viewer.stores.clone();
                        view! {
                            <TopBar>
                                <span class="text-slate-300" aria-hidden="true">"/"</span>
                                <StoreSwitcher current=store.name.clone() current_id=store.id stores />
                                <AccountMenu viewer=Some(viewer) />
                            </TopBar>
                        }
                            .into_any()
                    }
                    // The page says what went wrong (see `RequireStore`); a signed-in
                    // creator keeps their account menu.
                    Err(_) => {
                        let viewer = frame.viewer.await.ok().flatten();
                        view! {
                            <TopBar>
                                <AccountMenu viewer />
                            </TopBar>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <div class="mx-auto grid max-w-6xl gap-8 px-4 py-8 md:grid-cols-[12rem_1fr]">
            <aside>
                // No navigation around "not found": its links would lead nowhere.
                <Transition fallback=|| ()>
                    {async_view(move || async move {
                        frame
                            .read()
                            .await
                            .ok()
                            .map(|(_, store)| view! { <StoreNav store_id=store.id /> })
                    })}
                </Transition>
            </aside>
            <main id="main" tabindex="-1" class="min-w-0">
                <Outlet />
            </main>
        </div>
    }
}

/// What a store page shows once the frame knows the store is the viewer's: `children`, with
/// the store (name, currency) in context; or "not found" (404), the log-in redirect, or the
/// error. A page creates its resources before this, never inside it (see [`StoreLayout`]).
#[component]
pub fn RequireStore(children: Children) -> impl IntoView {
    let frame = expect_context::<StoreFrame>();
    view! {
        <Transition fallback=|| ()>
            {async_view(move || async move {
                match frame.read().await {
                    Ok((_, store)) => {
                        provide_context(store);
                        children().into_any()
                    }
                    Err(AppError::NotFound) => view! { <NotFoundMessage /> }.into_any(),
                    Err(AppError::Unauthorized) => view! { <LogInFirst /> }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The store's currency, for a component inside [`RequireStore`] (which provides the store).
pub fn store_currency() -> Currency {
    use_context::<StoreSummary>().map_or(CURRENCIES[0], |store| store.currency)
}

/// `/store/{store_id}`: a store opens on its Customers page.
#[component]
pub fn StoreIndex() -> impl IntoView {
    let store_id = use_store_id();
    view! {
        <RequireStore>
            {move || {
                store_id
                    .get()
                    .map(|store_id| view! { <Redirect path=format!("/store/{store_id}/customers") /> })
            }}
        </RequireStore>
    }
}
