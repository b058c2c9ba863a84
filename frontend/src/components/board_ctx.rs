//! What the assignment board shares with the tree rows it shows (drag and drop, the open
//! "Giao cho…" sheet, the last drop's undo): its own module, so that the tree and the board
//! each use it without using each other.

use leptos::prelude::*;
use shared::ids::NodeId;
use shared::mutation::Mutation;

use crate::components::dnd::Dnd;

/// What the board shares with its rows.
#[derive(Clone, Copy)]
pub struct BoardCtx {
    pub dnd: Dnd,
    /// The task whose "Giao cho…" sheet is open.
    pub assign_for: RwSignal<Option<NodeId>>,
    /// The last drop, with what undoes it.
    pub undo: RwSignal<Option<Undo>>,
    /// The user may change assignments and the tree.
    pub editable: Signal<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    pub text: String,
    pub mutations: Vec<Mutation>,
}
