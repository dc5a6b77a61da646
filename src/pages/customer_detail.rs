//! `/store/{store_id}/customers/{customer_id}`: one customer's whole history (purchases,
//! enrollments, subscriptions, refunds, lifetime value) beside their fan side; and
//! `…/refund/{purchase_id}`, the refund form, which is its own confirmation step.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params;
use leptos_router::params::Params;

use crate::api::customers::{Refund, customer_detail, new_request_key};
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, reported, typed};
use crate::components::widgets::{Chip, LoadError, PageHeader, RelativeTime};
use crate::dto::{CustomerDetailView, PurchaseRow};
use crate::error::AppError;
use crate::format;
use crate::money::Currency;
use crate::pages::not_found::NotFoundMessage;
use crate::pages::resource::page_resource;
use crate::pages::store::{RequireStore, use_store_id};

#[derive(Params, Clone, Debug, PartialEq)]
struct CustomerParams {
    customer_id: Option<i64>,
    purchase_id: Option<i64>,
}

fn use_customer_params() -> Memo<(Option<i64>, Option<i64>)> {
    let params = use_params::<CustomerParams>();
    Memo::new(move |_| {
        params
            .read()
            .as_ref()
            .map(|params| (params.customer_id, params.purchase_id))
            .unwrap_or_default()
    })
}

fn use_detail() -> Resource<Result<CustomerDetailView, AppError>> {
    let store_id = use_store_id();
    let ids = use_customer_params();
    page_resource(
        move || (store_id.get(), ids.get().0),
        |(store_id, customer_id)| async move {
            match (store_id, customer_id) {
                (Some(store_id), Some(customer_id)) => customer_detail(store_id, customer_id).await,
                _ => Err(AppError::NotFound),
            }
        },
    )
}

