//! The pieces the Fans pages share: how a fan, their tags, their status, their timeline and
//! their purchases read. Props in, view out, no server calls, so each can be tested with
//! `view! {..}.to_html()`.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::components::widgets::{RelativeTime, markup};
use crate::dto::{ActivityRow, CustomerBadge, PurchaseRow, TagCount};
use crate::format;
use crate::money::{Currency, MinorUnits};
use crate::vocab::{ActivityKind, EmailStatus};

/// The scores at which the score bar is full: a handful of purchases and some engagement.
pub const SCORE_SCALE: i64 = 50;

/// The tag Encore manages itself (it follows purchases and refunds); creators filter by it
/// but never add, remove, rename or delete it. Mirrors `domain::audience::tags::CUSTOMER_TAG`, which
/// the browser build cannot see.
pub const CUSTOMER_TAG: &str = "customer";

/// Whether `name` is the managed customer tag, in any case.
pub fn is_customer_tag(name: &str) -> bool {
    name.trim().eq_ignore_ascii_case(CUSTOMER_TAG)
}

/// What a fan is called on screen: their name, or their email when they gave none.
pub fn display_name<'a>(name: &'a str, email: &'a str) -> &'a str {
    if has_name(name) { name } else { email }
}

/// Whether a fan or customer gave a name (not just spaces).
pub fn has_name(name: &str) -> bool {
    !name.trim().is_empty()
}

/// The store's tags as type-ahead suggestions for any input with `list=id`.
#[component]
pub fn TagSuggestions(id: &'static str, tags: Vec<TagCount>) -> impl IntoView {
    view! {
        <datalist id=id>
            {tags
                .into_iter()
                .map(|tag| {
                    let label = format::plural(tag.fans, "fan", "fans");
                    view! { <option value=tag.name label=label></option> }
                })
                .collect_view()}
        </datalist>
    }
}

/// Whether Encore may email the fan; anything but "subscribed" stands out.
#[component]
pub fn EmailStatusBadge(status: EmailStatus) -> impl IntoView {
    let class = match status {
        EmailStatus::Subscribed => {
            "inline-flex items-center rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800"
        }
        EmailStatus::Unsubscribed => {
            "inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700"
        }
        EmailStatus::Bounced | EmailStatus::Complained => {
            "inline-flex items-center rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800"
        }
    };
    view! { <span class=class>{status.label()}</span> }
}

/// "Customer · $99.00", linking to the customer's page: the unified view of a fan who paid.
#[component]
pub fn CustomerBadgeLink(store_id: i64, badge: CustomerBadge, currency: Currency) -> impl IntoView {
    markup(|html| write_customer_badge_link(html, store_id, &badge, currency))
}

/// [`CustomerBadgeLink`]'s markup (see [`super::widgets`] for why a string).
pub fn write_customer_badge_link(
    html: &mut String,
    store_id: i64,
    badge: &CustomerBadge,
    currency: Currency,
) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = write!(
        html,
        r#"<a href="/store/{store_id}/customers/{id}" title="Total spent, net of refunds" class="chip chip-customer">Customer · {total}</a>"#,
        id = badge.customer_id,
        total = html_escape::encode_text(&currency.format(badge.total_spent_cents)),
    );
}

/// `+9 points`, `-9 points`, or nothing for activity that scores nothing.
pub fn points_label(points: i64) -> Option<String> {
    match points {
        0 => None,
        1 => Some("+1 point".to_owned()),
        -1 => Some("-1 point".to_owned()),
        p if p > 0 => Some(format!("+{p} points")),
        p => Some(format!("{p} points")),
    }
}

