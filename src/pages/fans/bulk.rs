//! `/store/{store_id}/contacts/bulk?…`: the confirmation of a bulk tag change, which states
//! how many fans it touches, and then its result.
//!
//! The list's bulk form arrives here by GET with the audience, the ticked `ids` (or
//! `everyone=true`), the `tag` and the `op` (add or remove). Confirming posts
//! `apply_bulk_tag`, which redirects back here with the result as a notice (`done` = fans
//! changed) in the visitor's flash, so it shows the same with and without JavaScript and no
//! link can fake it.
//!
//! A change over more fans than one batch runs in the background
//! (`domain::audience::bulk_jobs`): confirming redirects here with `job=<id>`, and the page
//! shows its progress and reloads itself every two seconds until it is done (a
//! `<meta http-equiv="refresh">`, so it works with JavaScript off).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use super::{fans_path, use_fan_list_params};
use crate::api::fans::{ApplyBulkTag, bulk_job_progress, preview_bulk_tag};
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, reported};
use crate::components::widgets::{LoadError, Notice};
use crate::dto::{BulkJobView, BulkPreview};
use crate::error::AppError;
use crate::format;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};
use crate::params::FanListParams;

/// Add or remove: what the change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
}

impl Op {
    fn parse(value: &str) -> Option<Op> {
        match value {
            "add" => Some(Op::Add),
            "remove" => Some(Op::Remove),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
        }
    }
}

/// Which fans and which tag, as the URL says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct BulkRequest {
    /// Comma-separated fan ids (the list sends one `ids` per ticked row).
    ids: String,
    everyone: bool,
    tag: String,
    op: Option<String>,
    /// The number of fans changed, once the change is done.
    done: Option<String>,
}

/// The question the confirmation asks: "Add tag trap to 1,284 fans?"
pub(crate) fn confirmation_question(op_add: bool, preview: &BulkPreview) -> String {
    let fans = format::plural(preview.fans, "fan", "fans");
    if op_add {
        format!("Add tag {} to {fans}?", preview.tag)
    } else {
        format!("Remove tag {} from {fans}?", preview.tag)
    }
}

/// The report of a finished change: "Tag trap added to 1,284 fans."
pub(crate) fn result_message(op_add: bool, tag: &str, changed: u64) -> String {
    match (op_add, changed) {
        (true, 0) => format!("Every selected fan already had the tag {tag}: nothing changed."),
        (false, 0) => format!("None of the selected fans had the tag {tag}: nothing changed."),
        (true, n) => format!("Tag {tag} added to {}.", format::plural(n, "fan", "fans")),
        (false, n) => format!(
            "Tag {tag} removed from {}.",
            format::plural(n, "fan", "fans")
        ),
    }
}

/// Where a background change stands: "Tagging fans: 12,000 of 400,000 fans done."
pub(crate) fn progress_message(job: &BulkJobView) -> String {
    format!(
        "{} fans: {} of {} done.",
        if job.add { "Tagging" } else { "Untagging" },
        format::count(job.processed.min(job.total)),
        format::plural(job.total, "fan", "fans"),
    )
}

#[component]
pub fn BulkTagPage() -> impl IntoView {
    let query = use_query_map();
    let job = Memo::new(move |_| {
        query
            .read()
            .get("job")
            .and_then(|id| id.parse::<i64>().ok())
    });
    move || match job.get() {
        Some(job_id) => view! { <BulkJobPage job_id /> }.into_any(),
        None => view! { <BulkTagForm /> }.into_any(),
    }
}

