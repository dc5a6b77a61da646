//! `/store/{store_id}/contacts/new`: add a fan by hand. A fan whose email is already in the
//! store is opened instead of created again (the server function redirects to them).

use leptos::prelude::*;
use leptos_meta::Title;

use super::fans_path;
use crate::api::fans::{AddFan, list_tags};
use crate::components::audience::{
    CARD_CLASS, FIELD_CLASS, PRIMARY_BUTTON_CLASS, SECONDARY_BUTTON_CLASS, TagSuggestions,
};
use crate::components::form::{FieldMessage, FormAlert, field_message};
use crate::components::widgets::PageHeader;
use crate::pages::store::use_store_id;
use crate::vocab::{Daw, Genre, SkillLevel};

const TAG_SUGGESTIONS: &str = "add-fan-tag-suggestions";

#[component]
pub fn AddFanPage() -> impl IntoView {
    let store_id = use_store_id();
    let add = ServerAction::<AddFan>::new();
    // Suggestions only: the form works without them.
    let tags = Resource::new(
        move || store_id.get(),
        |store_id| async move {
            match store_id {
                Some(store_id) => list_tags(store_id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );

    view! {
        <Title text="Add fan" />
        <PageHeader
            title="Add fan".to_owned()
            subtitle="Someone who signed up in person, or wrote to you. Buyers are added automatically."
        />
        <Suspense>
            {move || Suspend::new(async move {
                let tags = tags.await;
                view! { <TagSuggestions id=TAG_SUGGESTIONS tags /> }
            })}
        </Suspense>
        {move || store_id.get().map(|store_id| view! { <AddFanForm store_id action=add /> })}
    }
}

#[component]
fn AddFanForm(store_id: i64, action: ServerAction<AddFan>) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    let message = move |field: &'static str| Signal::derive(move || field_message(error(), field));
    let invalid = move |field: &'static str| move || message(field).get().is_some().to_string();
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    let pending = action.pending();

    view! {
        <div class="mt-6">
            <section class=CARD_CLASS aria-label="New fan">
                <FormAlert message=form_error />
                <ActionForm action attr:class="space-y-5" attr:novalidate=true>
                    <input type="hidden" name="store_id" value=store_id />
                    <div class="grid gap-5 sm:grid-cols-2">
                        <div>
                            <label for="fan-email" class="block text-sm font-medium text-slate-700">
                                "Email"
                            </label>
                            <input
                                id="fan-email"
                                name="email"
                                type="email"
                                autocomplete="off"
                                required
                                aria-invalid=invalid("email")
                                aria-describedby="fan-email-error"
                                class=FIELD_CLASS
                            />
                            <FieldMessage id="fan-email-error" message=message("email") />
                        </div>
                        <div>
                            <label for="fan-name" class="block text-sm font-medium text-slate-700">
                                "Name"
                            </label>
                            <input
                                id="fan-name"
                                name="name"
                                type="text"
                                autocomplete="off"
                                maxlength="120"
                                aria-invalid=invalid("name")
                                aria-describedby="fan-name-error"
                                class=FIELD_CLASS
                            />
                            <FieldMessage id="fan-name-error" message=message("name") />
                        </div>
                        <div>
                            <label for="fan-daw" class="block text-sm font-medium text-slate-700">
                                "DAW"
                            </label>
                            <select
                                id="fan-daw"
                                name="daw"
                                aria-invalid=invalid("daw")
                                aria-describedby="fan-daw-error"
                                class=FIELD_CLASS
                            >
                                <option value="">"Not known"</option>
                                {Daw::ALL
                                    .iter()
                                    .map(|daw| view! { <option value=daw.as_str()>{daw.label()}</option> })
                                    .collect_view()}
                            </select>
                            <FieldMessage id="fan-daw-error" message=message("daw") />
                        </div>
                        <div>
                            <label for="fan-skill" class="block text-sm font-medium text-slate-700">
                                "Skill level"
                            </label>
                            <select
                                id="fan-skill"
                                name="skill"
                                aria-invalid=invalid("skill")
                                aria-describedby="fan-skill-error"
                                class=FIELD_CLASS
                            >
                                <option value="">"Not known"</option>
                                {SkillLevel::ALL
                                    .iter()
                                    .map(|skill| {
                                        view! { <option value=skill.as_str()>{skill.label()}</option> }
                                    })
                                    .collect_view()}
                            </select>
                            <FieldMessage id="fan-skill-error" message=message("skill") />
                        </div>
                    </div>
                    <fieldset aria-describedby="fan-genres-error">
                        <legend class="text-sm font-medium text-slate-700">"Genres"</legend>
                        <div class="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-4">
                            {Genre::ALL
                                .iter()
                                .map(|genre| {
                                    view! {
                                        <label class="flex items-center gap-2 text-sm">
                                            <input
                                                type="checkbox"
                                                name="genres[]"
                                                value=genre.as_str()
                                                class="h-4 w-4 rounded border-slate-300 text-violet-700"
                                            />
                                            {genre.label()}
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </div>
                        <FieldMessage id="fan-genres-error" message=message("genres") />
                    </fieldset>
                    <div>
                        <label for="fan-goals" class="block text-sm font-medium text-slate-700">
                            "Goals"
                        </label>
                        // A text input, not a textarea: Leptos does not escape a textarea's
                        // children, and goals are free text.
                        <input
                            id="fan-goals"
                            name="goals"
                            type="text"
                            autocomplete="off"
                            maxlength="1000"
                            placeholder="e.g. Finish a first EP"
                            aria-invalid=invalid("goals")
                            aria-describedby="fan-goals-error"
                            class=FIELD_CLASS
                        />
                        <FieldMessage id="fan-goals-error" message=message("goals") />
                    </div>
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
                            aria-invalid=invalid("tags")
                            aria-describedby="fan-tags-error"
                            class=FIELD_CLASS
                        />
                        <FieldMessage id="fan-tags-error" message=message("tags") />
                    </div>
                    <div class="flex flex-wrap gap-3">
                        <button type="submit" class=PRIMARY_BUTTON_CLASS disabled=move || pending.get()>
                            {move || if pending.get() { "Adding…" } else { "Add fan" }}
                        </button>
                        <a href=fans_path(store_id) class=SECONDARY_BUTTON_CLASS>
                            "Cancel"
                        </a>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}
