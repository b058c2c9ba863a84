//! The assignment board: the plan tree beside the agencies (grouped and searchable, each with
//! its load). Drag a task onto an agency to assign it (lead if it has none, else coordinating),
//! drag an agency's chip onto another agency to hand its part over, drag a task within the tree
//! to reorder or re-parent it. Every drop can be undone in one tap; "Giao cho…" and
//! "Chuyển đến…" do the same without dragging, and the keyboard opens "Giao cho…" with G.

use leptos::prelude::*;
use shared::assignment::{self, Role};
use shared::ids::NodeId;
use shared::mutation::Mutation;
use shared::registry::{Agency, AgencyGroup, name_of as agency_name};
use shared::text::{Query, format_date};
use std::collections::HashMap;

use crate::components::board_ctx::{BoardCtx, Undo};
use crate::components::dnd::{Dnd, DragItem, Target, Zone};
use crate::components::tree::Tree;
use crate::error::AppError;
use crate::state::PlanStore;
use shared::board::{agencies_for, plan_drop, search, short_title};

/// Makes `mutations`; stops at the first refusal and says why.
fn apply_all(store: &PlanStore, mutations: Vec<Mutation>) -> Result<(), AppError> {
    for m in mutations {
        store.dispatch(m)?;
    }
    Ok(())
}

#[component]
pub fn Board() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let undo = RwSignal::new(None::<Undo>);
    let editable = Signal::derive(move || store.actor().role.edits_plan());
    let dnd = Dnd::new(move |item, target| {
        crate::device::mark("drop");
        let agencies = store.auth.agencies.get_untracked();
        let planned = store
            .state
            .with_untracked(|s| plan_drop(s, &agencies, &item, &target));
        match planned {
            Ok(None) => {}
            Ok(Some(p)) => match apply_all(&store, p.mutations) {
                Ok(()) => undo.set(Some(Undo {
                    text: p.words,
                    mutations: p.undo,
                })),
                Err(e) => store.say(e, true),
            },
            Err(e) => store.say(e.to_string(), true),
        }
    });
    let ctx = BoardCtx {
        dnd,
        assign_for: RwSignal::new(None),
        undo,
        editable,
    };
    provide_context(ctx);
    view! {
        <div class="board" class:dragging=move || dnd.active.with(Option::is_some)>
            <p class="hint board-hint">
                {move || if editable.get() {
                    "Kéo nhiệm vụ thả vào cơ quan để giao việc (máy tính bảng: nhấn giữ nửa giây rồi kéo). Kéo trong cây để sắp xếp. Bàn phím: chọn nhiệm vụ, nhấn G."
                } else {
                    "Bảng giao việc (chỉ xem)."
                }}
            </p>
            <div class="board-split">
                <Tree board=true />
                <AgencyPanel />
            </div>
            <UndoBar />
            <Ghost />
            {move || ctx.assign_for.get().map(|id| {
                let open = RwSignal::new(true);
                Effect::new(move |_| {
                    if !open.get() {
                        ctx.assign_for.set(None);
                    }
                });
                view! { <AssignSheet id open /> }
            })}
        </div>
    }
}

/// The item under the finger while dragging, with what a drop there would do.
#[component]
fn Ghost() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let store = expect_context::<PlanStore>();
    move || {
        ctx.dnd.active.get().map(|a| {
            let agencies = store.auth.agencies.get_untracked();
            let hint = match (&a.item, &a.target) {
                (_, None) => String::new(),
                (DragItem::Task(id), Some(Target::Row(on, _)))
                    if store
                        .state
                        .with_untracked(|s| s.is_ancestor_or_self(*id, *on))
                        && id != on =>
                {
                    shared::mutation::MutationError::Cycle {
                        id: *id,
                        parent: *on,
                    }
                    .to_string()
                }
                (DragItem::Task(_), Some(Target::Row(_, Zone::Inside))) => {
                    "Thả để chuyển vào mục này".into()
                }
                (DragItem::Task(_), Some(Target::Row(..))) => "Thả để chuyển đến đây".into(),
                (DragItem::Task(_), Some(Target::Agency(code))) => {
                    format!("Thả để giao cho {}", agency_name(&agencies, code))
                }
                (DragItem::Assignment { .. }, Some(Target::Agency(code))) => {
                    format!("Thả để chuyển sang {}", agency_name(&agencies, code))
                }
                (DragItem::Assignment { .. }, Some(Target::Row(..))) => String::new(),
            };
            view! {
                <div
                    class="drag-ghost"
                    role="status"
                    style:transform=format!("translate({}px, {}px)", a.x + 12.0, a.y + 12.0)
                >
                    <span class="ghost-label">{a.label.clone()}</span>
                    <span class="ghost-hint">{hint}</span>
                </div>
            }
        })
    }
}

