//! A typed client over `shared::api`: every call returns the server's typed error, or a network
//! error that says a retry may help.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{ApiError, ErrorCode, MutationRequest, MutationResponse};
use shared::ids::PlanId;
use shared::mutation::Mutation;
use shared::plan::{PlanSummary, PlanTree};

fn network_error(detail: impl ToString) -> ApiError {
    ApiError::new(
        ErrorCode::Unavailable,
        "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.",
    )
    .with_detail(detail.to_string())
}

async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        return response.json::<T>().await.map_err(network_error);
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

pub async fn plan_tree(id: PlanId) -> Result<PlanTree, ApiError> {
    get(&format!("/api/plans/{id}")).await
}

pub async fn mutate(plan: PlanId, mutation: Mutation) -> Result<MutationResponse, ApiError> {
    post(
        &format!("/api/plans/{plan}/mutations"),
        &MutationRequest { mutation },
    )
    .await
}
