//! Pieces every form uses: the message under a field, and the alert above a form.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the server kept for this visitor from their last form post, for the page it sent
/// them back to (see `server::flash`): read once, on that page, then gone.
///
/// A rejected post keeps its server function, its error and what was typed (never a
/// password); a successful one may leave a notice for the page to report ("saved",
/// "created", …). Nothing here comes from the URL, so a link cannot make a page say anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The server function a rejected post went to (`/api/…`).
    pub action: Option<String>,
    /// Why it was rejected.
    pub error: Option<AppError>,
    /// The fields as typed, in order (a field may repeat: checkboxes, multi-selects).
    pub values: Vec<(String, String)>,
    /// What a successful post reports, as named values.
    pub notice: Vec<(String, String)>,
}

/// The message for `field` from the last submission's error, if any.
pub fn field_message(error: Option<AppError>, field: &str) -> Option<String> {
    error.and_then(|error| error.field_message(field).map(str::to_owned))
}

/// What the last form post reported under `key` (`saved` = `profile`), for the page to say
/// it. Only the server sets it, for this visitor; nothing in the URL counts.
pub fn reported(key: &str) -> Option<String> {
    use_context::<Flash>().and_then(|flash| {
        flash
            .notice
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
    })
}

/// The rejected post to server function `S`, if that is what this page is showing.
pub fn rejected<S: ServerFn>() -> Option<Flash> {
    use_context::<Flash>().filter(|flash| flash.action.as_deref() == Some(S::PATH))
}

/// What was typed into `field` of a rejected post to `S` (first value), for the field to
/// show it again.
pub fn typed<S: ServerFn>(field: &str) -> Option<String> {
    rejected::<S>().and_then(|flash| {
        flash
            .values
            .into_iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value)
    })
}

/// Every value typed into `field` of a rejected post to `S` (checkboxes, multi-selects).
pub fn typed_all<S: ServerFn>(field: &str) -> Vec<String> {
    rejected::<S>()
        .map(|flash| {
            flash
                .values
                .into_iter()
                .filter(|(name, _)| name == field)
                .map(|(_, value)| value)
                .collect()
        })
        .unwrap_or_default()
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
