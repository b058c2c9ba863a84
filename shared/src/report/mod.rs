//! Reports on a plan (issue 14), pure rules first: report rounds' periods and due dates by
//! Nghị định 09/2019 (`period.rs`), where each agency's report stands and a round's counts
//! (`completeness.rs`), and money in whole đồng (`money.rs`). Reports sit above the plan and
//! the registry; nothing below them uses them.
//!
//! The records (`record.rs`: rounds, agency reports, entries, indicators, values, by
//! [`RecordKey`]) change only through [`ReportMutation`]s (`op.rs`), carried by
//! `Mutation::Report` through the plan's sync; `access.rs` says who may make each.
//!
//! Not built yet: the summary report and its paragraphs, the Word export.

pub mod access;
pub mod book;
pub mod compile;
pub mod completeness;
pub mod dashboard;
pub mod error;
pub mod indicator;
pub mod money;
pub mod official;
pub mod op;
pub mod period;
pub mod quantity;
pub mod record;
pub mod summary;

pub use completeness::{Completeness, ReportState, Standing, Timeliness, timeliness};
pub use error::ReportError;
pub use money::{MoneyError, Vnd};
pub use op::ReportMutation;
pub use period::{DataPeriod, ReportPeriod, default_summary_due, schedule};
pub use quantity::{Quantity, QuantityError};
pub use record::{
    AgencyReport, Direction, Directive, DocumentRecord, Entry, Indicator, IndicatorScope,
    IndicatorValue, Record, RecordEdit, RecordField, RecordKey, Records, Returned, Round,
};
pub use record::{PlanView, RecordChange};
pub use summary::{Approval, Paragraph, Section, Slot, Summary};
