//! Components rendered to HTML with sample data, without a browser or a database.

use crate::fixtures::cents;
use chrono::{DateTime, NaiveDate, Utc};
use encore::components::audience::{self, CustomerBadgeLink};
use encore::components::revenue::{MetricCards, RevenueChart, TopProducts};
use encore::components::widgets::{self, Chip, RelativeTime, ScoreBar};
use encore::dto::{
    Bucket, CustomerBadge, CustomerRow, DateRange, FanLink, PeriodTotals, ProductSummary,
    RevenueSummary, SeriesPoint, TopProduct,
};
use encore::money::Currency;
use encore::pages::customers::CustomerTable;
use encore::params::CustomerListParams;
use encore::vocab::{ProductKind, SubscriptionStatus};
use leptos::prelude::*;

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn totals(net: i64, orders: i64) -> PeriodTotals {
    PeriodTotals {
        range: DateRange {
            start: day("2026-11-20"),
            end: day("2026-11-26"),
        },
        gross_cents: cents(net + 500),
        refunds_cents: cents(500),
        net_cents: cents(net),
        orders,
        average_order_cents: cents(if orders == 0 { 0 } else { (net + 500) / orders }),
        customers: orders,
        new_customers: 1,
        active_subscribers: 3,
    }
}

fn summary(net: i64, orders: i64) -> RevenueSummary {
    RevenueSummary {
        currency: usd(),
        totals: totals(net, orders),
        bucket: Bucket::Day,
        series: vec![
            SeriesPoint {
                start: day("2026-11-25"),
                gross_cents: cents(9900),
                refunds_cents: cents(0),
                net_cents: cents(9900),
                orders: 1,
            },
            SeriesPoint {
                start: day("2026-11-26"),
                gross_cents: cents(0),
                refunds_cents: cents(500),
                net_cents: cents(-500),
                orders: 0,
            },
        ],
        top_products: vec![TopProduct {
            product_id: 1,
            name: "Mixing Masterclass".into(),
            units: 1,
            net_cents: cents(9900),
        }],
    }
}

/// Renders inside a reactive owner with the server's shared context, as the server does
/// (an island writes its props and children through it).
fn render(view: impl FnOnce() -> AnyView) -> String {
    let context = std::sync::Arc::new(hydration_context::SsrSharedContext::new());
    Owner::new_root(Some(context)).with(|| view().to_html())
}

#[test]
fn the_cards_show_amounts_and_changes_against_the_previous_period() {
    let html = render(move || {
        view! { <MetricCards current=totals(9400, 2) previous=totals(4700, 1) currency=usd() /> }
            .into_any()
    });
    assert!(html.contains("Net revenue"));
    assert!(
        html.contains("$94.00"),
        "net revenue in the store's currency"
    );
    assert!(html.contains("+100%"), "change against the previous period");
    assert!(html.contains("Active subscribers"));
    assert!(
        html.contains("text-emerald-700"),
        "a rise in revenue is good news"
    );
}

