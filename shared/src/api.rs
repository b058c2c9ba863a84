//! The HTTP API's request and response bodies, shared by the server and the typed client.

use crate::access::UserRole;
use crate::document::PlanMetadata;
use crate::ids::{AgencyCode, PlanId};
use crate::mutation::MutationError;
use crate::validate::ValidationError;
use serde::{Deserialize, Serialize};

/// Answer of `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// Body of `POST /api/plans`: a new, empty plan (its id made by the client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePlanRequest {
    pub id: PlanId,
    pub metadata: PlanMetadata,
}

/// Saves a reviewed import as a new plan. The id is the client's, so that a retried request
/// cannot make the plan twice (409 the second time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveImportRequest {
    pub id: PlanId,
    /// The plan as reviewed: its nodes carry the assignments the user accepted.
    pub plan: crate::import::ParsedPlan,
    /// The SHA-256 of the imported file, as the preview gave it ([`ImportedDocument::sha256`]):
    /// the same file imported again is pointed out.
    ///
    /// [`ImportedDocument::sha256`]: crate::import::ImportedDocument::sha256
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    /// Save even when a plan with the same number and issuer, or from the same file, is stored
    /// (the user chose "Vẫn lưu thành kế hoạch mới").
    #[serde(default)]
    pub allow_duplicate: bool,
}

/// A stored plan that an import seems to repeat: same number and issuer, or the same file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePlan {
    pub id: PlanId,
    pub metadata: crate::document::PlanMetadata,
    /// The day it was imported (or created).
    pub imported_on: Option<chrono::NaiveDate>,
    /// Imported from the very same file.
    pub same_file: bool,
}

impl DuplicatePlan {
    /// "Kế hoạch số 52/KH-UBND của UBND tỉnh Lạng Sơn đã có (nhập ngày 04/12/2026)".
    pub fn describe_vi(&self) -> String {
        let m = &self.metadata;
        let mut out = m
            .kind
            .map_or("Văn bản", crate::document::DocumentKind::name_vi)
            .to_owned();
        if let Some(number) = &m.number {
            out.push_str(" số ");
            out.push_str(number);
        }
        if let Some(issuer) = &m.issuer {
            out.push_str(" của ");
            out.push_str(issuer);
        }
        out.push_str(" đã có");
        if let Some(day) = self.imported_on {
            out.push_str(&format!(" (nhập ngày {})", crate::text::format_date(day)));
        }
        if self.same_file {
            out.push_str(", nhập từ chính tệp này");
        }
        out
    }
}

/// What kind of error an API call met; decides the HTTP status and whether a retry can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not valid JSON (400).
    MalformedJson,
    /// The JSON does not have the expected shape or types (422).
    InvalidData,
    /// The body is not JSON at all (415).
    UnsupportedMediaType,
    /// The body is larger than the server accepts (413).
    PayloadTooLarge,
    /// A path parameter is malformed, e.g. not a UUID (400).
    InvalidPath,
    /// No such plan, node or route (404).
    NotFound,
    /// The method is not allowed on this route (405).
    MethodNotAllowed,
    /// The mutation was refused by a rule (409, or 422 for validation).
    Refused,
    /// A value breaks a rule (422).
    Validation,
    /// Not signed in, or the session expired (401).
    Unauthorized,
    /// Signed in, but the role may not do this (403).
    Forbidden,
    /// The server could not finish; a retry may help (503).
    Unavailable,
    /// Too many failed attempts (signing in): wait `retry_after_secs` (429).
    TooManyRequests,
    /// The import repeats a stored plan, listed in `duplicates` (409).
    Duplicate,
    /// Something unexpected went wrong on the server; a retry may help (500 avoided where we can).
    Internal,
}

