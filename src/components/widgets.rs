//! Small building blocks the list and detail pages share.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::error::AppError;
use crate::format;

/// A page's title row, with optional actions (links, buttons) on the right.
#[component]
pub fn PageHeader(
    title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                {subtitle.map(|subtitle| view! { <p class="mt-1 text-slate-600">{subtitle}</p> })}
            </div>
            <div class="flex flex-wrap items-center gap-2">{children.map(|children| children())}</div>
        </div>
    }
}

/// What an empty list says, and what to do about it.
#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
            <p class="font-medium">{title}</p>
            <div class="mt-1 text-sm text-slate-600">{children()}</div>
        </div>
    }
}

/// A small label: a tag, a product.
#[component]
pub fn Chip(#[prop(into)] text: String) -> impl IntoView {
    view! {
        <span class="chip">{text}</span>
    }
}

/// "3 days ago", with the exact time on hover and in the `datetime` attribute.
#[component]
pub fn RelativeTime(at: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=format::datetime_attribute(at) title=format::date_time(at)>
            {format::relative(at, now)}
        </time>
    }
}

/// Links to the previous and next pages of a keyset-paginated list.
#[component]
pub fn Pager(previous: Option<String>, next: Option<String>) -> impl IntoView {
    let link = "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50";
    let disabled = "rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-400";
    view! {
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between">
            {match previous {
                Some(href) => view! { <a href=href rel="prev" class=link>"← Previous"</a> }.into_any(),
                None => view! { <span class=disabled aria-disabled="true">"← Previous"</span> }.into_any(),
            }}
            {match next {
                Some(href) => view! { <a href=href rel="next" class=link>"Next →"</a> }.into_any(),
                None => view! { <span class=disabled aria-disabled="true">"Next →"</span> }.into_any(),
            }}
        </nav>
    }
}

/// How full a score's bar is, in percent: full at `scale` points, empty at zero or below.
pub fn score_percent(score: i64, scale: i64) -> i64 {
    (score.max(0) * 100 / scale.max(1)).min(100)
}

/// An engagement score with a small bar (full at `scale` points).
#[component]
pub fn ScoreBar(score: i64, scale: i64) -> impl IntoView {
    let percent = score_percent(score, scale);
    // An SVG bar rather than an inline `style` width: the Content Security Policy allows no
    // inline styles.
    view! {
        <span class="score" title=format!("Engagement score {score}")>
            <span>{score}</span>
            <svg viewBox="0 0 100 6" aria-hidden="true" preserveAspectRatio="none">
                <rect width="100" height="6" rx="3" />
                <rect width=percent height="6" rx="3" />
            </svg>
        </span>
    }
}

/// A failed load, said plainly: not found, invalid URL values, or a server problem.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    let message = match &error {
        AppError::Invalid(errors) => errors
            .iter()
            .map(|error| error.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    };
    view! {
        <div class="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">
            {message}
        </div>
    }
}

/// A one-line success message after an action ("Tag trap added to 1,284 fans.").
#[component]
pub fn Notice(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="text-sm font-medium text-emerald-700" role="status">
            {move || message.get()}
        </p>
    }
}
