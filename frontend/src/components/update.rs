//! The app's update path. The service worker (sw.js) installs a new version in the background
//! and lets it wait; this bar then says "Có phiên bản mới — tải lại", but only while the user
//! is not editing (no field focused, no sheet open), so that nothing typed is cut off. A tap
//! lets the new version take over and reloads the page; changes not yet sent are kept in
//! IndexedDB and go out after the reload as always.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

/// How often an app left open looks for a new version (the browser also looks on each visit).
const CHECK_EVERY_MS: i32 = 60 * 60 * 1000;

#[component]
pub fn UpdateBar() -> impl IntoView {
    let waiting = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let asked = RwSignal::new(false);
    spawn_local(register(waiting, asked));
    // Whether the user is editing is looked at after each focus change and tap (a sheet opens
    // or closes on a tap), once the page has re-rendered.
    let look = move || {
        spawn_local(async move {
            crate::dom::next_tick().await;
            editing.set(crate::dom::user_is_editing());
        })
    };
    let _ = window_event_listener(leptos::ev::focusin, move |_| look());
    let _ = window_event_listener(leptos::ev::focusout, move |_| look());
    let _ = window_event_listener(leptos::ev::click, move |_| look());
    let reload = move |_| {
        asked.set(true);
        spawn_local(async move {
            match registration().await.and_then(|r| r.waiting()) {
                Some(worker) => {
                    // The page reloads when the new version has taken over (controllerchange).
                    let _ = worker.post_message(&"skip-waiting".into());
                }
                None => reload_page(),
            }
        });
    };
    view! {
        <Show when=move || waiting.get() && !editing.get()>
            <div class="update-bar" role="status">
                <button class="primary" on:click=reload>"Có phiên bản mới — tải lại"</button>
            </div>
        </Show>
    }
}

fn container() -> Option<ServiceWorkerContainer> {
    let nav = web_sys::window()?.navigator();
    js_sys::Reflect::has(&nav, &"serviceWorker".into())
        .unwrap_or(false)
        .then(|| nav.service_worker())
}

async fn registration() -> Option<ServiceWorkerRegistration> {
    let found = JsFuture::from(container()?.get_registration()).await.ok()?;
    found.dyn_into().ok()
}

/// Resolves once the window's `load` event has fired.
async fn loaded() {
    let Some(w) = web_sys::window() else {
        return;
    };
    if w.document().is_some_and(|d| d.ready_state() == "complete") {
        return;
    }
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let once = web_sys::AddEventListenerOptions::new();
        once.set_once(true);
        let _ = w.add_event_listener_with_callback_and_add_event_listener_options(
            "load", &resolve, &once,
        );
    });
    let _ = JsFuture::from(promise).await;
}

fn reload_page() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Registers the service worker and sets `waiting` when a new version is installed beside the
/// one this page runs (not on the first install: nothing was running then).
async fn register(waiting: RwSignal<bool>, asked: RwSignal<bool>) {
    let Some(sw) = container() else {
        return;
    };
    // Not before the page has loaded: on a first visit over a slow link, the worker's copy of
    // the files must not compete with the page's own.
    loaded().await;
    // (A browser that blocks service workers may answer with nothing.)
    let Some(reg) = JsFuture::from(sw.register("/sw.js"))
        .await
        .ok()
        .filter(wasm_bindgen::JsValue::is_object)
    else {
        return;
    };
    let reg: ServiceWorkerRegistration = reg.unchecked_into();
    let running = || container().is_some_and(|c| c.controller().is_some());
    // A version installed while the app was closed is waiting already.
    if reg.waiting().is_some() && running() {
        waiting.set(true);
    }
    let found = reg.clone();
    let on_found = Closure::<dyn FnMut()>::new(move || {
        let Some(worker) = found.installing() else {
            return;
        };
        let watched = worker.clone();
        let on_state = Closure::<dyn FnMut()>::new(move || {
            if watched.state() == ServiceWorkerState::Installed && running() {
                waiting.set(true);
            }
        });
        worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        on_state.forget();
    });
    reg.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
    on_found.forget();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        if asked.get_untracked() {
            reload_page();
        }
    });
    sw.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
    on_change.forget();
    // An app left open looks again every hour and when the network comes back.
    let check = Closure::<dyn FnMut()>::new(move || {
        let _ = reg.update();
    });
    if let Some(w) = web_sys::window() {
        let f = check.as_ref().unchecked_ref();
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(f, CHECK_EVERY_MS);
        let _ = w.add_event_listener_with_callback("online", f);
    }
    check.forget();
}
