//! `/store/{store_id}/campaigns`: the campaigns list, a new campaign (its audience carried
//! from the Fans page's "Use as campaign audience" link), one campaign (edit while a draft;
//! progress and controls while it sends), and the store's email settings.
//!
//! Every form posts to a server function that redirects to the page showing the result, so
//! all of it works with JavaScript off. A draft is saved as typed, so nothing typed is lost;
//! what stops a send is listed on the draft. While a campaign sends, its page refreshes
//! itself (a `<meta http-equiv="refresh">`, no script).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_location, use_params, use_query_map};
use leptos_router::params::Params;

use crate::api::campaigns::{
    ControlCampaign, CreateCampaign, SaveEmailSettings, ScheduleCampaign, SendCampaign,
    SendTestCampaign, UpdateCampaign, campaign_audience, email_settings, list_campaigns,
    load_campaign,
};
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, rejected, reported, typed};
use crate::components::widgets::{EmptyState, LoadError, PageHeader, Pager};
use crate::dto::{
    AudienceView, CampaignDetail, CampaignRow, MailDelivery, ReachView, SendProgress,
};
use crate::error::AppError;
use crate::format;
use crate::pages::not_found::NotFoundMessage;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};
use crate::vocab::CampaignStatus;

fn campaigns_path(store_id: i64) -> String {
    format!("/store/{store_id}/campaigns")
}

/// Text for a `<textarea>`'s children. Leptos does not escape a textarea's children (see
/// docs/DESIGN.md), and the browser decodes entities in them: escaped here, the creator's
/// Markdown round-trips exactly and can never close the element.
pub fn textarea_text(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

/// Says plainly where mail goes when it is not sent.
#[component]
fn DeliveryNote(
    delivery: MailDelivery,
    /// The campaign's saved messages, on a campaign's own pages.
    #[prop(optional)]
    saved: Option<String>,
) -> impl IntoView {
    match delivery {
        MailDelivery::Smtp => ().into_any(),
        MailDelivery::Outbox { folder } => view! {
            <p class="mt-4 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="note">
                <strong>"Mail is saved, not sent. "</strong>
                "No mail server is set up (ENCORE_SMTP_URL), so each message is written as an .eml file into "
                <code class="font-mono">{folder}</code>
                " on the server, where you can open it with any mail program."
                {saved.map(|href| view! { " " <a class="text-link font-medium" href=href>"Open the saved messages"</a> })}
            </p>
        }
        .into_any(),
    }
}

/// `/store/{id}/campaigns/{campaign_id}/preview.html`: the rendered email (see
/// `server::campaign_files`).
fn preview_document_path(store_id: i64, campaign_id: i64) -> String {
    format!(
        "{}/preview.html",
        crate::api::campaigns::campaign_path(store_id, campaign_id)
    )
}

/// The campaign's preview page and "send a test to me".
fn preview_path(store_id: i64, campaign_id: i64) -> String {
    format!(
        "{}/preview",
        crate::api::campaigns::campaign_path(store_id, campaign_id)
    )
}

fn status_class(status: CampaignStatus) -> &'static str {
    match status {
        CampaignStatus::Draft => {
            "inline-flex rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700"
        }
        CampaignStatus::Scheduled => {
            "inline-flex rounded-full bg-sky-50 px-2 py-0.5 text-xs font-medium text-sky-800"
        }
        CampaignStatus::Sending => {
            "inline-flex rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-800"
        }
        CampaignStatus::Paused => {
            "inline-flex rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800"
        }
        CampaignStatus::Cancelled => {
            "inline-flex rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800"
        }
        CampaignStatus::Sent => {
            "inline-flex rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800"
        }
    }
}

