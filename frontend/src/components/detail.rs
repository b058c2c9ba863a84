//! The selected node: its text edited in place, its references, and what can be done with it.

use leptos::prelude::*;
use shared::assignment::Role;
use shared::ids::NodeId;
use shared::mutation::{Mutation, NodeEdit, Position};
use shared::plan::Node;
use shared::sync::HistoryEntry;
use shared::text::format_date;
use shared::validate;

use crate::components::assign_sheet::AssignSheet;
use crate::components::dialogs::{ConfirmDelete, MoveDialog};
use crate::state::{PlanStore, new_id};

#[component]
pub fn Detail() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    // Re-render the panel only when another node is selected (or it disappears); field values
    // follow the node reactively inside.
    let shown = Memo::new(move |_| {
        store
            .selected
            .get()
            .filter(|id| store.state.with(|s| s.get(*id).is_some()))
    });
    view! {
        <section class="detail-pane" aria-label="Chi tiết">
            {move || match shown.get() {
                None => view! {
                    <div class="detail-empty">
                        <p>"Chọn một mục trong cây để xem và sửa."</p>
                        <PlanReferences />
                    </div>
                }.into_any(),
                Some(id) => view! { <NodeDetail id /> }.into_any(),
            }}
        </section>
    }
}

/// The references of the whole plan (căn cứ), shown when no node is selected.
#[component]
fn PlanReferences() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let refs = move || store.plan.with(|p| p.references.clone());
    view! {
        <Show when=move || !refs().is_empty()>
            <h2>"Văn bản được viện dẫn"</h2>
            <ul class="references">
                {move || refs().into_iter().map(|r| view! { <li>{r.text}</li> }).collect_view()}
            </ul>
        </Show>
    }
}