impl ErrorCode {
    /// True when the same request may succeed if sent again later.
    pub fn retryable(self) -> bool {
        matches!(self, Self::Unavailable | Self::Internal)
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    /// Vietnamese, for the user.
    pub message: String,
    /// Technical detail (e.g. the JSON parser's message), for the developer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The typed reason a mutation was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<MutationError>,
    /// The stored plans a refused import repeats (boxed: errors stay small).
    #[serde(default, skip_serializing_if = "no_duplicates")]
    pub duplicates: Box<Vec<DuplicatePlan>>,
    /// How long to wait before trying again, in seconds (also the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

#[allow(clippy::borrowed_box)]
fn no_duplicates(duplicates: &Box<Vec<DuplicatePlan>>) -> bool {
    duplicates.is_empty()
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
            refusal: None,
            duplicates: Box::default(),
            retry_after_secs: None,
        }
    }

    /// Says how long to wait before trying again.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl From<MutationError> for ApiError {
    fn from(e: MutationError) -> Self {
        let code = match e {
            MutationError::Invalid { .. } => ErrorCode::Validation,
            _ => ErrorCode::Refused,
        };
        Self {
            code,
            message: e.to_string(),
            detail: None,
            refusal: Some(e),
            duplicates: Box::default(),
            retry_after_secs: None,
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        MutationError::from(e).into()
    }
}

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    /// Full name, as history shows it.
    pub name: String,
    pub role: UserRole,
    /// The agency an agency officer works for (its code); others may have one too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyCode>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl User {
    pub fn actor(&self) -> crate::access::Actor {
        crate::access::Actor {
            role: self.role,
            agency: self.agency.clone(),
        }
    }

    pub fn author(&self) -> crate::access::Author {
        crate::access::Author {
            username: self.username.clone(),
            name: self.name.clone(),
            actor: self.actor(),
        }
    }
}

/// Body of `POST /api/session` (sign in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// Also return the session token in the body (for scripts that send it as a bearer
    /// token); browsers use the HttpOnly cookie and never see it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub want_token: bool,
}

/// Body of `PUT /api/plans/{id}/visibility`: who may read the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilityChange {
    pub visibility: crate::plan::Visibility,
}

/// Body of `POST /api/session/password` ("Đổi mật khẩu"): the user's other sessions end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// The signed-in user and when the session ends (Unix milliseconds); answer of sign-in and of
/// `GET /api/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: User,
    pub expires_at: i64,
    /// The session token, for clients that send it as `Authorization: Bearer` rather than as
    /// the cookie (scripts, benchmarks): only in the answer to signing in, and only when asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Answer of `GET /api/setup`: whether the server still waits for its first administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStatus {
    pub needed: bool,
}

/// Body of `POST /api/setup`: the one-time token from the server's start-up message and the
/// first administrator's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupRequest {
    pub token: String,
    pub username: String,
    pub name: String,
    pub password: String,
    /// As in [`LoginRequest::want_token`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub want_token: bool,
}

/// Body of `POST /api/users` (administrators only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    pub password: String,
    pub role: UserRole,
    #[serde(default)]
    pub agency: Option<AgencyCode>,
}

/// Body of `PATCH /api/users/{username}`: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<UserRole>,
    /// `Some(None)` (JSON `null`) removes the agency; absent leaves it.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub agency: Option<Option<AgencyCode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_update_sends_only_what_changes() {
        let lock = UserUpdate {
            active: Some(false),
            ..UserUpdate::default()
        };
        let json = serde_json::to_string(&lock).unwrap_or_default();
        assert_eq!(json, r#"{"active":false}"#);
        let back: UserUpdate = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back.agency, None, "absent: the agency stays");
        let clear: UserUpdate = serde_json::from_str(r#"{"agency":null}"#).unwrap_or_default();
        assert_eq!(clear.agency, Some(None), "null: the agency is removed");
    }
}

mod double_option {
    use crate::ids::AgencyCode;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(
        v: &Option<Option<AgencyCode>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(inner) => inner.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<AgencyCode>>, D::Error> {
        Option::<AgencyCode>::deserialize(d).map(Some)
    }
}
