//! `/store/{store_id}/contacts/new`: add a fan by hand. A fan whose email is already in the
//! store is opened instead of created again (the server function redirects to them).

use leptos::prelude::*;
use leptos_meta::Title;

use super::fans_path;
use crate::api::fans::{AddFan, list_tags};
use crate::components::async_view::async_view;
use crate::components::audience::TagSuggestions;
use crate::components::form::{FieldMessage, FormAlert, field_message, typed};
use crate::components::producer_profile::{ProducerProfileFields, ProfileValues};
use crate::components::widgets::PageHeader;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};

const TAG_SUGGESTIONS: &str = "add-fan-tag-suggestions";

#[component]
pub fn AddFanPage() -> impl IntoView {
    let store_id = use_store_id();
    let add = ServerAction::<AddFan>::new();
    // Suggestions only: the form works without them.
    let tags = page_resource(
        move || store_id.get(),
        |store_id| async move {
            match store_id {
                Some(store_id) => list_tags(store_id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );

    view! {
        <RequireStore>
            <Title text="Add fan" />
            <PageHeader
                title="Add fan".to_owned()
                subtitle="Someone who signed up in person, or wrote to you. Buyers are added automatically."
            />
            <Suspense>
                {async_view(move || async move {
                    let tags = tags.await;
                    view! { <TagSuggestions id=TAG_SUGGESTIONS tags /> }
                })}
            </Suspense>
            {move || store_id.get().map(|store_id| view! { <AddFanForm store_id action=add /> })}
        </RequireStore>
    }
}

#[component]
fn AddFanForm(store_id: i64, action: ServerAction<AddFan>) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    let message = move |field: &'static str| Signal::derive(move || field_message(error(), field));
    let invalid = move |field: &'static str| move || message(field).get().is_some().to_string();
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));

    view! {
        <div class="mt-6">
            <section class="card" aria-label="New fan">
                <FormAlert message=form_error />
                <ActionForm action attr:class="space-y-5" attr:novalidate=true>
                    <input type="hidden" name="store_id" value=store_id />
                    <div>
                            <label for="fan-email" class="block text-sm font-medium text-slate-700">
                                "Email"
                            </label>
                            <input
                                id="fan-email"
                                name="email"
                                type="email"
                                autocomplete="off"
                                value={typed::<AddFan>("email")}
                                required
                                aria-invalid=invalid("email")
                                aria-describedby="fan-email-error"
                                class="field"
                            />
                            <FieldMessage id="fan-email-error" message=message("email") />
                    </div>
                    <ProducerProfileFields id_prefix="fan" values={ProfileValues::typed::<AddFan>().unwrap_or_default()} error=Signal::derive(error) />
                    <div>
                        <label for="fan-tags" class="block text-sm font-medium text-slate-700">
                            "Tags"
                        </label>
                        <input
                            id="fan-tags"
                            name="tags"
                            type="text"
                            autocomplete="off"
                            list=TAG_SUGGESTIONS
                            placeholder="Comma-separated, e.g. ableton, workshop"
                            value={typed::<AddFan>("tags")}
                            aria-invalid=invalid("tags")
                            aria-describedby="fan-tags-error"
                            class="field"
                        />
                        <FieldMessage id="fan-tags-error" message=message("tags") />
                    </div>
                    <div class="flex flex-wrap gap-3">
                        <button type="submit" class="btn btn-primary">
                            "Add fan"
                        </button>
                        <a href=fans_path(store_id) class="btn btn-secondary">
                            "Cancel"
                        </a>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}
