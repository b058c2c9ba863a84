//! The board's agencies: grouped and searchable, each card with its load (lead, coordinating,
//! overdue) and, opened, its tasks. Cards are drop targets; an agency's tasks are dragged from
//! under its card to hand them over.

use leptos::prelude::*;
use shared::assignment::{self, Role};
use shared::ids::{AgencyCode, NodeId};
use shared::text::{Query, format_date};

use crate::components::board_ctx::BoardCtx;
use crate::components::dnd::{DragItem, Target};
use crate::state::PlanStore;
use shared::board::{agencies_for, search, short_title};
use shared::registry::form::grouped;

/// The agencies, grouped, searchable, each with its load; drop targets of the board.
#[component]
pub fn AgencyPanel() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let ctx = expect_context::<BoardCtx>();
    let query = RwSignal::new(String::new());
    // The agency whose tasks are listed under its card.
    let open = RwSignal::new(None::<AgencyCode>);
    let today = crate::device::today();
    let loads = Memo::new(move |_| store.state.with(|s| assignment::loads(s.nodes(), today)));
    let shown = Memo::new(move |_| {
        let on = store.plan.with(|p| p.metadata.issued_on);
        let q = Query::new(&query.get());
        let all = store.auth.agencies.get();
        loads.with(|l| grouped(search(agencies_for(&all, on, l), &q)))
    });
    let successor_name = move |code: &str| {
        store
            .auth
            .agencies
            .with(|l| l.iter().find(|a| a.code == code).map(|a| a.name.clone()))
    };
    view! {
        <section class="agency-pane" aria-label="Cơ quan thực hiện">
            <div class="filter">
                <input
                    type="search"
                    placeholder="Tìm cơ quan, ví dụ “so y te”"
                    aria-label="Tìm cơ quan"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </div>
            <div class="agency-list" data-autoscroll="">
                {move || {
                    let groups = shown.get();
                    if groups.is_empty() {
                        return view! { <p class="empty">"Không có cơ quan nào khớp."</p> }.into_any();
                    }
                    groups.into_iter().map(|(group, list)| view! {
                        <h3 class="agency-group">{group.name_vi()}</h3>
                        {list.into_iter().map(|a| {
                            let code = a.code.clone();
                            let code_for_class = code.clone();
                            let code_for_load = code.clone();
                            let (code_for_open, code_for_toggle, code_for_list) = (code.clone(), code.clone(), code.clone());
                            let over = move || ctx.dnd.active.with(|d| {
                                d.as_ref().is_some_and(|d| d.target == Some(Target::Agency(code_for_class.clone())))
                            });
                            let load = move || loads.with(|l| l.get(&code_for_load).copied().unwrap_or_default());
                            let successor = a.successor.as_deref().and_then(successor_name).map(|n| {
                                let since = a.valid_to.and_then(|d| d.succ_opt()).map(format_date).unwrap_or_default();
                                format!("Từ {since}: {n}")
                            });
                            view! {
                                <div class="agency-card" class:over=over data-agency=code.to_string() aria-label=a.name.clone()>
                                    <button
                                        class="agency-head"
                                        aria-expanded=move || if open.with(|o| o.as_deref() == Some(code_for_open.as_str())) { "true" } else { "false" }
                                        on:click=move |_| {
                                            if ctx.dnd.swallow_click() {
                                                return;
                                            }
                                            open.update(|o| {
                                                *o = if o.as_deref() == Some(code_for_toggle.as_str()) { None } else { Some(code_for_toggle.clone()) };
                                            });
                                        }
                                    >
                                        <span class="agency-name">{a.name.clone()}</span>
                                        <span class="agency-load">
                                            {move || {
                                                let l = load();
                                                format!("Chủ trì {} · Phối hợp {} · Quá hạn {}", l.lead, l.coordinating, l.overdue)
                                            }}
                                        </span>
                                        {successor.map(|s| view! { <span class="agency-successor">{s}</span> })}
                                    </button>
                                    {move || (open.with(|o| o.as_deref() == Some(code_for_list.as_str()))).then(|| view! {
                                        <AgencyTasks code=code_for_list.clone() />
                                    })}
                                </div>
                            }
                        }).collect_view()}
                    }).collect_view().into_any()
                }}
            </div>
        </section>
    }
}

/// An agency's tasks under its card: drag one onto another agency to hand it over, tap one to
/// show it in the tree.
#[component]
fn AgencyTasks(code: AgencyCode) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let ctx = expect_context::<BoardCtx>();
    let today = crate::device::today();
    let code_for_items = code.clone();
    let items = Memo::new(move |_| {
        store.state.with(|s| {
            let mut v: Vec<(NodeId, String, Role, assignment::TaskStatus)> = s
                .nodes()
                .filter_map(|n| {
                    let a = n.assignment(&code_for_items)?;
                    Some((n.id, short_title(s, n.id), a.role, a.status(n, today)))
                })
                .collect();
            v.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
            v
        })
    });
    view! {
        <ul class="agency-tasks">
            {move || {
                let list = items.get();
                if list.is_empty() {
                    return view! { <li class="hint">"Chưa được giao nhiệm vụ nào."</li> }.into_any();
                }
                list.into_iter().map(|(id, title, role, status)| {
                    let agency = code.clone();
                    let label = title.clone();
                    view! {
                        <li
                            class="agency-task"
                            class:lead=role == Role::Lead
                            on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                                if ctx.editable.get_untracked() {
                                    ctx.dnd.press(&ev, DragItem::Assignment { node: id, agency: agency.clone() }, label.clone());
                                }
                            }
                            on:click=move |_| {
                                if !ctx.dnd.swallow_click() {
                                    store.reveal(id);
                                }
                            }
                        >
                            <span class="role" class:lead=role == Role::Lead>{role.label_vi()}</span>
                            <span class="agency-task-title">{title}</span>
                            <span class=format!("task-status {}", status.css())>{status.label_vi()}</span>
                        </li>
                    }
                }).collect_view().into_any()
            }}
        </ul>
    }
}