/// The fan's activity, newest first: purchases with their points, opens, clicks, replies,
/// tag changes and profile edits.
#[component]
pub fn ActivityTimeline(activities: Vec<ActivityRow>, now: DateTime<Utc>) -> impl IntoView {
    if activities.is_empty() {
        return view! { <p class="text-sm text-slate-600">"Nothing has happened yet."</p> }
            .into_any();
    }
    view! {
        <ol class="space-y-3" aria-label="Activity">
            {activities
                .into_iter()
                .map(|activity| view! { <ActivityItem activity now /> })
                .collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn ActivityItem(activity: ActivityRow, now: DateTime<Utc>) -> impl IntoView {
    let dot = match activity.kind {
        ActivityKind::Purchase => "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-violet-600",
        ActivityKind::Refund => "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-amber-500",
        ActivityKind::Open | ActivityKind::Click | ActivityKind::Reply => {
            "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-emerald-500"
        }
        _ => "mt-1.5 h-2 w-2 shrink-0 rounded-full bg-slate-400",
    };
    let points_class = if activity.points < 0 {
        "text-xs font-semibold text-amber-700"
    } else {
        "text-xs font-semibold text-violet-700"
    };
    view! {
        <li class="flex gap-3" data-kind=activity.kind.as_str()>
            <span class=dot aria-hidden="true"></span>
            <div class="min-w-0 flex-1">
                <p class="text-sm">
                    <span class="font-medium">{activity.detail}</span>
                    " "
                    {points_label(activity.points)
                        .map(|points| view! { <span class=points_class>{points}</span> })}
                </p>
                <p class="text-xs text-slate-500">
                    {activity.kind.label()}
                    " · "
                    <RelativeTime at=activity.occurred_at now />
                </p>
            </div>
        </li>
    }
}

/// The fan's purchases with the customer's net total: the unified view of what they bought.
#[component]
pub fn PurchaseHistory(
    store_id: i64,
    purchases: Vec<PurchaseRow>,
    customer: Option<CustomerBadge>,
    currency: Currency,
    now: DateTime<Utc>,
) -> impl IntoView {
    let Some(customer) = customer.filter(|_| !purchases.is_empty()) else {
        return view! {
            <p class="text-sm text-slate-600">
                "No purchases yet. When this fan buys something, it shows here with its points."
            </p>
        }
        .into_any();
    };
    let gross: MinorUnits = purchases.iter().map(|purchase| purchase.amount_cents).sum();
    let refunded: MinorUnits = purchases
        .iter()
        .map(|purchase| purchase.refunded_cents)
        .sum();
    let count = u64::try_from(purchases.len()).unwrap_or(u64::MAX);
    view! {
        <table class="w-full text-left text-sm">
            <caption class="sr-only">"Purchases"</caption>
            <thead class="text-xs uppercase tracking-wide text-slate-500">
                <tr>
                    <th scope="col" class="py-2 font-medium">"Product"</th>
                    <th scope="col" class="py-2 text-right font-medium">"Amount"</th>
                    <th scope="col" class="py-2 text-right font-medium">"When"</th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-100">
                {purchases
                    .into_iter()
                    .map(|purchase| {
                        view! {
                            <tr>
                                <td class="py-2">
                                    {purchase.product_name}
                                    {purchase.refunded_cents.is_positive()
                                        .then(|| {
                                            view! {
                                                <span class="ml-2 text-xs text-amber-700">
                                                    {format!(
                                                        "{} refunded",
                                                        purchase.currency.format(purchase.refunded_cents),
                                                    )}
                                                </span>
                                            }
                                        })}
                                </td>
                                <td class="py-2 text-right tabular-nums">
                                    {purchase.currency.format(purchase.amount_cents)}
                                </td>
                                <td class="py-2 text-right text-slate-600">
                                    <RelativeTime at=purchase.purchased_at now />
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
            <tfoot class="border-t border-slate-200">
                // Paid and refunded are only worth a line each when something was refunded.
                {refunded.is_positive()
                    .then(|| {
                        view! {
                            <tr class="text-slate-600">
                                <th scope="row" class="py-1 text-left font-normal">"Paid"</th>
                                <td class="py-1 text-right tabular-nums">{currency.format(gross)}</td>
                                <td></td>
                            </tr>
                            <tr class="text-amber-700">
                                <th scope="row" class="py-1 text-left font-normal">"Refunded"</th>
                                <td class="py-1 text-right tabular-nums">
                                    {currency.format(-refunded)}
                                </td>
                                <td></td>
                            </tr>
                        }
                    })}
                <tr class="font-medium">
                    <th scope="row" class="py-2 text-left">
                        "Total spent · "
                        {format::plural(count, "purchase", "purchases")}
                    </th>
                    <td class="py-2 text-right tabular-nums" data-testid="total-spent">
                        {currency.format(customer.total_spent_cents)}
                    </td>
                    <td></td>
                </tr>
            </tfoot>
        </table>
        <p class="mt-2 text-right">
            <a
                href=format!("/store/{store_id}/customers/{}", customer.customer_id)
                class="text-sm text-link"
            >
                "Open the customer page →"
            </a>
        </p>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_read_with_their_sign() {
        assert_eq!(points_label(0), None);
        assert_eq!(points_label(1).as_deref(), Some("+1 point"));
        assert_eq!(points_label(9).as_deref(), Some("+9 points"));
        assert_eq!(points_label(-9).as_deref(), Some("-9 points"));
    }

    #[test]
    fn a_fan_without_a_name_goes_by_their_email() {
        assert_eq!(display_name("  ", "mo@example.com"), "mo@example.com");
        assert_eq!(display_name("Mo", "mo@example.com"), "Mo");
    }

    #[test]
    fn the_customer_tag_is_recognised_in_any_case() {
        assert!(is_customer_tag(" Customer"));
        assert!(!is_customer_tag("customers"));
    }
}
