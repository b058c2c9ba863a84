//! The plan as a collapsible tree, with a diacritic-insensitive filter. Only the rows near the
//! visible part of the list are in the page, so a plan of thousands of nodes renders at once.

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::CustomAttribute;
use shared::ids::NodeId;
use shared::rows::Row;
use shared::text::Query;

use crate::components::board_ctx::BoardCtx;
use crate::components::dnd::{DragItem, Target, Zone};
use crate::state::PlanStore;
use shared::assignment::Role;

/// Height of one row in pixels (two lines of title); the CSS uses the same value.
const ROW_HEIGHT: i32 = 64;
/// Rows rendered above and below the visible part, once the tree is on screen: its first frame
/// has only the rows that fill the screen (a third of the rows, a third of the work).
const OVERSCAN: i32 = 12;
/// Rows rendered when neither the list's nor the window's height is known.
const DEFAULT_VISIBLE: i32 = 24;

/// The tree; on the assignment board (`board`), rows can be dragged (onto agencies, or within
/// the tree) and show their agencies as chips.
#[component]
pub fn Tree(#[prop(optional)] board: bool) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let ctx = board.then(|| expect_context::<BoardCtx>());
    let scroll_top = RwSignal::new(0i32);
    // Until the list is measured (after the first frame): the window's height, which the list
    // never exceeds.
    let window_height = web_sys::window()
        .and_then(|w| w.inner_height().ok()?.as_f64())
        .map_or(DEFAULT_VISIBLE * ROW_HEIGHT, |h| h as i32);
    let viewport = RwSignal::new(window_height.max(ROW_HEIGHT));
    let overscan = RwSignal::new(0i32);
    let list = NodeRef::<leptos::html::Div>::new();
    leptos::task::spawn_local(async move {
        crate::device::after_paint().await;
        if let Some(el) = list.try_get_untracked().flatten() {
            let _ = viewport.try_set(el.client_height().max(ROW_HEIGHT));
        }
        let _ = overscan.try_set(OVERSCAN);
    });

    let rows = Memo::new(move |_| {
        let query = Query::new(&store.query.get());
        store.state.with(|s| {
            store
                .expanded
                .with(|e| store.outline.with(|o| o.rows(s, e, &query)))
        })
    });

    Effect::new(|_| crate::device::mark("tree-mounted"));

    // Bring the selected row into view when it changes.
    Effect::new(move |_| {
        let Some(sel) = store.selected.get() else {
            return;
        };
        let Some(index) = rows.with_untracked(|r| r.iter().position(|row| row.id == sel)) else {
            return;
        };
        if let Some(el) = list.get_untracked() {
            let top = index as i32 * ROW_HEIGHT;
            let (view_top, height) = (el.scroll_top(), el.client_height());
            if top < view_top || top + ROW_HEIGHT > view_top + height {
                el.set_scroll_top((top - height / 3).max(0));
            }
        }
    });

    // The task being dragged stays in the page even when scrolled far away: its element holds
    // the pointer.
    let dragged = move || {
        ctx.and_then(|c| {
            c.dnd.active.with(|a| match a.as_ref().map(|a| &a.item) {
                Some(DragItem::Task(id)) => Some(*id),
                _ => None,
            })
        })
    };
    let window = move || {
        let overscan = overscan.get();
        let first = (scroll_top.get() / ROW_HEIGHT - overscan).max(0) as usize;
        // (+1: a row cut by the bottom edge)
        let count = (viewport.get() / ROW_HEIGHT + 1 + 2 * overscan) as usize;
        let keep = dragged();
        rows.with(|r| {
            let mut shown: Vec<(usize, Row)> = r
                .iter()
                .enumerate()
                .skip(first)
                .take(count)
                .map(|(i, row)| (i, *row))
                .collect();
            if let Some(id) = keep
                && !shown.iter().any(|(_, row)| row.id == id)
                && let Some((i, row)) = r.iter().enumerate().find(|(_, row)| row.id == id)
            {
                shown.push((i, *row));
            }
            shown
        })
    };

    let on_scroll = move |_| {
        if let Some(el) = list.get_untracked() {
            scroll_top.set(el.scroll_top());
            viewport.set(el.client_height().max(ROW_HEIGHT));
        }
    };

    view! {
        <section class="tree-pane" class:board-tree=board aria-label="Cây kế hoạch">
            <div class="filter">
                <input
                    type="search"
                    placeholder="Lọc: gõ không dấu cũng được, ví dụ “giao duc”"
                    aria-label="Lọc cây kế hoạch"
                    prop:value=move || store.query.get()
                    on:input=move |ev| {
                        store.query.set(event_target_value(&ev));
                        if let Some(el) = list.get_untracked() {
                            el.set_scroll_top(0);
                        }
                        scroll_top.set(0);
                    }
                />
                <span class="count">
                    {move || {
                        let q = store.query.get();
                        if q.trim().is_empty() {
                            String::new()
                        } else {
                            let n = rows.with(|r| r.iter().filter(|row| row.matched).count());
                            format!("{n} mục khớp")
                        }
                    }}
                </span>
            </div>
            <div class="tree" role="tree" aria-label="Các mục của kế hoạch" node_ref=list on:scroll=on_scroll data-autoscroll="">
                <div class="tree-inner" style:height=move || format!("{}px", rows.with(|r| r.len()) as i32 * ROW_HEIGHT)>
                    <For each=window key=|(i, row)| (*i, *row) let((index, row))>
                        <TreeRow row index rows ctx />
                    </For>
                </div>
                <Show when=move || rows.with(|r| r.is_empty())>
                    <p class="empty">
                        {move || if store.scoped() && store.query.get().trim().is_empty() {
                            "Đơn vị chưa được giao nhiệm vụ nào trong kế hoạch này."
                        } else {
                            "Không có mục nào khớp."
                        }}
                    </p>
                </Show>
            </div>
            <Show when=move || !board && store.scoped()>
                <p class="scope-note">
                    "Máy này chỉ tải các nhiệm vụ giao cho đơn vị, các việc bên dưới và các mục chứa chúng."
                </p>
            </Show>
        </section>
    }
}

