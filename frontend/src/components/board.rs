//! The assignment board: the plan tree beside the agencies (grouped and searchable, each with
//! its load). Drag a task onto an agency to assign it (lead if it has none, else coordinating),
//! drag an agency's chip onto another agency to hand its part over, drag a task within the tree
//! to reorder or re-parent it. Every drop can be undone in one tap; "Giao cho…" and
//! "Chuyển đến…" do the same without dragging, and the keyboard opens "Giao cho…" with G.

use leptos::prelude::*;
use shared::mutation::Mutation;
use shared::registry::name_of as agency_name;

use crate::components::agency_panel::AgencyPanel;
use crate::components::assign_sheet::AssignSheet;
use crate::components::board_ctx::{BoardCtx, Undo};
use crate::components::dnd::{Dnd, DragItem, Target, Zone};
use crate::components::tree::Tree;
use crate::error::AppError;
use crate::state::PlanStore;
use shared::board::plan_drop;

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
