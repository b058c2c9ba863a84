pub mod plan;
pub mod plans;
