//! The open plan's state on the device: the nodes, the outline the tree shows, and what the
//! user is looking at. Every edit goes through [`PlanStore::dispatch`]: applied here at once
//! (optimistic) with `shared`'s function, then sent to the server, whose answer is authoritative.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::{NodeId, PlanId};
use shared::mutation::{Change, Mutation, PlanState};
use shared::outline::Outline;
use shared::plan::{Plan, PlanTree};
use std::collections::HashSet;

use crate::api;

/// A message for the user, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub text: String,
}

/// Everything the plan page shares between its components.
#[derive(Clone, Copy)]
pub struct PlanStore {
    pub plan: RwSignal<Plan>,
    pub state: RwSignal<PlanState>,
    pub outline: RwSignal<Outline>,
    pub expanded: RwSignal<HashSet<NodeId>>,
    pub selected: RwSignal<Option<NodeId>>,
    pub query: RwSignal<String>,
    pub notice: RwSignal<Option<Notice>>,
    /// Edits sent and not yet answered.
    pub saving: RwSignal<usize>,
}

/// A new UUIDv7 made on the device: time from the browser's clock, bytes from its CSPRNG.
pub fn new_id() -> NodeId {
    let mut random = [0u8; 10];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut random);
    }
    NodeId::from_parts(js_sys::Date::now() as u64, random)
}

impl PlanStore {
    pub fn new(tree: PlanTree) -> Self {
        let state = PlanState::new(tree.plan.id, tree.nodes);
        let outline = Outline::new(&state);
        // Open the top level, so the plan's sections show their items.
        let expanded: HashSet<NodeId> = outline.children(None).iter().copied().collect();
        Self {
            plan: RwSignal::new(tree.plan),
            state: RwSignal::new(state),
            outline: RwSignal::new(outline),
            expanded: RwSignal::new(expanded),
            selected: RwSignal::new(None),
            query: RwSignal::new(String::new()),
            notice: RwSignal::new(None),
            saving: RwSignal::new(0),
        }
    }

    pub fn plan_id(&self) -> PlanId {
        self.plan.with_untracked(|p| p.id)
    }

    fn record(&self, change: &Change) {
        self.state.update(|s| s.commit(change));
        let changed = change
            .upserted
            .iter()
            .map(|n| n.id)
            .chain(change.deleted.iter().copied());
        let changed: Vec<NodeId> = changed.collect();
        self.state
            .with_untracked(|s| self.outline.update(|o| o.update(s, changed)));
    }

    /// Replaces the local state with the server's (after a refused edit).
    fn replace(&self, tree: PlanTree) {
        let state = PlanState::new(tree.plan.id, tree.nodes);
        self.outline.set(Outline::new(&state));
        if let Some(sel) = self.selected.get_untracked()
            && state.get(sel).is_none()
        {
            self.selected.set(None);
        }
        self.state.set(state);
        self.plan.set(tree.plan);
    }

    pub fn say(&self, text: impl Into<String>, error: bool) {
        self.notice.set(Some(Notice {
            error,
            text: text.into(),
        }));
    }

    /// Applies `mutation` here at once and sends it to the server. A refusal is shown to the
    /// user and the plan is reloaded from the server. Returns the local refusal, if any, for
    /// the caller to show next to the field.
    pub fn dispatch(&self, mutation: Mutation) -> Result<(), String> {
        let change = self
            .state
            .with_untracked(|s| s.apply(&mutation))
            .map_err(|e| e.to_string())?;
        self.record(&change);
        self.saving.update(|n| *n += 1);
        let store = *self;
        let plan = self.plan_id();
        spawn_local(async move {
            let result = api::mutate(plan, mutation).await;
            store.saving.update(|n| *n = n.saturating_sub(1));
            match result {
                Ok(answer) => {
                    store.record(&answer.change);
                    store.say("Đã lưu.", false);
                }
                Err(error) => {
                    store.say(format!("Chưa lưu được: {}", error.message), true);
                    if let Ok(tree) = api::plan_tree(plan).await {
                        store.replace(tree);
                    }
                }
            }
        });
        Ok(())
    }

    /// Shows `id`: selects it and opens its ancestors.
    pub fn reveal(&self, id: NodeId) {
        let ancestors = self
            .state
            .with_untracked(|s| self.outline.with_untracked(|o| o.ancestors(s, id)));
        self.expanded.update(|e| e.extend(ancestors));
        self.selected.set(Some(id));
    }
}
