//! Reports on a plan (issue 14), pure rules first: report rounds' periods and due dates by
//! Nghị định 09/2019 (`period.rs`), where each agency's report stands and a round's counts
//! (`completeness.rs`), and money in whole đồng (`money.rs`). Reports sit above the plan and
//! the registry; nothing below them uses them.
//!
//! Not built yet: the rounds, agency reports, indicators and summary paragraphs as records and
//! mutations, their access rows, the service, store, routes and pages, the Word export.

pub mod completeness;
pub mod money;
pub mod period;

pub use completeness::{Completeness, ReportState, Standing, Timeliness, timeliness};
pub use money::{MoneyError, Vnd};
pub use period::{DataPeriod, ReportPeriod, default_summary_due, schedule};
