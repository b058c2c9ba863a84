//! A typed client over `shared::api`: every call returns the server's typed error, or a network
//! error that says a retry may help.

use gloo_net::http::{Request, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{
    ApiError, LoginRequest, NewUser, PasswordChange, SessionInfo, SetupRequest, SetupStatus, User,
    UserUpdate,
};
use shared::ids::{NodeId, PlanId};
use shared::plan::PlanSummary;
use shared::registry::Agency;
use shared::sync::{
    BodiesResponse, HistoryEntry, PullRequest, PullResponse, PushRequest, PushResponse,
};

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{bare_status, unreachable as network_error, unreadable_answer};

async fn answer<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if response.ok() {
        // Bytes, not text: a large tree is parsed straight from UTF-8, without a round trip
        // through a JavaScript string.
        let bytes = response.binary().await.map_err(network_error)?;
        return serde_json::from_slice(&bytes).map_err(unreadable_answer);
    }
    Err(refusal(response).await)
}

/// A refused answer's error: the server's own, or one saying only the status. Read as bytes
/// with `from_slice` like every answer: gloo's `json` reads through a string, a second reader
/// type, which would compile the decoders twice (issue 16).
async fn refusal(response: Response) -> ApiError {
    decode::<ApiError>(&response)
        .await
        .unwrap_or_else(|| bare_status(response.status()))
}

/// An answer's body decoded from its bytes, whatever its status (see `refusal`).
pub async fn decode<T: DeserializeOwned>(response: &Response) -> Option<T> {
    let bytes = response.binary().await.ok()?;
    serde_json::from_slice(&bytes).ok()
}

async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiError> {
    if let Some(response) = early_answer(url).await {
        return answer(response).await;
    }
    let response = Request::get(url).send().await.map_err(network_error)?;
    answer(response).await
}

/// The answer to `url` that `boot.js` asked for while the app's code loaded
/// (`window.__earlyAnswers`), taken once, if it is a success; `None` otherwise (the caller asks
/// itself: an early refusal may be stale by now, a sign-in having come between).
async fn early_answer(url: &str) -> Option<Response> {
    use js_sys::Reflect;
    let window = web_sys::window()?;
    let answers = Reflect::get(&window, &JsValue::from_str("__earlyAnswers"))
        .ok()
        .filter(JsValue::is_object)?;
    let key = JsValue::from_str(url);
    let promise = Reflect::get(&answers, &key)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let _ = Reflect::delete_property(answers.unchecked_ref::<js_sys::Object>(), &key);
    let response = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let response = response.dyn_into::<web_sys::Response>().ok()?;
    response.ok().then(|| Response::from(response))
}

/// Sends `body` as JSON with `builder`'s method and address.
async fn send_json<B: Serialize, T: DeserializeOwned>(
    builder: gloo_net::http::RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    let response = builder
        .json(body)
        .map_err(network_error)?
        .send()
        .await
        .map_err(network_error)?;
    answer(response).await
}

async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiError> {
    send_json(Request::post(url), body).await
}

pub async fn plans() -> Result<Vec<PlanSummary>, ApiError> {
    get("/api/plans").await
}

/// How long a sync's request may wait for the server's answer to begin: a connection that hangs
/// with no error (a mobile network changing cells, a proxy that lost the server) must not hold
/// the sync, and the device's edits, until the page is reloaded. The answer's body is then read
/// without a limit (a first pull of a big plan over a slow link).
const ANSWER_BEGINS_WITHIN_MS: f64 = 20_000.0;
/// Slowest upload a push's limit allows for (16 kbit/s, a weak 2G link): its body must be sent
/// before the answer can begin.
const SLOWEST_UPLOAD_BYTES_PER_S: f64 = 2_000.0;

/// The wait for an answer to a request whose body is `body_bytes` long.
pub fn answer_deadline_ms(body_bytes: usize) -> f64 {
    ANSWER_BEGINS_WITHIN_MS + 1000.0 * body_bytes as f64 / SLOWEST_UPLOAD_BYTES_PER_S
}

