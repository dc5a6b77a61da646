//! `/store/{store_id}/contacts/{fan_id}`: one fan's profile: who they are, how engaged, what
//! they bought (the unified view), their tags and timeline, and erasure (GDPR).
//!
//! Every change is an `ActionForm` that posts to its server function, which redirects back
//! here: with `?saved=profile` or `?saved=status` after a save (the page says so), or with
//! the error for the form to show.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

use crate::api::fans::{EraseFan, SetFanStatus, TagFan, UntagFan, UpdateFanProfile, fan_profile};
use crate::components::async_view::async_view;
use crate::components::audience::{
    ActivityTimeline, CustomerBadgeLink, EmailStatusBadge, PurchaseHistory, SCORE_SCALE,
    TagSuggestions, display_name, is_customer_tag,
};
use crate::components::form::{FieldMessage, FormAlert, field_message, reported, typed};
use crate::components::producer_profile::{ProducerProfileFields, ProfileValues};
use crate::components::widgets::{LoadError, Notice, RelativeTime, ScoreBar};
use crate::dto::{FanDetail, FanProfileView, FanTagRow};
use crate::error::AppError;
use crate::pages::not_found::NotFoundMessage;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};
use crate::vocab::EmailStatus;

#[derive(Params, Clone, Debug, PartialEq)]
pub struct FanParams {
    pub fan_id: Option<i64>,
}

/// The forms of the page: where each posts, and the error it came back with, if any.
#[derive(Clone, Copy)]
struct ProfileActions {
    update: ServerAction<UpdateFanProfile>,
    status: ServerAction<SetFanStatus>,
    tag: ServerAction<TagFan>,
    untag: ServerAction<UntagFan>,
    erase: ServerAction<EraseFan>,
}

const TAG_SUGGESTIONS: &str = "profile-tag-suggestions";

