//! Signing in, the first administrator's setup page, and the "sign in again" sheet shown when a
//! session ends while changes wait to be sent.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::SetupRequest;

use crate::session::use_auth;
use crate::{api, device};

/// The sign-in form; `fixed_user` pre-fills the username (signing in again).
#[component]
fn SignInForm(#[prop(optional)] fixed_user: Option<String>) -> impl IntoView {
    let auth = use_auth();
    // Signing in again: the same person, so that the changes waiting are sent under their name.
    let fixed = fixed_user.as_deref().is_some_and(|u| !u.is_empty());
    let username = RwSignal::new(fixed_user.clone().unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        if !device::online() {
            error.set(Some(
                "Đang ngoại tuyến: cần kết nối mạng để đăng nhập. Các thay đổi vẫn được giữ trên máy."
                    .into(),
            ));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::login(&username.get_untracked(), &password.get_untracked()).await {
                Ok(info) => {
                    error.set(None);
                    auth.signed_in(info).await;
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="sign-in" on:submit=submit>
            <label>
                "Tên đăng nhập"
                <input
                    name="username"
                    autocomplete="username"
                    readonly=fixed
                    autocapitalize="none"
                    required
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))
                />
            </label>
            <label>
                "Mật khẩu"
                <input
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
            </label>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <button class="primary" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { "Đang đăng nhập…" } else { "Đăng nhập" }}
            </button>
        </form>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <section class="auth-page">
            <h1>"Đăng nhập"</h1>
            <p class="hint">"Dùng tài khoản do quản trị hệ thống cấp."</p>
            <SignInForm />
        </section>
    }
}

/// Shown over the page when the server has ended the session: the changes that wait stay on
/// the device and are sent once the user signs in again.
#[component]
pub fn SignInAgain() -> impl IntoView {
    let auth = use_auth();
    move || {
        if !auth.expired.get() {
            return ().into_any();
        }
        let who = auth
            .user
            .with_untracked(|u| u.as_ref().map(|u| u.username.clone()));
        view! {
            <div class="backdrop">
                <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="sign-in-again-title">
                    <h2 id="sign-in-again-title">"Phiên đăng nhập đã hết hạn"</h2>
                    <p>
                        "Các thay đổi chưa gửi vẫn được giữ trên máy này và sẽ được gửi ngay sau khi bạn đăng nhập lại."
                    </p>
                    <SignInForm fixed_user=who.unwrap_or_default() />
                </div>
            </div>
        }
        .into_any()
    }
}

/// `/thiet-lap#ma=…`: creates the first administrator with the one-time link the server
/// printed at start-up.
#[component]
pub fn SetupPage() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let read_token = || {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .and_then(|h| h.split("ma=").nth(1).map(str::to_owned))
            .unwrap_or_default()
    };
    // The code is in the address's fragment; a link pasted into this tab changes only that.
    let token = RwSignal::new(read_token());
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| token.set(read_token()));
    on_cleanup(move || on_hash.remove());
    let needed = RwSignal::new(None::<bool>);
    spawn_local(async move {
        needed.set(Some(
            api::setup_status().await.map(|s| s.needed).unwrap_or(true),
        ));
    });
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Err(e) =
            shared::validate::same_password(&password.get_untracked(), &again.get_untracked())
        {
            error.set(Some(e.to_string()));
            return;
        }
        let req = SetupRequest {
            token: token.get_untracked(),
            username: username.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            want_token: false,
        };
        let navigate = navigate.clone();
        busy.set(true);
        spawn_local(async move {
            match api::setup(&req).await {
                Ok(info) => {
                    auth.signed_in(info).await;
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let field = move |label: &'static str,
                      value: RwSignal<String>,
                      kind: &'static str,
                      auto: &'static str| {
        view! {
            <label>
                {label}
                <input
                    type=kind
                    autocomplete=auto
                    required
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <section class="auth-page">
            <h1>"Thiết lập máy chủ"</h1>
            {move || match needed.get() {
                None => view! { <p class="empty">"Đang kiểm tra…"</p> }.into_any(),
                Some(false) => view! {
                    <p class="notice">"Máy chủ đã có tài khoản quản trị. Hãy đăng nhập."</p>
                    <a href="/">"Đến trang đăng nhập"</a>
                }.into_any(),
                Some(true) if token.with(String::is_empty) => view! {
                    <p class="notice error" role="alert">
                        "Liên kết thiếu mã thiết lập. Hãy mở đúng liên kết máy chủ in ra khi khởi động."
                    </p>
                }.into_any(),
                Some(true) => view! {
                    <p class="hint">"Tạo tài khoản quản trị hệ thống. Liên kết này chỉ dùng được một lần."</p>
                    <form class="sign-in" on:submit=submit.clone()>
                        {field("Tên đăng nhập", username, "text", "username")}
                        {field("Họ và tên", name, "text", "name")}
                        {field("Mật khẩu (ít nhất 8 ký tự)", password, "password", "new-password")}
                        {field("Nhập lại mật khẩu", again, "password", "new-password")}
                        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                        <button class="primary" type="submit" disabled=move || busy.get()>
                            "Tạo tài khoản quản trị"
                        </button>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