#[component]
pub fn CustomerDetailPage() -> impl IntoView {
    let detail = use_detail();
    let store_id = use_store_id();
    // The refund form redirects here with `?refunded={refund_id}`.
    let refunded = move || reported("refunded").is_some();

    view! {
        <RequireStore>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading customer…"</p> }>
                {async_view(move || async move {
                    match detail.await {
                        Ok(view) => view! { <CustomerDetail view store_id=store_id.get().unwrap_or_default() refunded=refunded() /> }.into_any(),
                        Err(AppError::NotFound) => view! { <NotFoundMessage /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[component]
fn CustomerDetail(view: CustomerDetailView, store_id: i64, refunded: bool) -> impl IntoView {
    let CustomerDetailView { detail, now } = view;
    let currency = detail.currency;
    let customer = detail.customer;
    let title = if customer.name.is_empty() {
        customer.email.clone()
    } else {
        customer.name.clone()
    };
    let base = format!("/store/{store_id}/customers/{}", customer.id);

    view! {
        <Title text=title.clone() />
        <a href=format!("/store/{store_id}/customers") class="text-sm text-violet-700 hover:underline">"← All customers"</a>
        <div class="mt-2">
            <PageHeader title=title subtitle=customer.email.clone() />
        </div>
        {refunded.then(|| view! {
            <p class="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-800" role="status">
                "Refund recorded. Totals, revenue and the fan's score are updated."
            </p>
        })}
        <div class="mt-6 grid gap-6 lg:grid-cols-[1fr_18rem]">
            <div class="space-y-6">
                <dl class="grid grid-cols-2 gap-4 sm:grid-cols-4">
                    <Fact label="Lifetime value" value=currency.format(customer.total_spent_cents) />
                    <Fact label="Refunded" value=currency.format(customer.refunded_cents) />
                    <Fact label="Purchases" value=customer.purchase_count.to_string() />
                    <Fact
                        label="Customer since"
                        value=customer.first_purchase_at.map(|at| format::date(at.date_naive())).unwrap_or_default()
                    />
                </dl>
                <section aria-labelledby="purchases-heading" class="card">
                    <h2 id="purchases-heading" class="font-semibold">"Purchases"</h2>
                    <PurchaseTable purchases=detail.purchases currency now refund_base=format!("{base}/refund") />
                </section>
                <div class="grid gap-6 sm:grid-cols-2">
                    <ListSection id="enrollments" title="Enrollments" empty="No courses." is_empty=detail.enrollments.is_empty()>
                        <ul class="mt-2 space-y-1 text-sm">
                            {detail.enrollments.into_iter().map(|enrollment| view! {
                                <li>{enrollment.product_name}" · enrolled "<RelativeTime at=enrollment.enrolled_at now /></li>
                            }).collect_view()}
                        </ul>
                    </ListSection>
                    <ListSection id="subscriptions" title="Subscriptions" empty="No subscriptions." is_empty=detail.subscriptions.is_empty()>
                        <ul class="mt-2 space-y-2 text-sm">
                            {detail.subscriptions.into_iter().map(|subscription| view! {
                                <li>
                                    <span class="font-medium">{subscription.product_name}</span>
                                    " · "{subscription.status.label()}
                                    <div class="text-xs text-slate-500">
                                        "Since "{format::date(subscription.started_at.date_naive())}
                                        ", paid until "{format::date(subscription.current_period_end.date_naive())}
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    </ListSection>
                </div>
                <ListSection id="refunds" title="Refunds" empty="No refunds." is_empty=detail.refunds.is_empty()>
                    <ul class="mt-2 space-y-1 text-sm">
                        {detail.refunds.into_iter().map(|refund| view! {
                            <li>
                                {currency.format(refund.amount_cents)}" for "{refund.product_name}" · "
                                <RelativeTime at=refund.refunded_at now />
                                {(!refund.reason.is_empty()).then(|| view! { <span class="text-slate-500">" · "{refund.reason.clone()}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                </ListSection>
            </div>
            <aside aria-labelledby="fan-heading" class="card">
                <h2 id="fan-heading" class="font-semibold">"As a fan"</h2>
                {match detail.fan {
                    Some(fan) => view! {
                        <dl class="mt-3 space-y-2 text-sm">
                            <div class="flex justify-between"><dt class="text-slate-600">"Engagement score"</dt><dd class="font-semibold">{fan.score}</dd></div>
                            <div class="flex justify-between"><dt class="text-slate-600">"Email"</dt><dd>{fan.email_status.label()}</dd></div>
                            <div class="flex justify-between">
                                <dt class="text-slate-600">"Last opened"</dt>
                                <dd>{match fan.last_open_at {
                                    Some(at) => view! { <RelativeTime at now /> }.into_any(),
                                    None => view! { "Never" }.into_any(),
                                }}</dd>
                            </div>
                        </dl>
                        <div class="mt-3 flex flex-wrap gap-1">
                            {fan.tags.into_iter().map(|tag| view! { <Chip text=tag /> }).collect_view()}
                        </div>
                        <a href=format!("/store/{store_id}/contacts/{}", fan.fan_id) class="mt-4 inline-block text-sm text-link">
                            "Open fan profile →"
                        </a>
                    }.into_any(),
                    None => view! { <p class="mt-2 text-sm text-slate-500">"This person's fan profile was erased. Their purchases stay for your accounts."</p> }.into_any(),
                }}
            </aside>
        </div>
    }
}

#[component]
fn Fact(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-slate-200 bg-white p-3 shadow-sm">
            <dt class="text-xs text-slate-600">{label}</dt>
            <dd class="mt-1 text-lg font-semibold tabular-nums">{value}</dd>
        </div>
    }
}

#[component]
fn PurchaseTable(
    purchases: Vec<PurchaseRow>,
    currency: Currency,
    now: chrono::DateTime<chrono::Utc>,
    refund_base: String,
) -> impl IntoView {
    view! {
        <table class="mt-2 w-full text-sm">
            <thead class="text-left text-slate-500">
                <tr>
                    <th scope="col" class="py-1 font-medium">"Product"</th>
                    <th scope="col" class="py-1 text-right font-medium">"Amount"</th>
                    <th scope="col" class="py-1 pl-3 text-right font-medium">"Refunded"</th>
                    <th scope="col" class="py-1 pl-3 font-medium">"Source"</th>
                    <th scope="col" class="py-1 pl-3 font-medium">"Date"</th>
                    <th scope="col" class="py-1"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-100">
                {purchases.into_iter().map(|purchase| {
                    let refundable = purchase.amount_cents > purchase.refunded_cents;
                    view! {
                        <tr>
                            <td class="py-2">{purchase.product_name.clone()}</td>
                            <td class="py-2 text-right tabular-nums">{currency.format(purchase.amount_cents)}</td>
                            <td class="py-2 pl-3 text-right tabular-nums">{purchase.refunded_cents.is_positive().then(|| currency.format(purchase.refunded_cents))}</td>
                            <td class="py-2 pl-3 text-slate-600">{purchase.source.label()}</td>
                            <td class="py-2 pl-3 text-slate-600"><RelativeTime at=purchase.purchased_at now /></td>
                            <td class="py-2 text-right">
                                {refundable.then(|| view! {
                                    <a href=format!("{refund_base}/{}", purchase.id) class="text-sm text-link">
                                        "Refund"<span class="sr-only">{format!(" {}", purchase.product_name)}</span>
                                    </a>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The refund form for one purchase: full (empty amount) or partial, with a reason. It is
/// reached from the purchase's "Refund" link, so submitting it is the confirmation.
#[component]
pub fn RefundPage() -> impl IntoView {
    let detail = use_detail();
    let ids = use_customer_params();
    let store_id = use_store_id();
    // One key per page load: a successful refund leaves the page.
    let request_key = page_resource(|| (), |_| new_request_key());
    view! {
        <RequireStore>
            <Title text="Refund" />
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading purchase…"</p> }>
                {async_view(move || async move {
                    let purchase_id = ids.get().1;
                    let loaded = match (detail.await, request_key.await) {
                        (Ok(view), Ok(key)) => Ok((view, key)),
                        (Err(error), _) | (_, Err(error)) => Err(error),
                    };
                    match loaded {
                        Ok((view, request_key)) => {
                            let customer_id = view.detail.customer.id;
                            let currency = view.detail.currency;
                            let email = view.detail.customer.email.clone();
                            match view.detail.purchases.into_iter().find(|p| Some(p.id) == purchase_id) {
                                Some(purchase) => view! {
                                    <RefundForm store_id=store_id.get().unwrap_or_default() customer_id email purchase currency request_key />
                                }.into_any(),
                                None => view! { <NotFoundMessage /> }.into_any(),
                            }
                        }
                        Err(AppError::NotFound) => view! { <NotFoundMessage /> }.into_any(),
                        Err(error) => view! { <LoadError error /> }.into_any(),
                    }
                })}
            </Transition>
        </RequireStore>
    }
}

#[component]
fn RefundForm(
    store_id: i64,
    customer_id: i64,
    email: String,
    purchase: PurchaseRow,
    currency: Currency,
    request_key: String,
) -> impl IntoView {
    let action = ServerAction::<Refund>::new();
    let error = move || action.value().get().and_then(Result::err);
    let amount_error = Signal::derive(move || field_message(error(), "amount"));
    let reason_error = Signal::derive(move || field_message(error(), "reason"));
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    let remaining = purchase.amount_cents - purchase.refunded_cents;
    let back = format!("/store/{store_id}/customers/{customer_id}");

    view! {
        <a href=back.clone() class="text-sm text-violet-700 hover:underline">"← Back to the customer"</a>
        <h1 class="mt-2 text-2xl font-semibold tracking-tight">{format!("Refund {}", purchase.product_name)}</h1>
        <p class="mt-1 text-slate-600">
            {format!(
                "{email} paid {}{}. Up to {} can be refunded.",
                currency.format(purchase.amount_cents),
                if purchase.refunded_cents.is_positive() { format!(" ({} already refunded)", currency.format(purchase.refunded_cents)) } else { String::new() },
                currency.format(remaining)
            )}
        </p>
        <FormAlert message=form_error />
        <ActionForm action attr:class="mt-6 max-w-md space-y-5" attr:novalidate=true>
            <input type="hidden" name="store_id" value=store_id />
            <input type="hidden" name="purchase_id" value=purchase.id />
            <input type="hidden" name="request_key" value=request_key />
            <div>
                <label for="refund-amount" class="block text-sm font-medium text-slate-700">"Amount to refund"</label>
                <input id="refund-amount" name="amount" type="text" inputmode="decimal" placeholder=currency.format_plain(remaining) value={typed::<Refund>("amount")} class="field" aria-describedby="refund-amount-hint refund-amount-error" aria-invalid=move || amount_error.get().is_some().to_string() />
                <p id="refund-amount-hint" class="mt-1 text-xs text-slate-500">{format!("Leave empty to refund all {}.", currency.format(remaining))}</p>
                <FieldMessage id="refund-amount-error" message=amount_error />
            </div>
            <div>
                <label for="refund-reason" class="block text-sm font-medium text-slate-700">"Reason (optional)"</label>
                <input id="refund-reason" name="reason" type="text" maxlength="300" value={typed::<Refund>("reason")} class="field" aria-describedby="refund-reason-error" aria-invalid=move || reason_error.get().is_some().to_string() />
                <FieldMessage id="refund-reason-error" message=reason_error />
            </div>
            <div class="flex items-center gap-3">
                <button type="submit" class="rounded-md bg-red-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-red-800 disabled:opacity-60">
                    "Confirm refund"
                </button>
                <a href=back class="text-sm text-slate-600 hover:underline">"Cancel"</a>
            </div>
        </ActionForm>
    }
}

/// A titled card with a list, or a sentence saying there is nothing to list.
#[component]
fn ListSection(
    /// Names the heading (`{id}-heading`) the section is labelled by.
    id: &'static str,
    title: &'static str,
    empty: &'static str,
    is_empty: bool,
    children: Children,
) -> impl IntoView {
    let heading = format!("{id}-heading");
    let labelled_by = heading.clone();
    view! {
        <section aria-labelledby=labelled_by class="card">
            <h2 id=heading class="font-semibold">{title}</h2>
            {if is_empty {
                view! { <p class="mt-2 text-sm text-slate-500">{empty}</p> }.into_any()
            } else {
                children().into_any()
            }}
        </section>
    }
}
