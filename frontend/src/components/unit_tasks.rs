//! "Nhiệm vụ của đơn vị": an agency's tasks as lead and as coordinator, overdue first, then by
//! deadline; its officers report progress here and add the agency's own sub-tasks (its concrete
//! plan) under a task it was given.

use leptos::prelude::*;
use shared::access::UserRole;
use shared::assignment::{Role, TaskStatus};
use shared::ids::{AgencyCode, NodeId};
use shared::mutation::{Mutation, Position};
use shared::registry::name_of as agency_name;
use shared::text::format_date;
use shared::validate;

use crate::state::{PlanStore, new_id};

#[derive(Debug, Clone, PartialEq)]
struct Item {
    id: NodeId,
    label: String,
    title: String,
    role: Role,
    deadline: Option<chrono::NaiveDate>,
    status: TaskStatus,
    progress: u8,
    /// The agency's own sub-tasks under it: (id, title, progress).
    subtasks: Vec<(NodeId, String, u8)>,
}

#[component]
pub fn UnitTasks() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let fixed = (actor.role == UserRole::AgencyOfficer)
        .then(|| actor.agency.clone())
        .flatten();
    let agency = RwSignal::new(fixed.clone().or(actor.agency.clone()).unwrap_or_default());
    let today = crate::device::today();
    let items = Memo::new(move |_| {
        let code = agency.get();
        store.state.with(|s| {
            let mut out: Vec<Item> = s
                .nodes()
                .filter_map(|n| {
                    let a = n.assignment(&code)?;
                    let subtasks = s
                        .children(Some(n.id))
                        .into_iter()
                        .filter(|c| c.owner.as_deref() == Some(code.as_str()))
                        .map(|c| (c.id, c.title.clone(), c.progress))
                        .collect();
                    Some(Item {
                        id: n.id,
                        label: n.label.clone(),
                        title: n.title.clone(),
                        role: a.role,
                        deadline: a.deadline_for(n),
                        status: a.status(n, today),
                        progress: n.progress,
                        subtasks,
                    })
                })
                .collect();
            // Overdue first, then by deadline (none last), then lead before coordinating.
            out.sort_by(|a, b| {
                (
                    !a.status.is_overdue(),
                    a.status.is_done(),
                    a.deadline.is_none(),
                    a.deadline,
                    a.role,
                    &a.label,
                )
                    .cmp(&(
                        !b.status.is_overdue(),
                        b.status.is_done(),
                        b.deadline.is_none(),
                        b.deadline,
                        b.role,
                        &b.label,
                    ))
            });
            out
        })
    });
    let counts = move || {
        items.with(|l| {
            (
                l.iter().filter(|i| i.role == Role::Lead).count(),
                l.iter().filter(|i| i.role == Role::Coordinating).count(),
                l.iter().filter(|i| i.status.is_overdue()).count(),
            )
        })
    };
    view! {
        <section class="unit-tasks" aria-label="Nhiệm vụ của đơn vị">
            <div class="unit-head">
                <h2>"Nhiệm vụ của đơn vị"</h2>
                {match fixed {
                    Some(code) => view! {
                        <p class="unit-name">{move || agency_name(&store.auth.agencies.get(), &code)}</p>
                    }.into_any(),
                    None => view! {
                        <label class="unit-pick">
                            "Đơn vị "
                            <select
                                aria-label="Chọn đơn vị"
                                on:change=move |ev| agency.set(event_target_value(&ev).into())
                            >
                                <option value="" selected=move || agency.get().is_empty()>"— chọn đơn vị —"</option>
                                {move || store.auth.agencies.get().into_iter().map(|a| {
                                    let code = a.code.clone();
                                    let selected = agency.get_untracked() == code;
                                    view! { <option value=code.to_string() selected=selected>{a.name}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                    }.into_any(),
                }}
                <p class="unit-counts">
                    {move || {
                        let (lead, coord, overdue) = counts();
                        format!("Chủ trì {lead} · Phối hợp {coord} · Quá hạn {overdue}")
                    }}
                </p>
            </div>
            {move || {
                let list = items.get();
                if list.is_empty() {
                    return view! { <p class="empty">"Đơn vị chưa được giao nhiệm vụ nào trong kế hoạch này."</p> }.into_any();
                }
                view! {
                    <ol class="unit-list">
                        {list.into_iter().map(|item| view! { <UnitTask item agency /> }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <crate::components::task_inspections::AgencyFollowUps agency />
        </section>
    }
}

#[component]
fn UnitTask(item: Item, agency: RwSignal<AgencyCode>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let id = item.id;
    let error = RwSignal::new(None::<String>);
    let new_title = RwSignal::new(String::new());
    let can_progress = move || store.may_edit(id, true);
    let can_add = move || store.may_add(Some(id));
    let set_progress =
        move |p: u8| error.set(store.set_progress(id, p).err().map(|e| e.to_string()));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let title = match validate::title(&new_title.get_untracked()) {
            Ok(title) => title,
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        let result = store.dispatch(Mutation::CreateNode {
            id: new_id(),
            parent: Some(id),
            position: Position::Last,
            title,
            body: None,
            deadline: None,
            label: String::new(),
            owner: Some(agency.get_untracked()).filter(|a| !a.is_empty()),
        });
        match result {
            Ok(()) => {
                new_title.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let heading = if item.label.is_empty() {
        item.title.clone()
    } else {
        format!("{}. {}", item.label, item.title)
    };
    view! {
        <li class="unit-task" data-task=id.to_string()>
            <div class="unit-task-head">
                <span class="role" class:lead=item.role == Role::Lead>{item.role.label_vi()}</span>
                <span class=format!("task-status {}", item.status.css())>{item.status.label_vi()}</span>
                <span class="deadline">
                    {item.deadline.map(|d| format!("Hạn {}", format_date(d))).unwrap_or_else(|| "Không có hạn".into())}
                </span>
            </div>
            <p class="unit-task-title">{heading}</p>
            <label class="progress-line">
                "Tiến độ (%) "
                <input
                    type="number"
                    inputmode="numeric"
                    min="0"
                    max="100"
                    aria-label="Tiến độ"
                    disabled=move || !can_progress()
                    prop:value=item.progress.to_string()
                    on:change=move |ev| {
                        match validate::progress_text(&event_target_value(&ev)) {
                            Ok(p) => set_progress(p),
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    }
                />
            </label>
            {(!item.subtasks.is_empty()).then(|| view! {
                <ul class="subtasks">
                    {item.subtasks.iter().map(|(sid, title, p)| {
                        let sid = *sid;
                        view! {
                            <li>
                                <button class="link" on:click=move |_| store.reveal(sid)>{title.clone()}</button>
                                <span class="hint">{format!(" · {p} %")}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <Show when=can_add>
                <form class="add-subtask" on:submit=add>
                    <input
                        type="text"
                        placeholder="Thêm nhiệm vụ con của đơn vị…"
                        aria-label="Tên nhiệm vụ con"
                        prop:value=move || new_title.get()
                        on:input=move |ev| new_title.set(event_target_value(&ev))
                    />
                    <button type="submit">"Thêm"</button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </li>
    }
}
