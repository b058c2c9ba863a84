//! The HTTP layer's error: an [`ApiError`] body with the status its code calls for. Every
//! extractor rejection is turned into one, so clients always get a typed JSON error.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::api::{ApiError, ErrorCode};
use shared::mutation::MutationError;

use crate::service::{Denial, ServiceError};

/// An error answer.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl HttpError {
    pub fn new(code: ErrorCode, message: &str) -> Self {
        Self(ApiError::new(code, message))
    }

    pub fn not_found(message: &str) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
}

fn status(e: &ApiError) -> StatusCode {
    match e.code {
        ErrorCode::MalformedJson | ErrorCode::InvalidPath => StatusCode::BAD_REQUEST,
        ErrorCode::InvalidData | ErrorCode::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::Refused => match e.refusal {
            Some(MutationError::NodeNotFound { .. }) => StatusCode::NOT_FOUND,
            _ => StatusCode::CONFLICT,
        },
        ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Duplicate => StatusCode::CONFLICT,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let retry_after = self.0.retry_after_secs;
        let mut res = (status(&self.0), axum::Json(self.0)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

impl From<JsonRejection> for HttpError {
    fn from(r: JsonRejection) -> Self {
        let (code, message) = match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                (ErrorCode::PayloadTooLarge, "Dữ liệu gửi lên quá lớn.")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                ErrorCode::UnsupportedMediaType,
                "Dữ liệu gửi lên phải ở dạng JSON (Content-Type: application/json).",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => (
                ErrorCode::InvalidData,
                "Dữ liệu gửi lên không đúng cấu trúc hoặc sai kiểu dữ liệu.",
            ),
            _ => (
                ErrorCode::MalformedJson,
                "Dữ liệu gửi lên không phải JSON hợp lệ.",
            ),
        };
        Self(ApiError::new(code, message).with_detail(r.body_text()))
    }
}

impl From<MutationError> for HttpError {
    fn from(e: MutationError) -> Self {
        Self(e.into())
    }
}

impl From<ServiceError> for HttpError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::PlanNotFound => Self::not_found("Không tìm thấy kế hoạch."),
            ServiceError::Denied(d) => d.into(),
            ServiceError::Refused(m) => m.into(),
            ServiceError::Invalid(v) => Self(v.into()),
            ServiceError::Review(e) => Self::new(ErrorCode::Validation, &e.to_string()),
            ServiceError::Registry(e) => {
                let code = if e.is_validation() {
                    ErrorCode::Validation
                } else {
                    ErrorCode::Refused
                };
                Self::new(code, &e.to_string())
            }
            ServiceError::NoRandomness(err) | ServiceError::Hashing(err) => {
                tracing::error!(error = %err, "signing in or making a token");
                Self::new(
                    ErrorCode::Internal,
                    "Máy chủ gặp lỗi khi xử lý mật khẩu hoặc mã đăng nhập. Vui lòng thử lại.",
                )
            }
            ServiceError::Encode(err) | ServiceError::Task(err) => {
                tracing::error!(error = %err, "encoding a tree");
                Self::new(
                    ErrorCode::Internal,
                    "Máy chủ gặp lỗi khi chuẩn bị dữ liệu. Vui lòng thử lại.",
                )
            }
            ServiceError::TooMany => Self::new(
                ErrorCode::InvalidData,
                &format!(
                    "Mỗi lần gửi tối đa {} thay đổi.",
                    shared::limits::PUSH_MAX_MUTATIONS
                ),
            ),
            ServiceError::PlanExists => {
                Self::new(ErrorCode::Refused, "Đã có một kế hoạch với mã này.")
            }
            ServiceError::Duplicate(duplicates) => {
                let message = duplicates
                    .first()
                    .map(shared::api::DuplicatePlan::describe_vi)
                    .unwrap_or_default();
                let mut error = ApiError::new(ErrorCode::Duplicate, format!("{message}."));
                error.duplicates = Box::new(duplicates);
                Self(error)
            }
            ServiceError::DeviceOfAnotherUser => Self::new(
                ErrorCode::Forbidden,
                "Thiết bị này đã gửi thay đổi dưới một tài khoản khác. Thay đổi của tài khoản kia vẫn được giữ cho người đó; hãy đăng nhập lại bằng tài khoản đã tạo các thay đổi này.",
            ),
            ServiceError::TooManyAttempts { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                let minutes = secs.div_ceil(60);
                Self(
                    ApiError::new(
                        ErrorCode::TooManyRequests,
                        format!(
                            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút."
                        ),
                    )
                    .with_retry_after(secs),
                )
            }
            ServiceError::TooManyClients => Self::new(
                ErrorCode::InvalidData,
                &format!(
                    "Mỗi lần tải về chỉ hỏi được về tối đa {} thiết bị.",
                    shared::limits::PULL_MAX_CLIENTS
                ),
            ),
            ServiceError::ImportsBusy => Self(
                ApiError::new(
                    ErrorCode::Unavailable,
                    "Máy chủ đang đọc các tệp khác được gửi lên cùng lúc. Vui lòng thử lại sau ít giây.",
                )
                .with_retry_after(5),
            ),
            ServiceError::TooManyStreams => Self(
                ApiError::new(
                    ErrorCode::TooManyRequests,
                    format!(
                        "Tài khoản này đang mở quá nhiều kết nối theo dõi thay đổi (tối đa {}). Hãy đóng bớt các thẻ hoặc máy đang mở kế hoạch.",
                        crate::service::events::STREAMS_PER_USER
                    ),
                )
                .with_retry_after(60),
            ),
            ServiceError::Overloaded => Self(
                ApiError::new(
                    ErrorCode::Unavailable,
                    "Máy chủ đang bận xử lý nhiều lượt đăng nhập. Vui lòng thử lại sau ít giây.",
                )
                .with_retry_after(5),
            ),
            ServiceError::Busy => Self::new(
                ErrorCode::Unavailable,
                "Kế hoạch đang được ghi ở nơi khác. Vui lòng thử lại.",
            ),
            ServiceError::Photo(e) => {
                use shared::inspection::photo::PhotoError as P;
                let code = match &e {
                    P::BadHash => ErrorCode::InvalidPath,
                    P::NotFound => ErrorCode::NotFound,
                    P::TooManyUnderWay => ErrorCode::TooManyRequests,
                    e if e.too_large() => ErrorCode::PayloadTooLarge,
                    _ => ErrorCode::Validation,
                };
                Self::new(code, &e.to_string())
            }
            ServiceError::Blob(err) => {
                tracing::error!(error = %err, "object store error");
                Self::new(
                    ErrorCode::Unavailable,
                    "Máy chủ tạm thời chưa lưu hoặc đọc được ảnh. Vui lòng thử lại.",
                )
            }
            ServiceError::Store(err) => {
                tracing::error!(error = %err, "store error");
                Self::new(
                    ErrorCode::Unavailable,
                    "Máy chủ tạm thời chưa lưu hoặc đọc được dữ liệu. Vui lòng thử lại.",
                )
            }
        }
    }
}

