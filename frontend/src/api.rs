//! A typed client over `shared::api`: every call returns the server's typed error, or a network
//! error that says a retry may help.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{ApiError, ErrorCode};
use shared::ids::PlanId;
use shared::plan::PlanSummary;
use shared::sync::{PullRequest, PullResponse, PushRequest, PushResponse};

fn network_error(detail: impl ToString) -> ApiError {
    ApiError::new(
        ErrorCode::Unavailable,
        "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.",
    )
    .with_detail(detail.to_string())
}

async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        // Bytes, not text: a large tree is parsed straight from UTF-8, without a round trip
        // through a JavaScript string.
        let bytes = response.binary().await.map_err(network_error)?;
        return serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                ErrorCode::Internal,
                "Máy chủ trả lời dữ liệu không đọc được.",
            )
            .with_detail(e.to_string())
        });
    }
    let status = response.status();
    Err(response.json::<ApiError>().await.unwrap_or_else(|_| {
        ApiError::new(
            if status >= 500 {
                ErrorCode::Unavailable
            } else {
                ErrorCode::Internal
            },
            format!("Máy chủ trả lời lỗi {status}."),
        )
    }))
}

async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    let response = Request::get(url).send().await.map_err(network_error)?;
    answer(response).await
}

async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    let response = Request::post(url)
        .json(body)
        .map_err(network_error)?
        .send()
        .await
        .map_err(network_error)?;
    answer(response).await
}

pub async fn plans() -> Result<Vec<PlanSummary>, ApiError> {
    get("/api/plans").await
}

/// Sends a device's queued mutations (gzip-compressed where the browser can).
pub async fn push(plan: PlanId, req: &PushRequest) -> Result<PushResponse, ApiError> {
    let url = format!("/api/plans/{plan}/push");
    let json = serde_json::to_vec(req).map_err(network_error)?;
    let builder = Request::post(&url).header("content-type", "application/json");
    let request = match crate::device::gzip(&json).await {
        Some(gz) => builder.header("content-encoding", "gzip").body(gz),
        None => builder.body(json),
    }
    .map_err(network_error)?;
    answer(request.send().await.map_err(network_error)?).await
}

/// What changed since the device's cursor.
pub async fn pull(plan: PlanId, req: &PullRequest) -> Result<PullResponse, ApiError> {
    post(&format!("/api/plans/{plan}/pull"), req).await
}
