//! The HTTP API and the web app's files. Handlers are thin: they parse, call the service, and
//! answer; rules live in `shared` and orchestration in `service`.

mod admin;
pub mod auth;
mod error;
pub mod headers;
mod import;
mod plans;
mod registry;

pub use error::HttpError;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use shared::api::{ErrorCode, Health};
use std::path::Path;
use std::sync::Arc;
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

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

async fn api_not_found() -> HttpError {
    HttpError::not_found("Không có địa chỉ API này.")
}

async fn method_not_allowed() -> HttpError {
    HttpError::new(
        ErrorCode::MethodNotAllowed,
        "Phương thức không được hỗ trợ ở địa chỉ này.",
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    HttpError::new(
        ErrorCode::Internal,
        "Máy chủ gặp lỗi không mong muốn. Vui lòng thử lại.",
    )
    .into_response()
}

/// The API router alone (tests use it with no static files).
pub fn api(service: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(auth::routes())
        .merge(admin::routes())
        .merge(plans::routes())
        .merge(import::routes())
        .merge(registry::routes())
        .fallback(api_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(shared::limits::API_BODY_MAX_BYTES))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .with_state(service)
}

/// The whole app: `/api/…` plus the web app's files from `static_dir`, with `index.html` for
/// every other path (client-side routes).
pub fn app(service: AppState, static_dir: &Path, settings: Settings) -> Router {
    let files = ServeDir::new(static_dir)
        .precompressed_gzip()
        .fallback(ServeFile::new(static_dir.join("index.html")));
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