/// Why accounts, sessions or an administrator's request were turned down, in words.
impl From<Denial> for HttpError {
    fn from(d: Denial) -> Self {
        use ErrorCode as C;
        let (code, words) = match d {
            Denial::SessionEnded => return Said::SessionEnded.into(),
            Denial::BadSetupLink => (
                C::Unauthorized,
                "Liên kết thiết lập không đúng, đã dùng hoặc đã hết hạn. Khởi động lại máy chủ để có liên kết mới.",
            ),
            Denial::AlreadySetUp => (C::Refused, "Máy chủ đã có tài khoản quản trị."),
            Denial::WrongCredentials => {
                (C::Unauthorized, "Tên đăng nhập hoặc mật khẩu không đúng.")
            }
            Denial::AccountLocked => (
                C::Unauthorized,
                "Tài khoản đã bị khoá. Liên hệ quản trị hệ thống.",
            ),
            Denial::NoSuchUser => (C::NotFound, "Không có tài khoản này."),
            Denial::WrongCurrentPassword => (C::Refused, "Mật khẩu hiện tại không đúng."),
            Denial::SamePassword => (C::Refused, "Mật khẩu mới phải khác mật khẩu hiện tại."),
            Denial::AdministratorsOnly => (
                C::Forbidden,
                "Chỉ quản trị hệ thống mới được quản lý tài khoản và danh mục cơ quan.",
            ),
            Denial::BackupAdministratorsOnly => (
                C::Forbidden,
                "Chỉ quản trị hệ thống mới được tải bản sao lưu dữ liệu.",
            ),
            Denial::VisibilityStandingOnly => (
                C::Forbidden,
                "Chỉ cơ quan thường trực mới được đổi quyền xem kế hoạch.",
            ),
            Denial::UsernameTaken => (C::Refused, "Tên đăng nhập này đã có người dùng."),
            Denial::NotYourself => (
                C::Refused,
                "Không thể tự khoá hoặc tự bỏ quyền quản trị của chính mình.",
            ),
            Denial::LastAdministrator => (
                C::Refused,
                "Phải còn ít nhất một tài khoản quản trị đang hoạt động.",
            ),
            Denial::OtherAgencysReport => (
                C::Forbidden,
                "Cán bộ đơn vị chỉ xem được báo cáo của đơn vị mình.",
            ),
            Denial::ReminderStandingOnly => (
                C::Forbidden,
                "Chỉ cơ quan thường trực mới lập công văn đôn đốc.",
            ),
            Denial::PhotosRecordersOnly => (
                C::Forbidden,
                "Chỉ cán bộ kiểm tra và cơ quan thường trực mới gửi được ảnh kiểm tra.",
            ),
            Denial::RoundReportNotForAgencies => (
                C::Forbidden,
                "Báo cáo kết quả kiểm tra của cả đợt dành cho đoàn kiểm tra, cơ quan thường trực và lãnh đạo; cơ quan, đơn vị xem biên bản các cuộc kiểm tra tại đơn vị mình.",
            ),
        };
        HttpError::new(code, words)
    }
}

