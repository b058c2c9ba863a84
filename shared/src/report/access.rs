//! Who may change what in reports: the standing agency opens rounds, keeps the indicators,
//! returns and accepts reports; only an agency's own officers write and send its report;
//! leaders and inspectors read. What the state of a report allows is `report::op`'s.

use crate::actor::{Actor, UserRole};
use crate::report::op::{ReportError, ReportMutation};
use crate::report::record::RecordKey;

const READ_ONLY: &str = "Vai trò của bạn chỉ được xem báo cáo, không được sửa.";
const ONLY_STANDING: &str = "Chỉ cơ quan thường trực mới được mở kỳ báo cáo, quản lý chỉ tiêu, trả lại hoặc tiếp nhận báo cáo.";
const ONLY_OWN_AGENCY: &str =
    "Chỉ cán bộ của chính đơn vị mới được viết và gửi báo cáo của đơn vị.";
const ONLY_STANDING_DOCUMENT: &str =
    "Chỉ cơ quan thường trực mới được sửa thông tin văn bản của kế hoạch.";
const ONLY_LEADER: &str = "Chỉ lãnh đạo mới được duyệt hoặc mở lại báo cáo tổng hợp.";
const NO_AGENCY: &str = "Tài khoản cán bộ đơn vị chưa được gắn với cơ quan nào.";

fn forbidden(message: &str) -> ReportError {
    ReportError::Forbidden {
        message: message.to_owned(),
    }
}

/// What a report mutation needs of its author.
enum Needs {
    /// The standing agency (or an administrator).
    Standing,
    /// An officer of this agency.
    Agency,
    /// A leader (or an administrator).
    Leader,
}

fn needs(op: &ReportMutation) -> Needs {
    match op {
        ReportMutation::Edit { key, .. } | ReportMutation::ResolveConflict { key, .. } => match key
        {
            RecordKey::Round(_)
            | RecordKey::Indicator(_)
            | RecordKey::Summary { .. }
            | RecordKey::Paragraph { .. }
            | RecordKey::Document => Needs::Standing,
            // Not a report's: `report::op` refuses such an edit whoever makes it.
            RecordKey::Inspection(_)
            | RecordKey::Visit(_)
            | RecordKey::Finding { .. }
            | RecordKey::Recommendation(_)
            | RecordKey::Photo { .. } => Needs::Standing,
            RecordKey::Report { .. } | RecordKey::Entry { .. } | RecordKey::Value { .. } => {
                Needs::Agency
            }
        },
        ReportMutation::Send { .. } => Needs::Agency,
        ReportMutation::CreateRound { .. }
        | ReportMutation::DeleteRound { .. }
        | ReportMutation::CreateIndicator { .. }
        | ReportMutation::DeleteIndicator { .. }
        | ReportMutation::Return { .. }
        | ReportMutation::Accept { .. }
        | ReportMutation::Compile { .. }
        | ReportMutation::Refresh { .. }
        | ReportMutation::AddParagraph { .. }
        | ReportMutation::DeleteParagraph { .. } => Needs::Standing,
        ReportMutation::Approve { .. } | ReportMutation::Reopen { .. } => Needs::Leader,
    }
}

/// Whether `actor` may make `op`; the error says why not, in Vietnamese.
///
/// # Errors
/// [`ReportError::Forbidden`], with what the role may do.
pub fn check(actor: &Actor, op: &ReportMutation) -> Result<(), ReportError> {
    if op.key() == RecordKey::Document
        && !matches!(actor.role, UserRole::Admin | UserRole::Standing)
    {
        return Err(forbidden(ONLY_STANDING_DOCUMENT));
    }
    match (actor.role, needs(op)) {
        (UserRole::Leader | UserRole::Admin, Needs::Leader) => Ok(()),
        (_, Needs::Leader) => Err(forbidden(ONLY_LEADER)),
        (UserRole::Inspector | UserRole::Leader, _) => Err(forbidden(READ_ONLY)),
        (UserRole::Admin | UserRole::Standing, Needs::Standing) => Ok(()),
        (UserRole::AgencyOfficer, Needs::Standing) => Err(forbidden(ONLY_STANDING)),
        (UserRole::Admin | UserRole::Standing, Needs::Agency) => Err(forbidden(ONLY_OWN_AGENCY)),
        (UserRole::AgencyOfficer, Needs::Agency) => {
            let Some(own) = actor.agency.as_ref() else {
                return Err(forbidden(NO_AGENCY));
            };
            if op.key().agency() == Some(own) {
                Ok(())
            } else {
                Err(forbidden(ONLY_OWN_AGENCY))
            }
        }
    }
}

/// True when `actor` may make `op` (for showing only the controls that apply).
pub fn may(actor: &Actor, op: &ReportMutation) -> bool {
    check(actor, op).is_ok()
}
