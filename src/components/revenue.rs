//! The revenue dashboard: metric cards with their change against the previous period, a
//! server-rendered SVG chart (readable without JavaScript; hover and focus show a tooltip
//! once hydrated), and the best sellers.

use leptos::prelude::*;

use crate::dto::{Bucket, PeriodTotals, RevenueSummary, SeriesPoint, TopProduct};
use crate::format::{self, Pattern};
use crate::money::{Currency, MinorUnits};

/// One number on the dashboard.
#[component]
pub fn MetricCard(
    label: &'static str,
    value: String,
    /// The change against the previous period, e.g. "+12%".
    change: String,
    /// Whether a rise is good news (false for refunds), for the colour of the change.
    rise_is_good: bool,
) -> impl IntoView {
    let rising = change.starts_with('+') || change == "new";
    let falling = change.starts_with('-');
    let tone = match (rising, falling, rise_is_good) {
        (true, _, true) | (_, true, false) => "mt-1 text-xs text-emerald-700",
        (true, _, false) | (_, true, true) => "mt-1 text-xs text-red-700",
        _ => "mt-1 text-xs text-slate-500",
    };
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <dt class="text-sm text-slate-600">{label}</dt>
            <dd class="mt-1 text-2xl font-semibold tabular-nums">{value}</dd>
            <dd class=tone>
                {change}
                <span class="text-slate-500">" vs previous period"</span>
            </dd>
        </div>
    }
}

