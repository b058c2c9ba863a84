//! The HTTP API and the web app's files. Handlers are thin: they parse, call the service, and
//! answer; rules live in `shared` and orchestration in `service`.

mod admin;
pub mod auth;
mod error;
pub mod headers;
mod import;
mod photos;
mod plans;
mod registry;
mod reports;

pub use error::{HttpError, Said};

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use shared::api::Health;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::service::Service;

/// JSON in and out, with rejections turned into typed [`HttpError`]s.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(HttpError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// What every handler can reach.
pub type AppState = Arc<Service>;

/// How the server is reached, as configured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// Always over HTTPS (behind a proxy): HSTS and Secure cookies on every answer.
    pub https: bool,
    /// Behind a reverse proxy of ours: a client's address is the last in `X-Forwarded-For`.
    pub trust_proxy: bool,
}

/// `ok`, or 503 `database_unavailable` while the database does not answer (for a proxy's or
/// an operator's checks).
async fn health(State(service): State<AppState>) -> (axum::http::StatusCode, Json<Health>) {
    let up = *service.database_up().borrow();
    (
        if up {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        },
        Json(Health {
            status: if up { "ok" } else { "database_unavailable" }.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }),
    )
}

/// Answers 503 at once while the database does not answer, and to a request under way when it
/// stops answering (its work dropped, as at the time limit), instead of letting devices wait.
async fn database_gate(
    service: AppState,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut up = service.database_up();
    if !*up.borrow_and_update() {
        return Said::DatabaseReconnecting.into_response();
    }
    tokio::select! {
        answer = next.run(req) => answer,
        _ = up.wait_for(|up| !*up) => Said::DatabaseReconnecting.into_response(),
    }
}

async fn api_not_found() -> Said {
    Said::NoSuchRoute
}

async fn method_not_allowed() -> Said {
    Said::MethodNotAllowed
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    Said::Panicked.into_response()
}

/// How long a request may take to be answered (reading its body included; the body of an
/// answer, such as an event stream or a backup, may take longer). Reading an imported document
/// may take longer: [`import::TIME_LIMIT`].
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Answers 503, in Vietnamese, to a request not answered within `limit`. The work dropped is
/// safe to drop: writes are transactions, and a device sends a push again until answered.
async fn time_limit(
    limit: Duration,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(answer) => answer,
        Err(_) => {
            tracing::warn!(?limit, "a request was not answered in time");
            Said::NotAnsweredInTime.into_response()
        }
    }
}

/// The API router alone (tests use it with no static files).
pub fn api(service: AppState) -> Router {
    let gated = service.clone();
    Router::new()
        .merge(auth::routes())
        .merge(admin::routes())
        .merge(plans::routes())
        .merge(registry::routes())
        .merge(reports::routes())
        .merge(photos::routes())
        .layer(axum::middleware::from_fn(|req, next| {
            time_limit(TIME_LIMIT, req, next)
        }))
        .merge(import::routes())
        .layer(axum::middleware::from_fn(move |req, next| {
            database_gate(gated.clone(), req, next)
        }))
        .route("/health", get(health))
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(shared::limits::API_BODY_MAX_BYTES))
        // Nothing the API answers is kept by the browser, but a photo (named by its content).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(service)
}

/// The whole app: `/api/…` plus the web app's files from `static_dir`, with `index.html` for
/// every other path (client-side routes).
pub fn app(service: AppState, static_dir: &Path, settings: Settings) -> Router {
    // Brotli where the browser accepts it, else gzip: both made at build time (xtask web).
    let files = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(static_dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    // Always revalidated (a 304 when unchanged): a new version is never mixed with cached files
    // of the last one; offline, the service worker answers instead.
    let files = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .service(files);
    Router::new()
        .nest("/api", api(service))
        .fallback_service(files)
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::Extension(settings))
        .layer(axum::middleware::from_fn(move |req, next| {
            headers::secure(settings.https, req, next)
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    /// A request not answered in time gets a JSON 503 in Vietnamese; the handler is dropped.
    #[tokio::test]
    async fn a_request_not_answered_in_time_is_answered_503() {
        let slow = Router::new()
            .route(
                "/cham",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    "never"
                }),
            )
            .route("/nhanh", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(|req, next| {
                time_limit(Duration::from_millis(20), req, next)
            }));
        let call = |path: &'static str| {
            let app = slow.clone();
            async move {
                app.oneshot(
                    axum::http::Request::get(path)
                        .body(axum::body::Body::empty())
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .await
                .unwrap_or_else(|e| match e {})
            }
        };
        assert_eq!(call("/nhanh").await.status(), axum::http::StatusCode::OK);
        let r = call("/cham").await;
        assert_eq!(r.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        let bytes = axum::body::to_bytes(r.into_body(), 4096)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let e: shared::api::ApiError =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.message,
            "Máy chủ chưa trả lời kịp. Vui lòng thử lại sau ít phút."
        );
    }
}
