//! Offline-first sync between devices and the server (ARCHITECTURE.md: the bird's-eye view, and
//! the invariants on mutations and sync).
//!
//! - A device holds a [`Replica`] of a plan: the state the server last confirmed (the *base*,
//!   at a *cursor*), and an *outbox* of mutations it made that the server has not confirmed.
//!   What its user sees is the base with the outbox re-applied on top (the *view*).
//! - The server holds an [`Authority`] per plan. It applies pushed mutations exactly once and in
//!   order per client (each client numbers its mutations 1, 2, 3, …), detects conflicts field by
//!   field, and says what it wrote as a [`Delta`], which the store persists in one transaction.
//! - Every write the server makes carries a *change number*, one per pushed batch. A pull asks
//!   for everything changed after the cursor; the device replaces its base and rebases its outbox.
//! - A mutation that edits a field someone else wrote after the mutation's base is applied (the
//!   later write wins) and the value it replaced is kept in a [`Conflict`] both authors see.
//!   A refused mutation is kept as a [`Refusal`] until its author has pulled it.

mod authority;
mod replica;
pub mod scope;
pub mod settle;
mod wire;

pub use authority::*;
pub use replica::*;
pub use wire::*;
