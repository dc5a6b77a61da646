//! Pieces every form uses: the message under a field, and the alert above a form.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// The message for `field` from the last submission's error, if any.
pub fn field_message(error: Option<AppError>, field: &str) -> Option<String> {
    error.and_then(|error| error.field_message(field).map(str::to_owned))
}

/// What a form's redirect reports in the page's URL under `key` (`?saved=profile`), for the
/// page to say it. Nothing when the URL also carries a form's error (Leptos adds `__err` when
/// a server function fails and sends the browser back): that came from a later submission,
/// which failed, so the page shows its error and no success.
pub fn reported(key: &str) -> Option<String> {
    use_query_map().with_untracked(|query| {
        if query.get_str("__err").is_some() {
            None
        } else {
            query.get(key)
        }
    })
}

/// A field's error message, announced to screen readers and tied to the input by `id`
/// (use it as the input's `aria-describedby`).
#[component]
pub fn FieldMessage(
    /// The element id, referenced by the input's `aria-describedby`.
    #[prop(into)]
    id: String,
    /// The current message; nothing is shown when `None`.
    #[prop(into)]
    message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p id=id.clone() class="mt-1 text-sm text-red-700" role="alert">
                {move || message.get()}
            </p>
        </Show>
    }
}

/// An alert for errors that belong to no single field (e.g. "something went wrong").
#[component]
pub fn FormAlert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <div class="mb-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">
                {move || message.get()}
            </div>
        </Show>
    }
}