#[component]
fn NodeDetail(id: NodeId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let node = move || store.state.with(|s| s.get(id).cloned());
    let field = move |f: fn(&Node) -> String| move || node().map(|n| f(&n)).unwrap_or_default();

    let title_error = RwSignal::new(None::<String>);
    let body_error = RwSignal::new(None::<String>);
    let deadline_error = RwSignal::new(None::<String>);
    let label_error = RwSignal::new(None::<String>);
    let progress_error = RwSignal::new(None::<String>);
    let show_move = RwSignal::new(false);
    let show_delete = RwSignal::new(false);

    let edit = move |edit: NodeEdit, error: RwSignal<Option<String>>| {
        error.set(
            store
                .dispatch(Mutation::EditNode { id, edit })
                .err()
                .map(|e| e.to_string()),
        );
    };
    // What this user may change here (the server checks again).
    let can_text = move || store.may_edit(id, false);
    // A first visit shows the tree before the bodies arrive: one not here yet is not editable.
    let body_unknown = move || store.body_unknown(id);
    let can_progress = move || store.may_edit(id, true);
    let can_add_child = move || store.may_add(Some(id));
    let can_add_sibling = move || node().is_some_and(|n| store.may_add(n.parent));
    // Progress 100 records the day the work was finished; less than 100 clears it.
    let set_progress =
        move |p: u8| progress_error.set(store.set_progress(id, p).err().map(|e| e.to_string()));

    let add = move |as_child: bool| {
        let Some(n) = node() else { return };
        let (parent, position) = if as_child {
            (Some(id), Position::Last)
        } else {
            (n.parent, Position::After(id))
        };
        let label = store
            .state
            .with_untracked(|s| s.label_for_new(parent, position));
        let new = new_id();
        let created = store.dispatch(Mutation::CreateNode {
            id: new,
            parent,
            position,
            title: "Mục mới".into(),
            body: None,
            deadline: None,
            label,
            owner: store.owner_for_new(),
        });
        match created {
            Ok(()) => {
                store.reveal(new);
                crate::dom::focus_later("#node-title".into());
            }
            Err(e) => store.say(e, true),
        }
    };

    let back = move |_| store.selected.set(None);

    view! {
        <div class="node-detail">
            <div class="detail-top">
                <button class="back" on:click=back aria-label="Quay lại cây">"‹ Cây"</button>
                <span class="kind">{move || node().map(|n| n.kind.name_vi()).unwrap_or_default()}</span>
            </div>
            <label class="field label-field">
                <span>"Số thứ tự"</span>
                <input
                    type="text"
                    aria-label="Số thứ tự"
                    disabled=move || !can_text()
                    prop:value=field(|n| n.label.clone())
                    on:change=move |ev| edit(NodeEdit::Label(event_target_value(&ev)), label_error)
                    on:input=move |ev| label_error.set(validate::label(&event_target_value(&ev)).err().map(|e| e.to_string()))
                />
                <FieldError error=label_error />
            </label>
            <label class="field">
                <span>"Tiêu đề"</span>
                <textarea
                    id="node-title"
                    aria-label="Tiêu đề"
                    disabled=move || !can_text()
                    rows=move || text_rows(&field(|n| n.title.clone())(), 3, 10)
                    prop:value=field(|n| n.title.clone())
                    on:input=move |ev| title_error.set(validate::title(&event_target_value(&ev)).err().map(|e| e.to_string()))
                    on:change=move |ev| edit(NodeEdit::Title(event_target_value(&ev)), title_error)
                ></textarea>
                <FieldError error=title_error />
            </label>
            <label class="field">
                <span>"Nội dung"</span>
                <textarea
                    aria-label="Nội dung"
                    disabled=move || !can_text() || body_unknown()
                    rows=move || text_rows(&field(|n| n.body.clone().unwrap_or_default())(), 4, 16)
                    placeholder=move || if !body_unknown() {
                        "Không có nội dung"
                    } else if store.sync.with(|s| s.online) {
                        "Đang tải nội dung…"
                    } else {
                        "Nội dung chưa tải về máy này; sẽ tải khi có mạng."
                    }
                    prop:value=field(|n| n.body.clone().unwrap_or_default())
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        edit(NodeEdit::Body((!text.trim().is_empty()).then_some(text)), body_error)
                    }
                ></textarea>
                <FieldError error=body_error />
            </label>
            <label class="field deadline-field">
                <span>"Thời hạn"</span>
                <input
                    type="text"
                    inputmode="numeric"
                    aria-label="Thời hạn"
                    disabled=move || !can_text()
                    placeholder="dd/mm/yyyy"
                    prop:value=field(|n| n.deadline.map(format_date).unwrap_or_default())
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        if text.trim().is_empty() {
                            edit(NodeEdit::Deadline(None), deadline_error);
                        } else {
                            match shared::validate::date(&text) {
                                Ok(date) => edit(NodeEdit::Deadline(Some(date)), deadline_error),
                                Err(e) => deadline_error.set(Some(e.to_string())),
                            }
                        }
                    }
                />
                <FieldError error=deadline_error />
                {move || {
                    let recurring = node().and_then(|n| n.recurring_deadline)?;
                    Some(view! {
                        <span class="recurring" title=recurring.text.clone()>
                            {format!("Định kỳ theo văn bản: {}", recurring.describe_vi())}
                        </span>
                    })
                }}
            </label>
            <label class="field progress-field">
                <span>"Tiến độ (%)"</span>
                <input
                    type="number"
                    inputmode="numeric"
                    min="0"
                    max="100"
                    aria-label="Tiến độ"
                    disabled=move || !can_progress()
                    prop:value=field(|n| n.progress.to_string())
                    on:change=move |ev| {
                        match validate::progress_text(&event_target_value(&ev)) {
                            Ok(p) => set_progress(p),
                            Err(e) => progress_error.set(Some(e.to_string())),
                        }
                    }
                />
                <FieldError error=progress_error />
            </label>
            {move || node().and_then(|n| n.completed_on).map(|d| view! {
                <p class="completed">{format!("Hoàn thành ngày {}", format_date(d))}</p>
            })}
            <Assignments id />
            <NodeConflicts id />
            <NodeReferences id />
            <crate::components::task_inspections::TaskInspections id />
            <div class="actions">
                <Show when=can_add_child>
                    <button on:click=move |_| add(true)>"+ Thêm mục con"</button>
                </Show>
                <Show when=can_add_sibling>
                    <button on:click=move |_| add(false)>"+ Thêm mục cùng cấp"</button>
                </Show>
                <Show when=can_text>
                    <button on:click=move |_| show_move.set(true)>"Chuyển đến…"</button>
                    <button class="danger" on:click=move |_| show_delete.set(true)>"Xoá"</button>
                </Show>
            </div>
            <History id />
            <Show when=move || show_move.get()>
                <MoveDialog id open=show_move />
            </Show>
            <Show when=move || show_delete.get()>
                <ConfirmDelete id open=show_delete />
            </Show>
        </div>
    }
}

/// Rows a textarea needs to show `text` without scrolling, within `min..=max`.
fn text_rows(text: &str, min: usize, max: usize) -> String {
    let lines: usize = text.lines().map(|l| l.chars().count() / 60 + 1).sum();
    lines.clamp(min, max).to_string()
}

#[component]
fn FieldError(error: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <span class="field-error" role="alert">{e}</span> })
    }
}

