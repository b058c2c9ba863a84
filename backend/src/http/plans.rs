//! Plans, their trees, and mutations of the tree.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::{Stream, StreamExt};
use shared::api::{CreatePlanRequest, VisibilityChange};
use shared::ids::{NodeId, PlanId};
use shared::plan::{Plan, PlanSummary};
use shared::sync::{ChangeNo, HistoryEntry, PullRequest, PushRequest, PushResponse};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tower_http::decompression::RequestDecompressionLayer;

use super::auth::Signed;
use super::error::Said;
use super::{AppState, HttpError, Json};
use crate::service::events::Watch;
use crate::service::{Bodies, Pulled, ServiceError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list).post(create))
        .route("/plans/{plan_id}", get(tree))
        .route(
            "/plans/{plan_id}/push",
            // Devices may gzip the body; the limit applies to the decompressed bytes.
            post(push)
                .layer::<_, Infallible>(DefaultBodyLimit::max(shared::limits::PUSH_BODY_MAX_BYTES))
                .layer::<_, Infallible>(RequestDecompressionLayer::new())
                .layer::<_, Infallible>(axum::middleware::from_fn(server_timing)),
        )
        .route(
            "/plans/{plan_id}/pull",
            post(pull).layer::<_, Infallible>(axum::middleware::from_fn(server_timing)),
        )
        .route("/plans/{plan_id}/bodies", get(bodies))
        .route("/plans/{plan_id}/events", get(events))
        .route(
            "/plans/{plan_id}/visibility",
            axum::routing::put(set_visibility),
        )
        .route("/plans/{plan_id}/nodes/{node_id}/history", get(history))
        .route("/plans/{plan_id}/document/history", get(document_history))
}

/// Says in `Server-Timing` (`app;dur=12.3`, milliseconds) how long the server took over a sync
/// request: from its arrival at the route (its body not yet read) to its answer, the wait for
/// other devices' pushes to the same plan included. A browser's developer tools show it; the
/// sync benchmark tells the server's share of a device's sync from the network's and the
/// device's with it (`concurrent_server_p99_ms`).
async fn server_timing(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let start = std::time::Instant::now();
    let mut response = next.run(req).await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if let Ok(value) = header::HeaderValue::from_str(&format!("app;dur={ms:.1}")) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("server-timing"), value);
    }
    response
}

pub(super) fn plan_id(raw: &str) -> Result<PlanId, HttpError> {
    raw.parse().map_err(|_| Said::BadPlanId.into())
}

async fn list(
    State(service): State<AppState>,
    Signed(user): Signed,
) -> Result<Json<Vec<PlanSummary>>, HttpError> {
    Ok(Json(service.list_plans(&user).await?))
}

