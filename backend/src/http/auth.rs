//! Signing in and out, the first administrator's setup, users; and [`Signed`], the extractor
//! every other handler takes to know who is asking.

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use shared::api::{
    LoginRequest, NewUser, PasswordChange, SessionInfo, SetupRequest, SetupStatus, User, UserUpdate,
};

use super::error::Said;
use super::headers::over_https;
use super::{AppState, HttpError, Json, Settings};
use axum::Extension;
use axum::extract::ConnectInfo;

/// The session cookie's name.
pub const COOKIE: &str = "kh_phien";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup_status).post(setup))
        .route("/session", get(me).post(login).delete(logout))
        .route("/session/password", axum::routing::post(change_password))
        .route("/users", get(users).post(create_user))
        .route("/users/{username}", patch(update_user))
}

/// The token a request carries: `Authorization: Bearer …` or the session cookie.
pub(super) fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The signed-in user making the request; a request without a current session is answered
/// 401 with a Vietnamese message, and the app asks its user to sign in again (keeping every
/// change that waits to be sent).
pub struct Signed(pub User);

impl FromRequestParts<AppState> for Signed {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, HttpError> {
        signed_user(&parts.headers, state).await.map(Signed)
    }
}

/// The user whose session `headers` carry.
pub(super) async fn signed_user(headers: &HeaderMap, state: &AppState) -> Result<User, HttpError> {
    let Some(token) = token(headers) else {
        return Err(Said::SignInNeeded.into());
    };
    match state.session(&token).await? {
        Some(s) => Ok(s.user),
        None => Err(Said::SessionEnded.into()),
    }
}

fn with_cookie(
    mut info: SessionInfo,
    max_age_secs: i64,
    secure: bool,
    show_token: bool,
) -> Response {
    let value = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{}",
        info.token.as_deref().unwrap_or_default(),
        if secure { "; Secure" } else { "" }
    );
    if !show_token {
        info.token = None;
    }
    let mut res = Json(info).into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

fn session_response(
    info: SessionInfo,
    headers: &HeaderMap,
    settings: Option<Settings>,
    show_token: bool,
) -> Response {
    let secs = (info.expires_at - chrono::Utc::now().timestamp_millis()) / 1000;
    let secure = over_https(headers, settings.unwrap_or_default().https);
    with_cookie(info, secs.max(0), secure, show_token)
}

async fn setup_status(State(service): State<AppState>) -> Result<Json<SetupStatus>, HttpError> {
    Ok(Json(SetupStatus {
        needed: service.setup_needed().await?,
    }))
}

async fn setup(
    State(service): State<AppState>,
    settings: Option<Extension<Settings>>,
    headers: HeaderMap,
    Json(req): Json<SetupRequest>,
) -> Result<Response, HttpError> {
    let show = req.want_token;
    Ok(session_response(
        service.setup(req).await?,
        &headers,
        settings.map(|s| s.0),
        show,
    ))
}

/// The address a request came from: the peer's, or behind a trusted reverse proxy
/// (`--trust-proxy`) the last one in `X-Forwarded-For` (the one that proxy saw).
fn client_addr(
    parts_headers: &HeaderMap,
    peer: Option<std::net::IpAddr>,
    settings: Settings,
) -> Option<std::net::IpAddr> {
    if settings.trust_proxy
        && let Some(forwarded) = parts_headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .next_back()
    {
        return Some(forwarded);
    }
    peer
}

/// The address a request came from, as [`client_addr`] finds it.
struct ClientAddr(Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let settings = parts.extensions.get::<Settings>().copied();
        let peer = parts
            .extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|p| p.0.ip());
        Ok(ClientAddr(client_addr(
            &parts.headers,
            peer,
            settings.unwrap_or_default(),
        )))
    }
}

async fn login(
    State(service): State<AppState>,
    settings: Option<Extension<Settings>>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Response, HttpError> {
    let settings = settings.map(|s| s.0);
    Ok(session_response(
        service.login(&req.username, &req.password, addr).await?,
        &headers,
        settings,
        req.want_token,
    ))
}

/// "Đổi mật khẩu": 204; the user's other sessions have ended.
async fn change_password(
    State(service): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, HttpError> {
    let Some(t) = token(&headers) else {
        return Err(Said::SignInNeeded.into());
    };
    service.change_password(&t, req, addr).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    State(service): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SessionInfo>, HttpError> {
    let session = match token(&headers) {
        Some(t) => service.session(&t).await?,
        None => None,
    };
    session.map(Json).ok_or_else(|| Said::SessionEnded.into())
}

async fn logout(
    State(service): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    if let Some(t) = token(&headers) {
        service.logout(&t).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("kh_phien=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(res)
}

async fn users(
    State(service): State<AppState>,
    Signed(by): Signed,
) -> Result<Json<Vec<User>>, HttpError> {
    Ok(Json(service.users(&by).await?))
}

async fn create_user(
    State(service): State<AppState>,
    Signed(by): Signed,
    Json(req): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), HttpError> {
    Ok((
        StatusCode::CREATED,
        Json(service.create_user(&by, req).await?),
    ))
}

async fn update_user(
    State(service): State<AppState>,
    Signed(by): Signed,
    Path(username): Path<String>,
    Json(req): Json<UserUpdate>,
) -> Result<Json<User>, HttpError> {
    Ok(Json(service.update_user(&by, &username, req).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_bearer_or_the_cookie() {
        let mut h = HeaderMap::new();
        assert_eq!(token(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; kh_phien=abc ; b=2"),
        );
        assert_eq!(token(&h).as_deref(), Some("abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(token(&h).as_deref(), Some("xyz"));
        let mut empty = HeaderMap::new();
        empty.insert(header::COOKIE, HeaderValue::from_static("kh_phien="));
        assert_eq!(token(&empty), None);
    }
}
