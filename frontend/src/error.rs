//! Why something the user asked for did not happen on this device, typed until it is shown.
//! The server's errors arrive typed and worded ([`ApiError`]); a refusal by the plan's rules
//! carries `shared`'s words; what the app says by itself (the network, the device's storage, a
//! file) is worded here and nowhere else.

use shared::api::{ApiError, ErrorCode};
use shared::mutation::MutationError;

/// A failure the app shows to the user.
#[derive(Debug, Clone, PartialEq)]
pub enum AppError {
    /// The server refused, or could not be reached.
    Api(ApiError),
    /// This device refused an edit by the plan's rules (the server would refuse it too).
    Refused(MutationError),
    /// The page closed while an edit was being made.
    PageClosed,
    /// The device's storage (IndexedDB) failed; the browser's own words.
    Storage(String),
    /// The browser abandoned a write or delete in the device's storage.
    StorageAborted,
    /// A file chosen as an outbox is not one.
    NotAnOutbox,
    /// An outbox file of another plan.
    OutboxOfAnotherPlan,
    /// The browser would not save the outbox as a file.
    ExportFailed,
    /// "Đọc văn bản" with nothing pasted.
    NothingPasted,
    /// An edit of a node's body before the body has reached the device (a first visit).
    BodyNotHereYet,
    /// A part of the app loaded apart could not be loaded (no network, not kept yet).
    PartNotLoaded,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Api(e) => f.write_str(&e.message),
            Self::Refused(e) => write!(f, "{e}"),
            Self::PageClosed => f.write_str("Trang đã đóng."),
            Self::Storage(detail) => write!(f, "Không lưu được trên máy: {detail}"),
            Self::StorageAborted => {
                f.write_str("Không lưu được trên máy: trình duyệt đã huỷ thao tác ghi.")
            }
            Self::NotAnOutbox => f.write_str("Tệp không phải tệp thay đổi của ứng dụng."),
            Self::OutboxOfAnotherPlan => f.write_str("Tệp này là thay đổi của một kế hoạch khác."),
            Self::ExportFailed => f.write_str("Không xuất được tệp."),
            Self::NothingPasted => f.write_str("Hãy dán nội dung văn bản vào ô trên."),
            Self::BodyNotHereYet => {
                f.write_str("Nội dung của mục này chưa tải về máy; hãy sửa sau khi đã tải xong.")
            }
            Self::PartNotLoaded => f.write_str(
                "Chưa tải được phần này của ứng dụng: máy chưa lưu sẵn phần này và không tải được \
                 qua mạng. Hãy bấm “Thử lại”; khi có mạng trở lại, phần này cũng tự tải.",
            ),
        }
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<leptos::wasm_split::SplitLoaderError> for AppError {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self::PartNotLoaded
    }
}

impl From<MutationError> for AppError {
    fn from(e: MutationError) -> Self {
        Self::Refused(e)
    }
}

const UNREACHABLE: &str = "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.";

/// The server could not be reached (or the request not made): a retry may help.
pub fn unreachable(detail: impl ToString) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, UNREACHABLE).with_detail(detail.to_string())
}

/// True when `e` is the server's answer (or a proxy's), not a failure to reach it.
pub fn from_server(e: &ApiError) -> bool {
    e.message != UNREACHABLE
}

/// The server answered success with a body the app cannot read.
pub fn unreadable_answer(detail: impl ToString) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        "Máy chủ trả lời dữ liệu không đọc được.",
    )
    .with_detail(detail.to_string())
}

/// The server answered an error without a typed body (a proxy in between, a crash).
pub fn bare_status(status: u16) -> ApiError {
    ApiError::new(
        if status >= 500 {
            ErrorCode::Unavailable
        } else {
            ErrorCode::Internal
        },
        format!("Máy chủ trả lời lỗi {status}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_error_answer_is_unavailable_from_the_server_side_internal_otherwise() {
        assert_eq!(bare_status(502).code, ErrorCode::Unavailable);
        assert!(from_server(&bare_status(502)));
        assert!(!from_server(&unreachable("offline")));
        assert_eq!(bare_status(404).code, ErrorCode::Internal);
        assert_eq!(bare_status(502).message, "Máy chủ trả lời lỗi 502.");
        assert!(unreachable("offline").code.retryable());
    }

    #[test]
    fn each_failure_shows_its_own_words() {
        let refused = AppError::from(MutationError::NodeNotFound {
            id: shared::ids::NodeId(uuid::Uuid::nil()),
        });
        assert_eq!(
            refused.to_string(),
            MutationError::NodeNotFound {
                id: shared::ids::NodeId(uuid::Uuid::nil())
            }
            .to_string()
        );
        assert_eq!(
            AppError::Storage("QuotaExceededError".into()).to_string(),
            "Không lưu được trên máy: QuotaExceededError"
        );
        assert_eq!(
            AppError::from(unreachable("x")).to_string(),
            "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại."
        );
    }
}