/// A document the importer could not read: its own words, with the line.
impl From<shared::import::ImportError> for HttpError {
    fn from(e: shared::import::ImportError) -> Self {
        HttpError::new(ErrorCode::Validation, &e.to_string())
    }
}

/// What the HTTP layer says by itself (every other message comes from a typed error of
/// `shared` or the service): its words, status and code in one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    SignInNeeded,
    SessionEnded,
    BadPlanId,
    BadNodeId,
    BadRoundId,
    BadVisitId,
    BadAgencyCode,
    BadPullQuery,
    NoSuchRoute,
    MethodNotAllowed,
    Panicked,
    NotAnsweredInTime,
    DatabaseReconnecting,
    FileTooLarge,
    NoFile,
    FileUnreadable,
    OnlyStandingCreatesPlans,
    OnlyStandingImports,
    ChunkTooLarge,
    NoChunkHash,
}

impl From<Said> for HttpError {
    fn from(said: Said) -> Self {
        use ErrorCode as C;
        let (code, words): (ErrorCode, std::borrow::Cow<'static, str>) = match said {
            Said::SignInNeeded => (C::Unauthorized, "Bạn cần đăng nhập để tiếp tục.".into()),
            Said::SessionEnded => (
                C::Unauthorized,
                "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.".into(),
            ),
            Said::BadPlanId => (C::InvalidPath, "Mã kế hoạch không hợp lệ.".into()),
            Said::BadNodeId => (C::InvalidPath, "Mã mục không hợp lệ.".into()),
            Said::BadRoundId => (C::InvalidPath, "Mã kỳ báo cáo không hợp lệ.".into()),
            Said::BadVisitId => (C::InvalidPath, "Mã phiếu kiểm tra không hợp lệ.".into()),
            Said::BadAgencyCode => (C::InvalidPath, "Mã cơ quan không hợp lệ.".into()),
            Said::BadPullQuery => (
                C::InvalidPath,
                "Tham số không hợp lệ: chỉ có thể bỏ nội dung các mục (?without=bodies).".into(),
            ),
            Said::NoSuchRoute => (C::NotFound, "Không có địa chỉ API này.".into()),
            Said::MethodNotAllowed => (
                C::MethodNotAllowed,
                "Phương thức không được hỗ trợ ở địa chỉ này.".into(),
            ),
            Said::Panicked => (
                C::Internal,
                "Máy chủ gặp lỗi không mong muốn. Vui lòng thử lại.".into(),
            ),
            Said::NotAnsweredInTime => (
                C::Unavailable,
                "Máy chủ chưa trả lời kịp. Vui lòng thử lại sau ít phút.".into(),
            ),
            Said::DatabaseReconnecting => (
                C::Unavailable,
                "Máy chủ đang kết nối lại với cơ sở dữ liệu. Các thay đổi vẫn được giữ trên máy và sẽ tự gửi khi kết nối xong.".into(),
            ),
            Said::FileTooLarge => (
                C::PayloadTooLarge,
                format!(
                    "Tệp quá lớn (tối đa {} MB).",
                    shared::limits::IMPORT_MAX_BYTES / 1024 / 1024
                )
                .into(),
            ),
            Said::NoFile => (C::InvalidData, "Không nhận được tệp.".into()),
            Said::FileUnreadable => (C::Internal, "Không đọc được tệp.".into()),
            Said::OnlyStandingCreatesPlans => (
                C::Forbidden,
                "Chỉ cơ quan thường trực mới được tạo kế hoạch.".into(),
            ),
            Said::OnlyStandingImports => (
                C::Forbidden,
                "Chỉ cơ quan thường trực mới được nhập kế hoạch.".into(),
            ),
            Said::ChunkTooLarge => (
                C::PayloadTooLarge,
                format!(
                    "Mỗi phần ảnh gửi lên tối đa {} KB.",
                    shared::inspection::photo::CHUNK_BYTES / 1024
                )
                .into(),
            ),
            Said::NoChunkHash => (
                C::InvalidData,
                "Thiếu mã kiểm tra (SHA-256) của phần ảnh gửi lên.".into(),
            ),
        };
        let error = ApiError::new(code, words.into_owned());
        HttpError(match said {
            // The database is checked four times a second while it does not answer.
            Said::DatabaseReconnecting => error.with_retry_after(2),
            _ => error,
        })
    }
}

impl IntoResponse for Said {
    fn into_response(self) -> axum::response::Response {
        HttpError::from(self).into_response()
    }
}
