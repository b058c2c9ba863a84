pub mod detail;
pub mod dialogs;
pub mod tree;
