//! `GET /unsubscribe/{token}` (a page with one button) and `POST /unsubscribe/{token}` (the
//! button, and the RFC 8058 one-click POST mail clients send). Both come from outside Encore
//! by nature, so the router exempts exactly this route from the cross-site check: the
//! signed token is its protection. A forged or altered token answers 404 and changes
//! nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::state::AppState;
use crate::domain::DomainError;
use crate::domain::campaigns::unsubscribe::{self, UnsubscribePage};
use crate::error::AppError;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Encore</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <link rel=\"stylesheet\" href=\"/pkg/encore.css\"></head>\
         <body class=\"min-h-screen bg-slate-50 text-slate-900 antialiased\">\
         <main class=\"mx-auto max-w-md px-4 py-16\">\
         <div class=\"rounded-lg border border-slate-200 bg-white p-6 shadow-sm\">{body}</div>\
         </main></body></html>\n",
        title = html_escape::encode_text(title),
    )
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "Link not valid",
            "<h1 class=\"text-xl font-semibold\">This link is not valid</h1>\
             <p class=\"mt-2 text-slate-600\">Use the unsubscribe link in the email you received.</p>",
        )),
    )
        .into_response()
}

fn failure(error: DomainError) -> Response {
    match error {
        DomainError::NotFound(_) => not_found(),
        other => {
            let _ = AppError::from(other); // logs the cause
            (StatusCode::INTERNAL_SERVER_ERROR, Html(page("Something went wrong", "<h1 class=\"text-xl font-semibold\">Something went wrong</h1><p class=\"mt-2 text-slate-600\">Please try again in a moment.</p>"))).into_response()
        }
    }
}

fn done(shown: &UnsubscribePage) -> String {
    page(
        "Unsubscribed",
        &format!(
            "<h1 class=\"text-xl font-semibold\">You are unsubscribed</h1>\
             <p class=\"mt-2 text-slate-600\">{email} will get no more emails from {store}.</p>",
            email = html_escape::encode_text(&shown.email),
            store = html_escape::encode_text(&shown.store_name),
        ),
    )
}

pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let key = match state.signing_key().await {
        Ok(key) => key,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    match unsubscribe::page(&state.db, &key, &token).await {
        Ok(shown) if shown.already => Html(done(&shown)).into_response(),
        Ok(shown) => Html(page(
            "Unsubscribe",
            &format!(
                "<h1 class=\"text-xl font-semibold\">Unsubscribe from {store}</h1>\
                 <p class=\"mt-2 text-slate-600\">Stop all emails from {store} to {email}.</p>\
                 <form method=\"post\" class=\"mt-6\" data-native-submit=\"true\">\
                 <button type=\"submit\" class=\"btn btn-primary\">Unsubscribe</button></form>",
                email = html_escape::encode_text(&shown.email),
                store = html_escape::encode_text(&shown.store_name),
            ),
        ))
        .into_response(),
        Err(error) => failure(error),
    }
}

pub async fn confirm(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let key = match state.signing_key().await {
        Ok(key) => key,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    match unsubscribe::unsubscribe(&state.db, &key, &token).await {
        Ok(shown) => Html(done(&shown)).into_response(),
        Err(error) => failure(error),
    }
}
