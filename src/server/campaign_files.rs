//! The campaign routes that answer with a document of their own rather than a page:
//!
//! * `GET /store/{store_id}/campaigns/{campaign_id}/preview.html`: the rendered email, for
//!   the preview page's frames. It is the creator's HTML (sanitised, but styled inline as
//!   mail is), so it gets its own Content Security Policy: no script at all, a sandbox (a
//!   unique origin), inline styles, and `frame-ancestors 'self'` so Encore's own preview
//!   page may frame it. Every other response keeps `frame-ancestors 'none'`.
//! * `GET /store/{store_id}/campaigns/{campaign_id}/outbox` and `…/outbox/{file}`: when no
//!   SMTP server is configured, the `.eml` files saved for this campaign, listed and shown
//!   (escaped). Only names the outbox writes are accepted (`123.eml`, `test-123.eml`), so a
//!   name can never reach outside the campaign's folder.
//!
//! Each resolves the store for the signed-in creator and the campaign inside that store:
//! another store's campaign answers 404, exactly like one that does not exist.

use std::path::PathBuf;

use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::access::owned_store;
use super::session::Viewer;
use super::state::AppState;
use crate::domain::DomainError;
use crate::domain::campaigns::{lifecycle, try_out};
use crate::error::AppError;

/// The preview document's policy: nothing runs, nothing loads but images, and only Encore
/// itself may frame it.
pub const PREVIEW_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
    img-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/// Saved messages listed per page.
pub const OUTBOX_PAGE: usize = 100;

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Encore</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/pkg/encore.css\"></head>\
         <body class=\"min-h-screen bg-slate-50 text-slate-900 antialiased\">\
         <main class=\"mx-auto max-w-4xl px-4 py-10\">{body}</main></body></html>\n",
        title = escape(title),
    )
}

fn failure(error: AppError) -> Response {
    match error {
        AppError::Unauthorized => (
            StatusCode::UNAUTHORIZED,
            Html(document(
                "Please log in",
                "<p><a href=\"/login\">Log in</a> to see this.</p>",
            )),
        )
            .into_response(),
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            Html(document(
                "Not found",
                "<h1 class=\"text-xl font-semibold\">We couldn't find that.</h1>",
            )),
        )
            .into_response(),
        AppError::Invalid(errors) => {
            let items: String = errors
                .iter()
                .map(|e| format!("<li>{}</li>", escape(&e.message)))
                .collect();
            (
                StatusCode::BAD_REQUEST,
                Html(document(
                    "Cannot be shown",
                    &format!("<h1 class=\"text-xl font-semibold\">This email cannot be shown yet</h1><ul>{items}</ul>"),
                )),
            )
                .into_response()
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(document(
                "Something went wrong",
                "<h1 class=\"text-xl font-semibold\">Something went wrong on our side.</h1>",
            )),
        )
            .into_response(),
    }
}

/// The campaign, if it is in one of the viewer's stores.
async fn campaign_of(
    state: &AppState,
    viewer: &Viewer,
    store_id: i64,
    campaign_id: i64,
) -> Result<crate::entities::campaign::Model, AppError> {
    owned_store(&state.db, viewer, store_id).await?;
    Ok(lifecycle::find_in_store(&state.db, store_id, campaign_id).await?)
}

pub async fn preview(
    State(state): State<AppState>,
    Path((store_id, campaign_id)): Path<(i64, i64)>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    let letter = async {
        campaign_of(&state, &viewer, store_id, campaign_id).await?;
        Ok::<_, AppError>(try_out::preview(&state.db, store_id, campaign_id).await?)
    }
    .await;
    match letter {
        Ok(letter) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_SECURITY_POLICY, PREVIEW_CSP),
                (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            letter.html,
        )
            .into_response(),
        Err(error) => failure(error),
    }
}

/// The campaign's folder in the outbox, when mail is saved rather than sent.
fn outbox_folder(state: &AppState, campaign_id: i64) -> Option<PathBuf> {
    match &state.settings.mail.smtp_url {
        Some(_) => None,
        None => Some(state.settings.mail.outbox_dir.join(campaign_id.to_string())),
    }
}

/// How a saved message's name sorts: recipients' messages by row, then tests by time.
/// `None` for any name the outbox does not write.
pub fn saved_name_key(name: &str) -> Option<(u8, i64)> {
    let stem = name.strip_suffix(".eml")?;
    let (kind, digits) = match stem.strip_prefix("test-") {
        Some(digits) => (1, digits),
        None => (0, stem),
    };
    if digits.is_empty() || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((kind, digits.parse().ok()?))
}

#[derive(Debug, Deserialize)]
pub struct OutboxQuery {
    after: Option<String>,
}

