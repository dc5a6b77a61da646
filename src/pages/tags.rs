//! `/store/{store_id}/tags`: the store's tags with their fan counts. A tag opens the fans who
//! carry it; tags can be renamed (onto an existing name, in any case, the two merge) and
//! deleted after a confirmation.
//!
//! The rename form and the delete confirmation are steps in the URL (`?rename=<id>`,
//! `?delete=<id>`), so they work as plain links without JavaScript. On success the server
//! redirects back with a notice (`done` = renamed or deleted, `tag` = the name) in the
//! visitor's flash, and the page reports it; a refused rename comes back as typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::fans::{DeleteTag, RenameTag, list_tags};
use crate::components::async_view::async_view;
use crate::components::audience::is_customer_tag;
use crate::components::form::{FieldMessage, FormAlert, field_message, reported, typed};
use crate::components::widgets::{EmptyState, LoadError, Notice, PageHeader};
use crate::dto::TagCount;
use crate::error::AppError;
use crate::format;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};
use crate::url::with_query;

/// What the customer tag is, in the words the server uses when it refuses to change it.
const CUSTOMER_TAG_NOTE: &str =
    "The customer tag is managed by Encore: it follows purchases and refunds.";

/// The step the URL asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct TagsStep {
    rename: Option<i64>,
    delete: Option<i64>,
    done: Option<String>,
    tag: Option<String>,
}

/// "Tag lo-fi renamed." / "Tag trap deleted." after the server's redirect.
fn done_message(step: &TagsStep) -> Option<String> {
    let tag = step.tag.as_deref().unwrap_or_default();
    match step.done.as_deref()? {
        "renamed" => Some(format!("Tag renamed to {tag}.")),
        "deleted" => Some(format!("Tag {tag} deleted.")),
        _ => None,
    }
}

