//! The report pages' fields: a one-line and a multi-line field, each saved when it is left
//! (one mutation), read-only when the record may not be changed, with the refusal under it.

use leptos::prelude::*;

/// A multi-line field saved when it is left.
#[component]
pub fn TextArea(
    label: &'static str,
    value: Signal<String>,
    editable: Memo<bool>,
    save: Callback<String, Result<(), String>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    view! {
        <label class="field">
            <span>{label}</span>
            <textarea
                rows="3"
                aria-label=label
                readonly=move || !editable.get()
                prop:value=move || value.get()
                on:change=move |ev| error.set(save.run(event_target_value(&ev)).err())
            ></textarea>
            {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
        </label>
    }
}

/// A one-line field saved when it is left; `save` reads what was typed and says why it is refused.
#[component]
pub fn Line(
    label: &'static str,
    value: Signal<String>,
    editable: Memo<bool>,
    #[prop(default = "text")] kind: &'static str,
    /// What shows while nothing is written.
    #[prop(optional, into)]
    placeholder: Signal<String>,
    save: Callback<String, Result<(), String>>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type=kind
                inputmode=if kind == "number" { "numeric" } else { "text" }
                aria-label=label
                placeholder=move || placeholder.get()
                readonly=move || !editable.get()
                prop:value=move || value.get()
                on:change=move |ev| error.set(save.run(event_target_value(&ev)).err())
            />
            {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
        </label>
    }
}
