//! Leptos's islands mode at its smallest: only `#[island]` components reach the browser, and
//! the islands router (JavaScript, not wasm) fetches the next page and patches it in.
//! The counter island is what any island costs; the note form, behind the `server-action`
//! feature, adds what calling a server function from the browser costs (its client, the
//! form's decoding, the JSON and query-string codecs).

use leptos::prelude::*;

#[island]
fn Counter() -> impl IntoView {
    let (count, set_count) = signal(0);
    view! {
        <button on:click=move |_| set_count.update(|count| *count += 1)>
            "Clicked " {count} " times"
        </button>
    }
}

#[cfg(feature = "server-action")]
mod server_action {
    use leptos::prelude::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Clone, Debug)]
    pub struct Saved {
        pub id: i64,
        pub text: String,
    }

    #[server]
    pub async fn save_note(text: String) -> Result<Saved, ServerFnError> {
        Ok(Saved { id: 1, text })
    }

    /// A one-field form with a pending state and its result, as Encore's forms have.
    #[island]
    pub fn NoteForm() -> impl IntoView {
        let action = ServerAction::<SaveNote>::new();
        let value = action.value();
        view! {
            <ActionForm action=action>
                <input name="text" />
                <button type="submit" disabled=action.pending()>"Save"</button>
            </ActionForm>
            <p>
                {move || {
                    value
                        .get()
                        .map(|result| match result {
                            Ok(saved) => saved.text,
                            Err(error) => error.to_string(),
                        })
                }}
            </p>
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "server-action")]
    let form = view! { <server_action::NoteForm /> };
    #[cfg(not(feature = "server-action"))]
    let form = ();
    view! {
        <Counter />
        {form}
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
