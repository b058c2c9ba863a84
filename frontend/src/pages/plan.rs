//! One plan: the tree beside the selected node's details.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::api::ApiError;
use shared::ids::PlanId;
use shared::text::format_date;
use std::cell::RefCell;
use std::rc::Rc;

use crate::components::apart::Apart;
use crate::components::detail::Detail;
use crate::components::sync::{ConflictsPanel, SyncBar};
use crate::components::tree::Tree;
use crate::device;
use crate::error::AppError;
use crate::pages::reports::Reports;
use crate::state::{self, PlanStore};

/// The plan opened, taken once by the view that shows it (a plan's copy is megabytes: never
/// cloned to be shown).
type Loaded = Rc<RefCell<Option<state::Opened>>>;

#[component]
pub fn PlanPage() -> impl IntoView {
    let params = use_params_map();
    let auth = crate::session::use_auth();
    let loaded = RwSignal::new_local(None::<Result<Loaded, ApiError>>);
    Effect::new(move |_| {
        let raw = params.with(|p| p.get("id").unwrap_or_default());
        // The page is shown to a signed-in user only (and built again for the next one).
        let username = auth
            .user
            .with_untracked(|u| u.as_ref().map(|u| u.username.clone()))
            .unwrap_or_default();
        loaded.set(None);
        spawn_local(async move {
            let result = match raw.parse::<PlanId>() {
                Ok(id) => open_plan(id, &username).await,
                Err(_) => Err(ApiError::new(
                    shared::api::ErrorCode::NotFound,
                    "Mã kế hoạch không hợp lệ.",
                )),
            };
            device::mark("plan-fetched");
            loaded.set(Some(result));
        });
    });
    move || match loaded.get() {
        None => view! { <p class="empty">"Đang tải kế hoạch…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        Some(Ok(slot)) => match slot.borrow_mut().take() {
            Some(opened) => view! { <PlanView opened /> }.into_any(),
            None => view! { <p class="empty">"Đang tải kế hoạch…"</p> }.into_any(),
        },
    }
}

/// The plan from the device's copy, else from the server (the first visit needs the network).
async fn open_plan(id: PlanId, username: &str) -> Result<Loaded, ApiError> {
    let opened = state::open(id, username).await.map_err(|e| {
        if e.code.retryable() {
            ApiError::new(
                e.code,
                "Máy chưa có bản lưu của kế hoạch này. Cần kết nối mạng để tải lần đầu.",
            )
        } else {
            e
        }
    })?;
    Ok(Rc::new(RefCell::new(Some(opened))))
}

