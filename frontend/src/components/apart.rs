//! A part of the app loaded apart (a module of its own, split out by xtask's web build): shown
//! once its module is here. When it cannot be loaded (no network, and the service worker does
//! not hold it yet: the first minutes of a first visit), the part says so in words and tries
//! again when the network comes back or on a tap; the rest of the app goes on working.

use leptos::prelude::*;
use std::future::Future;

use crate::error::AppError;

#[component]
pub fn Apart<F, Fut>(
    /// Loads the module and makes the part's view (a `fallible` split function).
    load: F,
    /// Shown while the module loads.
    loading: &'static str,
) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<AnyView, AppError>> + 'static,
{
    let attempt = RwSignal::new(0u32);
    let failed = RwSignal::new(false);
    let online = window_event_listener(leptos::ev::online, move |_| {
        if failed.get_untracked() {
            attempt.update(|n| *n += 1);
        }
    });
    on_cleanup(move || online.remove());
    view! {
        <Suspense fallback=move || view! { <p class="empty">{loading}</p> }>
            {move || {
                attempt.track();
                Suspend::new(send_wrapper::SendWrapper::new(async move {
                    match load().await {
                        Ok(view) => {
                            failed.set(false);
                            view
                        }
                        Err(e) => {
                            failed.set(true);
                            view! {
                                <div class="apart-failed notice error" role="alert">
                                    <p>{e.to_string()}</p>
                                    <button type="button" on:click=move |_| attempt.update(|n| *n += 1)>
                                        "Thử lại"
                                    </button>
                                </div>
                            }
                            .into_any()
                        }
                    }
                }))
            }}
        </Suspense>
    }
}
