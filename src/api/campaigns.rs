//! The campaign pages: the list, composing and editing a draft, sending, scheduling and
//! controlling a send, and the store's email settings.

// A server function takes one argument per form field.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::dto::{CampaignDetail, CampaignList, EmailSettingsView, NewCampaignView};
use crate::error::AppError;

/// `/store/{id}/campaigns/{campaign_id}`.
pub fn campaign_path(store_id: i64, campaign_id: i64) -> String {
    format!("/store/{store_id}/campaigns/{campaign_id}")
}

#[server(endpoint = "campaigns/list")]
pub async fn list_campaigns(
    store_id: i64,
    #[server(default)] after: Option<String>,
) -> Result<CampaignList, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    // A cursor this list did not make starts from the top.
    let after = after.and_then(|after| after.parse::<i64>().ok());
    Ok(
        crate::domain::campaigns::queries::list(&state.db, store_id, after, state.delivery())
            .await?,
    )
}

#[server(endpoint = "campaigns/detail")]
pub async fn load_campaign(store_id: i64, campaign_id: i64) -> Result<CampaignDetail, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(crate::domain::campaigns::queries::detail(
        &state.db,
        store_id,
        campaign_id,
        state.delivery(),
    )
    .await?)
}

/// An audience carried from the Fans page (its query string), in words and with its reach.
#[server(endpoint = "campaigns/audience")]
pub async fn campaign_audience(
    store_id: i64,
    #[server(default)] audience: String,
) -> Result<NewCampaignView, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(NewCampaignView {
        audience: crate::domain::campaigns::queries::audience_view(&state.db, store_id, &audience)
            .await?,
        delivery: state.delivery(),
    })
}

#[cfg(feature = "ssr")]
fn content(
    subject: &str,
    preheader: &str,
    from_name: &str,
    body: &str,
    audience: &str,
) -> Result<
    (
        crate::domain::campaigns::compose::Content,
        crate::domain::campaigns::audience::Audience,
    ),
    AppError,
> {
    use crate::domain::campaigns::{audience::Audience, compose};
    let content = compose::Content::parse(&compose::ContentForm {
        subject,
        preheader,
        from_name,
        body,
    });
    let audience = Audience::parse(audience);
    match (content, audience) {
        (Ok(content), Ok(audience)) => Ok((content, audience)),
        (content, audience) => {
            let mut errors = content.err().unwrap_or_default();
            errors.extend(audience.err().unwrap_or_default());
            Err(AppError::Invalid(errors))
        }
    }
}

/// Saves a new draft with what was typed and opens it (problems are shown there, and only
/// stop a send).
#[server(endpoint = "campaigns/create")]
pub async fn create_campaign(
    store_id: i64,
    subject: String,
    preheader: String,
    from_name: String,
    body: String,
    #[server(default)] audience: String,
) -> Result<i64, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let (content, audience) = content(&subject, &preheader, &from_name, &body, &audience)?;
    let id =
        crate::domain::campaigns::lifecycle::create_draft(&state.db, store_id, &content, &audience)
            .await?;
    crate::server::flash::redirect_with_notice(&campaign_path(store_id, id), &[("saved", "1")]);
    Ok(id)
}

/// Saves a draft's content and audience as typed.
#[server(endpoint = "campaigns/update")]
pub async fn update_campaign(
    store_id: i64,
    campaign_id: i64,
    subject: String,
    preheader: String,
    from_name: String,
    body: String,
    #[server(default)] audience: String,
) -> Result<(), AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let (content, audience) = content(&subject, &preheader, &from_name, &body, &audience)?;
    crate::domain::campaigns::lifecycle::update_draft(
        &state.db,
        store_id,
        campaign_id,
        &content,
        &audience,
    )
    .await?;
    crate::server::flash::redirect_with_notice(
        &campaign_path(store_id, campaign_id),
        &[("saved", "1")],
    );
    Ok(())
}