/// A `PlanTree` as JSON, sent gzip-compressed when the client accepts it (encoded once per
/// version of the plan, not per request), with the version as its ETag.
async fn tree(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let tree = service
        .plan_tree_encoded(plan_id(&raw)?, &user.actor())
        .await?;
    let etag = format!("\"{}\"", tree.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let gzip = accepts_gzip(&headers);
    let common = [
        (header::CONTENT_TYPE, "application/json".to_owned()),
        (header::VARY, "accept-encoding".to_owned()),
        (header::ETAG, etag),
    ];
    Ok(if gzip {
        (
            common,
            [(header::CONTENT_ENCODING, "gzip")],
            tree.gzip.clone(),
        )
            .into_response()
    } else {
        (common, unpacked(tree).await?).into_response()
    })
}

async fn create(
    State(service): State<AppState>,
    Signed(user): Signed,
    Json(req): Json<CreatePlanRequest>,
) -> Result<(StatusCode, Json<PlanSummary>), HttpError> {
    if !user.role.edits_plan() {
        return Err(Said::OnlyStandingCreatesPlans.into());
    }
    let plan = Plan {
        id: req.id,
        metadata: req.metadata,
        preamble: None,
        references: Vec::new(),
        visibility: Default::default(),
    };
    service.create_plan(&plan).await?;
    Ok((
        StatusCode::CREATED,
        Json(PlanSummary {
            id: plan.id,
            metadata: plan.metadata,
            node_count: 0,
            visibility: plan.visibility,
        }),
    ))
}

/// Each mutation is checked against the signed-in user's role; a forbidden one is refused with
/// its reason, like any other refused mutation.
async fn push(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path(raw): Path<String>,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>, HttpError> {
    let plan = plan_id(&raw)?;
    // Inspectors send their inspections, leaders their approval of a summary report: anything
    // else either sends is refused by the rules, with a notice, like any refused mutation.
    let author = user.author();
    // Run to the end even if the device hangs up: a push may be carrying other devices'
    // pushes applied together with it.
    let pushed = tokio::spawn(async move { service.push(plan, &req, &author).await })
        .await
        .map_err(|_| ServiceError::Busy)??;
    Ok(Json(pushed))
}

/// A pull; `?without=bodies` leaves the nodes' bodies out of a first pull (the device asks for
/// them at `/bodies` once its tree shows).
async fn pull(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    Json(req): Json<PullRequest>,
) -> Result<Response, HttpError> {
    let mut bodies = Bodies::Included;
    for pair in query.as_deref().unwrap_or("").split('&') {
        match pair {
            "" => {}
            "without=bodies" => bodies = Bodies::Later,
            _ => return Err(Said::BadPullQuery.into()),
        }
    }
    Ok(
        match service
            .pull_with(plan_id(&raw)?, &req, &user, bodies)
            .await?
        {
            Pulled::First(encoded) => encoded_json(&headers, encoded).await?,
            Pulled::Changes(answer) => {
                let gzip = accepts_gzip(&headers);
                let body = if gzip { answer.gzip() } else { answer.json() };
                json_reply(gzip, body.map_err(HttpError::from)?)
            }
        },
    )
}

/// The nodes' bodies (`shared::sync::BodiesResponse`), encoded once per change of the plan.
async fn bodies(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let encoded = service.bodies(plan_id(&raw)?, &user).await?;
    encoded_json(&headers, encoded).await
}

/// JSON encoded in advance, gzip-compressed when the client accepts it.
async fn encoded_json(
    headers: &HeaderMap,
    encoded: Arc<crate::service::TreeSnapshot>,
) -> Result<Response, HttpError> {
    Ok(if accepts_gzip(headers) {
        json_reply(true, encoded.gzip.clone())
    } else {
        json_reply(false, unpacked(encoded).await?)
    })
}

/// The JSON of an encoded answer, for a client that does not accept gzip (rare: every browser
/// does), decompressed off the async workers.
async fn unpacked(encoded: Arc<crate::service::TreeSnapshot>) -> Result<Vec<u8>, HttpError> {
    tokio::task::spawn_blocking(move || encoded.json())
        .await
        .map_err(|e| ServiceError::Task(e.to_string()))?
        .map_err(|e| ServiceError::Encode(e.to_string()).into())
}

/// A JSON answer already encoded, `gzipped` or not.
fn json_reply(gzipped: bool, body: impl IntoResponse) -> Response {
    let common = [
        (header::CONTENT_TYPE, "application/json"),
        (header::VARY, "accept-encoding"),
    ];
    if gzipped {
        (common, [(header::CONTENT_ENCODING, "gzip")], body).into_response()
    } else {
        (common, body).into_response()
    }
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        })
}

/// Sets who may read the plan: 204.
async fn set_visibility(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path(raw): Path<String>,
    Json(change): Json<VisibilityChange>,
) -> Result<StatusCode, HttpError> {
    service
        .set_visibility(plan_id(&raw)?, change.visibility, &user)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A node's history, newest first: who changed what, when, from which device.
async fn history(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path((raw, node)): Path<(String, String)>,
) -> Result<Json<Vec<HistoryEntry>>, HttpError> {
    let node: NodeId = node.parse().map_err(|_| HttpError::from(Said::BadNodeId))?;
    Ok(Json(service.history(plan_id(&raw)?, node, &user).await?))
}

/// The history of the plan's document details, newest first.
async fn document_history(
    State(service): State<AppState>,
    Signed(user): Signed,
    Path(raw): Path<String>,
) -> Result<Json<Vec<HistoryEntry>>, HttpError> {
    Ok(Json(service.document_history(plan_id(&raw)?, &user).await?))
}

/// How long an event stream stays open: then it ends, and the browser opens a new one (with
/// the session checked again, so a stream never outlives its session by long).
const STREAM_MAX: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Server-sent events: `change` with the plan's change number, at once and after every write,
/// so that online devices pull within moments. A device that missed some pulls all the same.
async fn events(
    State(service): State<AppState>,
    Signed(by): Signed,
    Path(raw): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, HttpError> {
    let watch = service.watch(plan_id(&raw)?, &by).await?;
    let event = |c: ChangeNo| Ok(Event::default().event("change").data(c.to_string()));
    let first = Some(watch.change);
    let stream = futures_util::stream::unfold(
        (first, watch),
        move |(first, mut watch): (Option<ChangeNo>, Watch)| async move {
            if let Some(c) = first {
                return Some((event(c), (None, watch)));
            }
            loop {
                match watch.changes.recv().await {
                    Ok(c) => return Some((event(c), (None, watch))),
                    // Missed some: the next one carries the newest number anyway.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    )
    .take_until(tokio::time::sleep(STREAM_MAX));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