#[component]
fn TreeRow(row: Row, index: usize, rows: Memo<Vec<Row>>, ctx: Option<BoardCtx>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let id: NodeId = row.id;
    let drag = ctx.filter(|c| c.editable.get_untracked());
    // Where a drop over this row would go, for its highlight.
    let drop_class = move || {
        let Some(c) = ctx else { return "" };
        c.dnd.active.with(|a| {
            let Some(a) = a else { return "" };
            match (&a.item, &a.target) {
                (DragItem::Task(moving), Some(Target::Row(on, zone))) if *on == id => {
                    if *moving != id
                        && store
                            .state
                            .with_untracked(|s| s.is_ancestor_or_self(*moving, id))
                    {
                        "drop-invalid"
                    } else {
                        match zone {
                            Zone::Before => "drop-before",
                            Zone::Inside => "drop-inside",
                            Zone::After => "drop-after",
                        }
                    }
                }
                (DragItem::Task(moving), _) if *moving == id => "drag-source",
                _ => "",
            }
        })
    };
    let chips = move || {
        if ctx.is_none() {
            return Vec::new();
        }
        store.state.with(|s| {
            s.get(id)
                .map(|n| {
                    n.assignments
                        .iter()
                        .map(|a| (a.agency.clone(), a.role))
                        .collect()
                })
                .unwrap_or_default()
        })
    };
    let rows_at = move |i: usize| rows.with_untracked(|r| r.get(i).map(|x| x.id));
    let node = move || {
        store
            .state
            .with(|s| s.get(id).map(|n| (n.label.clone(), n.title.clone())))
    };
    let label = move || node().map(|n| n.0).unwrap_or_default();
    let title = move || node().map(|n| n.1).unwrap_or_default();
    let selected = move || store.selected.get() == Some(id);
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        store.expanded.update(|e| {
            if !e.remove(&id) {
                e.insert(id);
            }
        });
    };
    let filtering = move || !store.query.with(|q| q.trim().is_empty());
    view! {
        <div
            class=move || format!("row {}", drop_class())
            class:selected=selected
            class:matched=row.matched
            role="treeitem"
            aria-expanded=row.has_children.then_some(if row.expanded { "true" } else { "false" })
            aria-selected=move || if selected() { "true" } else { "false" }
            data-id=id.to_string()
            style:transform=format!("translateY({}px)", index as i32 * ROW_HEIGHT)
            style:padding-left=format!("{}px", 4 + row.depth * 18)
            tabindex="0"
            on:click=move |_| {
                if drag.is_some_and(|c| c.dnd.swallow_click()) {
                    return;
                }
                store.selected.set(Some(id));
            }
            on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                if let Some(c) = drag {
                    let text = store.state.with_untracked(|s| {
                        s.get(id).map(|n| format!("{} {}", n.label, n.title)).unwrap_or_default()
                    });
                    c.dnd.press(&ev, DragItem::Task(id), text.chars().take(80).collect());
                }
            }
            on:contextmenu=move |ev: leptos::ev::MouseEvent| {
                // A long press is a drag here, not the browser's menu.
                if drag.is_some_and(|c| c.dnd.pressing() || c.dnd.active.with_untracked(Option::is_some)) {
                    ev.prevent_default();
                }
            }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if let Some(c) = drag
                    && ev.key().eq_ignore_ascii_case("g")
                    && !ev.ctrl_key()
                    && !ev.meta_key()
                {
                    ev.prevent_default();
                    store.selected.set(Some(id));
                    c.assign_for.set(Some(id));
                    return;
                }
                let open = |yes: bool| {
                    store.expanded.update(|e| {
                        if yes {
                            e.insert(id);
                        } else {
                            e.remove(&id);
                        }
                    })
                };
                match ev.key().as_str() {
                    "Enter" | " " => store.selected.set(Some(id)),
                    "ArrowRight" if row.has_children => open(true),
                    "ArrowLeft" if row.has_children => open(false),
                    "ArrowDown" | "ArrowUp" => {
                        let next = if ev.key() == "ArrowDown" { index + 1 } else { index.saturating_sub(1) };
                        if let Some(to) = rows_at(next) {
                            crate::dom::focus_later(format!("[data-id=\"{to}\"]"));
                        }
                    }
                    _ => return,
                }
                ev.prevent_default();
                // The row is rendered anew when it opens or closes: keep the focus on it.
                if matches!(ev.key().as_str(), "ArrowRight" | "ArrowLeft") {
                    crate::dom::focus_later(format!("[data-id=\"{id}\"]"));
                }
            }
        >
            {if row.has_children {
                view! {
                    <button
                        class="toggle"
                        aria-label=if row.expanded { "Thu gọn" } else { "Mở rộng" }
                        disabled=filtering
                        on:click=toggle
                    >
                        {if row.expanded { "▾" } else { "▸" }}
                    </button>
                }.into_any()
            } else {
                view! { <span class="toggle-space"></span> }.into_any()
            }}
            <span class="label">{label}</span>
            <span class="title">{title}</span>
            {move || {
                let chips = chips();
                (!chips.is_empty()).then(|| view! {
                    <span class="chips">
                        {chips.into_iter().map(|(code, role)| {
                            let c2 = code.clone();
                            view! {
                                <span
                                    class="chip"
                                    class:lead=role == Role::Lead
                                    title=format!("{} – kéo sang cơ quan khác để chuyển", role.label_vi())
                                    on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                                        if let Some(c) = drag {
                                            ev.stop_propagation();
                                            c.dnd.press(&ev, DragItem::Assignment { node: id, agency: c2.clone() }, c2.to_string());
                                        }
                                    }
                                >
                                    {code.to_string()}
                                </span>
                            }
                        }).collect_view()}
                    </span>
                })
            }}
        </div>
    }
    // Leptos has no typed `aria-level` attribute.
    .attr("aria-level", (row.depth + 1).to_string())
}
