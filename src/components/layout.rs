//! The app's frame: the top bar and a store's navigation.

use leptos::prelude::*;
use leptos_router::components::A;

/// The bar across the top of every page; `children` go after the wordmark.
#[component]
pub fn TopBar(#[prop(optional)] children: Option<Children>) -> impl IntoView {
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex h-14 max-w-6xl items-center gap-4 px-4">
                <a href="/" class="text-lg font-bold tracking-tight text-violet-700">
                    "Encore"
                </a>
                {children.map(|children| children())}
            </div>
        </header>
    }
}

/// A store's sections. Customers stands alone; Email Campaigns groups Campaigns, Automations
/// and Fans (whose URL is /contacts).
#[component]
pub fn StoreNav(store_id: i64) -> impl IntoView {
    let href = move |section: &str| format!("/store/{store_id}/{section}");
    view! {
        <nav aria-label="Store" class="space-y-6 text-sm">
            <ul>
                <li>
                    <NavLink href=href("customers") label="Customers" />
                </li>
            </ul>
            <div>
                <p class="px-3 text-xs font-semibold uppercase tracking-wide text-slate-500">
                    "Email Campaigns"
                </p>
                <ul class="mt-2 space-y-1">
                    <li>
                        <NavLink href=href("campaigns") label="Campaigns" />
                    </li>
                    <li>
                        <NavLink href=href("automations") label="Automations" />
                    </li>
                    <li>
                        <NavLink href=href("contacts") label="Fans" />
                    </li>
                </ul>
            </div>
        </nav>
    }
}

/// A navigation link; `<A>` marks the current page with `aria-current="page"`, which the
/// `aria-[current=page]:` classes style.
#[component]
fn NavLink(href: String, label: &'static str) -> impl IntoView {
    view! {
        <A
            href=href
            attr:class="block rounded-md px-3 py-2 font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:bg-violet-50 aria-[current=page]:text-violet-800"
        >
            {label}
        </A>
    }
}
