//! Security headers on every answer: pages, the app's files, the API and errors alike.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The Content-Security-Policy: the app's own files only; WebAssembly may be compiled; no
/// inline script (style attributes are allowed: components set sizes and depths with them);
/// no framing; images also from `data:` and `blob:` (photos made on the device).
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; \
    connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// What the app may ask the browser for: a position and the camera (field inspections), and
/// nothing else.
pub const PERMISSIONS: &str = "geolocation=(self), camera=(self), microphone=(), payment=(), \
    usb=(), serial=(), bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), \
    display-capture=(), interest-cohort=()";

/// HSTS for a year, when the request came over HTTPS (or the server is told it always does).
pub const HSTS: &str = "max-age=31536000";

/// True when the request reached us over HTTPS: always when the server is told so (`always`),
/// else when a proxy says so.
pub fn over_https(headers: &axum::http::HeaderMap, always: bool) -> bool {
    always
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Adds the security headers to whatever answer the inner service gave (`https`: the server is
/// always reached over HTTPS).
pub async fn secure(https: bool, req: Request, next: Next) -> Response {
    let https = over_https(req.headers(), https);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS,
    );
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if https {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    res
}
