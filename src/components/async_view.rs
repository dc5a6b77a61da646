//! The content of a `<Transition>` or `<Suspense>`: a view built from resources it awaits.

use std::future::Future;

use leptos::prelude::*;

/// `content` awaits its resources and returns the view of them, as a single `Suspend`.
///
/// Pages are rendered on the server only (islands mode: nothing but `#[island]`s runs in
/// the browser), and the server renders each page once. The usual
/// `move || Suspend::new(async move { … })` is a reactive function, which a Suspense
/// boundary walks up to three times on the server: to register the resources it reads,
/// again once they have loaded (to find resources read behind them), and a last time to
/// render it. Each walk calls the function, and every call whose resources are ready builds
/// the whole view again (a 50-row table, the dashboard) only to drop it. A `Suspend` keeps
/// the view it built, so the server builds each view once. The HTML is the same either way:
/// a reactive function writes no markers of its own.
pub fn async_view<Content, Fut, V>(content: Content) -> AnyView
where
    Content: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    Suspend::new(content()).into_any()
}
