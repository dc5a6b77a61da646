//! The content of a `<Transition>` or `<Suspense>`: a view built from resources it awaits.

use std::future::Future;

use leptos::prelude::*;

/// `content` awaits its resources and returns the view of them, like the usual
/// `move || Suspend::new(async move { … })`, which is what the browser gets: a reactive
/// function, so the view is built again when a resource it reads reloads (another period,
/// the next page, a saved form).
///
/// The server renders a page once, and gets a single `Suspend` instead. A Suspense boundary
/// walks a reactive child up to three times on the server: to register the resources it
/// reads, again once they have loaded (to find resources read behind them), and a last time
/// to render it. Each walk calls the function, and every call whose resources are ready
/// builds the whole view again (a 50-row table, the dashboard) only to drop it. A `Suspend`
/// keeps the view it built, so the server builds each view once. The HTML is the same
/// either way: a reactive function writes no markers of its own.
pub fn async_view<Content, Fut, V>(mut content: Content) -> AnyView
where
    Content: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    if cfg!(feature = "ssr") {
        Suspend::new(content()).into_any()
    } else {
        (move || Suspend::new(content())).into_any()
    }
}
