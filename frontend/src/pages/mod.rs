pub mod admin;
pub mod import;
pub mod inspections;
pub mod login;
pub mod password;
pub mod plan;
pub mod plans;
pub mod reports;