pub async fn outbox_list(
    State(state): State<AppState>,
    Path((store_id, campaign_id)): Path<(i64, i64)>,
    Extension(viewer): Extension<Viewer>,
    Query(query): Query<OutboxQuery>,
) -> Response {
    let campaign = match campaign_of(&state, &viewer, store_id, campaign_id).await {
        Ok(campaign) => campaign,
        Err(error) => return failure(error),
    };
    let Some(folder) = outbox_folder(&state, campaign_id) else {
        return failure(AppError::NotFound);
    };
    let after = query.after.as_deref().and_then(saved_name_key);
    let listed = tokio::task::spawn_blocking(move || {
        let mut names: Vec<((u8, i64), String)> = match std::fs::read_dir(&folder) {
            Ok(entries) => entries
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter_map(|name| Some((saved_name_key(&name)?, name)))
                .collect(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(error) => return Err(error),
        };
        let total = names.len();
        names.retain(|(key, _)| after.is_none_or(|after| *key > after));
        names.sort_unstable();
        names.truncate(OUTBOX_PAGE + 1);
        Ok((total, names))
    })
    .await;
    let (total, mut names) = match listed {
        Ok(Ok(listed)) => listed,
        Ok(Err(error)) => {
            tracing::error!(%error, campaign_id, "cannot list the campaign's outbox folder");
            return failure(AppError::Internal);
        }
        Err(error) => {
            tracing::error!(%error, "the outbox listing task failed");
            return failure(AppError::Internal);
        }
    };
    let more = names.len() > OUTBOX_PAGE;
    names.truncate(OUTBOX_PAGE);
    let base = format!("/store/{store_id}/campaigns/{campaign_id}");
    let rows: String = names
        .iter()
        .map(|(key, name)| {
            let what = if key.0 == 1 { "Test message" } else { "Message" };
            format!(
                "<li class=\"py-1\"><a class=\"text-link font-mono\" href=\"{base}/outbox/{name}\">{name}</a> \
                 <span class=\"text-slate-500\">{what}</span></li>",
                name = escape(name),
            )
        })
        .collect();
    let next = match (more, names.last()) {
        (true, Some((_, last))) => format!(
            "<p class=\"mt-4\"><a class=\"text-link\" href=\"{base}/outbox?after={}\">Next page →</a></p>",
            escape(last)
        ),
        _ => String::new(),
    };
    let empty = if total == 0 {
        "<p class=\"mt-4 text-slate-600\">No message has been saved for this campaign yet.</p>"
    } else {
        ""
    };
    Html(document(
        "Saved messages",
        &format!(
            "<a class=\"text-sm text-link\" href=\"{base}\">← {subject}</a>\
             <h1 class=\"mt-2 text-2xl font-semibold\">Saved messages</h1>\
             <p class=\"mt-2 text-slate-600\">Mail is saved, not sent: no mail server is set up \
             (ENCORE_SMTP_URL). {total} message(s) of this campaign are saved as .eml files.</p>\
             {empty}<ul class=\"mt-4\">{rows}</ul>{next}",
            subject = escape(&campaign.subject),
        ),
    ))
    .into_response()
}

pub async fn outbox_message(
    State(state): State<AppState>,
    Path((store_id, campaign_id, file)): Path<(i64, i64, String)>,
    Extension(viewer): Extension<Viewer>,
) -> Response {
    if let Err(error) = campaign_of(&state, &viewer, store_id, campaign_id).await {
        return failure(error);
    }
    let (Some(folder), Some(_)) = (outbox_folder(&state, campaign_id), saved_name_key(&file))
    else {
        return failure(AppError::NotFound);
    };
    let path = folder.join(&file);
    let text = match tokio::fs::read(&path).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return failure(AppError::NotFound);
        }
        Err(error) => {
            tracing::error!(%error, campaign_id, "cannot read a saved message");
            return failure(AppError::from(DomainError::Corrupt(
                "an unreadable outbox file".to_owned(),
            )));
        }
    };
    let base = format!("/store/{store_id}/campaigns/{campaign_id}");
    Html(document(
        &file,
        &format!(
            "<a class=\"text-sm text-link\" href=\"{base}/outbox\">← Saved messages</a>\
             <h1 class=\"mt-2 text-xl font-semibold font-mono\">{name}</h1>\
             <pre class=\"mt-4 overflow-x-auto whitespace-pre-wrap rounded-md border border-slate-200 bg-white p-4 font-mono text-xs\">{text}</pre>",
            name = escape(&file),
            text = escape(&text),
        ),
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_outbox_writes_are_accepted() {
        assert_eq!(saved_name_key("12.eml"), Some((0, 12)));
        assert_eq!(saved_name_key("test-99.eml"), Some((1, 99)));
        for bad in [
            "../1.eml",
            "..%2F1.eml",
            "1.eml.partial",
            ".eml",
            "test-.eml",
            "1/2.eml",
            "-1.eml",
            "+1.eml",
            "a.eml",
            "99999999999999999999.eml",
        ] {
            assert_eq!(saved_name_key(bad), None, "{bad}");
        }
    }
}