/// A notice on a node that has open conflicts, opening the conflicts panel.
#[component]
fn NodeConflicts(id: NodeId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let fields = move || {
        store.sync.with(|s| {
            s.conflicts
                .iter()
                .filter(|c| c.node == id)
                .map(|c| c.field.label_vi().to_lowercase())
                .collect::<Vec<_>>()
        })
    };
    move || {
        let fields = fields();
        (!fields.is_empty()).then(|| {
            view! {
                <p class="notice error node-conflict" role="alert">
                    {format!("Xung đột ở {}: hai người đã sửa cùng lúc. ", fields.join(", "))}
                    <button class="link" on:click=move |_| store.conflicts_open.set(true)>
                        "Xem và chọn"
                    </button>
                </p>
            }
        })
    }
}

#[component]
fn NodeReferences(id: NodeId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let refs = move || {
        store
            .state
            .with(|s| s.get(id).map(|n| n.references.clone()).unwrap_or_default())
    };
    view! {
        <Show when=move || !refs().is_empty()>
            <div class="field">
                <span>"Văn bản được viện dẫn"</span>
                <ul class="references">
                    {move || refs().into_iter().map(|r| {
                        let when = r.date.map(|d| format!(" ngày {}", format_date(d))).unwrap_or_default();
                        let summary = format!("{} {}{}", r.kind.name_vi(), r.number.clone().unwrap_or_default(), when);
                        view! { <li><strong>{summary}</strong><br/>{r.text}</li> }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

/// Who carries out the node: the lead first, each with its deadline and status; the standing
/// officer can open "Giao cho…" from here.
#[component]
fn Assignments(id: NodeId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let sheet = RwSignal::new(false);
    let can_assign = move || store.actor().role.edits_plan();
    let rows = move || {
        let today = crate::device::today();
        store.state.with(|s| {
            s.get(id)
                .map(|n| {
                    n.assignments
                        .iter()
                        .map(|a| {
                            let deadline = a.deadline_for(n).map(format_date);
                            (a.agency.clone(), a.role, deadline, a.status(n, today))
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let name_of = move |code: &str| {
        store.auth.agencies.with(|l| {
            l.iter()
                .find(|a| a.code == code)
                .map_or_else(|| code.to_owned(), |a| a.name.clone())
        })
    };
    view! {
        <div class="field assignments-field">
            <span>"Cơ quan thực hiện"</span>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    view! { <p class="hint">"Chưa giao cho cơ quan nào."</p> }.into_any()
                } else {
                    view! {
                        <ul class="assignments">
                            {rows.into_iter().map(|(code, role, deadline, status)| view! {
                                <li>
                                    <span class="role" class:lead=role == Role::Lead>{role.label_vi()}</span>
                                    <span class="agency-name">{name_of(&code)}</span>
                                    <span class="deadline">{deadline.map(|d| format!("hạn {d}")).unwrap_or_default()}</span>
                                    <span class=format!("task-status {}", status.css())>{status.label_vi()}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <Show when=can_assign>
                <button on:click=move |_| sheet.set(true)>"Giao cho…"</button>
            </Show>
            <Show when=move || sheet.get()>
                <AssignSheet id open=sheet />
            </Show>
        </div>
    }
}

/// The node's history, loaded when opened: who changed what, when, from which device.
#[component]
fn History(id: NodeId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let entries = RwSignal::new(None::<Result<Vec<HistoryEntry>, String>>);
    let load = move |ev: leptos::ev::Event| {
        let open = event_target::<web_sys::HtmlDetailsElement>(&ev).open();
        if !open {
            return;
        }
        let plan = store.plan_id();
        leptos::task::spawn_local(async move {
            entries.set(Some(
                crate::api::history(plan, id).await.map_err(|e| e.message),
            ));
        });
    };
    view! {
        <details class="history" on:toggle=load>
            <summary>"Lịch sử thay đổi"</summary>
            {move || match entries.get() {
                None => view! { <p class="hint">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="hint">{format!("Chưa xem được lịch sử: {e}")}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="hint">"Chưa có thay đổi nào."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ol class="history-list">
                        {list.into_iter().map(|h| {
                            let value = match &h.mutation {
                                Mutation::EditNode { edit, .. } | Mutation::ResolveConflict { edit, .. } => format!(": {}", edit.display()),
                                _ => String::new(),
                            };
                            let device = h.client.to_string().chars().rev().take(6).collect::<String>().chars().rev().collect::<String>();
                            view! {
                                <li>
                                    <span class="when">{crate::device::format_time(h.received_at.unwrap_or(h.at) as f64)}</span>
                                    <span class="who">{format!("{} ({})", h.name, h.username)}</span>
                                    <span class="what">{format!("{}{value}", h.mutation.describe_vi())}</span>
                                    <span class="device">{format!("thiết bị …{device}")}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </details>
    }
}