#[test]
fn the_chart_is_readable_without_javascript() {
    let html = render(|| view! { <RevenueChart summary=summary(9400, 2) /> }.into_any());
    assert!(html.contains(r#"role="img""#));
    assert!(html.contains("Net revenue by day: $94.00 in total"));
    // The tooltip is the `<title>`'s text; Leptos may add a comment marker after it.
    assert!(
        html.contains("<title>25 Nov 2026: $99.00 net ($99.00 gross, $0.00 refunded), 1 order<")
    );
    assert!(
        html.contains("-$5.00 net"),
        "a day of refunds shows below the line"
    );
    // Each bar is focusable and carries its index, which the chart's one listener reads.
    assert_eq!(html.matches(r#"<g tabindex="0" data-bar="#).count(), 2);
    assert!(html.contains(r#"data-bar="1"><title>26 Nov 2026: -$5.00 net"#));
    let top = render(|| {
        view! { <TopProducts products=summary(0, 0).top_products currency=usd() /> }.into_any()
    });
    assert!(top.contains("Mixing Masterclass") && top.contains("$99.00"));
}

/// A view's HTML without Leptos's hydration markers (`<!>` and `<!--…-->`), which only the
/// browser's hydration reads.
fn without_markers(html: &str) -> String {
    let mut out = html.replace("<!>", "");
    while let Some(start) = out.find("<!--") {
        let end = out[start..]
            .find("-->")
            .map_or(out.len(), |end| start + end + 3);
        out.replace_range(start..end, "");
    }
    out
}

/// The widgets a row repeats have one markup each, their writer's: the list tables write it
/// into their rows, and the component of the same name shows exactly that. What comes from
/// data is escaped; a hostile name stays text.
#[test]
fn row_widgets_have_one_markup_and_escape_what_comes_from_data() {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let at: DateTime<Utc> = "2026-11-23T08:30:00Z".parse().unwrap();
    let written = |write: &dyn Fn(&mut String)| {
        let mut html = String::new();
        write(&mut html);
        html
    };
    let badge = CustomerBadge {
        customer_id: 12,
        total_spent_cents: cents(129_999),
    };
    let hostile = "Drums <script>alert(1)</script> & \"Bass\"";
    let cases: Vec<(String, String, &str)> = vec![
        (
            render(move || view! { <RelativeTime at now /> }.into_any()),
            written(&|html| widgets::write_relative_time(html, at, now)),
            r#"<time datetime="2026-11-23T08:30:00+00:00" title="23 Nov 2026, 08:30 UTC">3 days ago</time>"#,
        ),
        (
            render(move || view! { <Chip text=hostile /> }.into_any()),
            written(&|html| widgets::write_chip(html, hostile)),
            r#"<span class="chip">Drums &lt;script&gt;alert(1)&lt;/script&gt; &amp; "Bass"</span>"#,
        ),
        (
            render(|| view! { <ScoreBar score=37 scale=200 /> }.into_any()),
            written(&|html| widgets::write_score_bar(html, 37, 200)),
            r#"<span title="Engagement score 37" class="score"><span>37</span><svg viewBox="0 0 100 6" aria-hidden="true" preserveAspectRatio="none"><rect width="100" height="6" rx="3"></rect><rect width="18" height="6" rx="3"></rect></svg></span>"#,
        ),
        (
            render(|| view! { <ScoreBar score=-4 scale=200 /> }.into_any()),
            written(&|html| widgets::write_score_bar(html, -4, 200)),
            r#"<span title="Engagement score -4" class="score"><span>-4</span><svg viewBox="0 0 100 6" aria-hidden="true" preserveAspectRatio="none"><rect width="100" height="6" rx="3"></rect><rect width="0" height="6" rx="3"></rect></svg></span>"#,
        ),
        (
            render({
                let badge = badge.clone();
                move || view! { <CustomerBadgeLink store_id=3 badge currency=usd() /> }.into_any()
            }),
            written(&|html| audience::write_customer_badge_link(html, 3, &badge, usd())),
            r#"<a href="/store/3/customers/12" title="Total spent, net of refunds" class="chip chip-customer">Customer · $1,299.99</a>"#,
        ),
    ];
    for (component, string, expected) in cases {
        assert_eq!(string, expected);
        assert_eq!(without_markers(&component), expected);
    }
    // The row link: the name, with the email under it; the email alone without a name; a
    // link's address escaped as an attribute.
    let mut html = String::new();
    widgets::write_row_link(
        &mut html,
        "/store/3/contacts/9",
        "Ada <i>",
        "ada@example.com",
    );
    widgets::write_row_link(&mut html, "/store/3/contacts/10", "  ", "solo@example.com");
    widgets::write_row_link(&mut html, "/a?b=1&c=\"2\"", "", "x@example.com");
    assert_eq!(
        html,
        concat!(
            r#"<a href="/store/3/contacts/9" class="row-link">Ada &lt;i&gt;</a><div class="row-note">ada@example.com</div>"#,
            r#"<a href="/store/3/contacts/10" class="row-link">solo@example.com</a>"#,
            r#"<a href="/a?b=1&amp;c=&quot;2&quot;" class="row-link">x@example.com</a>"#,
        )
    );
}

#[test]
fn the_customer_table_links_sorts_and_shows_the_unified_view() {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let mut rows = vec![CustomerRow {
        id: 7,
        email: "ada@example.com".into(),
        name: "Ada <script>alert(1)</script>".into(),
        total_spent_cents: cents(9900),
        refunded_cents: cents(0),
        purchase_count: 1,
        first_purchase_at: Some(now),
        last_purchase_at: Some("2026-11-23T12:00:00Z".parse().unwrap()),
        products: vec![1, 2],
        subscription: Some(SubscriptionStatus::Active),
        fan: Some(FanLink {
            fan_id: 42,
            score: 9,
        }),
    }];
    // A buyer with no name, no purchase date, no subscription and an erased fan profile.
    rows.push(CustomerRow {
        id: 8,
        email: "o'brien+1@example.com".into(),
        name: String::new(),
        total_spent_cents: cents(0),
        refunded_cents: cents(500),
        purchase_count: 0,
        first_purchase_at: None,
        last_purchase_at: None,
        products: vec![],
        subscription: None,
        fan: None,
    });
    // The store's products by name, as list_products reads them; the row bought 1 and 2.
    let product = |id: i64, name: &str| ProductSummary {
        id,
        name: name.into(),
        kind: ProductKind::Course,
        price_cents: cents(9900),
        is_subscription: false,
        archived: false,
    };
    let products = vec![
        product(2, "Drums <b>& Bass</b>"),
        product(3, "Mastering"),
        product(1, "Mixing Masterclass"),
    ];
    let html = render(move || {
        view! {
            <CustomerTable rows products params=CustomerListParams::default() path="/store/3/customers".to_owned() currency=usd() now />
        }
        .into_any()
    });
    assert!(html.contains(r#"href="/store/3/customers/7""#));
    assert!(
        html.contains(r#"href="/store/3/contacts/42""#),
        "the fan score links to the fan"
    );
    assert!(html.contains("$99.00") && html.contains("3 days ago") && html.contains("Active"));
    assert!(
        html.contains(r#"aria-sort="descending""#),
        "sorted by total spent by default"
    );
    assert!(
        html.contains("sort=total_spent&amp;dir=asc"),
        "clicking the sorted column reverses it"
    );
    assert!(!html.contains("<script>alert(1)"), "names are escaped");
    assert!(
        html.contains(
            r#"<div class="chips"><span class="chip">Drums &lt;b&gt;&amp; Bass&lt;/b&gt;</span><span class="chip">Mixing Masterclass</span></div>"#
        ),
        "a chip per product bought, by name, names escaped: {html}"
    );
    assert!(html.contains("&lt;script&gt;"));
    assert!(
        html.contains(
            r#"<a href="/store/3/customers/7" class="row-link">Ada &lt;script&gt;alert(1)&lt;/script&gt;</a><div class="row-note">ada@example.com</div>"#
        ),
        "a named customer's link says the name, with the email under it"
    );
    assert!(
        html.contains(
            r#"<time datetime="2026-11-23T12:00:00+00:00" title="23 Nov 2026, 12:00 UTC">3 days ago</time>"#
        ),
        "the last purchase, relative, with the exact time on hover"
    );
    assert!(
        html.contains(
            r#"<tr><td><a href="/store/3/customers/8" class="row-link">o'brien+1@example.com</a></td><td class="text-right font-medium tabular-nums">$0.00</td><td class="text-right tabular-nums">0</td><td class="whitespace-nowrap text-slate-600"></td><td><div class="chips"></div></td><td class="text-slate-600"></td><td class="text-right tabular-nums"><span class="text-slate-500" title="No fan profile (erased)">—</span></td></tr>"#
        ),
        "a customer without a name, date, subscription or fan: {html}"
    );
    assert_eq!(
        html.matches("<tr>").count(),
        3,
        "the header row and two customers"
    );
}

/// On the server a Suspense boundary walks its content up to three times (to register the
/// resources it reads, to look for more once they load, and to render it). `async_view`
/// gives it content that keeps what it built, so a page's table is built once per request.
#[tokio::test]
async fn the_server_builds_the_content_of_a_transition_once() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use encore::components::async_view::async_view;
    use futures::StreamExt;

    // Ignored when another test of this binary set the executor up first.
    let _ = any_spawner::Executor::init_tokio();
    let builds = Arc::new(AtomicUsize::new(0));
    let owner = Owner::new_root(Some(Arc::new(hydration_context::SsrSharedContext::new())));
    let html = owner.with(|| {
        // Loads on another task, like a server function, so the first walk finds it pending.
        let rows = Resource::new(
            || (),
            |_| async {
                tokio::task::yield_now().await;
                vec![1, 2, 3]
            },
        );
        let counter = Arc::clone(&builds);
        view! {
            <Transition>
                {async_view(move || {
                    let counter = Arc::clone(&counter);
                    async move {
                        let rows = rows.await;
                        counter.fetch_add(1, Ordering::SeqCst);
                        rows.into_iter().map(|row| view! { <p>{row}</p> }).collect_view()
                    }
                })}
            </Transition>
        }
        .to_html_stream_in_order()
    });
    let html: String = html.collect::<Vec<_>>().await.concat();
    assert!(
        html.replace("<!>", "").contains("<p>1</p><p>2</p><p>3</p>"),
        "{html}"
    );
    assert_eq!(builds.load(Ordering::SeqCst), 1, "built more than once");
}
