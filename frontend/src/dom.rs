//! Small DOM helpers: focus management after a re-render, whether the user is editing.

use wasm_bindgen::JsCast;

/// Resolves on the next turn of the event loop (after pending renders).
pub async fn next_tick() {
    let promise = js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL);
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Focuses the first element matching `selector` once the page has re-rendered.
pub fn focus_later(selector: String) {
    leptos::task::spawn_local(async move {
        next_tick().await;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
            if let Ok(area) = el.dyn_into::<web_sys::HtmlTextAreaElement>() {
                area.select();
            }
        }
    });
}

/// True while the user is editing: a field has the focus, or a sheet (dialog) is open.
pub fn user_is_editing() -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let field = doc.active_element().is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || el
                .dyn_into::<web_sys::HtmlElement>()
                .is_ok_and(|el| el.is_content_editable())
    });
    field
        || doc
            .query_selector(".sheet, [aria-modal=true]")
            .ok()
            .flatten()
            .is_some()
}
