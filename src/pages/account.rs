//! Accounts: `/login`, `/signup`, `/account` (change password, log out), and the account
//! menu and store switcher of the top bar.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use crate::api::auth::{ChangePassword, LogIn, LogOut, SignUp, current_viewer};
use crate::components::async_view::async_view;
use crate::components::form::{FieldMessage, FormAlert, field_message, reported, typed};
use crate::components::layout::TopBar;
use crate::dto::ViewerSummary;
use crate::error::AppError;
use crate::pages::resource::page_resource;
use crate::url::with_query;

/// Sends an anonymous visitor to the log-in page, coming back here afterwards.
#[component]
pub fn LogInFirst() -> impl IntoView {
    let location = use_location();
    let search = location.search.get_untracked();
    let here = if search.is_empty() {
        location.pathname.get_untracked()
    } else {
        format!("{}?{search}", location.pathname.get_untracked())
    };
    view! { <Redirect path=with_query("/login", [("next", Some(here.as_str()))]) /> }
}

/// The signed-in creator's email, their account link and "Log out"; or "Log in".
#[component]
pub fn AccountMenu(viewer: Option<ViewerSummary>) -> impl IntoView {
    let log_out = ServerAction::<LogOut>::new();
    match viewer {
        Some(viewer) => view! {
            <div class="ml-auto flex items-center gap-3 text-sm">
                <a href="/account" class="text-slate-600 hover:text-slate-900" title="Account">{viewer.email}</a>
                <ActionForm action=log_out>
                    <button type="submit" class="rounded-md border border-slate-300 px-2.5 py-1 font-medium hover:bg-slate-50">"Log out"</button>
                </ActionForm>
            </div>
        }
        .into_any(),
        None => view! { <a href="/login" class="ml-auto text-sm text-link">"Log in"</a> }.into_any(),
    }
}