/// The eight cards of the dashboard: the period's totals, each with its change against the
/// period before.
#[component]
pub fn MetricCards(
    current: PeriodTotals,
    previous: PeriodTotals,
    currency: Currency,
) -> impl IntoView {
    let card = |label, value: String, now: i64, before: i64, rise_is_good| {
        view! { <MetricCard label value change=format::change(now, before) rise_is_good /> }
    };
    view! {
        <dl class="grid grid-cols-2 gap-4 lg:grid-cols-4">
            {card("Net revenue", currency.format(current.net_cents), current.net_cents.get(), previous.net_cents.get(), true)}
            {card("Gross revenue", currency.format(current.gross_cents), current.gross_cents.get(), previous.gross_cents.get(), true)}
            {card("Refunds", currency.format(current.refunds_cents), current.refunds_cents.get(), previous.refunds_cents.get(), false)}
            {card("Orders", format::count(current.orders.unsigned_abs()), current.orders, previous.orders, true)}
            {card("Average order", currency.format(current.average_order_cents), current.average_order_cents.get(), previous.average_order_cents.get(), true)}
            {card("Customers", format::count(current.customers.unsigned_abs()), current.customers, previous.customers, true)}
            {card("New customers", format::count(current.new_customers.unsigned_abs()), current.new_customers, previous.new_customers, true)}
            {card("Active subscribers", format::count(current.active_subscribers.unsigned_abs()), current.active_subscribers, previous.active_subscribers, true)}
        </dl>
    }
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 72.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// Net revenue per bucket as bars, with a labelled axis. Every bar has a `<title>` (a native
/// tooltip without JavaScript), and in the browser hovering or focusing it shows the same
/// figures below the chart ([`BarReadout`]).
///
/// The gridlines and bars are static SVG, written as one string ([`chart_drawing`]) rather
/// than as a Leptos view per bar: a 30-day chart is some 150 elements, which the server
/// would otherwise build, render and drop one by one on every Customers page (measured in
/// docs/benchmarks-history.md, item 43).
#[component]
pub fn RevenueChart(summary: RevenueSummary) -> impl IntoView {
    let currency = summary.currency;
    let bucket = summary.bucket;
    let caption = format!(
        "Net revenue by {}: {} in total",
        match bucket {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        },
        currency.format(summary.totals.net_cents)
    );
    let drawing = chart_drawing(&summary.series, bucket, currency);

    view! {
        <BarReadout caption=caption.clone()>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                class="mt-2 h-auto w-full"
                role="img"
                aria-label=caption
                inner_html=drawing
            />
        </BarReadout>
    }
}

/// The chart's figure, an island: the server renders the chart (its children), and in the
/// browser the figure's listeners show the figures of the bar under the pointer or focus
/// (the text of its `<title>`) in a live region, for pointer and keyboard users alike. The
/// caption is the island's own: a `<figcaption>` must be the figure's child, and the
/// children come wrapped in Leptos's `<leptos-children>`.
#[island]
fn BarReadout(caption: String, children: Children) -> impl IntoView {
    let readout = RwSignal::new(None::<String>);
    view! {
        <figure
            class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
            on:mouseover=move |event| readout.set(bar_title(&event))
            on:focusin=move |event| readout.set(bar_title(&event))
            on:mouseleave=move |_| readout.set(None)
            on:focusout=move |_| readout.set(None)
        >
            <figcaption class="text-sm font-medium text-slate-700">{caption}</figcaption>
            {children()}
            <p class="mt-2 min-h-5 text-sm text-slate-700" aria-live="polite">
                {move || readout.get()}
            </p>
        </figure>
    }
}

/// The `<title>` text of the bar an event happened in (its `<g data-bar>`), if any.
fn bar_title(event: &leptos::ev::Event) -> Option<String> {
    use leptos::wasm_bindgen::JsCast;
    let target = event
        .target()?
        .dyn_into::<leptos::web_sys::Element>()
        .ok()?;
    let bar = target.closest("[data-bar]").ok()??;
    bar.query_selector("title").ok()??.text_content()
}

/// The chart's gridlines with their labels, and one focusable `<g data-bar="i">` per point:
/// its `<title>`, a transparent full-height rect (so the whole column answers the pointer),
/// the bar, and every few bars a date label. Text is HTML-escaped.
fn chart_drawing(points: &[SeriesPoint], bucket: Bucket, currency: Currency) -> String {
    use std::fmt::Write;

    let highest = points
        .iter()
        .map(|p| p.net_cents.get())
        .max()
        .unwrap_or(0)
        .max(0);
    let lowest = points
        .iter()
        .map(|p| p.net_cents.get())
        .min()
        .unwrap_or(0)
        .min(0);
    let ticks = axis_ticks(lowest, highest, currency);
    let (min, max) = (ticks[0], ticks[ticks.len() - 1]);
    let plot_height = HEIGHT - BOTTOM - TOP;
    let y = |cents: i64| TOP + (max - cents) as f64 / (max - min) as f64 * plot_height;
    let slot = (WIDTH - LEFT) / points.len().max(1) as f64;
    let bar_width = (slot * 0.7).max(1.0);
    let label_every = (points.len() / 6).max(1);

    // `write!` into a String cannot fail.
    let mut svg = String::with_capacity(500 * points.len() + 200 * ticks.len());
    for tick in &ticks {
        let _ = write!(
            svg,
            r#"<g><line x1="{left}" x2="{width}" y1="{y1}" y2="{y1}" class="stroke-slate-200"></line><text x="{x}" y="{y2}" text-anchor="end" class="fill-slate-500 text-[10px]">{label}</text></g>"#,
            left = Coordinate(LEFT),
            width = Coordinate(WIDTH),
            y1 = Coordinate(y(*tick)),
            x = Coordinate(LEFT - 8.0),
            y2 = Coordinate(y(*tick) + 4.0),
            label = html_escape::encode_text(&axis_money(currency, *tick)),
        );
    }
    for (i, point) in points.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar_width) / 2.0;
        let net = point.net_cents.get();
        let top = y(net.max(0));
        let height = (y(net.min(0)) - top).max(if net == 0 { 0.0 } else { 1.0 });
        let _ = write!(
            svg,
            r#"<g tabindex="0" data-bar="{i}"><title>{title}</title><rect x="{x}" y="{top_edge}" width="{bar_width}" height="{plot_height}" class="fill-transparent"></rect><rect x="{x}" y="{top}" width="{bar_width}" height="{height}" rx="1.5" class="fill-violet-500"></rect>"#,
            title = html_escape::encode_text(&point_summary(point, bucket, currency)),
            x = Coordinate(x),
            top_edge = Coordinate(TOP),
            bar_width = Coordinate(bar_width),
            plot_height = Coordinate(plot_height),
            top = Coordinate(top),
            height = Coordinate(height),
        );
        if i % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{label_x}" y="{label_y}" text-anchor="middle" class="fill-slate-500 text-[10px]">{date}</text>"#,
                label_x = Coordinate(x + bar_width / 2.0),
                label_y = Coordinate(HEIGHT - 8.0),
                date = html_escape::encode_text(&short_date(point, bucket)),
            );
        }
        svg.push_str("</g>");
    }
    svg
}

/// A chart coordinate, written to a tenth of a unit: a fraction of a pixel at any size the
/// chart is shown. `f64`'s own `Display` writes the shortest form that reads back exactly, up
/// to 17 digits, at about 650 instructions each, and a chart writes some 300 (callgrind).
struct Coordinate(f64);

impl std::fmt::Display for Coordinate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;

        // Chart coordinates are a few hundred units: far inside i64.
        let tenths = (self.0 * 10.0).round() as i64;
        if tenths < 0 {
            f.write_char('-')?;
        }
        let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
        f.write_str(itoa::Buffer::new().format(whole))?;
        if tenth != 0 {
            f.write_char('.')?;
            // Below 10, so the cast cannot truncate.
            f.write_char(char::from(b'0' + tenth as u8))?;
        }
        Ok(())
    }
}