/// "120 of 400 sent" with a native progress bar.
#[component]
fn Progress(progress: SendProgress, label: String) -> impl IntoView {
    let text = format!(
        "{} of {} sent",
        format::count(u64::try_from(progress.sent).unwrap_or(0)),
        format::count(u64::try_from(progress.recipients).unwrap_or(0))
    );
    view! {
        <div class="flex items-center gap-2">
            <progress class="h-2 w-32" max="100" value=progress.percent() aria-label=label>
                {format!("{}%", progress.percent())}
            </progress>
            <span class="text-sm text-slate-600">{text}</span>
        </div>
    }
}

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let store_id = use_store_id();
    let query = use_query_map();
    let list = page_resource(
        move || (store_id.get(), query.with(|q| q.get("after"))),
        |(store_id, after)| async move {
            match store_id {
                Some(store_id) => list_campaigns(store_id, after).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <RequireStore>
            <Title text="Campaigns" />
            <PageHeader title="Campaigns".to_owned() subtitle="Emails you send to an audience of fans.">
                {move || store_id.get().map(|store_id| view! {
                    <a href=format!("/store/{store_id}/campaigns/settings") class="btn btn-secondary">"Email settings"</a>
                    <a href=format!("/store/{store_id}/campaigns/new") class="btn btn-primary">"New campaign"</a>
                })}
            </PageHeader>
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading campaigns…"</p> }>
                {async_view(move || async move {
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    match list.await {
                        Ok(list) => {
                            let next = list.next.map(|after| format!("{}?after={after}", campaigns_path(store_id)));
                            view! {
                                <DeliveryNote delivery=list.delivery />
                                {if list.rows.is_empty() {
                                    view! {
                                        <div class="mt-6">
                                            <EmptyState title="No campaigns yet">
                                                "Filter your fans, then choose “Use as campaign audience”, or start a "
                                                <a class="text-link" href=format!("/store/{store_id}/campaigns/new")>"new campaign"</a>
                                                " for all of them."
                                            </EmptyState>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! { <CampaignTable store_id rows=list.rows /> }.into_any()
                                }}
                                <Pager previous=None next />
                            }.into_any()
                        }
                        Err(error) => view! { <div class="mt-6"><LoadError error /></div> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[component]
fn CampaignTable(store_id: i64, rows: Vec<CampaignRow>) -> impl IntoView {
    view! {
        <div class="table-frame mt-6">
            <table class="list-table">
                <thead>
                    <tr>
                        <th scope="col">"Campaign"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Audience"</th>
                        <th scope="col">"Recipients"</th>
                        <th scope="col">"Progress"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let subject = if row.subject.is_empty() { "(no subject yet)".to_owned() } else { row.subject.clone() };
                        let started = !row.status.is_editable();
                        view! {
                            <tr>
                                <td><a class="text-link" href=format!("/store/{store_id}/campaigns/{}", row.id)>{subject.clone()}</a></td>
                                <td><span class=status_class(row.status)>{row.status.label()}</span></td>
                                <td class="text-sm text-slate-700">{row.audience_words}</td>
                                <td class="text-right tabular-nums">
                                    {if started { format::count(u64::try_from(row.progress.recipients).unwrap_or(0)) } else { "—".to_owned() }}
                                </td>
                                <td>
                                    {started.then(|| view! { <Progress progress=row.progress label=format!("Progress of {subject}") /> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// "Fans tagged ableton · 1,284 receive it · 12 left out: 10 unsubscribed, 2 bounced".
#[component]
fn AudienceSummary(store_id: i64, audience: AudienceView, fixed: bool) -> impl IntoView {
    let reach: ReachView = audience.reach;
    let left_out = reach.unsubscribed + reach.bounced + reach.complained;
    let receive = if fixed {
        format::plural(reach.recipients, "recipient", "recipients")
    } else {
        format!(
            "{} would receive it now",
            format::plural(reach.recipients, "fan", "fans")
        )
    };
    let fans_link = if audience.query.is_empty() {
        format!("/store/{store_id}/contacts")
    } else {
        format!("/store/{store_id}/contacts?{}", audience.query)
    };
    view! {
        <section class="card mt-6" aria-labelledby="audience-heading">
            <h2 id="audience-heading" class="text-sm font-semibold uppercase tracking-wide text-slate-500">"Audience"</h2>
            <p class="mt-1 font-medium">{audience.words}</p>
            <p class="mt-1 text-sm text-slate-700" id="audience-reach">
                {receive}
                {(left_out > 0).then(|| format!(
                    " · {} left out: {} unsubscribed, {} bounced, {} complained",
                    format::count(left_out),
                    format::count(reach.unsubscribed),
                    format::count(reach.bounced),
                    format::count(reach.complained),
                ))}
            </p>
            {(!fixed).then(|| view! {
                <a class="mt-2 inline-block text-sm text-link" href=fans_link>"See these fans, or change the audience →"</a>
            })}
        </section>
    }
}

/// What a refused compose post to `S` typed (subject, preheader, from name, body).
fn typed_compose<S: leptos::server_fn::ServerFn>() -> Option<(String, String, String, String)> {
    rejected::<S>()?;
    let field = |name: &str| typed::<S>(name).unwrap_or_default();
    Some((
        field("subject"),
        field("preheader"),
        field("from_name"),
        field("body"),
    ))
}

/// The compose fields, filled with `values`.
#[component]
fn ComposeFields(
    values: (String, String, String, String),
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let (subject, preheader, from_name, body) = values;
    let message =
        move |field: &'static str| Signal::derive(move || field_message(error.get(), field));
    let invalid = move |field: &'static str| move || message(field).get().is_some().to_string();
    view! {
        <div>
            <label for="campaign-subject" class="block text-sm font-medium text-slate-700">"Subject"</label>
            <input id="campaign-subject" name="subject" value=subject maxlength="200" class="field" aria-describedby="campaign-subject-error" aria-invalid=invalid("subject") />
            <FieldMessage id="campaign-subject-error" message=message("subject") />
        </div>
        <div>
            <label for="campaign-preheader" class="block text-sm font-medium text-slate-700">"Preheader"</label>
            <input id="campaign-preheader" name="preheader" value=preheader maxlength="200" class="field" aria-describedby="campaign-preheader-hint campaign-preheader-error" aria-invalid=invalid("preheader") />
            <p id="campaign-preheader-hint" class="mt-1 text-xs text-slate-500">"The line inboxes show after the subject."</p>
            <FieldMessage id="campaign-preheader-error" message=message("preheader") />
        </div>
        <div>
            <label for="campaign-from" class="block text-sm font-medium text-slate-700">"From name"</label>
            <input id="campaign-from" name="from_name" value=from_name maxlength="120" class="field" aria-describedby="campaign-from-error" aria-invalid=invalid("from_name") />
            <FieldMessage id="campaign-from-error" message=message("from_name") />
        </div>
        <div>
            <label for="campaign-body" class="block text-sm font-medium text-slate-700">"Email (Markdown)"</label>
            <textarea id="campaign-body" name="body" rows="14" maxlength="100000" class="field font-mono" aria-describedby="campaign-body-hint campaign-body-error" aria-invalid=invalid("body")>
                {textarea_text(&body)}
            </textarea>
            <p id="campaign-body-hint" class="mt-1 text-xs text-slate-500">
                "Markdown: **bold**, *italic*, [a link](https://…), lists. Greet each fan by name with {first_name|there}: “there” is used when a fan gave no name."
            </p>
            <FieldMessage id="campaign-body-error" message=message("body") />
        </div>
    }
}

#[component]
pub fn NewCampaignPage() -> impl IntoView {
    let store_id = use_store_id();
    let location = use_location();
    let search = Memo::new(move |_| location.search.get().trim_start_matches('?').to_owned());
    let audience = page_resource(
        move || (store_id.get(), search.get()),
        |(store_id, search)| async move {
            match store_id {
                Some(store_id) => campaign_audience(store_id, search).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let create = ServerAction::<CreateCampaign>::new();
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let form_error = Signal::derive(move || error.get().and_then(|error| error.form_message()));
    view! {
        <RequireStore>
            <Title text="New campaign" />
            <PageHeader title="New campaign".to_owned() subtitle="Write it, check the audience, then send it from the draft." />
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading the audience…"</p> }>
                {async_view(move || async move {
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    match audience.await {
                        Ok(new) => {
                            let query = new.audience.query.clone();
                            view! {
                                <DeliveryNote delivery=new.delivery />
                                <AudienceSummary store_id audience=new.audience fixed=false />
                                <section class="card mt-6" aria-label="Compose">
                                    <FormAlert message=form_error />
                                    <ActionForm action=create attr:class="space-y-5" attr:novalidate=true>
                                        <input type="hidden" name="store_id" value=store_id />
                                        <input type="hidden" name="audience" value=query />
                                        <ComposeFields values={typed_compose::<CreateCampaign>().unwrap_or_default()} error />
                                        <button type="submit" class="btn btn-primary">"Save draft"</button>
                                    </ActionForm>
                                </section>
                            }.into_any()
                        }
                        Err(error) => view! { <div class="mt-6"><LoadError error /></div> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[derive(Params, Clone, Debug, PartialEq)]
struct CampaignParams {
    campaign_id: Option<i64>,
}

#[component]
pub fn CampaignPage() -> impl IntoView {
    view! {
        <WithCampaign
            loading="Loading the campaign…"
            title="Campaign"
            show=|store_id, detail| view! { <CampaignView store_id detail /> }.into_any()
        />
    }
}

/// The campaign the URL names, loaded and handed to `show` (with its store's id); "not
/// found" for no campaign or another store's. The campaign page and its preview share it.
#[component]
fn WithCampaign(
    /// Said while the campaign loads.
    loading: &'static str,
    /// The page's title when loading fails.
    title: &'static str,
    show: fn(i64, CampaignDetail) -> AnyView,
) -> impl IntoView {
    let store_id = use_store_id();
    let params = use_params::<CampaignParams>();
    let campaign_id = Memo::new(move |_| params.read().as_ref().ok().and_then(|p| p.campaign_id));
    let detail = page_resource(
        move || (store_id.get(), campaign_id.get()),
        |(store_id, campaign_id)| async move {
            match (store_id, campaign_id) {
                (Some(store_id), Some(campaign_id)) => load_campaign(store_id, campaign_id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <RequireStore>
            <Transition fallback=move || view! { <p class="text-slate-500">{loading}</p> }>
                {async_view(move || async move {
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    match detail.await {
                        Ok(detail) => show(store_id, detail),
                        Err(AppError::NotFound) => view! { <NotFoundMessage /> }.into_any(),
                        Err(error) => view! { <Title text=title /><LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[component]
fn CampaignView(store_id: i64, detail: CampaignDetail) -> impl IntoView {
    let title = if detail.subject.is_empty() {
        "Untitled campaign".to_owned()
    } else {
        detail.subject.clone()
    };
    let editable = detail.status.is_editable();
    let sending = detail.status == CampaignStatus::Sending;
    view! {
        <Title text=title.clone() />
        {sending.then(|| view! { <Meta http_equiv="refresh" content="5" /> })}
        <a href=campaigns_path(store_id) class="text-sm text-link">"← Campaigns"</a>
        <div class="mt-2 flex flex-wrap items-center gap-3">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            <span class=status_class(detail.status)>{detail.status.label()}</span>
        </div>
        <DeliveryNote delivery=detail.delivery.clone() saved=format!("{}/outbox", crate::api::campaigns::campaign_path(store_id, detail.id)) />
        {reported("saved").map(|_| view! { <p class="mt-4 text-sm font-medium text-emerald-700" role="status">"Draft saved."</p> })}
        <p class="mt-4 text-sm"><a class="text-link font-medium" href=preview_path(store_id, detail.id)>"Preview (desktop and phone) and send a test to yourself →"</a></p>
        {if editable {
            view! { <DraftView store_id detail /> }.into_any()
        } else {
            view! { <SendView store_id detail /> }.into_any()
        }}
    }
}

#[component]
fn DraftView(store_id: i64, detail: CampaignDetail) -> impl IntoView {
    let update = ServerAction::<UpdateCampaign>::new();
    let send = ServerAction::<SendCampaign>::new();
    let schedule = ServerAction::<ScheduleCampaign>::new();
    let control = ServerAction::<ControlCampaign>::new();
    let update_error = Signal::derive(move || update.value().get().and_then(Result::err));
    let send_error = move || {
        send.value()
            .get()
            .and_then(Result::err)
            .or_else(|| schedule.value().get().and_then(Result::err))
            .or_else(|| control.value().get().and_then(Result::err))
    };
    let send_messages = move || match send_error() {
        Some(AppError::Invalid(errors)) => {
            errors.into_iter().map(|e| e.message).collect::<Vec<_>>()
        }
        Some(other) => vec![other.to_string()],
        None => Vec::new(),
    };
    let problems: Vec<String> = detail.problems.iter().map(|p| p.message.clone()).collect();
    let id = detail.id;
    let scheduled = detail.scheduled_at.map(format::date_time);
    let values = (
        detail.subject.clone(),
        detail.preheader.clone(),
        detail.from_name.clone(),
        detail.body.clone(),
    );
    view! {
        <AudienceSummary store_id audience=detail.audience.clone() fixed=false />
        {scheduled.map(|at| view! { <p class="mt-4 text-sm text-slate-700">{format!("Scheduled to start at {at} (UTC). The audience is fixed when it starts.")}</p> })}
        <section class="card mt-6" aria-labelledby="send-heading">
            <h2 id="send-heading" class="text-lg font-semibold">"Send"</h2>
            {move || {
                let messages = send_messages();
                (!messages.is_empty()).then(|| view! {
                    <ul class="mt-3 list-disc space-y-1 rounded-md border border-red-200 bg-red-50 py-3 pl-8 pr-4 text-sm text-red-800" role="alert">
                        {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                })
            }}
            {(!problems.is_empty()).then(|| view! {
                <div class="mt-3 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
                    <p class="font-medium">"Before this can be sent:"</p>
                    <ul class="mt-1 list-disc pl-5">
                        {problems.clone().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                    <a class="mt-2 inline-block text-link" href=format!("/store/{store_id}/campaigns/settings")>"Email settings"</a>
                </div>
            })}
            <div class="mt-4 flex flex-wrap items-end gap-4">
                <ActionForm action=send>
                    <input type="hidden" name="store_id" value=store_id />
                    <input type="hidden" name="campaign_id" value=id />
                    <button type="submit" class="btn btn-primary">"Send now"</button>
                </ActionForm>
                <ActionForm action=schedule attr:class="flex items-end gap-2">
                    <input type="hidden" name="store_id" value=store_id />
                    <input type="hidden" name="campaign_id" value=id />
                    <div>
                        <label for="campaign-schedule" class="block text-sm font-medium text-slate-700">"Or start at (UTC)"</label>
                        <input id="campaign-schedule" name="scheduled_at" type="datetime-local" value={typed::<ScheduleCampaign>("scheduled_at")} class="field" />
                    </div>
                    <button type="submit" class="btn btn-secondary">"Schedule"</button>
                </ActionForm>
                <ActionForm action=control>
                    <input type="hidden" name="store_id" value=store_id />
                    <input type="hidden" name="campaign_id" value=id />
                    <input type="hidden" name="action" value="cancel" />
                    <button type="submit" class="btn btn-secondary">"Cancel campaign"</button>
                </ActionForm>
            </div>
        </section>
        <section class="card mt-6" aria-labelledby="edit-heading">
            <h2 id="edit-heading" class="text-lg font-semibold">"Email"</h2>
            <FormAlert message=Signal::derive(move || update_error.get().and_then(|e| e.form_message())) />
            <ActionForm action=update attr:class="mt-4 space-y-5" attr:novalidate=true>
                <input type="hidden" name="store_id" value=store_id />
                <input type="hidden" name="campaign_id" value=id />
                <input type="hidden" name="audience" value=detail.audience.query.clone() />
                <ComposeFields values={typed_compose::<UpdateCampaign>().unwrap_or(values)} error=update_error />
                <button type="submit" class="btn btn-primary">"Save draft"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SendView(store_id: i64, detail: CampaignDetail) -> impl IntoView {
    let control = ServerAction::<ControlCampaign>::new();
    let error = Signal::derive(move || {
        control
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| match e {
                AppError::Invalid(errors) => errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            })
    });
    let id = detail.id;
    let progress = detail.progress;
    let button = move |action: &'static str, label: &'static str, class: &'static str| {
        view! {
            <ActionForm action=control>
                <input type="hidden" name="store_id" value=store_id />
                <input type="hidden" name="campaign_id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" class=class>{label}</button>
            </ActionForm>
        }
    };
    let not_sent = progress.recipients - progress.done();
    view! {
        <AudienceSummary store_id audience=detail.audience.clone() fixed=true />
        <section class="card mt-6" aria-labelledby="progress-heading">
            <h2 id="progress-heading" class="text-lg font-semibold">"Progress"</h2>
            <FormAlert message=error />
            {detail.paused_reason.clone().map(|reason| view! {
                <div class="mt-3 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="alert">
                    <p class="font-medium">{reason}</p>
                    <a class="mt-2 inline-block text-link" href=format!("/store/{store_id}/campaigns/settings")>"Email settings"</a>
                </div>
            })}
            <div class="mt-3"><Progress progress label="Sending progress".to_owned() /></div>
            <dl class="mt-4 grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
                <div><dt class="text-slate-500">"Sent"</dt><dd class="text-lg font-semibold tabular-nums">{format::count(u64::try_from(progress.sent).unwrap_or(0))}</dd></div>
                <div><dt class="text-slate-500">"Failed"</dt><dd class="text-lg font-semibold tabular-nums">{format::count(u64::try_from(progress.failed).unwrap_or(0))}</dd></div>
                <div><dt class="text-slate-500">"Skipped (unsubscribed since)"</dt><dd class="text-lg font-semibold tabular-nums">{format::count(u64::try_from(progress.skipped).unwrap_or(0))}</dd></div>
                <div><dt class="text-slate-500">{if detail.status == CampaignStatus::Cancelled { "Not sent (cancelled)" } else { "Waiting" }}</dt><dd class="text-lg font-semibold tabular-nums">{format::count(u64::try_from(not_sent).unwrap_or(0))}</dd></div>
            </dl>
            {(detail.status == CampaignStatus::Sending).then(|| view! { <p class="mt-3 text-xs text-slate-500">"This page refreshes every few seconds while the campaign sends."</p> })}
            <div class="mt-4 flex flex-wrap gap-3">
                {(detail.status == CampaignStatus::Sending).then(|| button("pause", "Pause", "btn btn-secondary"))}
                {(detail.status == CampaignStatus::Paused).then(|| button("resume", "Resume", "btn btn-primary"))}
                {matches!(detail.status, CampaignStatus::Sending | CampaignStatus::Paused).then(|| button("cancel", "Cancel sending", "btn btn-danger"))}
            </div>
        </section>
        <section class="card mt-6" aria-labelledby="content-heading">
            <h2 id="content-heading" class="text-lg font-semibold">"Email"</h2>
            <dl class="mt-3 space-y-2 text-sm">
                <div><dt class="font-medium text-slate-500">"Subject"</dt><dd>{detail.subject.clone()}</dd></div>
                <div><dt class="font-medium text-slate-500">"Preheader"</dt><dd>{detail.preheader.clone()}</dd></div>
                <div><dt class="font-medium text-slate-500">"From name"</dt><dd>{detail.from_name.clone()}</dd></div>
            </dl>
            <pre class="mt-4 whitespace-pre-wrap rounded-md bg-slate-50 p-4 font-mono text-sm">{detail.body.clone()}</pre>
        </section>
    }
}

#[component]
pub fn EmailSettingsPage() -> impl IntoView {
    let store_id = use_store_id();
    let settings = page_resource(
        move || store_id.get(),
        |store_id| async move {
            match store_id {
                Some(store_id) => email_settings(store_id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let save = ServerAction::<SaveEmailSettings>::new();
    let error = move || save.value().get().and_then(Result::err);
    let message = move |field: &'static str| Signal::derive(move || field_message(error(), field));
    let invalid = move |field: &'static str| move || message(field).get().is_some().to_string();
    let form_error = Signal::derive(move || error().and_then(|e| e.form_message()));
    view! {
        <RequireStore>
            <Title text="Email settings" />
            <a href=move || campaigns_path(store_id.get().unwrap_or_default()) class="text-sm text-link">"← Campaigns"</a>
            <div class="mt-2">
                <PageHeader title="Email settings".to_owned() subtitle="Who your campaigns come from, and the postal address their footer shows." />
            </div>
            {reported("saved").map(|_| view! { <p class="mt-4 text-sm font-medium text-emerald-700" role="status">"Email settings saved."</p> })}
            <Transition fallback=|| view! { <p class="mt-6 text-slate-500">"Loading…"</p> }>
                {async_view(move || async move {
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    match settings.await {
                        Ok(settings) => view! {
                            <section class="card mt-6 max-w-xl" aria-label="Sender">
                                <FormAlert message=form_error />
                                <ActionForm action=save attr:class="space-y-5" attr:novalidate=true>
                                    <input type="hidden" name="store_id" value=store_id />
                                    <div>
                                        <label for="sender-name" class="block text-sm font-medium text-slate-700">"Sender name"</label>
                                        <input id="sender-name" name="sender_name" value={typed::<SaveEmailSettings>("sender_name").unwrap_or(settings.sender_name)} maxlength="120" class="field" aria-describedby="sender-name-error" aria-invalid=invalid("sender_name") />
                                        <FieldMessage id="sender-name-error" message=message("sender_name") />
                                    </div>
                                    <div>
                                        <label for="sender-address" class="block text-sm font-medium text-slate-700">"Sender address"</label>
                                        <input id="sender-address" name="sender_address" type="email" value={typed::<SaveEmailSettings>("sender_address").unwrap_or(settings.sender_address)} maxlength="254" class="field" aria-describedby="sender-address-error" aria-invalid=invalid("sender_address") />
                                        <FieldMessage id="sender-address-error" message=message("sender_address") />
                                    </div>
                                    <div>
                                        <label for="reply-to" class="block text-sm font-medium text-slate-700">"Reply-to address (optional)"</label>
                                        <input id="reply-to" name="reply_to" type="email" value={typed::<SaveEmailSettings>("reply_to").unwrap_or(settings.reply_to)} maxlength="254" class="field" aria-describedby="reply-to-error" aria-invalid=invalid("reply_to") />
                                        <FieldMessage id="reply-to-error" message=message("reply_to") />
                                    </div>
                                    <div>
                                        <label for="postal-address" class="block text-sm font-medium text-slate-700">"Postal address"</label>
                                        <textarea id="postal-address" name="postal_address" rows="3" maxlength="500" class="field" aria-describedby="postal-address-hint postal-address-error" aria-invalid=invalid("postal_address")>
                                            {textarea_text(&typed::<SaveEmailSettings>("postal_address").unwrap_or(settings.postal_address))}
                                        </textarea>
                                        <p id="postal-address-hint" class="mt-1 text-xs text-slate-500">"Required before your first send: anti-spam law asks every marketing email to show one."</p>
                                        <FieldMessage id="postal-address-error" message=message("postal_address") />
                                    </div>
                                    <button type="submit" class="btn btn-primary">"Save settings"</button>
                                </ActionForm>
                            </section>
                        }.into_any(),
                        Err(error) => view! { <div class="mt-6"><LoadError error /></div> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

/// `/store/{id}/campaigns/{campaign_id}/preview`: the rendered email at desktop and phone
/// widths (each a sandboxed frame of the preview document, which runs no script), and
/// "send a test to me".
#[component]
pub fn CampaignPreviewPage() -> impl IntoView {
    view! {
        <WithCampaign
            loading="Loading the preview…"
            title="Preview"
            show=|store_id, detail| view! { <PreviewView store_id detail /> }.into_any()
        />
    }
}

#[component]
fn PreviewView(store_id: i64, detail: CampaignDetail) -> impl IntoView {
    let test = ServerAction::<SendTestCampaign>::new();
    let error = Signal::derive(move || {
        test.value().get().and_then(Result::err).map(|e| match e {
            AppError::Invalid(errors) => errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        })
    });
    let tested = reported("tested").is_some();
    let sent = move || tested || test.value().get().is_some_and(|result| result.is_ok());
    let id = detail.id;
    let document = preview_document_path(store_id, id);
    let subject = if detail.subject.is_empty() {
        "Untitled campaign".to_owned()
    } else {
        detail.subject.clone()
    };
    let saved = match &detail.delivery {
        MailDelivery::Smtp => "A test is on its way to your address.",
        MailDelivery::Outbox { .. } => "A test was saved to the outbox (mail is saved, not sent).",
    };
    view! {
        <Title text=format!("Preview: {subject}") />
        <a href=crate::api::campaigns::campaign_path(store_id, id) class="text-sm text-link">{format!("← {subject}")}</a>
        <h1 class="mt-2 text-2xl font-semibold tracking-tight">"Preview"</h1>
        <p class="mt-1 text-sm text-slate-600">"As a fan without a first name sees it: merge fields show their fallback."</p>
        <DeliveryNote delivery=detail.delivery.clone() saved=format!("{}/outbox", crate::api::campaigns::campaign_path(store_id, id)) />
        <section class="card mt-6" aria-labelledby="test-heading">
            <h2 id="test-heading" class="text-lg font-semibold">"Send a test to me"</h2>
            <p class="mt-1 text-sm text-slate-600">"The real message, subject starting “[Test]”, to your own address. No fan gets it."</p>
            <FormAlert message=error />
            {move || sent().then(|| view! { <p class="mt-3 text-sm font-medium text-emerald-700" role="status">{saved}</p> })}
            <ActionForm action=test attr:class="mt-3">
                <input type="hidden" name="store_id" value=store_id />
                <input type="hidden" name="campaign_id" value=id />
                <button type="submit" class="btn btn-secondary">"Send a test to me"</button>
            </ActionForm>
        </section>
        <div class="mt-6 flex flex-wrap items-start gap-6">
            <figure>
                <figcaption class="text-sm font-medium text-slate-600">"Desktop"</figcaption>
                <iframe class="mt-2 rounded-md border border-slate-200 bg-white" src=document.clone() title="The email at desktop width" width="680" height="720" sandbox=""></iframe>
            </figure>
            <figure>
                <figcaption class="text-sm font-medium text-slate-600">"Phone"</figcaption>
                <iframe class="mt-2 rounded-md border border-slate-200 bg-white" src=document title="The email at phone width" width="375" height="720" sandbox=""></iframe>
            </figure>
        </div>
    }
}