#[component]
pub fn FanProfilePage() -> impl IntoView {
    let store_id = use_store_id();
    let params = use_params::<FanParams>();
    let fan_id = Memo::new(move |_| params.read().as_ref().ok().and_then(|p| p.fan_id));
    let actions = ProfileActions {
        update: ServerAction::new(),
        status: ServerAction::new(),
        tag: ServerAction::new(),
        untag: ServerAction::new(),
        erase: ServerAction::new(),
    };
    let profile = page_resource(
        move || (store_id.get(), fan_id.get()),
        |(store_id, fan_id)| async move {
            match (store_id, fan_id) {
                (Some(store_id), Some(fan_id)) => fan_profile(store_id, fan_id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );

    view! {
        <RequireStore>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading the fan…"</p> }>
                {async_view(move || async move {
                    let store_id = store_id.get_untracked().unwrap_or_default();
                    match profile.await {
                        Ok(view) => view! { <FanProfileBody store_id view actions /> }.into_any(),
                        Err(AppError::NotFound) => view! { <NotFoundMessage /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[component]
fn FanProfileBody(store_id: i64, view: FanProfileView, actions: ProfileActions) -> impl IntoView {
    let FanProfileView {
        profile,
        all_tags,
        now,
    } = view;
    let fan = profile.fan;
    let name = display_name(&fan.name, &fan.email).to_owned();
    let (fan_id, email, status) = (fan.id, fan.email.clone(), fan.email_status);
    let (score, source) = (fan.score, fan.source);
    let (created_at, last_activity_at, last_open_at) =
        (fan.created_at, fan.last_activity_at, fan.last_open_at);

    view! {
        <Title text=name.clone() />
        <p>
            <a
                href=format!("/store/{store_id}/contacts")
                class="text-sm text-link"
            >
                "← All fans"
            </a>
        </p>
        <header class="mt-2 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{name}</h1>
                <p class="mt-1 text-slate-600">{email.clone()}</p>
                <div class="mt-2 flex flex-wrap items-center gap-3 text-sm">
                    <ScoreBar score scale=SCORE_SCALE />
                    <EmailStatusBadge status />
                    {profile
                        .customer
                        .clone()
                        .map(|badge| {
                            view! { <CustomerBadgeLink store_id badge currency=profile.currency /> }
                        })}
                </div>
            </div>
            <dl class="grid grid-cols-2 gap-x-6 gap-y-1 text-sm text-slate-600">
                <dt>"Joined"</dt>
                <dd>
                    <RelativeTime at=created_at now />
                    " · "
                    {source.label()}
                </dd>
                <dt>"Last activity"</dt>
                <dd>
                    <RelativeTime at=last_activity_at now />
                </dd>
                <dt>"Last open"</dt>
                <dd>
                    {last_open_at
                        .map(|at| view! { <RelativeTime at now /> }.into_any())
                        .unwrap_or_else(|| "Never".into_any())}
                </dd>
            </dl>
        </header>
        <TagSuggestions id=TAG_SUGGESTIONS tags=all_tags />
        <div class="mt-6 grid gap-6 lg:grid-cols-[3fr_2fr]">
            <div class="space-y-6">
                <ProfileSection title="Producer profile">
                    <ProducerProfileForm store_id fan action=actions.update />
                </ProfileSection>
                <ProfileSection title="Activity">
                    <ActivityTimeline activities=profile.activities now />
                </ProfileSection>
            </div>
            <div class="space-y-6">
                <ProfileSection title="Tags">
                    <FanTags
                        store_id
                        fan_id
                        tags=profile.tags
                        now
                        tag=actions.tag
                        untag=actions.untag
                    />
                </ProfileSection>
                <ProfileSection title="Purchases">
                    <PurchaseHistory
                        store_id
                        purchases=profile.purchases
                        customer=profile.customer
                        currency=profile.currency
                        now
                    />
                </ProfileSection>
                <ProfileSection title="Email status">
                    <EmailStatusForm
                        store_id
                        fan_id
                        current=status
                        action=actions.status
                    />
                </ProfileSection>
                <ProfileSection title="Erase fan">
                    <EraseFanForm store_id fan_id email action=actions.erase />
                </ProfileSection>
            </div>
        </div>
    }
}

/// "Saved" after the form whose post reported `saved` = `form`.
fn saved_notice(form: &str, text: &'static str) -> Signal<Option<String>> {
    let saved = reported("saved").is_some_and(|saved| saved == form);
    Signal::stored(saved.then(|| text.to_owned()))
}

/// A titled card; the title names the region for screen readers.
#[component]
fn ProfileSection(title: &'static str, children: Children) -> impl IntoView {
    let id = format!("section-{}", title.to_lowercase().replace(' ', "-"));
    let labelled_by = id.clone();
    view! {
        <section class="card" aria-labelledby=labelled_by>
            <h2 id=id class="text-base font-semibold">
                {title}
            </h2>
            <div class="mt-3">{children()}</div>
        </section>
    }
}

/// The producer profile, edited in place.
#[component]
fn ProducerProfileForm(
    store_id: i64,
    fan: FanDetail,
    action: ServerAction<UpdateFanProfile>,
) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    let saved = saved_notice("profile", "Profile saved.");
    // A refused save comes back as typed; otherwise the saved profile.
    let values = ProfileValues::typed::<UpdateFanProfile>().unwrap_or_else(|| ProfileValues {
        name: fan.name.clone(),
        daw: fan.daw,
        skill: fan.skill,
        goals: fan.goals.clone(),
        genres: fan.genres.clone(),
    });

    view! {
        <FormAlert message=form_error />
        <ActionForm action attr:class="space-y-4" attr:novalidate=true>
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="fan_id" value=fan.id />
            <ProducerProfileFields id_prefix="profile" values error=Signal::derive(error) />
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class="btn btn-primary">"Save profile"</button>
                <Notice message=saved />
            </div>
        </ActionForm>
    }
}

/// The fan's tags with when each was added; add with type-ahead, remove one by one. The
/// customer tag follows purchases, so it has no remove button.
#[component]
fn FanTags(
    store_id: i64,
    fan_id: i64,
    tags: Vec<FanTagRow>,
    now: DateTime<Utc>,
    tag: ServerAction<TagFan>,
    untag: ServerAction<UntagFan>,
) -> impl IntoView {
    let tag_error = move || tag.value().get().and_then(Result::err);
    let tag_message = Signal::derive(move || field_message(tag_error(), "tag"));
    let form_error = Signal::derive(move || {
        tag_error()
            .and_then(|error| error.form_message())
            .or_else(|| {
                untag.value().get().and_then(Result::err).map(|error| {
                    match error.field_message("tag") {
                        Some(message) => message.to_owned(),
                        None => error.to_string(),
                    }
                })
            })
    });

    view! {
        <FormAlert message=form_error />
        {if tags.is_empty() {
            view! { <p class="text-sm text-slate-600">"No tags yet."</p> }.into_any()
        } else {
            view! {
                <ul class="divide-y divide-slate-100" aria-label="Tags of this fan">
                    {tags
                        .into_iter()
                        .map(|row| view! { <FanTagItem store_id fan_id row now untag /> })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
        <ActionForm action=tag attr:class="mt-4" attr:novalidate=true>
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="fan_id" value=fan_id />
            <label for="profile-add-tag" class="block text-sm font-medium text-slate-700">
                "Add a tag"
            </label>
            <div class="flex gap-2">
                <input
                    id="profile-add-tag"
                    name="tag"
                    type="text"
                    autocomplete="off"
                    list=TAG_SUGGESTIONS
                    placeholder="e.g. ableton"
                    value={typed::<TagFan>("tag")}
                    aria-invalid=move || tag_message.get().is_some().to_string()
                    aria-describedby="profile-add-tag-error"
                    class="field"
                />
                <button
                    type="submit"
                    class="mt-1 inline-flex shrink-0 items-center rounded-md bg-violet-700 px-3 py-2 text-sm font-semibold text-white hover:bg-violet-800 disabled:opacity-60"
                >
                    "Add tag"
                </button>
            </div>
            <FieldMessage id="profile-add-tag-error" message=tag_message />
        </ActionForm>
    }
}

#[component]
fn FanTagItem(
    store_id: i64,
    fan_id: i64,
    row: FanTagRow,
    now: DateTime<Utc>,
    untag: ServerAction<UntagFan>,
) -> impl IntoView {
    let managed = is_customer_tag(&row.name);
    let remove_label = format!("Remove tag {}", row.name);
    view! {
        <li class="flex items-center justify-between gap-3 py-2">
            <div>
                <span class="inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                    {row.name.clone()}
                </span>
                <span class="ml-2 text-xs text-slate-500">
                    "added "
                    <RelativeTime at=row.added_at now />
                </span>
            </div>
            {if managed {
                view! { <span class="text-xs text-slate-500">"Follows purchases"</span> }.into_any()
            } else {
                view! {
                    <ActionForm action=untag>
                        <input type="hidden" name="store_id" value=store_id />
                        <input type="hidden" name="fan_id" value=fan_id />
                        <input type="hidden" name="tag" value=row.name />
                        <button
                            type="submit"
                            aria-label=remove_label
                            class="rounded-md px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 hover:text-red-700"
                        >
                            "Remove"
                        </button>
                    </ActionForm>
                }
                    .into_any()
            }}
        </li>
    }
}

/// Whether Encore may email the fan. Purchases and refunds never change it.
#[component]
fn EmailStatusForm(
    store_id: i64,
    fan_id: i64,
    current: EmailStatus,
    action: ServerAction<SetFanStatus>,
) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    let message = Signal::derive(move || {
        error().map(|error| {
            error
                .field_message("status")
                .map(str::to_owned)
                .unwrap_or_else(|| error.to_string())
        })
    });
    let saved = saved_notice("status", "Email status updated.");
    let current = typed::<SetFanStatus>("status")
        .and_then(|status| status.parse().ok())
        .unwrap_or(current);
    view! {
        <ActionForm action attr:class="flex flex-wrap items-end gap-2">
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="fan_id" value=fan_id />
            <div class="flex-1">
                <label for="profile-status" class="block text-sm font-medium text-slate-700">
                    "Email status"
                </label>
                <select
                    id="profile-status"
                    name="status"
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby="profile-status-error"
                    class="field"
                >
                    {EmailStatus::ALL
                        .iter()
                        .map(|status| {
                            view! {
                                <option value=status.as_str() selected=*status == current>
                                    {status.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-secondary">
                "Update status"
            </button>
        </ActionForm>
        <FieldMessage id="profile-status-error" message />
        <div class="mt-2">
            <Notice message=saved />
        </div>
    }
}

/// Erasure (GDPR): the fan, their tags and timeline go; purchases stay in the accounts.
/// The fan's email must be typed to confirm.
#[component]
fn EraseFanForm(
    store_id: i64,
    fan_id: i64,
    email: String,
    action: ServerAction<EraseFan>,
) -> impl IntoView {
    let error = move || action.value().get().and_then(Result::err);
    let message = Signal::derive(move || field_message(error(), "confirm"));
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    view! {
        <p class="text-sm text-slate-600">
            "Deletes this fan with their tags and activity, for good. Their purchases stay in the store's accounts."
        </p>
        <div class="mt-3">
            <FormAlert message=form_error />
        </div>
        <ActionForm action attr:class="space-y-3" attr:novalidate=true>
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="fan_id" value=fan_id />
            <div>
                <label for="erase-confirm" class="block text-sm font-medium text-slate-700">
                    "Type the fan's email to confirm: "
                    <span class="font-mono">{email}</span>
                </label>
                <input
                    id="erase-confirm"
                    name="confirm"
                    type="text"
                    autocomplete="off"
                    value={typed::<EraseFan>("confirm")}
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby="erase-confirm-error"
                    class="field"
                />
                <FieldMessage id="erase-confirm-error" message />
            </div>
            <button type="submit" class="btn btn-danger">"Erase fan"</button>
        </ActionForm>
    }
}
