//! The list tables' rows, written as strings of HTML instead of views.
//!
//! A page of 50 rows written as views is several hundred elements, each built, boxed,
//! rendered and dropped on its own: with erased components, the largest part of rendering
//! the Fans and Customers pages (docs/BENCHMARKS.md, items 45 and 47). Nothing in a row is
//! reactive: its links are plain `<a href>`s, which the router follows wherever they came
//! from, its checkbox is a plain form field, and its relative time is a function of the row
//! and the server's `now`. So the tables write their rows into the `<tbody>`'s
//! `inner_html`.
//!
//! Each widget here writes the markup of the view component of the same name, with every
//! text and attribute value from data escaped (what Encore writes from numbers and fixed
//! words, such as a time, needs none), and its attributes in the order Leptos writes them
//! (`class` last); `tests/it/components.rs` renders both and compares them, so the two
//! cannot drift apart.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};

use super::audience::{display_name, has_name};
use crate::dto::CustomerBadge;
use crate::format;
use crate::money::Currency;

// Every `write!` here writes into a String, which cannot fail.

/// A link to a row's page, labelled with the name or, without one, the email; the email
/// goes under a name.
pub fn row_link(html: &mut String, href: &str, name: &str, email: &str) {
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

/// [`RelativeTime`](super::widgets::RelativeTime): "3 days ago", with the exact time on
/// hover and in the `datetime` attribute.
pub fn relative_time(html: &mut String, at: DateTime<Utc>, now: DateTime<Utc>) {
    // Written straight into the page, unescaped: all three are digits, signs, month names
    // and fixed words (RFC 3339, `format`'s dates and phrases), none of which HTML reads
    // as markup; so no intermediate strings (docs/BENCHMARKS.md, item 48).
    html.push_str(r#"<time datetime=""#);
    html.push_str(&format::datetime_attribute(at));
    html.push_str(r#"" title=""#);
    format::push_date_time(html, at);
    html.push_str(r#"">"#);
    format::push_relative(html, at, now);
    html.push_str("</time>");
}

/// [`Chip`](super::widgets::Chip): a small label.
pub fn chip(html: &mut String, label: &str) {
    let _ = write!(html, r#"<span class="chip">{}</span>"#, text(label));
}

/// [`ScoreBar`](super::widgets::ScoreBar): an engagement score with a small bar.
pub fn score_bar(html: &mut String, score: i64, scale: i64) {
    let percent = super::widgets::score_percent(score, scale);
    let _ = write!(
        html,
        r#"<span title="Engagement score {score}" class="score"><span>{score}</span><svg viewBox="0 0 100 6" aria-hidden="true" preserveAspectRatio="none"><rect width="100" height="6" rx="3"></rect><rect width="{percent}" height="6" rx="3"></rect></svg></span>"#,
    );
}

/// [`CustomerBadgeLink`](super::audience::CustomerBadgeLink): "Customer · $99.00", linking
/// to the customer's page.
pub fn customer_badge_link(
    html: &mut String,
    store_id: i64,
    badge: &CustomerBadge,
    currency: Currency,
) {
    let _ = write!(
        html,
        r#"<a href="/store/{store_id}/customers/{id}" title="Total spent, net of refunds" class="chip chip-customer">Customer · {total}</a>"#,
        id = badge.customer_id,
        total = text(&currency.format(badge.total_spent_cents)),
    );
}