/// "Đã giao … [Hoàn tác]": one tap undoes the last drop.
#[component]
fn UndoBar() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let store = expect_context::<PlanStore>();
    move || {
        ctx.undo.get().map(|u| {
            let again = u.mutations.clone();
            view! {
                <div class="undo-bar" role="status">
                    <span>{u.text.clone()}</span>
                    <button
                        class="primary"
                        on:click=move |_| {
                            match apply_all(&store, again.clone()) {
                                Ok(()) => store.say("Đã hoàn tác.", false),
                                Err(e) => store.say(e, true),
                            }
                            ctx.undo.set(None);
                        }
                    >
                        "Hoàn tác"
                    </button>
                    <button class="link" aria-label="Đóng" on:click=move |_| ctx.undo.set(None)>"✕"</button>
                </div>
            }
        })
    }
}

/// The agencies, grouped, searchable, each with its load; drop targets of the board.
#[component]
fn AgencyPanel() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let ctx = expect_context::<BoardCtx>();
    let query = RwSignal::new(String::new());
    // The agency whose tasks are listed under its card.
    let open = RwSignal::new(None::<String>);
    let today = crate::device::today();
    let loads = Memo::new(move |_| store.state.with(|s| assignment::loads(s.nodes(), today)));
    let shown = Memo::new(move |_| {
        let on = store.plan.with(|p| p.metadata.issued_on);
        let q = Query::new(&query.get());
        let all = store.auth.agencies.get();
        loads.with(|l| {
            let list = agencies_for(&all, on, l);
            let mut groups: Vec<(AgencyGroup, Vec<Agency>)> = Vec::new();
            for a in search(list, &q) {
                match groups.iter_mut().find(|(g, _)| *g == a.group) {
                    Some((_, v)) => v.push(a),
                    None => groups.push((a.group, vec![a])),
                }
            }
            let order = |g: &AgencyGroup| match g {
                AgencyGroup::Department => 0,
                AgencyGroup::ArmedForces => 1,
                AgencyGroup::MassOrganisation => 2,
                AgencyGroup::Other => 3,
                AgencyGroup::Local => 4,
            };
            groups.sort_by_key(|(g, _)| order(g));
            groups
        })
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
                                <div class="agency-card" class:over=over data-agency=code.clone() aria-label=a.name.clone()>
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

/// "Giao cho…": assign a task without dragging (and change or remove assignments). Fully usable
/// with the keyboard: the search field has the focus, Enter assigns the first match.
#[component]
pub fn AssignSheet(id: NodeId, open: RwSignal<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let undo = use_context::<BoardCtx>().map(|c| c.undo);
    let query = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let node = move || store.state.with(|s| s.get(id).cloned());
    let default_role =
        move || node().map_or(Role::Lead, |n| assignment::role_for_drop(&n.assignments));
    let role = RwSignal::new(default_role());
    let matches = Memo::new(move |_| {
        let q = Query::new(&query.get());
        let on = store.plan.with(|p| p.metadata.issued_on);
        let all = store.auth.agencies.get();
        let assigned: HashMap<String, assignment::Load> = node()
            .map(|n| {
                n.assignments
                    .iter()
                    .map(|a| (a.agency.clone(), assignment::Load::default()))
                    .collect()
            })
            .unwrap_or_default();
        // Enter takes the first.
        let unassigned = agencies_for(&all, on, &assigned)
            .into_iter()
            .filter(|a| !assigned.contains_key(&a.code));
        search(unassigned, &q)
    });
    let assign = move |code: String| {
        let before = node().map(|n| n.assignments).unwrap_or_default();
        let r = role.get_untracked();
        // What undoes it: the agency taken off, and a lead it displaced made lead again.
        let mut inverse = vec![Mutation::Unassign {
            id,
            agency: code.clone(),
        }];
        if r == Role::Lead
            && let Some(old) = before.iter().find(|a| a.role == Role::Lead)
        {
            inverse.push(Mutation::Assign {
                id,
                agency: old.agency.clone(),
                role: Role::Lead,
                deadline: old.deadline,
            });
        }
        match store.dispatch(Mutation::Assign {
            id,
            agency: code.clone(),
            role: r,
            deadline: None,
        }) {
            Ok(()) => {
                let name = agency_name(&store.auth.agencies.get_untracked(), &code);
                if let Some(undo) = undo {
                    undo.set(Some(Undo {
                        text: format!("Đã giao cho {name} ({}).", r.label_vi().to_lowercase()),
                        mutations: inverse,
                    }));
                }
                store.say(
                    format!("Đã giao cho {name} ({}).", r.label_vi().to_lowercase()),
                    false,
                );
                open.set(false);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let change = move |m: Mutation| {
        error.set(store.dispatch(m).err().map(|e| e.to_string()));
    };
    crate::dom::focus_later("#assign-search".into());
    view! {
        <div class="backdrop" on:click=move |_| open.set(false)>
            <div
                class="sheet assign-sheet"
                role="dialog"
                aria-modal="true"
                aria-labelledby="assign-title"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                <h2 id="assign-title">"Giao cho…"</h2>
                <p class="sheet-subject">{move || store.state.with(|s| short_title(s, id))}</p>
                {move || {
                    let current = node().map(|n| n.assignments).unwrap_or_default();
                    (!current.is_empty()).then(|| {
                        let agencies = store.auth.agencies.get();
                        view! {
                            <ul class="current-assignments">
                                {current.into_iter().map(|a| {
                                    let code = a.agency.clone();
                                    let (c1, c2, c3) = (code.clone(), code.clone(), code.clone());
                                    let other = match a.role { Role::Lead => Role::Coordinating, Role::Coordinating => Role::Lead };
                                    let deadline = a.deadline;
                                    view! {
                                        <li>
                                            <span class="role" class:lead=a.role == Role::Lead>{a.role.label_vi()}</span>
                                            <span class="agency-name">{agency_name(&agencies, &code)}</span>
                                            <input
                                                type="text"
                                                inputmode="numeric"
                                                placeholder="hạn riêng dd/mm/yyyy"
                                                aria-label=format!("Hạn riêng của {}", agency_name(&agencies, &code))
                                                prop:value=deadline.map(format_date).unwrap_or_default()
                                                on:change=move |ev| {
                                                    let text = event_target_value(&ev);
                                                    let d = shared::text::parse_date(&text);
                                                    if text.trim().is_empty() || d.is_some() {
                                                        change(Mutation::Assign { id, agency: c3.clone(), role: a.role, deadline: d });
                                                    } else {
                                                        error.set(Some("Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy.".into()));
                                                    }
                                                }
                                            />
                                            <button on:click=move |_| change(Mutation::Assign { id, agency: c1.clone(), role: other, deadline })>
                                                {format!("Đổi thành {}", other.label_vi().to_lowercase())}
                                            </button>
                                            <button class="danger" on:click=move |_| change(Mutation::Unassign { id, agency: c2.clone() })>"Bỏ giao"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    })
                }}
                <fieldset class="role-choice">
                    <legend>"Vai trò"</legend>
                    <label>
                        <input type="radio" name="assign-role" prop:checked=move || role.get() == Role::Lead on:change=move |_| role.set(Role::Lead) />
                        "Chủ trì"
                    </label>
                    <label>
                        <input type="radio" name="assign-role" prop:checked=move || role.get() == Role::Coordinating on:change=move |_| role.set(Role::Coordinating) />
                        "Phối hợp"
                    </label>
                </fieldset>
                <input
                    id="assign-search"
                    type="search"
                    placeholder="Tìm cơ quan; Enter để giao cho cơ quan đầu tiên"
                    aria-label="Tìm cơ quan để giao"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            if let Some(first) = matches.with_untracked(|m| m.first().map(|a| a.code.clone())) {
                                assign(first);
                            }
                        }
                    }
                />
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <ul class="destinations">
                    {move || matches.get().into_iter().map(|a| {
                        let code = a.code.clone();
                        view! {
                            <li>
                                <button class="destination" on:click=move |_| assign(code.clone())>
                                    {a.name.clone()}
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="actions">
                    <button on:click=move |_| open.set(false)>"Đóng"</button>
                </div>
            </div>
        </div>
    }
}

/// An agency's tasks under its card: drag one onto another agency to hand it over, tap one to
/// show it in the tree.
#[component]
fn AgencyTasks(code: String) -> impl IntoView {
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
