//! Why a report mutation is refused: [`ReportError`], whose Display is the Vietnamese message
//! for its author.

use crate::ids::AgencyCode;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

/// Why a report mutation was refused. Display is the Vietnamese message for its author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ReportError {
    #[error("Không tìm thấy kỳ báo cáo này; có thể kỳ báo cáo đã bị xoá.")]
    RoundNotFound,
    #[error("Đã có một kỳ báo cáo hoặc chỉ tiêu với mã này.")]
    AlreadyExists,
    #[error("Không tìm thấy chỉ tiêu này; có thể chỉ tiêu đã bị xoá.")]
    IndicatorNotFound,
    #[error("Không tìm thấy báo cáo này.")]
    ReportNotFound,
    #[error("Không tìm thấy nhiệm vụ này trong kế hoạch.")]
    TaskNotFound,
    #[error("Đơn vị {agency} không được giao nhiệm vụ này nên không báo cáo về nhiệm vụ này.")]
    NotHeld { agency: AgencyCode },
    #[error("Báo cáo đã gửi; chỉ sửa được khi cơ quan thường trực trả lại.")]
    AlreadySent,
    #[error("Báo cáo đã được tiếp nhận nên không sửa được nữa.")]
    AlreadyAccepted,
    #[error("Báo cáo chưa được gửi nên chưa thể trả lại hoặc tiếp nhận.")]
    NotSent,
    #[error("Khi trả lại báo cáo phải ghi rõ lý do.")]
    ReasonRequired,
    #[error("Kỳ báo cáo đã có đơn vị gửi báo cáo nên không xoá được.")]
    RoundHasReports,
    #[error("Trường này không thuộc loại bản ghi này.")]
    WrongField,
    #[error("Từ ngày phải trước hoặc bằng đến ngày.")]
    PeriodBackwards,
    #[error("Nội dung dài quá {max} ký tự.")]
    TextTooLong { max: usize },
    #[error("Danh sách dài quá {max} mục.")]
    TooMany { max: usize },
    #[error("Số tiền quá lớn (tối đa 1.000.000.000.000.000 đồng).")]
    MoneyTooLarge,
    #[error("Giá trị quá lớn.")]
    QuantityTooLarge,
    #[error(
        "Chỉ tiêu tính cho toàn tỉnh thì không ghi theo huyện, xã; chỉ tiêu theo huyện, xã phải chọn huyện, xã."
    )]
    UnitMismatch,
    #[error(
        "Huyện, xã này không có trong danh mục đơn vị hành chính trong thời gian của kỳ báo cáo."
    )]
    UnknownUnit,
    #[error("Năm không hợp lệ.")]
    YearOutOfRange,
    #[error("Báo cáo tổng hợp đã được lãnh đạo duyệt nên không sửa được; cần mở lại trước.")]
    SummaryApproved,
    #[error("Báo cáo tổng hợp chưa được duyệt.")]
    NotApproved,
    #[error("Chưa tổng hợp báo cáo nên chưa có gì để duyệt.")]
    NotCompiled,
    #[error("Chưa có báo cáo nào được tiếp nhận để tổng hợp.")]
    NothingToCompile,
    #[error("Mọi đơn vị đã gửi báo cáo; không cần đôn đốc.")]
    NothingToRemind,
    #[error("Không tìm thấy đoạn này của báo cáo tổng hợp; có thể đoạn đã bị xoá.")]
    ParagraphNotFound,
    #[error("Đoạn này do cơ quan thường trực tự viết, không lấy từ báo cáo của đơn vị.")]
    NoSource,
    #[error("{error}")]
    Invalid { error: ValidationError },
    /// The user's role may not make this change; the message says what it may do.
    #[error("{message}")]
    Forbidden { message: String },
    /// A document detail of the plan breaks its rule (the message says which).
    #[error("{message}")]
    Document { message: String },
}

impl From<ValidationError> for ReportError {
    fn from(error: ValidationError) -> Self {
        Self::Invalid { error }
    }
}