/// `send`'s answer, or a network error (a retry may help) once `ms` have passed with none.
async fn within(
    send: impl std::future::Future<Output = Result<Response, gloo_net::Error>>,
    ms: f64,
) -> Result<Response, ApiError> {
    use futures_util::future::{Either, select};
    let send = std::pin::pin!(send);
    let timer = std::pin::pin!(crate::device::sleep(ms));
    match select(send, timer).await {
        Either::Left((sent, _)) => sent.map_err(network_error),
        Either::Right(_) => Err(network_error(format!(
            "no answer within {:.0} s",
            ms / 1000.0
        ))),
    }
}

/// Sends a device's queued mutations (gzip-compressed where the browser can).
pub async fn push(plan: PlanId, req: &PushRequest) -> Result<PushResponse, ApiError> {
    let url = format!("/api/plans/{plan}/push");
    let json = serde_json::to_vec(req).map_err(network_error)?;
    let builder = Request::post(&url).header("content-type", "application/json");
    let (request, bytes) = match crate::device::gzip(&json).await {
        Some(gz) => {
            let bytes = gz.len();
            (builder.header("content-encoding", "gzip").body(gz), bytes)
        }
        None => {
            let bytes = json.len();
            (builder.body(json), bytes)
        }
    };
    let request = request.map_err(network_error)?;
    answer(within(request.send(), answer_deadline_ms(bytes)).await?).await
}

/// What changed since the device's cursor. A first pull may leave the nodes' bodies out
/// (`bodies_later`): the tree shows sooner, and [`bodies`] brings them next.
pub async fn pull(
    plan: PlanId,
    req: &PullRequest,
    bodies_later: bool,
) -> Result<PullResponse, ApiError> {
    let query = if bodies_later { "?without=bodies" } else { "" };
    let json = serde_json::to_vec(req).map_err(network_error)?;
    let deadline = answer_deadline_ms(json.len());
    let request = Request::post(&format!("/api/plans/{plan}/pull{query}"))
        .header("content-type", "application/json")
        .body(json)
        .map_err(network_error)?;
    answer(within(request.send(), deadline).await?).await
}

/// The bodies of a plan's nodes, for a device whose first pull left them out; decoded (megabytes
/// for a big plan) once `ready` has resolved. An answer that has not begun within 20 s is a
/// network failure (the next sync asks again).
pub async fn bodies(
    plan: PlanId,
    ready: impl std::future::Future<Output = ()>,
) -> Result<BodiesResponse, ApiError> {
    let response = within(
        Request::get(&format!("/api/plans/{plan}/bodies")).send(),
        ANSWER_BEGINS_WITHIN_MS,
    )
    .await?;
    if !response.ok() {
        return answer(response).await;
    }
    let bytes = response.binary().await.map_err(network_error)?;
    ready.await;
    serde_json::from_slice(&bytes).map_err(unreadable_answer)
}

/// The first pull `boot.js` sends while the app's code loads, when a plan's address is opened
/// on a device that keeps no copy of it (a first visit, a shared link). Its answer is decoded as
/// soon as it arrives ([`EarlyPull::start`]), while the app asks for the session and reads the
/// device's memory, rather than after them.
pub struct EarlyPull {
    plan: String,
    abort: JsValue,
    /// Resolves once `decoded` is set.
    done: js_sys::Promise,
    decoded: Rc<RefCell<Option<Result<PullResponse, ApiError>>>>,
}

thread_local! {
    static EARLY: RefCell<Option<EarlyPull>> = const { RefCell::new(None) };
}

