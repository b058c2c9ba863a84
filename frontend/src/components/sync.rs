//! What the user always sees about sync (online or not, changes waiting, last sync, conflicts),
//! the conflicts to settle, and carrying unsynced changes to another device in a file.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::ClientId;
use shared::mutation::{Field, Mutation, NodeEdit};
use shared::report::RecordEdit;
use shared::sync::{Conflict, RecordConflict, Version, settle};

use crate::device;
use crate::error::AppError;
use crate::state::PlanStore;

/// A sync older than this gets a warning (tablets may lose unsynced data when unused).
const STALE_MS: f64 = 3.0 * 24.0 * 3600.0 * 1000.0;

fn who(store: &PlanStore, client: ClientId) -> String {
    if client == store.client() {
        "thiết bị này".to_owned()
    } else {
        let id = client.to_string();
        format!("thiết bị khác ({})", &id[id.len() - 6..])
    }
}

#[component]
pub fn SyncBar() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let show_panel = store.conflicts_open;
    let status = move || store.sync.get();
    let now = RwSignal::new(device::now_ms());
    let tick = set_interval_with_handle(
        move || now.set(device::now_ms()),
        std::time::Duration::from_secs(60),
    )
    .ok();
    on_cleanup(move || {
        if let Some(t) = tick {
            t.clear();
        }
    });
    let export = move |_| {
        let text = store.export_outbox();
        let name = format!("thay-doi-chua-gui-{}.json", store.plan_id());
        if device::download(&name, &text).is_err() {
            store.say(AppError::ExportFailed, true);
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        spawn_local(async move {
            let Some(text) = device::read_chosen_file(&input).await else {
                return;
            };
            match store.import_outbox(&text) {
                Ok(n) => store.say(format!("Đã nhập {n} thay đổi từ tệp."), false),
                Err(e) => store.say(e, true),
            }
        });
    };
    view! {
        <div class="syncbar" role="status" aria-live="polite">
            <span class="sync-state" class:offline=move || !status().online>
                {move || {
                    let s = status();
                    if s.online {
                        "● Trực tuyến"
                    } else if s.server_waits.is_some() {
                        "○ Máy chủ chưa sẵn sàng"
                    } else {
                        "○ Ngoại tuyến"
                    }
                }}
            </span>
            {move || status().server_waits.map(|words| view! { <span class="sync-server">{words}</span> })}
            <span class="sync-pending">
                {move || {
                    let s = status();
                    if s.syncing {
                        "Đang đồng bộ…".to_owned()
                    } else if s.pending == 0 {
                        "Đã đồng bộ hết".to_owned()
                    } else {
                        format!("{} thay đổi chờ gửi", s.pending)
                    }
                }}
            </span>
            <span class="sync-last">
                {move || match status().last_sync {
                    Some(t) => format!("Đồng bộ lần cuối {}", device::format_time(t)),
                    None => "Chưa đồng bộ lần nào".to_owned(),
                }}
            </span>
            {move || {
                let s = status();
                let n = s.conflicts.len() + s.record_conflicts.len();
                (n > 0).then(|| view! {
                    <button class="sync-conflicts" on:click=move |_| show_panel.update(|v| *v = !*v)>
                        {format!("Xung đột: {n}")}
                    </button>
                })
            }}
            <span class="sync-files">
                <button class="link" on:click=export disabled=move || status().pending == 0>
                    "Xuất thay đổi chưa gửi"
                </button>
                <label class="link file-pick">
                    "Nhập thay đổi từ tệp"
                    <input type="file" accept=".json,application/json" on:change=import />
                </label>
            </span>
        </div>
        {move || {
            let s = status();
            let stale = s.last_sync.is_none_or(|t| now.get() - t > STALE_MS) && s.pending > 0;
            stale.then(|| view! {
                <p class="notice error sync-stale" role="alert">
                    "Đã hơn 3 ngày chưa đồng bộ được. Hãy kết nối mạng, hoặc xuất các thay đổi chưa gửi ra tệp để không bị mất."
                </p>
            })
        }}
        {move || {
            let refused = status().refused;
            (!refused.is_empty()).then(|| view! {
                <div class="notice error sync-refused" role="alert">
                    <p>"Máy chủ không nhận các thay đổi sau (đã hoàn tác trên máy này):"</p>
                    <ul>
                        {refused.into_iter().map(|r| view! {
                            <li>{r.mutation.describe_vi()}": "{r.error.to_string()}</li>
                        }).collect_view()}
                    </ul>
                    <button class="link" on:click=move |_| store.sync.update(|s| s.refused.clear())>
                        "Đã hiểu"
                    </button>
                </div>
            })
        }}
    }
}

