//! The Fans pages (URL `/contacts`): the audience builder, bulk tagging, fans added by hand,
//! the fan profile, and the store's tags.

// A server function takes one argument per form field.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::dto::{BulkJobView, BulkPreview, FanListView, FanProfileView, TagChange, TagCount};
use crate::error::AppError;
use crate::params::FanListParams;

/// One page of the audience in the URL, its exact size, and the store's tags.
#[server(endpoint = "fans/list")]
pub async fn fan_list(
    store_id: i64,
    // An audience without filters serializes to nothing: missing means "everyone".
    #[server(default)] params: FanListParams,
) -> Result<FanListView, AppError> {
    let (state, store) = crate::server::access::store_scope(store_id).await?;
    let query = params.to_query().map_err(AppError::Invalid)?;
    let (page, tags) =
        crate::domain::audience::queries::list_page(&state.db, store_id, &query).await?;
    Ok(FanListView {
        page,
        tags,
        store,
        now: crate::domain::time::now(),
    })
}

#[server(endpoint = "fans/profile")]
pub async fn fan_profile(store_id: i64, fan_id: i64) -> Result<FanProfileView, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let (profile, all_tags) =
        crate::domain::audience::queries::profile_page(&state.db, store_id, fan_id).await?;
    Ok(FanProfileView {
        profile,
        all_tags,
        now: crate::domain::time::now(),
    })
}

/// The "Add fan" form. Redirects to the fan's profile, which is the existing fan's when the
/// email is already in the store.
#[server(endpoint = "fans/add")]
pub async fn add_fan(
    store_id: i64,
    email: String,
    name: String,
    daw: String,
    genres: Option<Vec<String>>,
    skill: String,
    goals: String,
    tags: String,
) -> Result<i64, AppError> {
    use crate::domain::audience::fans::{FanForm, NewFan, ProfileForm, add_fan};
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let genres = genres.unwrap_or_default();
    let new = NewFan::parse(FanForm {
        email: &email,
        profile: ProfileForm {
            name: &name,
            daw: &daw,
            genres: &genres,
            skill: &skill,
            goals: &goals,
        },
        tags: &tags,
    })?;
    let fan_id = add_fan(&state.db, store_id, &new).await?.fan_id();
    back_to_profile(store_id, fan_id, None);
    Ok(fan_id)
}

#[server(endpoint = "fans/profile/update")]
pub async fn update_fan_profile(
    store_id: i64,
    fan_id: i64,
    name: String,
    daw: String,
    genres: Option<Vec<String>>,
    skill: String,
    goals: String,
) -> Result<(), AppError> {
    use crate::domain::audience::fans::{Profile, ProfileForm, update_profile};
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let genres = genres.unwrap_or_default();
    let profile = Profile::parse(ProfileForm {
        name: &name,
        daw: &daw,
        genres: &genres,
        skill: &skill,
        goals: &goals,
    })?;
    update_profile(&state.db, store_id, fan_id, &profile).await?;
    back_to_profile(store_id, fan_id, Some("profile"));
    Ok(())
}

#[server(endpoint = "fans/status")]
pub async fn set_fan_status(store_id: i64, fan_id: i64, status: String) -> Result<(), AppError> {
    use crate::domain::audience::fans::set_email_status;
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let status = status
        .parse()
        .map_err(|_| AppError::invalid("status", "Pick an email status from the list."))?;
    set_email_status(&state.db, store_id, fan_id, status).await?;
    back_to_profile(store_id, fan_id, Some("status"));
    Ok(())
}

/// Adds one tag to one fan (the profile's tag form).
#[server(endpoint = "fans/tags/add")]
pub async fn tag_fan(store_id: i64, fan_id: i64, tag: String) -> Result<TagChange, AppError> {
    change_fan_tag(store_id, fan_id, &tag, crate::vocab::TagAction::Add).await
}

#[server(endpoint = "fans/tags/remove")]
pub async fn untag_fan(store_id: i64, fan_id: i64, tag: String) -> Result<TagChange, AppError> {
    change_fan_tag(store_id, fan_id, &tag, crate::vocab::TagAction::Remove).await
}

