//! Modal sheets: "Chuyển đến…" (move a node under another) and the delete confirmation.

use leptos::prelude::*;
use shared::ids::NodeId;
use shared::mutation::{Mutation, Position};
use shared::text::{Query, fold};

use crate::state::PlanStore;

/// Most destinations listed at once; the search narrows the rest.
const MAX_DESTINATIONS: usize = 200;

#[component]
pub fn MoveDialog(id: NodeId, open: RwSignal<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let query = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Every node outside the moved subtree, in tree order, with its depth.
    let destinations = Memo::new(move |_| {
        store.state.with(|s| {
            store.outline.with(|o| {
                let mut out = Vec::new();
                let mut stack: Vec<(NodeId, usize)> =
                    o.children(None).iter().rev().map(|&c| (c, 0)).collect();
                while let Some((n, depth)) = stack.pop() {
                    if n == id {
                        continue;
                    }
                    if let Some(node) = s.get(n) {
                        let text = format!("{} {}", node.label, node.title);
                        out.push((n, depth, text.clone(), fold(&text)));
                    }
                    stack.extend(o.children(Some(n)).iter().rev().map(|&c| (c, depth + 1)));
                }
                out
            })
        })
    });
    let shown = move || {
        let q = Query::new(&query.get());
        destinations.with(|d| {
            d.iter()
                .filter(|(_, _, _, folded)| q.is_empty() || q.matches_folded(folded))
                .take(MAX_DESTINATIONS)
                .map(|(n, depth, text, _)| (*n, *depth, text.clone()))
                .collect::<Vec<_>>()
        })
    };
    let choose = move |parent: Option<NodeId>| match store.dispatch(Mutation::MoveNode {
        id,
        parent,
        position: Position::Last,
    }) {
        Ok(()) => {
            open.set(false);
            store.reveal(id);
        }
        Err(e) => error.set(Some(e.to_string())),
    };
    let title = move || {
        store.state.with(|s| {
            s.get(id)
                .map(|n| n.title.chars().take(80).collect::<String>())
                .unwrap_or_default()
        })
    };
    view! {
        <div class="backdrop" on:click=move |_| open.set(false)>
            <div class="sheet" role="dialog" aria-modal="true" aria-label="Chuyển đến" on:click=|ev| ev.stop_propagation()>
                <h2>"Chuyển đến…"</h2>
                <p class="muted">{move || format!("Chọn mục cha mới cho “{}”. Mục được chuyển cùng các mục con.", title())}</p>
                <input
                    type="search"
                    aria-label="Tìm mục đích"
                    placeholder="Tìm theo nội dung"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <ul class="destinations">
                    <li>
                        <button class="destination" on:click=move |_| choose(None)>"(Cấp cao nhất của kế hoạch)"</button>
                    </li>
                    {move || shown().into_iter().map(|(n, depth, text)| view! {
                        <li>
                            <button
                                class="destination"
                                style:padding-left=format!("{}px", 12 + depth * 16)
                                on:click=move |_| choose(Some(n))
                            >
                                {text}
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
                <div class="actions">
                    <button on:click=move |_| open.set(false)>"Huỷ"</button>
                </div>
            </div>
        </div>
    }
}

#[component]
pub fn ConfirmDelete(id: NodeId, open: RwSignal<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let (title, below) = store.state.with_untracked(|s| {
        (
            s.get(id)
                .map(|n| n.title.chars().take(120).collect::<String>())
                .unwrap_or_default(),
            s.subtree(id).len().saturating_sub(1),
        )
    });
    let message = if below > 0 {
        format!("Xoá “{title}” cùng {below} mục con?")
    } else {
        format!("Xoá “{title}”?")
    };
    let confirm = move |_| {
        let parent = store
            .state
            .with_untracked(|s| s.get(id).and_then(|n| n.parent));
        if let Err(e) = store.dispatch(Mutation::DeleteNode { id }) {
            store.say(e, true);
        }
        open.set(false);
        store.selected.set(parent);
    };
    view! {
        <div class="backdrop" on:click=move |_| open.set(false)>
            <div class="sheet" role="alertdialog" aria-modal="true" aria-label="Xác nhận xoá" on:click=|ev| ev.stop_propagation()>
                <h2>"Xác nhận xoá"</h2>
                <p>{message}</p>
                <div class="actions">
                    <button on:click=move |_| open.set(false)>"Huỷ"</button>
                    <button class="danger" on:click=confirm>"Xoá"</button>
                </div>
            </div>
        </div>
    }
}