#[component]
pub fn ConflictsPanel() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let show = store.conflicts_open;
    move || {
        let (conflicts, records) = store
            .sync
            .with(|s| (s.conflicts.clone(), s.record_conflicts.clone()));
        (show.get() && !(conflicts.is_empty() && records.is_empty())).then(|| {
            view! {
                <section class="conflicts" aria-label="Xung đột">
                    <h2>"Xung đột"</h2>
                    <p class="hint">
                        "Hai người đã sửa cùng một chỗ khi chưa thấy thay đổi của nhau. Giá trị sau đang được dùng; hãy chọn giá trị đúng hoặc gộp lại."
                    </p>
                    {conflicts.into_iter().map(|c| view! { <ConflictCard conflict=c /> }).collect_view()}
                    {records.into_iter().map(|c| view! { <RecordConflictCard conflict=c /> }).collect_view()}
                </section>
            }
        })
    }
}

#[component]
fn ConflictCard(conflict: Conflict) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let title = store.state.with_untracked(|s| {
        s.get(conflict.node)
            .map(|n| n.title.clone())
            .unwrap_or_default()
    });
    let merged = RwSignal::new(conflict.kept.value.display());
    let c = conflict.clone();
    let resolve = move |edit: NodeEdit| {
        if let Err(e) = store.dispatch(Mutation::ResolveConflict {
            conflict: c.id,
            id: c.node,
            edit,
        }) {
            store.say(e, true);
        }
    };
    let side = |label: &'static str, v: Version| {
        let value = v.value.clone();
        view! {
            <div class="conflict-side">
                <p class="conflict-label">{label}</p>
                <p class="conflict-value">{v.value.display()}</p>
                <p class="conflict-who">
                    {format!("{} · {}", who(&store, v.client), device::format_time(v.at as f64))}
                </p>
                <button on:click=move |_| resolve(value.clone())>"Giữ giá trị này"</button>
            </div>
        }
    };
    let text_field = matches!(conflict.field, Field::Title | Field::Body);
    let field = conflict.field;
    let merge = {
        move |_| {
            let text = merged.get_untracked();
            resolve(match field {
                Field::Body => NodeEdit::Body(Some(text)),
                _ => NodeEdit::Title(text),
            })
        }
    };
    view! {
        <article class="conflict">
            <h3>{format!("{} · {}", conflict.field.label_vi(), title)}</h3>
            <div class="conflict-sides">
                {side("Đang dùng", conflict.kept.clone())}
                {side("Bị thay", conflict.replaced.clone())}
            </div>
            {text_field.then(|| view! {
                <div class="conflict-merge">
                    <label>
                        "Gộp thành"
                        <textarea prop:value=move || merged.get()
                            on:input=move |ev| merged.set(event_target_value(&ev))></textarea>
                    </label>
                    <button on:click=merge>"Lưu bản gộp"</button>
                </div>
            })}
        </article>
    }
}

/// A conflict of a report's or an inspection's record: the two versions side by side, either
/// kept with one tap (`shared::sync::settle`).
#[component]
fn RecordConflictCard(conflict: RecordConflict) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let subject = store
        .state
        .with_untracked(|s| settle::subject_vi(&conflict, s.records()));
    let c = StoredValue::new(conflict.clone());
    let resolve = move |keep_replaced: bool| {
        for m in c.with_value(|c| settle::settle(c, keep_replaced)) {
            if let Err(e) = store.dispatch(m) {
                store.say(e, true);
                return;
            }
        }
    };
    let side = move |label: &'static str, v: Version<RecordEdit>, replaced: bool| {
        view! {
            <div class="conflict-side">
                <p class="conflict-label">{label}</p>
                <p class="conflict-value">{settle::value_vi(&v.value)}</p>
                <p class="conflict-who">
                    {format!("{} · {}", who(&store, v.client), device::format_time(v.at as f64))}
                </p>
                <button on:click=move |_| resolve(replaced)>"Giữ giá trị này"</button>
            </div>
        }
    };
    view! {
        <article class="conflict record-conflict">
            <h3>{subject}</h3>
            <div class="conflict-sides">
                {side("Đang dùng", conflict.kept.clone(), false)}
                {side("Bị thay", conflict.replaced.clone(), true)}
            </div>
        </article>
    }
}