/// How many fans a bulk change would touch: the selected ids (`ids`, comma-separated) or,
/// with `everyone` set, all fans matching the audience in `params`.
#[server(endpoint = "fans/bulk/preview")]
pub async fn preview_bulk_tag(
    store_id: i64,
    // An audience without filters serializes to nothing: missing means "everyone".
    #[server(default)] params: FanListParams,
    ids: String,
    everyone: bool,
    tag: String,
) -> Result<BulkPreview, AppError> {
    use crate::domain::audience::tagging::preview_bulk_change;
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let tag = parse_tag(&tag)?;
    let selection = bulk_selection(&params, &ids, everyone)?;
    Ok(preview_bulk_change(&state.db, store_id, &selection, &tag).await?)
}

/// Adds (`action = "add"`) or removes (`"remove"`) a tag for the selected fans or for all
/// fans matching the audience. Redirects to the bulk page with the result in its URL
/// (`done=<fans changed>`), so the report reads the same with and without JavaScript.
#[server(endpoint = "fans/bulk/apply")]
pub async fn apply_bulk_tag(
    store_id: i64,
    // An audience without filters serializes to nothing: missing means "everyone".
    #[server(default)] params: FanListParams,
    ids: String,
    everyone: bool,
    tag: String,
    action: String,
) -> Result<TagChange, AppError> {
    use crate::domain::audience::tagging::change_tag;
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let tag = parse_tag(&tag)?;
    let selection = bulk_selection(&params, &ids, everyone)?;
    let action: crate::vocab::TagAction = action.parse().map_err(|_| AppError::BadRequest)?;
    if is_large(&state.db, store_id, &selection).await? {
        // More than a batch: a background job, and its progress page.
        let job = crate::domain::audience::bulk_jobs::start(
            &state.db, store_id, &selection, &tag, action,
        )
        .await?;
        tracing::info!(store_id, job = job.id, fans = job.total, %action, "bulk tag job queued");
        let job_id = job.id.to_string();
        let mut progress = params.filter_pairs();
        progress.push(("job", Some(job_id.as_str())));
        leptos_axum::redirect(&crate::url::with_query(
            &format!("/store/{store_id}/contacts/bulk"),
            progress,
        ));
        return Ok(TagChange {
            tag: job.tag,
            fans_changed: 0,
        });
    }
    let change = change_tag(&state.db, store_id, &selection, &tag, action).await?;
    tracing::info!(store_id, fans = change.fans_changed, %action, "bulk tag change");
    let changed = change.fans_changed.to_string();
    // The audience stays in the URL (it is the page's state); the report is a notice.
    crate::server::flash::redirect_with_notice(
        &crate::url::with_query(
            &format!("/store/{store_id}/contacts/bulk"),
            params.filter_pairs(),
        ),
        &[
            ("tag", change.tag.as_str()),
            ("op", action.as_str()),
            ("done", changed.as_str()),
        ],
    );
    Ok(change)
}

/// The progress of a bulk tag change running in the background.
#[server(endpoint = "fans/bulk/job")]
pub async fn bulk_job_progress(store_id: i64, job_id: i64) -> Result<BulkJobView, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let job = crate::domain::audience::bulk_jobs::find(&state.db, store_id, job_id).await?;
    Ok(BulkJobView {
        tag: job.tag,
        add: job.action == crate::vocab::TagAction::Add,
        total: job.total,
        processed: job.processed,
        changed: job.changed,
        finished: job.finished,
        failed: job.failed,
    })
}

/// Erases a fan (GDPR) once `confirm` repeats their email. Redirects to the fan list.
#[server(endpoint = "fans/erase")]
pub async fn erase_fan(store_id: i64, fan_id: i64, confirm: String) -> Result<(), AppError> {
    use crate::domain::audience::fans::erase_fan_confirmed;
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    erase_fan_confirmed(&state.db, store_id, fan_id, &confirm).await?;
    tracing::info!(store_id, fan_id, "fan erased");
    leptos_axum::redirect(&format!("/store/{store_id}/contacts"));
    Ok(())
}

#[server(endpoint = "tags/list")]
pub async fn list_tags(store_id: i64) -> Result<Vec<TagCount>, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(crate::domain::audience::queries::list_tags(&state.db, store_id).await?)
}