/// A store's name with a menu of the creator's other stores (works without JavaScript:
/// `<details>` opens natively).
#[component]
pub fn StoreSwitcher(
    current: String,
    current_id: i64,
    stores: Vec<crate::dto::StoreSummary>,
) -> impl IntoView {
    view! {
        <details class="relative">
            // Named by what it shows (the store), with what it does for a screen reader.
            <summary class="cursor-pointer list-none rounded-md font-medium">
                {current}
                <span class="sr-only">" (switch store)"</span>
                <span class="ml-1 text-slate-500" aria-hidden="true">"▾"</span>
            </summary>
            <ul class="absolute left-0 z-10 mt-2 w-64 rounded-md border border-slate-200 bg-white py-1 shadow-lg">
                {stores
                    .into_iter()
                    .map(|store| {
                        let current = store.id == current_id;
                        view! {
                            <li>
                                <a
                                    href=format!("/store/{}/customers", store.id)
                                    aria-current=current.then_some("page")
                                    class="block px-3 py-2 text-sm hover:bg-slate-50 aria-[current=page]:font-semibold"
                                >
                                    {store.name}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
                <li class="border-t border-slate-100">
                    <a href="/" class="block px-3 py-2 text-sm text-violet-700 hover:bg-slate-50">"All stores"</a>
                </li>
            </ul>
        </details>
    }
}

/// Loads who is signed in; anonymous visitors see `anonymous`, others `signed_in`.
fn use_viewer() -> Resource<Result<Option<ViewerSummary>, AppError>> {
    page_resource(|| (), |_| current_viewer())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let viewer = use_viewer();
    let query = use_query_map();
    let next = move || query.with(|query| query.get("next")).unwrap_or_default();
    let error = move || action.value().get().and_then(Result::err);
    let password_error = Signal::derive(move || field_message(error(), "password"));
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    // A sign-up leads here reporting `signed_up`, whether the email was new or already had an
    // account: the message fits both and says which it was to nobody.
    let signed_up = reported("signed_up")
        .is_some_and(|flag| flag == "1")
        .then_some(
            "If this email is new to Encore, your account is ready. If it already had an account, \
         log in with its password.",
        );

    view! {
        <Title text="Log in" />
        <TopBar />
        <AlreadySignedIn viewer next=query.with_untracked(|query| query.get("next")).unwrap_or_default() />
        <main id="main" tabindex="-1" class="mx-auto max-w-sm px-4 py-16">
            <h1 class="text-2xl font-semibold tracking-tight">"Log in to Encore"</h1>
            <p class="mt-4 text-sm text-emerald-700" role="status">{signed_up}</p>
            <FormAlert message=form_error />
            <ActionForm action attr:class="mt-6 space-y-4" attr:novalidate=true>
                <input type="hidden" name="next" value=next />
                <div>
                    <label for="login-email" class="block text-sm font-medium text-slate-700">"Email"</label>
                    <input id="login-email" name="email" type="email" autocomplete="username" value={typed::<LogIn>("email")} class="field" />
                </div>
                <div>
                    <label for="login-password" class="block text-sm font-medium text-slate-700">"Password"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" class="field" aria-describedby="login-password-error" aria-invalid=move || password_error.get().is_some().to_string() />
                    <FieldMessage id="login-password-error" message=password_error />
                </div>
                <button type="submit" class="btn btn-primary w-full">
                    "Log in"
                </button>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600">
                "New to Encore? "
                <a href="/signup" class="text-link">"Create an account"</a>
            </p>
        </main>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let viewer = use_viewer();
    let error = move || action.value().get().and_then(Result::err);
    let email_error = Signal::derive(move || field_message(error(), "email"));
    let password_error = Signal::derive(move || field_message(error(), "password"));
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));

    view! {
        <Title text="Create an account" />
        <TopBar />
        <AlreadySignedIn viewer next=String::new() />
        <main id="main" tabindex="-1" class="mx-auto max-w-sm px-4 py-16">
            <h1 class="text-2xl font-semibold tracking-tight">"Create your Encore account"</h1>
            <p class="mt-1 text-sm text-slate-600">"Your customers and fans, in one place."</p>
            <FormAlert message=form_error />
            <ActionForm action attr:class="mt-6 space-y-4" attr:novalidate=true>
                <div>
                    <label for="signup-email" class="block text-sm font-medium text-slate-700">"Email"</label>
                    <input id="signup-email" name="email" type="email" autocomplete="username" value={typed::<SignUp>("email")} class="field" aria-describedby="signup-email-error" aria-invalid=move || email_error.get().is_some().to_string() />
                    <FieldMessage id="signup-email-error" message=email_error />
                </div>
                <div>
                    <label for="signup-password" class="block text-sm font-medium text-slate-700">"Password"</label>
                    <input id="signup-password" name="password" type="password" autocomplete="new-password" class="field" aria-describedby="signup-password-hint signup-password-error" aria-invalid=move || password_error.get().is_some().to_string() />
                    <p id="signup-password-hint" class="mt-1 text-xs text-slate-500">"At least 10 characters. A short sentence works well."</p>
                    <FieldMessage id="signup-password-error" message=password_error />
                </div>
                <button type="submit" class="btn btn-primary w-full">
                    "Create account"
                </button>
            </ActionForm>
            <p class="mt-6 text-sm text-slate-600">
                "Already have an account? "
                <a href="/login" class="text-link">"Log in"</a>
            </p>
        </main>
    }
}

/// On the log-in and sign-up pages, a signed-in creator goes straight on: to the log-in
/// link's `next` when it is a path on this site (checked as after a log-in), else to their
/// stores.
#[component]
fn AlreadySignedIn(
    viewer: Resource<Result<Option<ViewerSummary>, AppError>>,
    next: String,
) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let path = crate::api::auth::safe_next(Some(&next));
    // Pages render on the server; the browser build never gets here.
    #[cfg(not(feature = "ssr"))]
    let path = {
        let _ = next;
        "/".to_owned()
    };
    view! {
        <Suspense>
            {async_view(move || async move {
                matches!(viewer.await, Ok(Some(_))).then(|| view! { <Redirect path /> })
            })}
        </Suspense>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let viewer = use_viewer();
    let action = ServerAction::<ChangePassword>::new();
    let error = move || action.value().get().and_then(Result::err);
    let current_error = Signal::derive(move || field_message(error(), "current"));
    let password_error = Signal::derive(move || field_message(error(), "password"));
    let form_error = Signal::derive(move || error().and_then(|error| error.form_message()));
    // The password form reports `password` = `changed` here.
    let changed = reported("password")
        .is_some_and(|password| password == "changed")
        .then_some("Password changed. Other devices have been logged out.");

    view! {
        <Title text="Account" />
        <Suspense fallback=|| view! { <TopBar /> }>
            {async_view(move || async move {
                match viewer.await {
                    Ok(Some(viewer)) => {
                        let email = viewer.email.clone();
                        view! {
                        <TopBar><AccountMenu viewer=Some(viewer) /></TopBar>
                        <main id="main" tabindex="-1" class="mx-auto max-w-md px-4 py-10">
                            <a href="/" class="text-sm text-violet-700 hover:underline">"← Your stores"</a>
                            <h1 class="mt-2 text-2xl font-semibold tracking-tight">"Account"</h1>
                            <p class="mt-1 text-slate-600">{format!("Signed in as {email}")}</p>
                            <section aria-labelledby="password-heading" class="mt-8 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
                                <h2 id="password-heading" class="text-lg font-semibold">"Change password"</h2>
                                <p class="mt-4 text-sm text-emerald-700" role="status">{changed}</p>
                                <FormAlert message=form_error />
                                <ActionForm action attr:class="mt-2 space-y-4" attr:novalidate=true>
                                    <div>
                                        <label for="current-password" class="block text-sm font-medium text-slate-700">"Current password"</label>
                                        <input id="current-password" name="current" type="password" autocomplete="current-password" class="field" aria-describedby="current-password-error" aria-invalid=move || current_error.get().is_some().to_string() />
                                        <FieldMessage id="current-password-error" message=current_error />
                                    </div>
                                    <div>
                                        <label for="new-password" class="block text-sm font-medium text-slate-700">"New password"</label>
                                        <input id="new-password" name="password" type="password" autocomplete="new-password" class="field" aria-describedby="new-password-error" aria-invalid=move || password_error.get().is_some().to_string() />
                                        <FieldMessage id="new-password-error" message=password_error />
                                    </div>
                                    <button type="submit" class="btn btn-primary w-full">"Change password"</button>
                                </ActionForm>
                            </section>
                        </main>
                        }.into_any()
                    }
                    Ok(None) | Err(AppError::Unauthorized) => view! { <LogInFirst /> }.into_any(),
                    Err(error) => view! { <TopBar /><main id="main" tabindex="-1" class="mx-auto max-w-md px-4 py-10"><crate::components::widgets::LoadError error /></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}
