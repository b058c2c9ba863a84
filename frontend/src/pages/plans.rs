//! The list of plans.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use shared::api::ApiError;
use shared::plan::PlanSummary;
use shared::text::format_date;

use crate::{api, kv};

#[component]
pub fn PlansPage() -> impl IntoView {
    let plans = RwSignal::new(None::<Result<Vec<PlanSummary>, ApiError>>);
    spawn_local(async move {
        // The list is kept on the device, so that it opens offline too: shown first, then
        // written (on a new device the write waits for the database to be made).
        match api::plans().await {
            Ok(list) => {
                let json = serde_json::to_string(&list);
                plans.set(Some(Ok(list)));
                if let Ok(json) = json {
                    let _ = kv::put("plans", &json).await;
                }
            }
            Err(e) => {
                let kept = match kv::get("plans").await.ok().flatten() {
                    Some(json) => serde_json::from_slice(json.as_bytes()).map_err(|_| e),
                    None => Err(e),
                };
                plans.set(Some(kept));
            }
        }
    });
    view! {
        <section class="plans">
            <div class="plans-head">
                <h1>"Kế hoạch"</h1>
                {move || crate::session::use_auth().user.get().is_some_and(|u| u.role.edits_plan()).then(|| view! {
                    <A href="/nhap-ke-hoach" attr:class="button primary">"Nhập kế hoạch từ văn bản…"</A>
                })}
            </div>
            {move || match plans.get() {
                None => view! { <p class="empty">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="empty">"Chưa có kế hoạch nào."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plan-list">
                        {list.into_iter().map(|p| {
                            let m = p.metadata;
                            let number = m.number.unwrap_or_default();
                            let kind = m.kind.map(|k| k.name_vi()).unwrap_or("Văn bản");
                            let title = m.title.unwrap_or_else(|| "(không có trích yếu)".into());
                            let issued = m.issued_on.map(format_date).unwrap_or_default();
                            view! {
                                <li>
                                    <A href=format!("/plans/{}", p.id) attr:class="plan-card">
                                        <span class="plan-number">{format!("{kind} số {number}")}</span>
                                        <span class="plan-title">{title}</span>
                                        <span class="plan-meta">
                                            {format!("Ban hành {issued} · {} mục", p.node_count)}
                                            {(p.visibility == shared::plan::Visibility::Assigned).then_some(" · Hạn chế")}
                                        </span>
                                    </A>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}