/// Starts sending a draft now: fixes the audience and queues one message per recipient.
#[server(endpoint = "campaigns/send")]
pub async fn send_campaign(store_id: i64, campaign_id: i64) -> Result<(), AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    crate::domain::campaigns::lifecycle::send_now(&state.db, store_id, campaign_id).await?;
    tracing::info!(store_id, campaign_id, "campaign sending");
    leptos_axum::redirect(&campaign_path(store_id, campaign_id));
    Ok(())
}

/// Schedules a draft. `scheduled_at` is a `datetime-local` value, read as UTC.
#[server(endpoint = "campaigns/schedule")]
pub async fn schedule_campaign(
    store_id: i64,
    campaign_id: i64,
    scheduled_at: String,
) -> Result<(), AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let at = chrono::NaiveDateTime::parse_from_str(scheduled_at.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(scheduled_at.trim(), "%Y-%m-%dT%H:%M:%S")
        })
        .map_err(|_| AppError::invalid("scheduled_at", "Pick a date and time."))?
        .and_utc();
    crate::domain::campaigns::lifecycle::schedule(&state.db, store_id, campaign_id, at).await?;
    leptos_axum::redirect(&campaign_path(store_id, campaign_id));
    Ok(())
}

/// Pauses (`action = "pause"`), resumes (`"resume"`) or cancels (`"cancel"`) a campaign.
#[server(endpoint = "campaigns/control")]
pub async fn control_campaign(
    store_id: i64,
    campaign_id: i64,
    action: String,
) -> Result<(), AppError> {
    use crate::domain::campaigns::lifecycle::{Control, control};
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let action = match action.as_str() {
        "pause" => Control::Pause,
        "resume" => Control::Resume,
        "cancel" => Control::Cancel,
        _ => return Err(AppError::BadRequest),
    };
    let status = control(&state.db, store_id, campaign_id, action).await?;
    tracing::info!(store_id, campaign_id, %status, "campaign controlled");
    leptos_axum::redirect(&campaign_path(store_id, campaign_id));
    Ok(())
}

#[server(endpoint = "campaigns/settings")]
pub async fn email_settings(store_id: i64) -> Result<EmailSettingsView, AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    Ok(crate::domain::campaigns::sender::view(&state.db, store_id).await?)
}

#[server(endpoint = "campaigns/settings/save")]
pub async fn save_email_settings(
    store_id: i64,
    sender_name: String,
    sender_address: String,
    reply_to: String,
    postal_address: String,
) -> Result<(), AppError> {
    use crate::domain::campaigns::sender::{Sender, SenderForm, save};
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let sender = Sender::parse(&SenderForm {
        sender_name: &sender_name,
        sender_address: &sender_address,
        reply_to: &reply_to,
        postal_address: &postal_address,
    })?;
    save(&state.db, store_id, &sender).await?;
    crate::server::flash::redirect_with_notice(
        &format!("/store/{store_id}/campaigns/settings"),
        &[("saved", "1")],
    );
    Ok(())
}

/// "Send a test to me": the campaign as a fan without a first name gets it, subject
/// "[Test] …", to the signed-in creator's own address, through the same transport as the
/// real send. No recipient row, no fan touched. A few at once, then one a minute.
#[server(endpoint = "campaigns/send_test")]
pub async fn send_test_campaign(store_id: i64, campaign_id: i64) -> Result<(), AppError> {
    let (state, _) = crate::server::access::store_scope(store_id).await?;
    let creator = crate::server::access::signed_in()?;
    // Another store's campaign is not found before anything is counted or sent.
    crate::domain::campaigns::lifecycle::find_in_store(&state.db, store_id, campaign_id).await?;
    if state.test_sends.check_key(&creator.creator_id).is_err() {
        return Err(AppError::RateLimited);
    }
    let mailer = state.mailer().await?;
    crate::domain::campaigns::try_out::send_test(
        &state.db,
        &mailer,
        store_id,
        campaign_id,
        &creator.email,
    )
    .await?;
    tracing::info!(store_id, campaign_id, "test message sent");
    leptos_axum::redirect(&format!(
        "{}/preview?tested=1",
        campaign_path(store_id, campaign_id)
    ));
    Ok(())
}