static MONTH_YEAR: Pattern = Pattern::new("%B %Y");
static DAY_MONTH: Pattern = Pattern::new("%-d %b");
static SHORT_MONTH_YEAR: Pattern = Pattern::new("%b %Y");

fn point_summary(point: &SeriesPoint, bucket: Bucket, currency: Currency) -> String {
    let when = match bucket {
        Bucket::Day => format::date(point.start),
        Bucket::Week => format!("Week of {}", format::date(point.start)),
        Bucket::Month => point
            .start
            .format_with_items(MONTH_YEAR.items())
            .to_string(),
    };
    format!(
        "{when}: {} net ({} gross, {} refunded), {}",
        currency.format(point.net_cents),
        currency.format(point.gross_cents),
        currency.format(point.refunds_cents),
        format::plural(point.orders.unsigned_abs(), "order", "orders")
    )
}

fn short_date(point: &SeriesPoint, bucket: Bucket) -> String {
    match bucket {
        Bucket::Day | Bucket::Week => point.start.format_with_items(DAY_MONTH.items()).to_string(),
        Bucket::Month => point
            .start
            .format_with_items(SHORT_MONTH_YEAR.items())
            .to_string(),
    }
}

/// Round gridline values (steps of 1, 2 or 5 × 10ⁿ whole units) covering `lowest..=highest`,
/// always including zero.
fn axis_ticks(lowest: i64, highest: i64, currency: Currency) -> Vec<i64> {
    let unit = 10i64.pow(u32::from(currency.minor_units()));
    let span = (highest - lowest).max(unit);
    let rough = span / 4;
    let magnitude = 10i64.pow(rough.max(1).ilog10());
    let step = [1, 2, 5, 10]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10 * magnitude)
        .max(unit);
    let first = lowest.div_euclid(step) * step;
    let last = -((-highest).div_euclid(step)) * step;
    let last = if last == first { first + step } else { last };
    (0..)
        .map(|i| first + i * step)
        .take_while(|tick| *tick <= last)
        .collect()
}

/// Axis labels in whole units ("$1,200").
fn axis_money(currency: Currency, cents: i64) -> String {
    let scale = 10i64.pow(u32::from(currency.minor_units()));
    currency
        .format(MinorUnits::new(cents / scale * scale))
        .trim_end_matches(".00")
        .to_owned()
}

/// Best sellers of the period.
#[component]
pub fn TopProducts(products: Vec<TopProduct>, currency: Currency) -> impl IntoView {
    view! {
        <section aria-labelledby="top-products" class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <h3 id="top-products" class="text-sm font-medium text-slate-700">"Top products"</h3>
            {if products.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-500">"No sales in this period."</p> }.into_any()
            } else {
                view! {
                    <table class="mt-2 w-full text-sm">
                        <thead>
                            <tr class="text-left text-slate-500">
                                <th scope="col" class="py-1 font-medium">"Product"</th>
                                <th scope="col" class="py-1 pl-3 text-right font-medium">"Units"</th>
                                <th scope="col" class="py-1 pl-3 text-right font-medium">"Revenue"</th>
                            </tr>
                        </thead>
                        <tbody class="divide-y divide-slate-100">
                            {products
                                .into_iter()
                                .map(|product| {
                                    view! {
                                        <tr>
                                            <td class="py-1.5">{product.name}</td>
                                            <td class="py-1.5 pl-3 text-right tabular-nums">{format::count(product.units.unsigned_abs())}</td>
                                            <td class="py-1.5 pl-3 text-right tabular-nums">{currency.format(product.net_cents)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_written_to_a_tenth() {
        let written = |value: f64| Coordinate(value).to_string();
        assert_eq!(written(720.0), "720");
        assert_eq!(written(123.456_789), "123.5");
        assert_eq!(written(199.96), "200");
        assert_eq!(written(0.04), "0");
        assert_eq!(written(-0.04), "0");
        assert_eq!(written(-1.25), "-1.3");
    }

    #[test]
    fn gridlines_are_round_and_cover_the_data() {
        let usd = Currency::from_code("USD").unwrap();
        assert_eq!(
            axis_ticks(0, 32_700, usd),
            vec![0, 10_000, 20_000, 30_000, 40_000]
        );
        assert_eq!(
            axis_ticks(-17_200, 32_700, usd),
            vec![-20_000, 0, 20_000, 40_000]
        );
        assert_eq!(axis_ticks(0, 0, usd), vec![0, 100]);
        let ticks = axis_ticks(0, 123_456_789, usd);
        assert!(
            ticks.len() <= 6 && *ticks.last().unwrap() >= 123_456_789,
            "{ticks:?}"
        );
    }
}
