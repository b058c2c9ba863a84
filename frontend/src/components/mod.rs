pub mod detail;
pub mod dialogs;
pub mod sync;
pub mod tree;
