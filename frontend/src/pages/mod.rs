pub mod admin;
pub mod login;
pub mod plan;
pub mod plans;
