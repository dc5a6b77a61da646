//! Small building blocks the list and detail pages share.
//!
//! The widgets a list table repeats in every row (a row's link, a chip, a relative time, a
//! score bar, the customer badge of `audience`) have one source of markup each: a function
//! that writes it into a string. A page of 50 rows written as views is several hundred
//! elements, each built, boxed, rendered and dropped on its own, which was the largest part
//! of rendering the Fans and Customers pages (docs/benchmarks-history.md, items 45 and 47); nothing
//! in a row is reactive, so the tables write their rows as one string into the `<tbody>`'s
//! `inner_html`. The component of the same name, which the detail pages use, shows what the
//! writer writes ([`markup`]), so the two cannot differ. Every text and attribute value from
//! data is escaped (`html_escape`); what is written from numbers and fixed words needs none.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
use leptos::prelude::*;
use leptos::tachys::html::InertElement;

use super::audience::{display_name, has_name};
use crate::error::AppError;
use crate::format;

// Every `write!` here writes into a String, which cannot fail.

/// A view of one element that a writer here wrote, shown as written. (Leptos's own view
/// macro shows the static parts of a view the same way.) Only as a child: it takes no
/// attributes.
pub fn markup(write: impl FnOnce(&mut String)) -> InertElement {
    let mut html = String::new();
    write(&mut html);
    InertElement::new(html)
}

/// A link to a row's page, labelled with the name or, without one, the email; the email
/// goes under a name. Rows only: it is two elements.
pub fn write_row_link(html: &mut String, href: &str, name: &str, email: &str) {
    let _ = write!(
        html,
        r#"<a href="{href}" class="row-link">{label}</a>"#,
        href = attribute(href),
        label = text(display_name(name, email)),
    );
    if has_name(name) {
        let _ = write!(html, r#"<div class="row-note">{}</div>"#, text(email));
    }
}

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
    markup(|html| write_chip(html, &text))
}

/// [`Chip`]'s markup.
pub fn write_chip(html: &mut String, label: &str) {
    let _ = write!(html, r#"<span class="chip">{}</span>"#, text(label));
}

/// "3 days ago", with the exact time on hover and in the `datetime` attribute.
#[component]
pub fn RelativeTime(at: DateTime<Utc>, now: DateTime<Utc>) -> impl IntoView {
    markup(|html| write_relative_time(html, at, now))
}

/// [`RelativeTime`]'s markup.
pub fn write_relative_time(html: &mut String, at: DateTime<Utc>, now: DateTime<Utc>) {
    // Written straight into the page, unescaped: all three are digits, signs, month names
    // and fixed words (RFC 3339, `format`'s dates and phrases), none of which HTML reads
    // as markup; so no intermediate strings (docs/benchmarks-history.md, item 48).
    html.push_str(r#"<time datetime=""#);
    html.push_str(&format::datetime_attribute(at));
    html.push_str(r#"" title=""#);
    format::push_date_time(html, at);
    html.push_str(r#"">"#);
    format::push_relative(html, at, now);
    html.push_str("</time>");
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
    markup(|html| write_score_bar(html, score, scale))
}

/// [`ScoreBar`]'s markup.
pub fn write_score_bar(html: &mut String, score: i64, scale: i64) {
    let percent = score_percent(score, scale);
    // An SVG bar rather than an inline `style` width: the Content Security Policy allows no
    // inline styles.
    let _ = write!(
        html,
        r#"<span title="Engagement score {score}" class="score"><span>{score}</span><svg viewBox="0 0 100 6" aria-hidden="true" preserveAspectRatio="none"><rect width="100" height="6" rx="3"></rect><rect width="{percent}" height="6" rx="3"></rect></svg></span>"#,
    );
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
