//! One page of the audience: its exact size, the sort, the rows, the pager, and the bulk-tag
//! form around the rows (a GET to the confirmation page, so it works without JavaScript).

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::fans_path;
use super::filter_bar::TAG_SUGGESTIONS;
use crate::components::audience::{self, SCORE_SCALE, display_name};
use crate::components::widgets::{self, EmptyState, Pager};
use crate::dto::{FanListView, FanRow, FanSort, SortDirection};
use crate::format;
use crate::money::Currency;
use crate::params::FanListParams;
use crate::url::with_query;

/// Whether the URL narrows the audience at all.
fn is_filtered(params: &FanListParams) -> bool {
    params
        .filter_pairs()
        .iter()
        .any(|(_, value)| value.is_some_and(|value| !value.trim().is_empty()))
}

#[component]
pub(super) fn Audience(store_id: i64, params: FanListParams, view: FanListView) -> impl IntoView {
    let FanListView {
        store, page, now, ..
    } = view;
    let path = fans_path(store_id);
    let total = page.total;

    if page.rows.is_empty() && page.previous.is_none() {
        return if is_filtered(&params) {
            view! {
                <AudienceSummary store_id params total />
                <div class="mt-4">
                    <EmptyState title="No fans match this filter">
                        "Loosen the filter, or "
                        <a href=path class="text-link">
                            "clear it to see every fan"
                        </a>
                        "."
                    </EmptyState>
                </div>
            }
            .into_any()
        } else {
            view! {
                <div class="mt-6">
                    <EmptyState title="No fans yet">
                        "Fans arrive with every purchase. You can also "
                        <a
                            href=format!("/store/{store_id}/contacts/new")
                            class="text-link"
                        >
                            "add a fan by hand"
                        </a>
                        "."
                    </EmptyState>
                </div>
            }
            .into_any()
        };
    }

    let previous = page
        .previous
        .as_deref()
        .map(|cursor| params.page_link(&path, "before", cursor));
    let next = page
        .next
        .as_deref()
        .map(|cursor| params.page_link(&path, "after", cursor));
    let hidden_filter: Vec<(&'static str, String)> = params
        .filter_pairs()
        .into_iter()
        .filter_map(|(key, value)| Some((key, value?.to_owned())))
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();

    view! {
        <AudienceSummary store_id params=params.clone() total />
        <SortLinks path=path.clone() params />
        <form method="GET" action=format!("{path}/bulk") novalidate=true aria-label="Tag fans">
            // The audience the "all matching" choice refers to.
            {hidden_filter
                .into_iter()
                .map(|(key, value)| view! { <input type="hidden" name=key value=value /> })
                .collect_view()}
            <BulkToolbar total />
            <FanTable store_id currency=store.currency rows=page.rows now />
        </form>
        <Pager previous next />
    }
    .into_any()
}

/// "1,284 fans" and the link that hands this audience to a campaign.
#[component]
fn AudienceSummary(store_id: i64, params: FanListParams, total: u64) -> impl IntoView {
    let campaign = with_query(
        &format!("/store/{store_id}/campaigns/new"),
        params.filter_pairs(),
    );
    view! {
        <div class="mt-6 flex flex-wrap items-center justify-between gap-3">
            <p class="text-lg font-semibold" role="status" id="fan-count">
                {format::plural(total, "fan", "fans")}
            </p>
            <a href=campaign class="text-sm text-link">
                "Use as campaign audience →"
            </a>
        </div>
    }
}

/// Sort by score (most engaged first), last activity, newest or name; the current sort links
/// to its reverse.
#[component]
fn SortLinks(path: String, params: FanListParams) -> impl IntoView {
    let current: FanSort = params
        .sort
        .as_deref()
        .and_then(|sort| sort.parse().ok())
        .unwrap_or_default();
    let direction = params
        .dir
        .as_deref()
        .and_then(|dir| dir.parse().ok())
        .unwrap_or(current.default_direction());
    view! {
        <nav aria-label="Sort fans" class="mt-3 flex flex-wrap items-center gap-1 text-sm">
            <span class="mr-1 text-slate-500">"Sort by"</span>
            {FanSort::ALL
                .iter()
                .copied()
                .map(|sort| {
                    let is_current = sort == current;
                    let (href, arrow) = if is_current {
                        let arrow = match direction {
                            SortDirection::Desc => " ↓",
                            SortDirection::Asc => " ↑",
                        };
                        (params.sort_link(&path, sort, direction.reversed()), arrow)
                    } else {
                        (params.sort_link(&path, sort, sort.default_direction()), "")
                    };
                    view! {
                        <a
                            href=href
                            aria-current=is_current.then_some("true")
                            class="rounded-md px-2 py-1 font-medium text-slate-600 hover:bg-slate-100 aria-[current=true]:bg-violet-50 aria-[current=true]:text-violet-800"
                        >
                            {sort.label()}
                            {arrow}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// Tick rows or choose "all N matching", name a tag, then add or remove it.
#[component]
fn BulkToolbar(total: u64) -> impl IntoView {
    view! {
        <fieldset class="mt-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <legend class="px-1 text-sm font-semibold">"Tag fans"</legend>
            <p class="text-sm text-slate-600">
                "Tick fans below, or choose everyone matching this filter. You confirm before anything changes."
            </p>
            <div class="mt-3 flex flex-wrap items-end gap-3">
                <label class="flex items-center gap-2 text-sm font-medium">
                    <input
                        type="checkbox"
                        name="everyone"
                        value="true"
                        class="row-check"
                    />
                    {format!("All {} matching this filter", format::plural(total, "fan", "fans"))}
                </label>
                <div class="min-w-48 flex-1">
                    <label for="bulk-tag" class="block text-sm font-medium text-slate-700">
                        "Tag"
                    </label>
                    <input
                        id="bulk-tag"
                        name="tag"
                        type="text"
                        autocomplete="off"
                        list=TAG_SUGGESTIONS
                        placeholder="e.g. trap"
                        class="field"
                    />
                </div>
                <button type="submit" name="op" value="add" class="btn btn-primary">
                    "Add tag"
                </button>
                <button type="submit" name="op" value="remove" class="btn btn-secondary">
                    "Remove tag"
                </button>
            </div>
        </fieldset>
    }
}

#[component]
fn FanTable(
    store_id: i64,
    currency: Currency,
    rows: Vec<FanRow>,
    now: DateTime<Utc>,
) -> impl IntoView {
    view! {
        <div class="table-frame mt-4">
            <table class="list-table">
                <caption class="sr-only">"Fans"</caption>
                <thead class="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="w-10">
                            <span class="sr-only">"Select"</span>
                        </th>
                        <th scope="col">"Fan"</th>
                        <th scope="col">"Score"</th>
                        <th scope="col">"Tags"</th>
                        <th scope="col">"DAW"</th>
                        <th scope="col" class="whitespace-nowrap">"Last open"</th>
                        <th scope="col">"Customer"</th>
                    </tr>
                </thead>
                <tbody inner_html=fan_rows_html(store_id, currency, &rows, now) />
            </table>
        </div>
    }
}

/// The table's rows, as one string of HTML (see [`widgets`](crate::components::widgets) for why).
fn fan_rows_html(store_id: i64, currency: Currency, rows: &[FanRow], now: DateTime<Utc>) -> String {
    use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
    use std::fmt::Write;

    // `write!` into a String cannot fail.
    let mut html = String::with_capacity(1_500 * rows.len());
    for row in rows {
        let _ = write!(
            html,
            r#"<tr><td><input type="checkbox" name="ids" value="{id}" aria-label="Select {name}" class="row-check"></td><td>"#,
            id = row.id,
            name = attribute(display_name(&row.name, &row.email)),
        );
        widgets::write_row_link(
            &mut html,
            &format!("/store/{store_id}/contacts/{}", row.id),
            &row.name,
            &row.email,
        );
        html.push_str("</td><td>");
        widgets::write_score_bar(&mut html, row.score, SCORE_SCALE);
        html.push_str(r#"</td><td><span class="chips">"#);
        for tag in &row.tags {
            widgets::write_chip(&mut html, tag);
        }
        let _ = write!(
            html,
            r#"</span></td><td class="whitespace-nowrap">{daw}</td><td class="whitespace-nowrap">"#,
            daw = text(row.daw.map_or("—", |daw| daw.label())),
        );
        match row.last_open_at {
            Some(at) => widgets::write_relative_time(&mut html, at, now),
            None => html.push_str(r#"<span class="text-slate-500">Never</span>"#),
        }
        html.push_str(r#"</td><td class="whitespace-nowrap">"#);
        if let Some(badge) = &row.customer {
            audience::write_customer_badge_link(&mut html, store_id, badge, currency);
        }
        html.push_str("</td></tr>");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::CustomerBadge;
    use crate::vocab::{Daw, EmailStatus};

    #[test]
    fn fan_rows_are_escaped_and_say_what_is_missing() {
        let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
        let row = |id: i64, name: &str| FanRow {
            id,
            email: format!("fan{id}@example.com"),
            name: name.to_owned(),
            score: 42,
            tags: vec!["trap".to_owned(), "<script>x</script>".to_owned()],
            daw: None,
            email_status: EmailStatus::Subscribed,
            last_open_at: None,
            last_activity_at: now,
            created_at: now,
            customer: None,
        };
        let mut named = row(7, r#"Ada "<b>""#);
        named.daw = Some(Daw::AbletonLive);
        named.last_open_at = Some("2026-11-23T12:00:00Z".parse().unwrap());
        named.customer = Some(CustomerBadge {
            customer_id: 3,
            total_spent_cents: crate::money::MinorUnits::new(9_900),
        });
        let usd = Currency::from_code("USD").unwrap();
        let html = fan_rows_html(5, usd, &[named, row(8, "")], now);

        assert_eq!(html.matches("<tr>").count(), 2, "{html}");
        assert!(html.contains(
            r#"<input type="checkbox" name="ids" value="7" aria-label="Select Ada &quot;&lt;b&gt;&quot;" class="row-check">"#
        ));
        assert!(html.contains(
            r#"<a href="/store/5/contacts/7" class="row-link">Ada "&lt;b&gt;"</a><div class="row-note">fan7@example.com</div>"#
        ));
        assert!(html.contains(r#"<span class="chip">&lt;script&gt;x&lt;/script&gt;</span>"#));
        assert!(!html.contains("<script>"), "tags are escaped: {html}");
        assert!(html.contains("Ableton Live") && html.contains("3 days ago"));
        assert!(html.contains(r#"href="/store/5/customers/3""#) && html.contains("$99.00"));
        // The second fan: no name, no DAW, never opened an email, not a customer.
        assert!(html.contains(
            r#"<a href="/store/5/contacts/8" class="row-link">fan8@example.com</a></td>"#
        ));
        assert!(html.ends_with(
            r#"<td class="whitespace-nowrap">—</td><td class="whitespace-nowrap"><span class="text-slate-500">Never</span></td><td class="whitespace-nowrap"></td></tr>"#
        ));
    }
}
