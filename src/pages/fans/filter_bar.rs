//! The filter bar: a GET form whose fields are the URL keys of [`FanListParams`], so
//! submitting it (with or without JavaScript) opens the audience as a link.

use leptos::prelude::*;

use super::fans_path;
use crate::components::audience::TagSuggestions;
use crate::components::form::{FieldMessage, field_message};
use crate::dto::TagCount;
use crate::error::AppError;
use crate::params::FanListParams;
use crate::vocab::{Daw, EmailStatus, Genre, SkillLevel};

/// The id of the `<datalist>` of the store's tags, shared by the tag inputs of the page.
pub(super) const TAG_SUGGESTIONS: &str = "fan-tag-suggestions";

#[component]
pub(super) fn FilterBar(
    store_id: i64,
    params: FanListParams,
    tags: Vec<TagCount>,
    /// The server's verdict on the URL: messages are shown next to their field.
    #[prop(optional)]
    errors: Option<AppError>,
) -> impl IntoView {
    let message = move |field: &str| field_message(errors.clone(), field);
    let daws: Vec<_> = Daw::ALL.iter().map(|d| (d.as_str(), d.label())).collect();
    let genres: Vec<_> = Genre::ALL.iter().map(|g| (g.as_str(), g.label())).collect();
    let skills: Vec<_> = SkillLevel::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    let statuses: Vec<_> = EmailStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();

    view! {
        <section aria-label="Filter fans" class="mt-6 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <TagSuggestions id=TAG_SUGGESTIONS tags />
            // src/navigation.js leaves empty fields out of the URL, so an audience link
            // carries only the filters in use; without JavaScript the browser sends them all,
            // and an empty value means "no filter" either way.
            <form method="GET" action=fans_path(store_id) novalidate=true>
                <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                    <div class="sm:col-span-2 lg:col-span-4">
                        <TextFilter
                            id="filter-q"
                            error_id="filter-q-error"
                            name="q"
                            label="Search"
                            placeholder="Name or email"
                            value=params.q.clone()
                            error=message("q")
                        />
                    </div>
                    <TextFilter
                        id="filter-any"
                        error_id="filter-any-error"
                        name="any"
                        label="Has any of these tags"
                        placeholder="e.g. ableton, trap"
                        list=TAG_SUGGESTIONS
                        value=params.any.clone()
                        error=message("any")
                    />
                    <TextFilter
                        id="filter-all"
                        error_id="filter-all-error"
                        name="all"
                        label="Has all of these tags"
                        placeholder="Comma-separated"
                        list=TAG_SUGGESTIONS
                        value=params.all.clone()
                        error=message("all")
                    />
                    <TextFilter
                        id="filter-none"
                        error_id="filter-none-error"
                        name="none"
                        label="Has none of these tags"
                        placeholder="Comma-separated"
                        list=TAG_SUGGESTIONS
                        value=params.none.clone()
                        error=message("none")
                    />
                    <ChoiceFilter
                        id="filter-customer"
                        error_id="filter-customer-error"
                        name="customer"
                        label="Customer"
                        any_label="Anyone"
                        options=vec![("yes", "Customers only"), ("no", "Not customers")]
                        value=params.customer.clone()
                        error=message("customer")
                    />
                    <ChoiceFilter
                        id="filter-daw"
                        error_id="filter-daw-error"
                        name="daw"
                        label="DAW"
                        any_label="Any DAW"
                        options=daws
                        value=params.daw.clone()
                        error=message("daw")
                    />
                    <ChoiceFilter
                        id="filter-genre"
                        error_id="filter-genre-error"
                        name="genre"
                        label="Genre"
                        any_label="Any genre"
                        options=genres
                        value=params.genre.clone()
                        error=message("genre")
                    />
                    <ChoiceFilter
                        id="filter-skill"
                        error_id="filter-skill-error"
                        name="skill"
                        label="Skill level"
                        any_label="Any skill level"
                        options=skills
                        value=params.skill.clone()
                        error=message("skill")
                    />
                    <ChoiceFilter
                        id="filter-status"
                        error_id="filter-status-error"
                        name="status"
                        label="Email status"
                        any_label="Any email status"
                        options=statuses
                        value=params.status.clone()
                        error=message("status")
                    />
                    <TextFilter
                        id="filter-min"
                        error_id="filter-min-error"
                        name="min"
                        label="Score at least"
                        numeric=true
                        value=params.min.clone()
                        error=message("min")
                    />
                    <TextFilter
                        id="filter-max"
                        error_id="filter-max-error"
                        name="max"
                        label="Score at most"
                        numeric=true
                        value=params.max.clone()
                        error=message("max")
                    />
                    <TextFilter
                        id="filter-opened"
                        error_id="filter-opened-error"
                        name="opened"
                        label="Opened within (days)"
                        numeric=true
                        value=params.opened.clone()
                        error=message("opened")
                    />
                    <TextFilter
                        id="filter-quiet"
                        error_id="filter-quiet-error"
                        name="quiet"
                        label="No opens for (days)"
                        numeric=true
                        value=params.quiet.clone()
                        error=message("quiet")
                    />
                </div>
                // Changing the filter keeps the sort and starts again from the first page.
                {params
                    .sort
                    .clone()
                    .map(|sort| view! { <input type="hidden" name="sort" value=sort /> })}
                {params
                    .dir
                    .clone()
                    .map(|dir| view! { <input type="hidden" name="dir" value=dir /> })}
                <div class="mt-4 flex flex-wrap items-center gap-2">
                    <button type="submit" class="btn btn-primary">
                        "Show fans"
                    </button>
                    <a href=fans_path(store_id) class="btn btn-secondary">
                        "Clear filters"
                    </a>
                </div>
            </form>
        </section>
    }
}

/// A text filter, showing what the URL holds (even a bad value, with its message).
#[component]
fn TextFilter(
    id: &'static str,
    error_id: &'static str,
    name: &'static str,
    label: &'static str,
    value: Option<String>,
    error: Option<String>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] list: Option<&'static str>,
    /// Numbers are typed into a text input so a bad URL value is shown as it is.
    #[prop(optional)]
    numeric: bool,
) -> impl IntoView {
    let invalid = error.is_some();
    view! {
        <div>
            <label for=id class="block text-sm font-medium text-slate-700">
                {label}
            </label>
            <input
                id=id
                name=name
                type="text"
                inputmode=numeric.then_some("numeric")
                autocomplete="off"
                list=list
                placeholder=placeholder
                value=value
                aria-invalid=invalid.to_string()
                aria-describedby=invalid.then_some(error_id)
                class="field"
            />
            <FieldMessage id=error_id message=Signal::stored(error) />
        </div>
    }
}

/// A choice from a closed list, with "any" first.
#[component]
fn ChoiceFilter(
    id: &'static str,
    error_id: &'static str,
    name: &'static str,
    label: &'static str,
    any_label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let invalid = error.is_some();
    let selected = value.unwrap_or_default();
    view! {
        <div>
            <label for=id class="block text-sm font-medium text-slate-700">
                {label}
            </label>
            <select
                id=id
                name=name
                aria-invalid=invalid.to_string()
                aria-describedby=invalid.then_some(error_id)
                class="field"
            >
                <option value="">{any_label}</option>
                {options
                    .into_iter()
                    .map(|(slug, text)| {
                        view! {
                            <option value=slug selected=selected == slug>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessage id=error_id message=Signal::stored(error) />
        </div>
    }
}
