//! Components rendered to HTML with sample data, without a browser or a database.

use chrono::{DateTime, NaiveDate, Utc};
use encore::components::revenue::{MetricCards, RevenueChart, TopProducts};
use encore::dto::{
    Bucket, CustomerRow, Dashboard, DateRange, FanLink, ProductChip, RevenueSummary, SeriesPoint,
    TopProduct,
};
use encore::money::Currency;
use encore::pages::customers::CustomerTable;
use encore::params::CustomerListParams;
use encore::vocab::SubscriptionStatus;
use leptos::prelude::*;

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn summary(net: i64, orders: i64) -> RevenueSummary {
    RevenueSummary {
        range: DateRange {
            start: day("2026-11-20"),
            end: day("2026-11-26"),
        },
        currency: usd(),
        gross_cents: net + 500,
        refunds_cents: 500,
        net_cents: net,
        orders,
        average_order_cents: if orders == 0 { 0 } else { (net + 500) / orders },
        customers: orders,
        new_customers: 1,
        active_subscribers: 3,
        bucket: Bucket::Day,
        series: vec![
            SeriesPoint {
                start: day("2026-11-25"),
                gross_cents: 9900,
                refunds_cents: 0,
                net_cents: 9900,
                orders: 1,
            },
            SeriesPoint {
                start: day("2026-11-26"),
                gross_cents: 0,
                refunds_cents: 500,
                net_cents: -500,
                orders: 0,
            },
        ],
        top_products: vec![TopProduct {
            product_id: 1,
            name: "Mixing Masterclass".into(),
            units: 1,
            net_cents: 9900,
        }],
    }
}

/// Renders inside a reactive owner, as the server does.
fn render(view: impl FnOnce() -> AnyView) -> String {
    Owner::new().with(|| view().to_html())
}

#[test]
fn the_cards_show_amounts_and_changes_against_the_previous_period() {
    let dashboard = Dashboard {
        current: summary(9400, 2),
        previous: summary(4700, 1),
    };
    let html = render(move || view! { <MetricCards dashboard /> }.into_any());
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
    let top = render(|| {
        view! { <TopProducts products=summary(0, 0).top_products currency=usd() /> }.into_any()
    });
    assert!(top.contains("Mixing Masterclass") && top.contains("$99.00"));
}

#[test]
fn the_customer_table_links_sorts_and_shows_the_unified_view() {
    let now: DateTime<Utc> = "2026-11-26T12:00:00Z".parse().unwrap();
    let rows = vec![CustomerRow {
        id: 7,
        email: "ada@example.com".into(),
        name: "Ada <script>alert(1)</script>".into(),
        total_spent_cents: 9900,
        refunded_cents: 0,
        purchase_count: 1,
        first_purchase_at: Some(now),
        last_purchase_at: Some("2026-11-23T12:00:00Z".parse().unwrap()),
        products: vec![ProductChip {
            id: 1,
            name: "Mixing Masterclass".into(),
        }],
        subscription: Some(SubscriptionStatus::Active),
        fan: Some(FanLink {
            fan_id: 42,
            score: 9,
        }),
    }];
    let html = render(move || {
        view! {
            <CustomerTable rows params=CustomerListParams::default() path="/store/3/customers".to_owned() currency=usd() now />
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
    assert!(html.contains("&lt;script&gt;"));
}