#[component]
fn PlanView(opened: state::Opened) -> impl IntoView {
    let store = PlanStore::new(opened.replica, opened.last_sync, !opened.from_server);
    device::mark("plan-state-built");
    if opened.from_server {
        store.keep_after_paint();
    }
    provide_context(store);
    // Online devices hear of others' changes at once and pull them; a device that was away
    // catches up when the stream reconnects.
    let events = device::Events::connect(
        &format!("/api/plans/{}/events", store.plan_id()),
        move |change| {
            if change > store.cursor() {
                store.sync();
            }
        },
        move || store.sync(),
    );
    device::keep_alive(events);
    let plan_id = store.plan_id();
    // The board's, reports' and inspections' modules, loaded once the plan is on screen and the
    // page is quiet, so that their tab opens at once (from the service worker's copy when
    // installed). One that cannot be loaded now is tried again when its tab is opened.
    set_timeout(
        move || {
            spawn_local(async move {
                let _ = board_tab(false).await;
                let _ = reports_tab(false).await;
                let _ = inspections_tab(false).await;
                send_waiting_photos(plan_id).await;
            })
        },
        PRELOAD_AFTER,
    );
    let on = window_event_listener(leptos::ev::online, move |_| {
        store.sync.update(|s| s.online = true);
        store.sync();
        spawn_local(send_waiting_photos(plan_id));
    });
    let off = window_event_listener(leptos::ev::offline, move |_| {
        store.sync.update(|s| s.online = false);
    });
    // Retry now and then while changes wait (a server that was down, a flaky network).
    let retry = set_interval_with_handle(
        move || {
            if store.sync.with_untracked(|s| s.pending > 0 && !s.syncing) {
                store.sync();
            }
        },
        std::time::Duration::from_secs(15),
    )
    .ok();
    on_cleanup(move || {
        on.remove();
        off.remove();
        if let Some(r) = retry {
            r.clear();
        }
    });
    spawn_local(async move {
        device::request_persistence().await;
    });
    store.sync();
    // Signed in again after the session ended: send what waited.
    Effect::new(move |was_expired: Option<bool>| {
        let expired = store.auth.expired.get();
        if was_expired == Some(true) && !expired {
            store.sync();
        }
        expired
    });
    // The view named in the address (`?xem=giao-viec`), else: an agency officer starts at the
    // agency's own tasks, others at the tree.
    let asked = use_query_map().with_untracked(|q| q.get("xem").and_then(|v| Mode::from_param(&v)));
    let mode = RwSignal::new(asked.unwrap_or(
        if store.actor().role == shared::access::UserRole::AgencyOfficer {
            Mode::Unit
        } else {
            Mode::Tree
        },
    ));
    // The agency's tasks ask for the follow-ups of inspections: the "Kiểm tra" tab opens.
    Effect::new(move |_| {
        if store.follow_ups_asked.get() {
            mode.set(Mode::Inspections);
        }
    });
    // The address follows the view, so that a reload or a shared link opens the same one.
    Effect::new(move |_| {
        let param = mode.get().param();
        if let Some(w) = web_sys::window()
            && let Ok(history) = w.history()
        {
            let path = w.location().pathname().unwrap_or_default();
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}?xem={param}")),
            );
        }
    });
    let heading = move || {
        let m = crate::components::meta_form::metadata_now(&store);
        let number = m.number.clone().unwrap_or_default();
        let issued = m.issued_on.map(format_date).unwrap_or_default();
        (
            format!(
                "{} số {number} · {issued}",
                m.kind.map(|k| k.name_vi()).unwrap_or("Văn bản")
            ),
            m.title.clone().unwrap_or_default(),
        )
    };
    let editing = RwSignal::new(false);
    let may_edit_document = move || {
        let probe = shared::report::ReportMutation::Edit {
            key: shared::report::RecordKey::Document,
            edit: shared::report::RecordEdit::Title(String::new()),
        };
        shared::report::access::may(&store.actor(), &probe)
    };
    view! {
        <div class="plan-page" class:has-selection=move || store.selected.get().is_some()>
            <div class="plan-head">
                <p class="plan-number">{move || heading().0}</p>
                <h1 class="plan-title">{move || heading().1}</h1>
                {move || (may_edit_document() && !editing.get()).then(|| view! {
                    <button type="button" class="link" on:click=move |_| editing.set(true)>"Sửa thông tin văn bản"</button>
                })}
                {move || editing.get().then(|| view! {
                    <crate::components::meta_form::DocumentEditor store open=editing />
                })}
                <VisibilitySetting store />
            </div>
            <SyncBar />
            <StatusBar />
            <ConflictsPanel />
            <nav class="tabs" aria-label="Cách xem kế hoạch">
                {[(Mode::Tree, "Cây kế hoạch"), (Mode::Board, "Giao việc"), (Mode::Unit, "Nhiệm vụ của đơn vị"), (Mode::Reports, "Báo cáo"), (Mode::Inspections, "Kiểm tra")]
                    .into_iter()
                    .map(|(m, text)| view! {
                        <button
                            class="tab"
                            class:active=move || mode.get() == m
                            aria-pressed=move || if mode.get() == m { "true" } else { "false" }
                            on:click=move |_| mode.set(m)
                        >
                            {text}
                        </button>
                    })
                    .collect_view()}
            </nav>
            {move || match mode.get() {
                Mode::Tree => view! {
                    <div class="split">
                        <Tree />
                        <Detail />
                    </div>
                }.into_any(),
                Mode::Board => view! {
                    <Apart load=|| board_tab(true) loading="Đang tải phần giao việc…" />
                }.into_any(),
                Mode::Unit => view! {
                    <div class="split">
                        <crate::components::unit_tasks::UnitTasks />
                        <Detail />
                    </div>
                }.into_any(),
                Mode::Reports => view! {
                    <Apart load=|| reports_tab(true) loading="Đang tải phần báo cáo…" />
                }.into_any(),
                Mode::Inspections => view! {
                    <Apart load=|| inspections_tab(true) loading="Đang tải phần kiểm tra…" />
                }.into_any(),
            }}
        </div>
    }
}

/// The assignment board, a module of its own (xtask's web build splits it out), loaded a
/// moment after the plan is on screen (`show` false: nothing is made) or when the tab is
/// opened; the service worker keeps it for offline use. A module that cannot be loaded is an
/// error shown in the tab ([`Apart`]), never a panic.
#[leptos::wasm_split::wasm_split(board_tab, wasm_split_path = ::leptos::wasm_split, fallible)]
fn board_tab(show: bool) -> Result<AnyView, AppError> {
    Ok(if show {
        view! { <crate::components::board::Board /> }.into_any()
    } else {
        ().into_any()
    })
}

/// The reports tab, a module of its own like the board.
#[leptos::wasm_split::wasm_split(reports_tab, wasm_split_path = ::leptos::wasm_split, fallible)]
fn reports_tab(show: bool) -> Result<AnyView, AppError> {
    Ok(if show {
        view! { <Reports /> }.into_any()
    } else {
        ().into_any()
    })
}