impl EarlyPull {
    /// Takes `boot.js`'s request, if it sent one, and decodes its answer when it comes. Called
    /// once, when the app starts.
    pub fn start() {
        use js_sys::Reflect;
        let Some(window) = web_sys::window() else {
            return;
        };
        let name = JsValue::from_str("__earlyPull");
        let Some(early) = Reflect::get(&window, &name).ok().filter(JsValue::is_object) else {
            return;
        };
        let _ = Reflect::delete_property(&window, &name);
        let field = |f: &str| Reflect::get(&early, &JsValue::from_str(f)).ok();
        let (Some(plan), Some(abort), Some(response)) = (
            field("plan").and_then(|p| p.as_string()),
            field("abort"),
            field("response").and_then(|r| r.dyn_into::<js_sys::Promise>().ok()),
        ) else {
            return;
        };
        let began = field("began").and_then(|b| b.dyn_into::<js_sys::Promise>().ok());
        let stop = abort.clone();
        let decoded = Rc::new(RefCell::new(None));
        let mut resolve = None;
        let done = js_sys::Promise::new(&mut |ok, _| resolve = Some(ok));
        let slot = decoded.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let arrived = async {
                let response = wasm_bindgen_futures::JsFuture::from(response).await.ok()?;
                let response = response.dyn_into::<web_sys::Response>().ok()?;
                // Decoding is long: what arrived meanwhile (the session's answer) goes first,
                // so that the device's memory is read while the plan is decoded.
                crate::device::sleep(0.0).await;
                let decoded = answer(Response::from(response)).await;
                crate::device::mark("early-decoded");
                Some(decoded)
            };
            // An answer that has not begun within the deadline (a connection that hangs) is
            // given up: the app then asks for the plan itself, with its own deadline and retries.
            if let Some(began) = began {
                use futures_util::future::{Either, select};
                let began = std::pin::pin!(wasm_bindgen_futures::JsFuture::from(began));
                let timer = std::pin::pin!(crate::device::sleep(ANSWER_BEGINS_WITHIN_MS));
                if let Either::Right(_) = select(began, timer).await {
                    abort_request(&stop);
                }
            }
            *slot.borrow_mut() = arrived.await;
            if let Some(resolve) = resolve {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        EARLY.with(|e| {
            *e.borrow_mut() = Some(Self {
                plan,
                abort,
                done,
                decoded,
            })
        });
    }

    /// The early pull sent for `plan`, taken once; one sent for another plan is cancelled.
    pub fn take(plan: PlanId) -> Option<Self> {
        let this = EARLY.with(|e| e.borrow_mut().take())?;
        if this.plan == plan.to_string() {
            Some(this)
        } else {
            this.cancel();
            None
        }
    }

    /// Its answer, the way [`pull`] gives one; `None` when it never reached the server.
    pub async fn answer(&self) -> Option<Result<PullResponse, ApiError>> {
        wasm_bindgen_futures::JsFuture::from(self.done.clone())
            .await
            .ok()?;
        self.decoded.borrow_mut().take()
    }

    /// Stops it (the device had a copy after all: a whole plan is not downloaded for nothing).
    pub fn cancel(self) {
        abort_request(&self.abort);
    }
}

/// Calls `abort()` on `boot.js`'s `AbortController` of the early pull.
fn abort_request(controller: &JsValue) {
    if let Ok(abort) = js_sys::Reflect::get(controller, &JsValue::from_str("abort"))
        && let Ok(abort) = abort.dyn_into::<js_sys::Function>()
    {
        let _ = abort.call0(controller);
    }
}

/// The signed-in user, if the session cookie is current.
pub async fn session() -> Result<SessionInfo, ApiError> {
    get("/api/session").await
}

/// Drops `boot.js`'s early answers not taken yet: they were asked for whoever was signed in
/// when the page loaded (on a shared tablet, the next user must never be shown the last one's
/// list of plans).
fn forget_early_answers() {
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::delete_property(&window, &JsValue::from_str("__earlyAnswers"));
    }
}