/// Renames a tag; onto an existing name (any case) the two merge. Returns the name the tag
/// now shows and redirects to the tags page, which reports it.
#[server(endpoint = "tags/rename")]
pub async fn rename_tag(store_id: i64, tag_id: i64, name: String) -> Result<String, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let name = crate::domain::audience::tags::TagName::parse(&name)
        .map_err(|message| AppError::invalid("name", message))?;
    let shown =
        crate::domain::audience::tagging::rename_tag(&state.db, store_id, tag_id, &name).await?;
    crate::server::flash::redirect_with_notice(
        &format!("/store/{store_id}/tags"),
        &[("done", "renamed"), ("tag", shown.as_str())],
    );
    Ok(shown)
}

/// Deletes a tag from the store and its fans. Redirects to the tags page, which reports it.
#[server(endpoint = "tags/delete")]
pub async fn delete_tag(store_id: i64, tag_id: i64) -> Result<String, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let deleted = crate::domain::audience::tagging::delete_tag(&state.db, store_id, tag_id).await?;
    crate::server::flash::redirect_with_notice(
        &format!("/store/{store_id}/tags"),
        &[("done", "deleted"), ("tag", deleted.as_str())],
    );
    Ok(deleted)
}

/// The profile's tag forms: one tag added to or removed from one fan, then back to the
/// profile.
#[cfg(feature = "ssr")]
async fn change_fan_tag(
    store_id: i64,
    fan_id: i64,
    tag: &str,
    action: crate::vocab::TagAction,
) -> Result<TagChange, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let tag = parse_tag(tag)?;
    let change =
        crate::domain::audience::tagging::change_fan_tag(&state.db, store_id, fan_id, &tag, action)
            .await?;
    back_to_profile(store_id, fan_id, None);
    Ok(change)
}

/// Sends the browser to a fan's profile, which reports that form's save (`saved` = the
/// form) when one is given.
#[cfg(feature = "ssr")]
fn back_to_profile(store_id: i64, fan_id: i64, saved: Option<&str>) {
    let path = format!("/store/{store_id}/contacts/{fan_id}");
    match saved {
        Some(form) => crate::server::flash::redirect_with_notice(&path, &[("saved", form)]),
        None => leptos_axum::redirect(&path),
    }
}

#[cfg(feature = "ssr")]
fn parse_tag(tag: &str) -> Result<crate::domain::audience::tags::TagName, AppError> {
    crate::domain::audience::tags::TagName::parse(tag)
        .map_err(|message| AppError::invalid("tag", message))
}

/// Whether a change is worth a background job: more fans than one of its batches.
#[cfg(feature = "ssr")]
async fn is_large(
    db: &sea_orm::DatabaseConnection,
    store_id: i64,
    selection: &crate::domain::audience::tagging::FanSelection,
) -> Result<bool, AppError> {
    use crate::domain::audience::bulk_jobs::BATCH_SIZE;
    use crate::domain::audience::tagging::FanSelection;
    Ok(match selection {
        FanSelection::Fans(ids) => ids.len() > BATCH_SIZE,
        FanSelection::Matching(filter) => {
            crate::domain::audience::queries::count_fans(db, store_id, filter).await?
                > BATCH_SIZE as u64
        }
    })
}

/// The fans a bulk change is about: the ids ticked on the page, or everyone matching the
/// audience in the URL.
#[cfg(feature = "ssr")]
fn bulk_selection(
    params: &FanListParams,
    ids: &str,
    everyone: bool,
) -> Result<crate::domain::audience::tagging::FanSelection, AppError> {
    use crate::domain::audience::tagging::FanSelection;
    if everyone {
        let query = params.to_query().map_err(AppError::Invalid)?;
        return Ok(FanSelection::Matching(query.filter));
    }
    use crate::domain::audience::tagging::{MAX_SELECTED_FANS, too_many_fans_message};
    let mut selected = Vec::new();
    for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        // Refused at the first id too many, before reading the rest.
        if selected.len() == MAX_SELECTED_FANS {
            return Err(AppError::invalid("ids", too_many_fans_message()));
        }
        selected.push(id.parse::<i64>().map_err(|_| AppError::BadRequest)?);
    }
    let ids = selected;
    if ids.is_empty() {
        return Err(AppError::invalid(
            "ids",
            "Select some fans first, or choose all fans matching this filter.",
        ));
    }
    Ok(FanSelection::Fans(ids))
}