/// The inspections tab, a module of its own like the reports tab, loaded with it a moment after
/// the plan is on screen (an inspector opens the app in the office, then works offline).
#[leptos::wasm_split::wasm_split(inspections_tab, wasm_split_path = ::leptos::wasm_split, fallible)]
fn inspections_tab(show: bool) -> Result<AnyView, AppError> {
    Ok(if show {
        view! { <crate::pages::inspections::Inspections /> }.into_any()
    } else {
        ().into_any()
    })
}

/// Sends the inspection photos waiting on the device, whatever tab is open, when there are
/// any and the network is there: the inspections module is loaded only then.
async fn send_waiting_photos(plan: PlanId) {
    let waiting = crate::kv::keys_with_prefix(&format!("photo/{plan}/"))
        .await
        .is_ok_and(|keys| !keys.is_empty());
    if waiting && device::online() {
        // (Not loaded: the next `online` event or opening of a visit tries again.)
        let _ = upload_photos(plan).await;
    }
}

/// The upload of waiting photos, in the inspections module.
#[leptos::wasm_split::wasm_split(inspections_tab, wasm_split_path = ::leptos::wasm_split, fallible)]
fn upload_photos(plan: PlanId) -> Result<(), AppError> {
    crate::pages::inspections::upload_waiting(plan);
    Ok(())
}

/// How long after the plan is on screen the board's, reports' and inspections' modules are loaded.
const PRELOAD_AFTER: std::time::Duration = std::time::Duration::from_millis(1500);

/// How the plan page shows the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Tree,
    Board,
    Unit,
    Reports,
    Inspections,
}

impl Mode {
    fn param(self) -> &'static str {
        match self {
            Mode::Tree => "cay",
            Mode::Board => "giao-viec",
            Mode::Unit => "don-vi",
            Mode::Reports => "bao-cao",
            Mode::Inspections => "kiem-tra",
        }
    }

    fn from_param(p: &str) -> Option<Self> {
        [
            Mode::Tree,
            Mode::Board,
            Mode::Unit,
            Mode::Reports,
            Mode::Inspections,
        ]
        .into_iter()
        .find(|m| m.param() == p)
    }
}

#[component]
fn StatusBar() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    view! {
        <div class="status" aria-live="polite">
            {move || {
                if let Some(n) = store.notice.get() {
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

/// Who may read the plan: a setting for those who edit it, a note for others when restricted.
#[component]
fn VisibilitySetting(store: PlanStore) -> impl IntoView {
    use shared::plan::Visibility;
    let edits = store.actor().role.edits_plan();
    let message = RwSignal::new(None::<(bool, String)>);
    // The device's copy of the plan's record dates from its first pull (and a sync puts that
    // copy back), so the setting shown is kept apart: the copy's at first, then the server's,
    // read from the plan list when online, then what the user chose.
    let shown = RwSignal::new(store.plan.with_untracked(|p| p.visibility));
    let current = move || shown.get();
    let plan = store.plan.with_untracked(|p| p.id);
    if device::online() {
        spawn_local(async move {
            if let Ok(list) = crate::api::plans().await
                && let Some(now) = list.iter().find(|p| p.id == plan).map(|p| p.visibility)
            {
                shown.set(now);
            }
        });
    }
    let choose = move |ev: leptos::ev::Event| {
        let chosen = match event_target_value(&ev).as_str() {
            "assigned" => Visibility::Assigned,
            _ => Visibility::Province,
        };
        spawn_local(async move {
            match crate::api::set_visibility(plan, chosen).await {
                Ok(()) => {
                    shown.set(chosen);
                    message.set(Some((false, "Đã lưu quyền xem kế hoạch.".into())));
                }
                Err(e) => {
                    // The select shows the stored value again.
                    shown.notify();
                    message.set(Some((true, e.message)));
                }
            }
        });
    };
    view! {
        {move || if edits {
            view! {
                <label class="visibility">
                    "Ai được xem kế hoạch"
                    <select on:change=choose prop:value=move || match current() {
                        Visibility::Province => "province",
                        Visibility::Assigned => "assigned",
                    }>
                        <option value="province">{Visibility::Province.label_vi()}</option>
                        <option value="assigned">{Visibility::Assigned.label_vi()}</option>
                    </select>
                </label>
            }.into_any()
        } else if current() == Visibility::Assigned {
            view! { <p class="visibility-note">"Kế hoạch hạn chế: chỉ các cơ quan được giao việc xem được."</p> }.into_any()
        } else {
            ().into_any()
        }}
        {move || message.get().map(|(error, text)| if error {
            view! { <p class="field-error" role="alert">{text}</p> }.into_any()
        } else {
            view! { <p class="notice" role="status">{text}</p> }.into_any()
        })}
    }
}
