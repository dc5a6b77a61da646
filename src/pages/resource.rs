//! How a page creates its resources.

use std::future::Future;

use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `Resource::new`, with the future `fetch` returns boxed.
///
/// On the server a resource's future is the server function's whole body, its database reads
/// included: some kilobytes of state. Leptos moves that future by value about nine times
/// while it sets the resource up (into the async derived, its sandbox, its scoped future),
/// each move a copy of all of it; callgrind put those copies at about 0.65 M instructions of
/// the Customers page's 20 M. Boxed, each move is a pointer, for one allocation per fetch.
pub fn page_resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new(source, move |source| Box::pin(fetch(source)))
}