/// A background change: its progress until it ends, then its result.
#[component]
fn BulkJobPage(job_id: i64) -> impl IntoView {
    let store_id = use_store_id();
    let params = use_fan_list_params();
    let progress = page_resource(
        move || store_id.get(),
        move |store_id| async move {
            let Some(store_id) = store_id else {
                return Err(AppError::NotFound);
            };
            bulk_job_progress(store_id, job_id).await
        },
    );
    view! {
        <RequireStore>
            <Title text="Tag fans" />
            <h1 class="text-2xl font-semibold tracking-tight">"Tag fans"</h1>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {async_view(move || async move {
                    let result = progress.await;
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    let back = params.get_untracked().link(&fans_path(store_id));
                    match result {
                        Ok(job) if job.failed.is_some() => {
                            let message = format!(
                                "The change stopped after {}: {}",
                                format::plural(job.processed, "fan", "fans"),
                                job.failed.unwrap_or_default()
                            );
                            view! { <BulkProblem back message /> }.into_any()
                        }
                        Ok(job) if job.finished => {
                            let op = if job.add { Op::Add } else { Op::Remove };
                            view! { <BulkDone back op tag=job.tag changed=job.changed /> }.into_any()
                        }
                        Ok(job) => {
                            let message = progress_message(&job);
                            view! {
                                <Meta http_equiv="refresh" content="2" />
                                <div class="mt-6">
                                    <section class="card" aria-label="Progress">
                                        <p class="font-medium" role="status">{message}</p>
                                        <progress
                                            class="mt-3 h-2 w-full overflow-hidden rounded-full"
                                            value=job.processed.min(job.total)
                                            max=job.total.max(1)
                                        ></progress>
                                        <p class="mt-3 text-sm text-slate-600">
                                            "This page updates by itself. You can leave it: the change carries on."
                                        </p>
                                    </section>
                                </div>
                                <BackLink back />
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <div class="mt-6">
                                    <LoadError error />
                                </div>
                                <BackLink back />
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

/// The confirmation, and the result of a change made at once.
#[component]
fn BulkTagForm() -> impl IntoView {
    let store_id = use_store_id();
    let params = use_fan_list_params();
    let query = use_query_map();
    // A finished change's report comes from the server (the visitor's flash), never from
    // the URL.
    let done = reported("done");
    let done_tag = reported("tag");
    let done_op = reported("op");
    let request = Memo::new(move |_| {
        let query = query.read();
        BulkRequest {
            ids: query.get_all("ids").unwrap_or_default().join(","),
            everyone: matches!(query.get_str("everyone"), Some("true" | "on")),
            tag: done_tag
                .clone()
                .or_else(|| query.get("tag"))
                .unwrap_or_default(),
            op: done_op.clone().or_else(|| query.get("op")),
            done: done.clone(),
        }
    });
    let apply = ServerAction::<ApplyBulkTag>::new();
    let preview = page_resource(
        move || (store_id.get(), params.get(), request.get()),
        |(store_id, params, request)| async move {
            // A finished change shows its reported result; nothing to count.
            if request.done.is_some() {
                return Ok(None);
            }
            let Some(store_id) = store_id else {
                return Err(AppError::NotFound);
            };
            preview_bulk_tag(store_id, params, request.ids, request.everyone, request.tag)
                .await
                .map(Some)
        },
    );

    view! {
        <RequireStore>
            <Title text="Tag fans" />
            <h1 class="text-2xl font-semibold tracking-tight">"Tag fans"</h1>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Counting fans…"</p> }>
                {async_view(move || async move {
                    let result = preview.await;
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    let params = params.get_untracked();
                    let request = request.get_untracked();
                    let back = params.link(&fans_path(store_id));
                    let Some(op) = request.op.as_deref().and_then(Op::parse) else {
                        return view! {
                            <BulkProblem back message="Choose Add tag or Remove tag.".to_owned() />
                        }
                            .into_any();
                    };
                    if let Some(done) = request.done.as_deref() {
                        let changed = done.parse().unwrap_or(0);
                        return view! { <BulkDone back op tag=request.tag changed /> }.into_any();
                    }
                    match result {
                        Ok(Some(preview)) => {
                            view! { <BulkConfirm store_id params request op preview apply back /> }
                                .into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(AppError::Invalid(errors)) => {
                            let error = AppError::Invalid(errors);
                            match field_message(Some(error.clone()), "tag") {
                                Some(message) => {
                                    view! { <FixTag store_id params request op message back /> }.into_any()
                                }
                                None => {
                                    view! {
                                        <div class="mt-6">
                                            <LoadError error />
                                        </div>
                                        <BackLink back />
                                    }
                                        .into_any()
                                }
                            }
                        }
                        Err(error) => {
                            view! {
                                <div class="mt-6">
                                    <LoadError error />
                                </div>
                                <BackLink back />
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
fn BackLink(back: String) -> impl IntoView {
    view! {
        <p class="mt-4">
            <a href=back class="text-link">
                "← Back to the fans"
            </a>
        </p>
    }
}

#[component]
fn BulkProblem(back: String, message: String) -> impl IntoView {
    view! {
        <div class="mt-6 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">
            {message}
        </div>
        <BackLink back />
    }
}

/// "Add tag trap to 1,284 fans?" with the button that does it.
#[component]
fn BulkConfirm(
    store_id: i64,
    params: FanListParams,
    request: BulkRequest,
    op: Op,
    preview: BulkPreview,
    apply: ServerAction<ApplyBulkTag>,
    back: String,
) -> impl IntoView {
    if preview.fans == 0 {
        return view! {
            <div class="mt-6">
                <p class="font-medium">"No fans are selected, so there is nothing to tag."</p>
                <p class="mt-1 text-sm text-slate-600">
                    "Tick some fans, or choose all fans matching the filter."
                </p>
            </div>
            <BackLink back />
        }
        .into_any();
    }
    let question = confirmation_question(op == Op::Add, &preview);
    let working = format!(
        "{} {}…",
        if op == Op::Add {
            "Tagging"
        } else {
            "Untagging"
        },
        format::plural(preview.fans, "fan", "fans")
    );
    let confirm_label = if op == Op::Add {
        "Add tag"
    } else {
        "Remove tag"
    };
    let error = move || apply.value().get().and_then(Result::err);
    let form_error = Signal::derive(move || {
        error().and_then(|error| {
            error
                .form_message()
                .or_else(|| error.field_message("tag").map(str::to_owned))
                .or_else(|| error.field_message("ids").map(str::to_owned))
        })
    });
    // Everything the preview was about travels with the confirmation.
    let filter: Vec<(String, String)> = params
        .filter_pairs()
        .into_iter()
        .filter_map(|(key, value)| Some((format!("params[{key}]"), value?.to_owned())))
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();

    view! {
        <div class="mt-6">
        <section class="card" aria-labelledby="bulk-question">
            <h2 id="bulk-question" class="text-lg font-semibold">
                {question}
            </h2>
            <p class="mt-1 text-sm text-slate-600">
                {if request.everyone {
                    "Every fan matching the filter at the moment you confirm."
                } else {
                    "The fans you ticked."
                }}
            </p>
            <div class="mt-4">
                <FormAlert message=form_error />
            </div>
            // `peer`: the progress line below shows while the form is busy (aria-busy, set by
            // src/navigation.js until the result is in).
            <ActionForm action=apply attr:class="peer flex flex-wrap items-center gap-3">
                <input type="hidden" name="store_id" value=store_id />
                {filter
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()}
                <input type="hidden" name="ids" value=request.ids />
                <input type="hidden" name="everyone" value=request.everyone.to_string() />
                <input type="hidden" name="tag" value=preview.tag />
                <input type="hidden" name="action" value=op.as_str() />
                <button type="submit" class="btn btn-primary">
                    {confirm_label}
                </button>
                <a href=back class="btn btn-secondary">
                    "Cancel"
                </a>
            </ActionForm>
            <div class="mt-4 hidden items-center gap-3 text-sm text-slate-700 peer-aria-busy:flex" role="status">
                <progress class="h-2 w-48 overflow-hidden rounded-full" aria-label="Progress"></progress>
                {working}
            </div>
        </section>
        </div>
    }
    .into_any()
}

/// The result, from the server's notice: "Tag trap added to 1,284 fans."
#[component]
fn BulkDone(back: String, op: Op, tag: String, changed: u64) -> impl IntoView {
    let message = result_message(op == Op::Add, &tag, changed);
    view! {
        <div class="mt-6">
            <div class="card">
                <Notice message=Signal::stored(Some(message)) />
                <p class="mt-4">
                    <a href=back class="text-link">
                        "← Back to the audience"
                    </a>
                </p>
            </div>
        </div>
    }
}

/// A bad tag name: the same request again with the tag field and its message.
#[component]
fn FixTag(
    store_id: i64,
    params: FanListParams,
    request: BulkRequest,
    op: Op,
    message: String,
    back: String,
) -> impl IntoView {
    let hidden: Vec<(&'static str, String)> = params
        .filter_pairs()
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?.to_owned())))
        .chain([
            ("ids", request.ids.clone()),
            ("everyone", request.everyone.to_string()),
            ("op", op.as_str().to_owned()),
        ])
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    view! {
        <div class="mt-6">
        <section class="card" aria-label="Fix the tag">
            <form method="GET" action=format!("{}/bulk", fans_path(store_id)) novalidate=true>
                {hidden
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()}
                <label for="bulk-fix-tag" class="block text-sm font-medium text-slate-700">
                    "Tag"
                </label>
                <input
                    id="bulk-fix-tag"
                    name="tag"
                    type="text"
                    autocomplete="off"
                    value=request.tag
                    aria-invalid="true"
                    aria-describedby="bulk-fix-tag-error"
                    class="field"
                />
                <FieldMessage id="bulk-fix-tag-error" message=Signal::stored(Some(message)) />
                <div class="mt-4 flex gap-3">
                    <button type="submit" class="btn btn-primary">
                        "Continue"
                    </button>
                    <a href=back class="btn btn-secondary">
                        "Cancel"
                    </a>
                </div>
            </form>
        </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirmation_and_the_report_state_the_count() {
        let preview = BulkPreview {
            fans: 1284,
            tag: "trap".to_owned(),
        };
        assert_eq!(
            confirmation_question(true, &preview),
            "Add tag trap to 1,284 fans?"
        );
        assert_eq!(
            confirmation_question(false, &BulkPreview { fans: 1, ..preview }),
            "Remove tag trap from 1 fan?"
        );
        assert_eq!(
            result_message(true, "trap", 1284),
            "Tag trap added to 1,284 fans."
        );
        assert_eq!(
            result_message(false, "trap", 1),
            "Tag trap removed from 1 fan."
        );
        assert!(result_message(true, "trap", 0).contains("nothing changed"));
    }

    #[test]
    fn only_add_and_remove_are_operations() {
        assert_eq!(Op::parse("add"), Some(Op::Add));
        assert_eq!(Op::parse("remove").map(Op::as_str), Some("remove"));
        assert_eq!(Op::parse("delete"), None);
    }
}
