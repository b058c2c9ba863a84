//! One plan: the tree beside the selected node's details.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::api::ApiError;
use shared::ids::PlanId;
use shared::plan::PlanTree;
use shared::text::format_date;

use crate::api;
use crate::components::detail::Detail;
use crate::components::tree::Tree;
use crate::state::PlanStore;

#[component]
pub fn PlanPage() -> impl IntoView {
    let params = use_params_map();
    let loaded = RwSignal::new(None::<Result<PlanTree, ApiError>>);
    Effect::new(move |_| {
        let raw = params.with(|p| p.get("id").unwrap_or_default());
        loaded.set(None);
        spawn_local(async move {
            let result = match raw.parse::<PlanId>() {
                Ok(id) => api::plan_tree(id).await,
                Err(_) => Err(ApiError::new(
                    shared::api::ErrorCode::NotFound,
                    "Mã kế hoạch không hợp lệ.",
                )),
            };
            mark("plan-fetched");
            loaded.set(Some(result));
        });
    });
    move || match loaded.get() {
        None => view! { <p class="empty">"Đang tải kế hoạch…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        Some(Ok(tree)) => view! { <PlanView tree /> }.into_any(),
    }
}

/// A performance mark, for the render benchmark and the browser's profiler.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

#[component]
fn PlanView(tree: PlanTree) -> impl IntoView {
    let store = PlanStore::new(tree);
    mark("plan-state-built");
    provide_context(store);
    let heading = move || {
        store.plan.with(|p| {
            let m = &p.metadata;
            let number = m.number.clone().unwrap_or_default();
            let issued = m.issued_on.map(format_date).unwrap_or_default();
            (
                format!(
                    "{} số {number} · {issued}",
                    m.kind.map(|k| k.name_vi()).unwrap_or("Văn bản")
                ),
                m.title.clone().unwrap_or_default(),
            )
        })
    };
    view! {
        <div class="plan-page" class:has-selection=move || store.selected.get().is_some()>
            <div class="plan-head">
                <p class="plan-number">{move || heading().0}</p>
                <h1 class="plan-title">{move || heading().1}</h1>
            </div>
            <StatusBar />
            <div class="split">
                <Tree />
                <Detail />
            </div>
        </div>
    }
}

#[component]
fn StatusBar() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    view! {
        <div class="status" aria-live="polite">
            {move || {
                if store.saving.get() > 0 {
                    view! { <span class="notice">"Đang lưu…"</span> }.into_any()
                } else if let Some(n) = store.notice.get() {
                    let role = if n.error { "alert" } else { "status" };
                    view! {
                        <span class="notice" class:error=n.error role=role>
                            {n.text}
                        </span>
                        <button class="link" on:click=move |_| store.notice.set(None)>"Ẩn"</button>
                    }.into_any()
                } else {
                    ().into_any()
                }
            }}
        </div>
    }
}
