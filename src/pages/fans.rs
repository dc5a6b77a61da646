//! `/store/{store_id}/contacts`: the audience builder (labelled "Fans"), the "Add fan" form
//! and the bulk-tag confirmation.
//!
//! The audience lives in the URL ([`FanListParams`]): the filter bar is a GET form, sorting
//! and paging are links, and the bulk-tag form is a GET to the confirmation page. Without
//! JavaScript these are plain page loads; with it src/navigation.js fetches the next page
//! and swaps it in without a reload. Either way the server renders the whole page.

mod add;
mod bulk;
mod filter_bar;
mod list;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query;

pub use add::AddFanPage;
pub use bulk::BulkTagPage;

use crate::api::fans::fan_list;
use crate::components::async_view::async_view;
use crate::components::widgets::{LoadError, PageHeader};
use crate::error::AppError;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};
use crate::params::FanListParams;
use filter_bar::FilterBar;
use list::Audience;

/// The audience in the URL; bad values stay in it so they can be shown next to their field.
pub(crate) fn use_fan_list_params() -> Memo<FanListParams> {
    let query = use_query::<FanListParams>();
    Memo::new(move |_| query.get().unwrap_or_default())
}

/// `/store/{store_id}/contacts`.
pub(crate) fn fans_path(store_id: i64) -> String {
    format!("/store/{store_id}/contacts")
}

#[component]
pub fn FansPage() -> impl IntoView {
    let store_id = use_store_id();
    let params = use_fan_list_params();
    // The key travels with the data, so the filter bar always shows the filter the list was
    // loaded for.
    let list = page_resource(
        move || (store_id.get(), params.get()),
        |(store_id, params)| async move {
            let result = match store_id {
                Some(store_id) => fan_list(store_id, params.clone()).await,
                None => Err(AppError::NotFound),
            };
            (params, result)
        },
    );

    view! {
        <RequireStore>
            <Title text="Fans" />
            <PageHeader
                title="Fans".to_owned()
                subtitle="Find the fans to email: filter by tags, profile and engagement."
            >
                {move || {
                    store_id
                        .get()
                        .map(|store_id| {
                            view! {
                                <a
                                    href=format!("/store/{store_id}/tags")
                                    class="btn btn-secondary"
                                >
                                    "Manage tags"
                                </a>
                                <a
                                    href=format!("/store/{store_id}/contacts/new")
                                    class="btn btn-primary"
                                >
                                    "Add fan"
                                </a>
                            }
                        })
                }}
            </PageHeader>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading fans…"</p> }>
                {async_view(move || async move {
                    let (params, result) = list.await;
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    match result {
                        Ok(view) => {
                            view! {
                                <FilterBar store_id params=params.clone() tags=view.tags.clone() />
                                <Audience store_id params view />
                            }
                                .into_any()
                        }
                        // Bad URL values: the filter bar shows each message next to its field.
                        Err(AppError::Invalid(errors)) => {
                            view! {
                                <FilterBar
                                    store_id
                                    params
                                    tags=Vec::new()
                                    errors=AppError::Invalid(errors.clone())
                                />
                                <div class="mt-6">
                                    <LoadError error=AppError::Invalid(errors) />
                                </div>
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <div class="mt-6">
                                    <LoadError error />
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </RequireStore>
    }
}