#[component]
pub fn TagsPage() -> impl IntoView {
    let store_id = use_store_id();
    let query = use_query_map();
    // What a rename or delete reports comes from the server (the visitor's flash).
    let done = reported("done");
    let done_tag = reported("tag");
    let step = Memo::new(move |_| {
        let query = query.read();
        let id = |key: &str| query.get_str(key).and_then(|value| value.parse().ok());
        TagsStep {
            rename: id("rename"),
            delete: id("delete"),
            done: done.clone(),
            tag: done_tag.clone(),
        }
    });
    let rename = ServerAction::<RenameTag>::new();
    let delete = ServerAction::<DeleteTag>::new();
    let tags = page_resource(
        move || store_id.get(),
        |store_id| async move {
            match store_id {
                Some(store_id) => list_tags(store_id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let done = Signal::derive(move || done_message(&step.get()));

    view! {
        <RequireStore>
            <Title text="Tags" />
            <PageHeader
                title="Tags".to_owned()
                subtitle="Every tag with its fans. Open a tag to see who carries it."
            >
                {move || {
                    store_id
                        .get()
                        .map(|store_id| {
                            view! {
                                <a href=format!("/store/{store_id}/contacts") class="btn btn-secondary">
                                    "← Fans"
                                </a>
                            }
                        })
                }}
            </PageHeader>
            <div class="mt-4">
                <Notice message=done />
            </div>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading tags…"</p> }>
                {async_view(move || async move {
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    let step = step.get();
                    match tags.await {
                        Ok(tags) if tags.is_empty() => {
                            view! {
                                <div class="mt-4">
                                    <EmptyState title="No tags yet">
                                        "Tag fans on their profile, when you add them, or many at once from the "
                                        <a
                                            href=format!("/store/{store_id}/contacts")
                                            class="text-link"
                                        >
                                            "fan list"
                                        </a>
                                        "."
                                    </EmptyState>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(tags) => {
                            view! { <TagTable store_id tags step rename delete /> }.into_any()
                        }
                        Err(error) => {
                            view! {
                                <div class="mt-4">
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

#[component]
fn TagTable(
    store_id: i64,
    tags: Vec<TagCount>,
    step: TagsStep,
    rename: ServerAction<RenameTag>,
    delete: ServerAction<DeleteTag>,
) -> impl IntoView {
    view! {
        <div class="table-frame mt-4">
            <table class="list-table">
                <caption class="sr-only">"Tags"</caption>
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col">"Tag"</th>
                        <th scope="col">"Fans"</th>
                        <th scope="col" class="text-right">
                            <span class="sr-only">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {tags
                        .into_iter()
                        .map(|tag| {
                            let renaming = step.rename == Some(tag.id);
                            let deleting = step.delete == Some(tag.id);
                            view! { <TagRow store_id tag renaming deleting rename delete /> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn TagRow(
    store_id: i64,
    tag: TagCount,
    renaming: bool,
    deleting: bool,
    rename: ServerAction<RenameTag>,
    delete: ServerAction<DeleteTag>,
) -> impl IntoView {
    let tags_path = format!("/store/{store_id}/tags");
    let fans_link = with_query(
        &format!("/store/{store_id}/contacts"),
        [("any", Some(tag.name.as_str()))],
    );
    let managed = is_customer_tag(&tag.name);
    let actions = if managed {
        view! { <span class="text-xs text-slate-500">"Managed by Encore"</span> }.into_any()
    } else {
        let rename_link = format!("{tags_path}?rename={}", tag.id);
        let delete_link = format!("{tags_path}?delete={}", tag.id);
        view! {
            <a
                href=rename_link
                aria-label=format!("Rename tag {}", tag.name)
                class="rounded-md px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100"
            >
                "Rename"
            </a>
            <a
                href=delete_link
                aria-label=format!("Delete tag {}", tag.name)
                class="rounded-md px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 hover:text-red-700"
            >
                "Delete"
            </a>
        }
        .into_any()
    };

    view! {
        <tr>
            <td>
                <a href=fans_link class="text-link">
                    {tag.name.clone()}
                </a>
            </td>
            <td class="tabular-nums text-slate-700">
                {format::plural(tag.fans, "fan", "fans")}
            </td>
            <td class="text-right">{actions}</td>
        </tr>
        {(renaming || deleting)
            .then(|| {
                let step = if managed {
                    view! {
                        <p class="text-sm text-slate-700" role="alert">
                            {CUSTOMER_TAG_NOTE}
                        </p>
                    }
                        .into_any()
                } else if renaming {
                    view! { <RenameTagForm store_id tag=tag.clone() action=rename /> }.into_any()
                } else {
                    view! { <DeleteTagForm store_id tag=tag.clone() action=delete /> }.into_any()
                };
                view! {
                    <tr class="bg-slate-50">
                        <td colspan="3" class="py-4">
                            {step}
                        </td>
                    </tr>
                }
            })}
    }
}

#[component]
fn RenameTagForm(store_id: i64, tag: TagCount, action: ServerAction<RenameTag>) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    // A new name that is the managed customer tag is refused as "tag".
    let message = Signal::derive(move || {
        field_message(error(), "name").or_else(|| field_message(error(), "tag"))
    });
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    // A refused rename of this tag shows the name as it was typed.
    let typed_name = (typed::<RenameTag>("tag_id") == Some(tag.id.to_string()))
        .then(|| typed::<RenameTag>("name"))
        .flatten();
    view! {
        <FormAlert message=form_error />
        <ActionForm action attr:class="flex flex-wrap items-end gap-3" attr:novalidate=true>
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="tag_id" value=tag.id />
            <div class="min-w-64 flex-1">
                <label for="rename-tag" class="block text-sm font-medium text-slate-700">
                    {format!("New name for {}", tag.name)}
                </label>
                <input
                    id="rename-tag"
                    name="name"
                    type="text"
                    autocomplete="off"
                    value=typed_name.unwrap_or_else(|| tag.name.clone())
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby="rename-tag-help rename-tag-error"
                    class="field"
                />
                <p id="rename-tag-help" class="mt-1 text-xs text-slate-500">
                    "Renaming onto an existing tag (in any case) merges the two."
                </p>
                <FieldMessage id="rename-tag-error" message />
            </div>
            <button type="submit" class="btn btn-primary">
                "Save name"
            </button>
            <a href=format!("/store/{store_id}/tags") class="btn btn-secondary">
                "Cancel"
            </a>
        </ActionForm>
    }
}

#[component]
fn DeleteTagForm(store_id: i64, tag: TagCount, action: ServerAction<DeleteTag>) -> impl IntoView {
    let error =
        Signal::derive(move || {
            action.value().get().and_then(Result::err).map(|error| {
                match error.field_message("tag") {
                    Some(message) => message.to_owned(),
                    None => error.to_string(),
                }
            })
        });
    let question = format!(
        "Delete tag {}? It comes off {}. This cannot be undone.",
        tag.name,
        format::plural(tag.fans, "fan", "fans")
    );
    view! {
        <div class="card" role="group" aria-labelledby="delete-tag-question">
            <p id="delete-tag-question" class="font-medium">
                {question}
            </p>
            <div class="mt-3">
                <FormAlert message=error />
            </div>
            <ActionForm action attr:class="flex flex-wrap gap-3">
                <input type="hidden" name="store_id" value=store_id />
                <input type="hidden" name="tag_id" value=tag.id />
                <button type="submit" class="btn btn-danger">
                    "Delete tag"
                </button>
                <a href=format!("/store/{store_id}/tags") class="btn btn-secondary">
                    "Cancel"
                </a>
            </ActionForm>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_of_a_step_is_reported() {
        let step = |done: &str| TagsStep {
            done: Some(done.to_owned()),
            tag: Some("Lo-Fi".to_owned()),
            ..Default::default()
        };
        assert_eq!(
            done_message(&step("renamed")).as_deref(),
            Some("Tag renamed to Lo-Fi.")
        );
        assert_eq!(
            done_message(&step("deleted")).as_deref(),
            Some("Tag Lo-Fi deleted.")
        );
        assert_eq!(done_message(&step("exploded")), None);
        assert_eq!(done_message(&TagsStep::default()), None);
    }
}
