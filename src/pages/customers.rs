//! `/store/{store_id}/customers`: the revenue dashboard a creator opens every morning, and
//! the customer list: sortable, searchable, filterable, keyset-paginated, exportable. All
//! of it lives in the URL.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query;

use crate::api::customers::{customer_list, revenue_dashboard};
use crate::components::async_view::async_view;
use crate::components::form::reported;
use crate::components::revenue::{MetricCards, RevenueChart, TopProducts};
use crate::components::widgets::{self, EmptyState, LoadError, PageHeader, Pager};
use crate::dto::{
    CustomerListView, CustomerRow, CustomerSort, Dashboard, ProductSummary, SortDirection,
};
use crate::error::AppError;
use crate::format;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};
use crate::params::{CustomerListParams, Period};

#[component]
pub fn CustomersPage() -> impl IntoView {
    let store_id = use_store_id();
    let query = use_query::<CustomerListParams>();
    let params = Memo::new(move |_| query.get().unwrap_or_default());

    let dashboard = page_resource(
        move || (store_id.get(), params.get()),
        |(store_id, params)| async move {
            match store_id {
                Some(store_id) => revenue_dashboard(store_id, params).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let list = page_resource(
        move || (store_id.get(), params.get()),
        |(store_id, params)| async move {
            match store_id {
                Some(store_id) => customer_list(store_id, params).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let base = move || format!("/store/{}", store_id.get().unwrap_or_default());

    view! {
        <RequireStore>
            <Title text="Customers" />
            <PageHeader title="Customers".to_owned() subtitle="Who bought what, and what it adds up to.">
                <a href=move || format!("{}/products", base()) class="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50">
                    "Products"
                </a>
                <a href=move || format!("{}/customers/new", base()) class="rounded-md bg-violet-700 px-3 py-2 text-sm font-semibold text-white hover:bg-violet-800">
                    "Record purchase"
                </a>
            </PageHeader>
            <RecordedNotice />
            <section aria-labelledby="dashboard-heading" class="mt-6">
                <div class="flex flex-wrap items-center justify-between gap-3">
                    <h2 id="dashboard-heading" class="text-lg font-semibold">"Revenue"</h2>
                    <PeriodPicker params store_id />
                </div>
                <Transition fallback=|| view! { <p class="mt-4 text-slate-500">"Loading revenue…"</p> }>
                    {async_view(move || async move {
                        match dashboard.await {
                            Ok(Dashboard { current, previous }) => {
                                let range = current.totals.range;
                                let currency = current.currency;
                                let totals = current.totals.clone();
                                let top_products = current.top_products.clone();
                                view! {
                                    <p class="mt-1 text-sm text-slate-500">
                                        {format!("{} – {}", format::date(range.start), format::date(range.end))}
                                    </p>
                                    <div class="mt-4">
                                        <MetricCards current=totals previous currency />
                                    </div>
                                    <div class="mt-4 grid gap-4 lg:grid-cols-[2fr_1fr]">
                                        <RevenueChart summary=current />
                                        <TopProducts products=top_products currency />
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(error) => view! { <div class="mt-4"><LoadError error /></div> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <section aria-labelledby="list-heading" class="mt-10">
                <h2 id="list-heading" class="text-lg font-semibold">"All customers"</h2>
                <Transition fallback=|| view! { <p class="mt-4 text-slate-500">"Loading customers…"</p> }>
                    {async_view(move || async move {
                        match list.await {
                            Ok(view) => view! { <CustomerList view params=params.get() /> }.into_any(),
                            Err(error) => view! { <div class="mt-4"><LoadError error /></div> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </RequireStore>
    }
}

/// "Purchase recorded." after the Record purchase form redirects here.
#[component]
fn RecordedNotice() -> impl IntoView {
    reported("recorded").map(|_| {
        view! {
            <p class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800" role="status">
                "Purchase recorded. The customer and their fan profile are up to date."
            </p>
        }
    })
}

/// The dashboard period: preset links, or a custom range (a GET form, so it is a link too).
#[component]
fn PeriodPicker(params: Memo<CustomerListParams>, store_id: Memo<Option<i64>>) -> impl IntoView {
    let path = move || format!("/store/{}/customers", store_id.get().unwrap_or_default());
    let selected = move || params.get().period();
    view! {
        <div class="flex flex-wrap items-center gap-2">
            <nav aria-label="Period" class="flex flex-wrap gap-1">
                {Period::PRESETS
                    .iter()
                    .map(|&period| {
                        view! {
                            <a
                                href=move || params.get().period_link(&path(), period)
                                aria-current=move || (selected() == Some(period)).then_some("true")
                                class="rounded-md px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-100 aria-[current=true]:bg-violet-100 aria-[current=true]:font-medium aria-[current=true]:text-violet-800"
                            >
                                {period.label()}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
            <form method="GET" class="flex items-end gap-1" aria-label="Custom period">
                <input type="hidden" name="period" value=Period::Custom.as_str() />
                <label class="text-xs text-slate-600">
                    "From"
                    <input type="date" name="from" value=move || params.get().from.unwrap_or_default() class="ml-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
                </label>
                <label class="text-xs text-slate-600">
                    "To"
                    <input type="date" name="to" value=move || params.get().to.unwrap_or_default() class="ml-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
                </label>
                <HiddenListState params />
                <button type="submit" class="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium hover:bg-slate-50">
                    "Show"
                </button>
            </form>
        </div>
    }
}

/// Keeps the list's filters and sort when the period form is submitted.
#[component]
fn HiddenListState(params: Memo<CustomerListParams>) -> impl IntoView {
    move || {
        let params = params.get();
        [
            ("q", params.q),
            ("product", params.product),
            ("subscribed", params.subscribed),
            ("refunded", params.refunded),
            ("sort", params.sort),
            ("dir", params.dir),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            value.map(|value| view! { <input type="hidden" name=name value=value /> })
        })
        .collect_view()
    }
}

#[component]
fn CustomerList(view: CustomerListView, params: CustomerListParams) -> impl IntoView {
    let path = format!("/store/{}/customers", view.store.id);
    let query = params.to_query().unwrap_or_default();
    let filtered = query.filter != Default::default();
    let csv = params.list_link(&format!("/store/{}/customers.csv", view.store.id));
    let currency = view.store.currency;
    let now = view.now;
    let page = view.page;
    let previous = page
        .previous
        .as_ref()
        .map(|cursor| params.page_link(&path, "before", cursor));
    let next = page
        .next
        .as_ref()
        .map(|cursor| params.page_link(&path, "after", cursor));
    // The filter form owns a copy: its children are built later than this function's body.
    let form = params.clone();
    // The table names its rows' products; the filter form (built later, like `form`) offers
    // them, so it gets a copy.
    let products = view.products;
    let product_options = products.clone();

    view! {
        <form method="GET" class="mt-3 flex flex-wrap items-end gap-3" aria-label="Filter customers">
            <input type="hidden" name="period" value=form.period.clone().unwrap_or_default() />
            <input type="hidden" name="from" value=form.from.clone().unwrap_or_default() />
            <input type="hidden" name="to" value=form.to.clone().unwrap_or_default() />
            <input type="hidden" name="sort" value=form.sort.clone().unwrap_or_default() />
            <input type="hidden" name="dir" value=form.dir.clone().unwrap_or_default() />
            <label class="text-sm">
                <span class="block text-slate-600">"Search"</span>
                <input type="search" name="q" value=form.q.clone().unwrap_or_default() placeholder="Email or name" class="mt-1 w-56 rounded-md border border-slate-300 px-3 py-1.5" />
            </label>
            <label class="text-sm">
                <span class="block text-slate-600">"Bought"</span>
                <select name="product" class="mt-1 rounded-md border border-slate-300 bg-white px-3 py-1.5">
                    <option value="">"Any product"</option>
                    {product_options
                        .iter()
                        .map(|product| {
                            let selected = form.product.as_deref() == Some(product.id.to_string().as_str());
                            view! { <option value=product.id.to_string() selected=selected>{product.name.clone()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="subscribed" value="1" checked=form.subscribed.is_some() />
                "Subscribed now"
            </label>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="refunded" value="1" checked=form.refunded.is_some() />
                "Has refunds"
            </label>
            <button type="submit" class="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium hover:bg-slate-50">
                "Apply"
            </button>
            <a href=csv class="ml-auto text-sm text-link" download="customers.csv">
                "Export CSV"
            </a>
        </form>
        <p class="mt-3 text-sm text-slate-600" aria-live="polite">
            {format::plural(page.total, "customer", "customers")}
        </p>
        {if page.rows.is_empty() {
            if filtered {
                view! {
                    <EmptyState title="No customers match these filters">
                        <a href=path.clone() class="text-link">"Clear the filters"</a>
                    </EmptyState>
                }
                    .into_any()
            } else {
                view! {
                    <EmptyState title="No customers yet">
                        "Record your first sale and the buyer shows up here, with their fan profile. "
                        <a href=format!("{path}/new") class="text-link">"Record a purchase"</a>
                    </EmptyState>
                }
                    .into_any()
            }
        } else {
            view! {
                <CustomerTable rows=page.rows products params path=path.clone() currency now />
                <Pager previous next />
            }
                .into_any()
        }}
    }
}

/// The customer table; column headers sort the list.
#[component]
pub fn CustomerTable(
    rows: Vec<CustomerRow>,
    /// The store's products, which name the rows' product chips.
    products: Vec<ProductSummary>,
    params: CustomerListParams,
    path: String,
    currency: crate::money::Currency,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
    let query = params.to_query().unwrap_or_default();
    let store_path = path.trim_end_matches("/customers").to_owned();
    let header = |label: &'static str, sort: CustomerSort, numeric: bool| {
        let active = query.sort == sort;
        let direction = if active {
            query.direction.reversed()
        } else {
            sort.default_direction()
        };
        let aria = active.then_some(match query.direction {
            SortDirection::Asc => "ascending",
            SortDirection::Desc => "descending",
        });
        let arrow = match (active, query.direction) {
            (false, _) => "",
            (true, SortDirection::Asc) => " ↑",
            (true, SortDirection::Desc) => " ↓",
        };
        let class = numeric.then_some("text-right");
        view! {
            <th scope="col" class=class aria-sort=aria>
                <a href=params.sort_link(&path, sort, direction) class="hover:text-slate-900">
                    {label}
                    {arrow}
                </a>
            </th>
        }
    };
    view! {
        <div class="table-frame mt-2">
            <table class="list-table">
                <caption class="sr-only">"Customers"</caption>
                <thead>
                    <tr>
                        {header("Customer", CustomerSort::Name, false)}
                        {header("Total spent", CustomerSort::TotalSpent, true)}
                        {header("Purchases", CustomerSort::Purchases, true)}
                        {header("Last purchase", CustomerSort::LastPurchase, false)}
                        <th scope="col">"Products"</th>
                        <th scope="col">"Subscription"</th>
                        <th scope="col" class="text-right">"Fan score"</th>
                    </tr>
                </thead>
                <tbody inner_html=customer_rows_html(&rows, &products, &path, &store_path, currency, now) />
            </table>
        </div>
    }
}

/// The table's rows, as one string of HTML (see [`widgets`](crate::components::widgets) for why).
fn customer_rows_html(
    rows: &[CustomerRow],
    products: &[ProductSummary],
    path: &str,
    store_path: &str,
    currency: crate::money::Currency,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
    use std::fmt::Write;

    let store_path = attribute(store_path);
    // `write!` into a String cannot fail.
    let mut html = String::with_capacity(1_000 * rows.len());
    for row in rows {
        html.push_str("<tr><td>");
        widgets::write_row_link(
            &mut html,
            &format!("{path}/{}", row.id),
            &row.name,
            &row.email,
        );
        let _ = write!(
            html,
            r#"</td><td class="text-right font-medium tabular-nums">{total}</td><td class="text-right tabular-nums">{purchases}</td><td class="whitespace-nowrap text-slate-600">"#,
            total = text(&currency.format(row.total_spent_cents)),
            purchases = row.purchase_count,
        );
        if let Some(at) = row.last_purchase_at {
            widgets::write_relative_time(&mut html, at, now);
        }
        html.push_str(r#"</td><td><div class="chips">"#);
        for name in row.product_names(products) {
            widgets::write_chip(&mut html, name);
        }
        let _ = write!(
            html,
            r#"</div></td><td class="text-slate-600">{subscription}</td><td class="text-right tabular-nums">"#,
            subscription = row.subscription.map_or("", |status| status.label()),
        );
        match &row.fan {
            Some(fan) => {
                let _ = write!(
                    html,
                    r#"<a href="{store_path}/contacts/{id}" class="text-link" title="Open the fan profile">{score}</a>"#,
                    id = fan.fan_id,
                    score = fan.score,
                );
            }
            None => html.push_str(
                r#"<span class="text-slate-500" title="No fan profile (erased)">—</span>"#,
            ),
        }
        html.push_str("</td></tr>");
    }
    html
}
