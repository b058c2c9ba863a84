//! The HTTP API's request and response bodies, shared by the server and the typed client.

use crate::document::PlanMetadata;
use crate::ids::PlanId;
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
    /// The server could not finish; a retry may help (503).
    Unavailable,
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
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            detail: None,
            refusal: None,
        }
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
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        MutationError::from(e).into()
    }
}