pub async fn login(username: &str, password: &str) -> Result<SessionInfo, ApiError> {
    forget_early_answers();
    post(
        "/api/session",
        &LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            want_token: false,
        },
    )
    .await
}

/// An answer with no body (204): `Ok` or the server's typed error.
async fn no_content(response: Response) -> Result<(), ApiError> {
    if response.ok() {
        Ok(())
    } else {
        answer::<serde_json::Value>(response).await.map(drop)
    }
}

pub async fn logout() -> Result<(), ApiError> {
    forget_early_answers();
    let response = Request::delete("/api/session")
        .send()
        .await
        .map_err(network_error)?;
    no_content(response).await
}

/// Sets who may read a plan (those who edit plans).
pub async fn set_visibility(
    plan: PlanId,
    visibility: shared::plan::Visibility,
) -> Result<(), ApiError> {
    let response = Request::put(&format!("/api/plans/{plan}/visibility"))
        .json(&shared::api::VisibilityChange { visibility })
        .map_err(network_error)?
        .send()
        .await
        .map_err(network_error)?;
    no_content(response).await
}

/// "Đổi mật khẩu": the user's other sessions end on the server.
pub async fn change_password(req: &PasswordChange) -> Result<(), ApiError> {
    let response = Request::post("/api/session/password")
        .json(req)
        .map_err(network_error)?
        .send()
        .await
        .map_err(network_error)?;
    no_content(response).await
}

pub async fn setup_status() -> Result<SetupStatus, ApiError> {
    get("/api/setup").await
}

pub async fn setup(req: &SetupRequest) -> Result<SessionInfo, ApiError> {
    post("/api/setup", req).await
}

pub async fn agencies() -> Result<Vec<Agency>, ApiError> {
    get("/api/agencies").await
}

pub async fn admin_units() -> Result<Vec<shared::registry::AdminUnit>, ApiError> {
    get("/api/admin-units").await
}

pub async fn history(plan: PlanId, node: NodeId) -> Result<Vec<HistoryEntry>, ApiError> {
    get(&format!("/api/plans/{plan}/nodes/{node}/history")).await
}

pub async fn users() -> Result<Vec<User>, ApiError> {
    get("/api/users").await
}

pub async fn create_user(req: &NewUser) -> Result<User, ApiError> {
    post("/api/users", req).await
}

pub async fn update_user(username: &str, req: &UserUpdate) -> Result<User, ApiError> {
    send_json(Request::patch(&format!("/api/users/{username}")), req).await
}

/// An administrator's change to the agency registry; the agencies it changed.
pub async fn change_agency(
    change: &shared::registry::AgencyChange,
) -> Result<Vec<Agency>, ApiError> {
    post("/api/agencies/changes", change).await
}

/// Reads a plan document (a `File` from a file input, or pasted text) on the server: the plan,
/// its source lines and suggested assignments. Nothing is stored.
pub async fn import_preview(
    body: impl Into<wasm_bindgen::JsValue>,
) -> Result<shared::import::ImportedDocument, ApiError> {
    let response = Request::post("/api/import/preview")
        .header("content-type", "application/octet-stream")
        .body(body)
        .map_err(network_error)?
        .send()
        .await
        .map_err(network_error)?;
    answer(response).await
}

/// Saves a reviewed import as a new plan.
pub async fn save_import(req: &shared::api::SaveImportRequest) -> Result<PlanSummary, ApiError> {
    post("/api/import", req).await
}

#[cfg(test)]
mod tests {
    use super::answer_deadline_ms;

    #[test]
    fn a_request_waits_longer_for_its_answer_the_longer_its_body() {
        assert_eq!(answer_deadline_ms(0), 20_000.0);
        // The largest push body (half the limit: 4 MB) over a 16 kbit/s link: about 35 minutes.
        let largest = shared::limits::PUSH_BODY_MAX_BYTES / 2;
        assert!(answer_deadline_ms(largest) > 1000.0 * largest as f64 / 2_000.0);
    }
}
