//! "Giao cho…": a task's assignments without dragging, from the board, the tree's detail pane
//! and the keyboard (G).

use leptos::prelude::*;
use shared::assignment::{self, Role};
use shared::ids::{AgencyCode, NodeId};
use shared::mutation::Mutation;
use shared::registry::name_of as agency_name;
use shared::text::{Query, format_date};
use std::collections::HashMap;

use crate::components::board_ctx::{BoardCtx, Undo};
use crate::state::PlanStore;
use shared::board::{agencies_for, search, short_title};

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
        let assigned: HashMap<AgencyCode, assignment::Load> = node()
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
    let assign = move |code: AgencyCode| {
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
                                                    let d = (!text.trim().is_empty()).then(|| shared::validate::date(&text)).transpose();
                                                    match d {
                                                        Ok(deadline) => change(Mutation::Assign { id, agency: c3.clone(), role: a.role, deadline }),
                                                        Err(e) => error.set(Some(e.to_string())),
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
