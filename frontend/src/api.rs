//! A typed client over `shared::api`: every call returns the server's typed error, or a network
//! error that says a retry may help.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{ApiError, ErrorCode, MutationRequest, MutationResponse};
use shared::ids::PlanId;
use shared::mutation::Mutation;
use shared::plan::{PlanSummary, PlanTree};
use wasm_bindgen::JsCast;

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

pub async fn plan_tree(id: PlanId) -> Result<PlanTree, ApiError> {
    let url = format!("/api/plans/{id}");
    if let Some(bytes) = take_prefetched(&url).await
        && let Ok(tree) = serde_json::from_slice(&bytes)
    {
        return Ok(tree);
    }
    get(&url).await
}

/// The answer `index.html` started fetching for `url` before the app was loaded, if any (used
/// once; a failed prefetch gives `None` and the caller asks again).
async fn take_prefetched(url: &str) -> Option<Vec<u8>> {
    let window = web_sys::window()?;
    let table = js_sys::Reflect::get(&window, &"__prefetch".into()).ok()?;
    let promise = js_sys::Reflect::get(&table, &url.into()).ok()?;
    let promise = promise.dyn_into::<js_sys::Promise>().ok()?;
    let _ = js_sys::Reflect::delete_property(&table.into(), &url.into());
    let buffer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let buffer = buffer.dyn_into::<js_sys::ArrayBuffer>().ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

pub async fn mutate(plan: PlanId, mutation: Mutation) -> Result<MutationResponse, ApiError> {
    post(
        &format!("/api/plans/{plan}/mutations"),
        &MutationRequest { mutation },
    )
    .await
}
