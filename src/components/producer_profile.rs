//! The producer-profile fields (name, DAW, skill level, goals, genres), shared by the
//! "Add fan" form and the profile editor so the two forms cannot drift apart.

use leptos::prelude::*;

use super::form::{FieldMessage, field_message};
use crate::error::AppError;
use crate::vocab::{Daw, Genre, SkillLevel};

/// What the fields start with: empty for a new fan, the saved profile when editing.
#[derive(Debug, Clone, Default)]
pub struct ProfileValues {
    pub name: String,
    pub daw: Option<Daw>,
    pub skill: Option<SkillLevel>,
    pub goals: String,
    pub genres: Vec<Genre>,
}

impl ProfileValues {
    /// The values a rejected post to `S` typed, if this page shows one; a value that is
    /// not in a vocabulary is left out (the server refused it and says so).
    pub fn typed<S: leptos::server_fn::ServerFn>() -> Option<ProfileValues> {
        use super::form::{rejected, typed, typed_all};
        rejected::<S>()?;
        let field = |name: &str| typed::<S>(name).unwrap_or_default();
        Some(ProfileValues {
            name: field("name"),
            daw: field("daw").parse().ok(),
            skill: field("skill").parse().ok(),
            goals: field("goals"),
            genres: typed_all::<S>("genres[]")
                .iter()
                .filter_map(|genre| genre.parse().ok())
                .collect(),
        })
    }
}

/// The fields, named as the fan server functions read them (`name`, `daw`, `skill`,
/// `goals`, `genres[]`). `id_prefix` keeps element ids unique on the page; `error` is the
/// last submission's error, whose field messages show under each field.
#[component]
pub fn ProducerProfileFields(
    id_prefix: &'static str,
    values: ProfileValues,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = move |field: &str| format!("{id_prefix}-{field}");
    let message =
        move |field: &'static str| Signal::derive(move || field_message(error.get(), field));
    let invalid = move |field: &'static str| move || message(field).get().is_some().to_string();
    let daws = Daw::ALL
        .iter()
        .map(|daw| (daw.as_str(), daw.label()))
        .collect();
    let skills = SkillLevel::ALL
        .iter()
        .map(|skill| (skill.as_str(), skill.label()))
        .collect();

    view! {
        <div class="grid gap-5 sm:grid-cols-2">
            <div>
                <label for=id("name") class="block text-sm font-medium text-slate-700">
                    "Name"
                </label>
                <input
                    id=id("name")
                    name="name"
                    type="text"
                    autocomplete="off"
                    maxlength="120"
                    value=values.name
                    aria-invalid=invalid("name")
                    aria-describedby=id("name-error")
                    class="field"
                />
                <FieldMessage id=id("name-error") message=message("name") />
            </div>
            <VocabularySelect
                id=id("daw")
                name="daw"
                label="DAW"
                options=daws
                selected=values.daw.map(Daw::as_str)
                invalid=Signal::derive(invalid("daw"))
                message=message("daw")
            />
            <VocabularySelect
                id=id("skill")
                name="skill"
                label="Skill level"
                options=skills
                selected=values.skill.map(SkillLevel::as_str)
                invalid=Signal::derive(invalid("skill"))
                message=message("skill")
            />
            <div>
                <label for=id("goals") class="block text-sm font-medium text-slate-700">
                    "Goals"
                </label>
                // A text input, not a textarea: Leptos does not escape a textarea's children,
                // and goals are free text.
                <input
                    id=id("goals")
                    name="goals"
                    type="text"
                    autocomplete="off"
                    maxlength="1000"
                    placeholder="e.g. Finish a first EP"
                    value=values.goals
                    aria-invalid=invalid("goals")
                    aria-describedby=id("goals-error")
                    class="field"
                />
                <FieldMessage id=id("goals-error") message=message("goals") />
            </div>
        </div>
        <fieldset aria-describedby=id("genres-error")>
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
                                    checked=values.genres.contains(genre)
                                    class="h-4 w-4 rounded border-slate-300 text-violet-700"
                                />
                                {genre.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <FieldMessage id=id("genres-error") message=message("genres") />
        </fieldset>
    }
}

/// A labelled `<select>` over a vocabulary (slug, label), with "Not known" first.
#[component]
fn VocabularySelect(
    id: String,
    name: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    selected: Option<&'static str>,
    invalid: Signal<String>,
    message: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium text-slate-700">
                {label}
            </label>
            <select
                id=id
                name=name
                aria-invalid=invalid
                aria-describedby=error_id.clone()
                class="field"
            >
                <option value="">"Not known"</option>
                {options
                    .into_iter()
                    .map(|(slug, label)| {
                        view! {
                            <option value=slug selected=selected == Some(slug)>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessage id=error_id message />
        </div>
    }
}
