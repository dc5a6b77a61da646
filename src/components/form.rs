//! Pieces every form uses: the message under a field, and the alert above a form.

use leptos::prelude::*;

use crate::error::AppError;

/// The message for `field` from the last submission's error, if any.
pub fn field_message(error: Option<AppError>, field: &str) -> Option<String> {
    error.and_then(|error| error.field_message(field).map(str::to_owned))
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
