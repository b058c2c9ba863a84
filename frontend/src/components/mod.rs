pub mod board;
pub mod board_ctx;
pub mod detail;
pub mod dialogs;
pub mod dnd;
pub mod sync;
pub mod tree;
pub mod unit_tasks;
