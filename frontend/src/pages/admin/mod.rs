//! "Quản trị": accounts (create, change role or agency, lock, reset password), the agency
//! registry (add, rename, merge into another, retire) and the download of a backup, for
//! administrators. The registry is `registry.rs`.

mod registry;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::access::UserRole;
use shared::api::{NewUser, User, UserUpdate};

use crate::api;
use crate::session::use_auth;
use registry::AgencyRegistry;

#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = use_auth();
    let users = RwSignal::new(None::<Result<Vec<User>, String>>);
    let reload = move || {
        spawn_local(async move {
            users.set(Some(api::users().await.map_err(|e| e.message)));
        });
    };
    reload();
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(UserRole::AgencyOfficer);
    let agency = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = NewUser {
            username: username.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked(),
            agency: Some(agency.get_untracked().into())
                .filter(|a: &shared::ids::AgencyCode| !a.is_empty()),
        };
        spawn_local(async move {
            match api::create_user(&req).await {
                Ok(_) => {
                    error.set(None);
                    username.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    reload();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let set_active = move |u: String, active: bool| {
        spawn_local(async move {
            let req = UserUpdate {
                active: Some(active),
                ..UserUpdate::default()
            };
            match api::update_user(&u, &req).await {
                Ok(_) => reload(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let text = move |label: &'static str, value: RwSignal<String>, kind: &'static str| {
        view! {
            <label>
                {label}
                <input
                    type=kind
                    required
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <section class="admin">
            <h1>"Quản trị tài khoản"</h1>
            <form class="sign-in new-user" on:submit=create>
                <h2>"Tạo tài khoản"</h2>
                {text("Tên đăng nhập", username, "text")}
                {text("Họ và tên", name, "text")}
                {text("Mật khẩu ban đầu", password, "password")}
                <label>
                    "Vai trò"
                    <select aria-label="Vai trò" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(r) = UserRole::ALL.into_iter().find(|r| format!("{r:?}") == v) {
                            role.set(r);
                        }
                    }>
                        {UserRole::ALL.into_iter().map(|r| view! {
                            <option value=format!("{r:?}") selected=move || role.get() == r>{r.label_vi()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Cơ quan"
                    <select aria-label="Cơ quan" on:change=move |ev| agency.set(event_target_value(&ev))>
                        <option value="">"— không —"</option>
                        {move || auth.agencies.get().into_iter().map(|a| view! {
                            <option value=a.code.to_string()>{a.name.clone()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button class="primary" type="submit">"Tạo tài khoản"</button>
            </form>
            <h2>"Tài khoản"</h2>
            {move || match users.get() {
                None => view! { <p class="empty">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <table class="users">
                        <thead><tr><th>"Tên đăng nhập"</th><th>"Họ tên"</th><th>"Vai trò"</th><th>"Cơ quan"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|u| {
                                let name = u.username.clone();
                                let active = u.active;
                                // Nobody locks themself out.
                                let me = auth.user.with_untracked(|m| m.as_ref().is_some_and(|m| m.username == u.username));
                                let agency = u.agency.as_deref().map(|c| {
                                    auth.agencies.with_untracked(|l| shared::registry::name_of(l, c))
                                });
                                view! {
                                    <tr class:locked=!active>
                                        <td>{u.username.clone()}</td>
                                        <td>{u.name.clone()}</td>
                                        <td>{u.role.label_vi()}</td>
                                        <td>{agency.unwrap_or_default()}</td>
                                        <td>
                                            {(!me).then(|| view! {
                                                <button on:click=move |_| set_active(name.clone(), !active)>
                                                    {if active { "Khoá" } else { "Mở khoá" }}
                                                </button>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <AgencyRegistry />
            <Backup />
        </section>
    }
}

/// A copy of all the data to keep safe: the server's export, downloaded as a file.
#[component]
fn Backup() -> impl IntoView {
    view! {
        <section class="backup" aria-labelledby="backup-title">
            <h2 id="backup-title">"Sao lưu dữ liệu"</h2>
            <p>
                "Tải về một bản sao toàn bộ dữ liệu: kế hoạch, lịch sử thay đổi, tài khoản và danh mục cơ quan. "
                "Máy chủ vẫn phục vụ trong lúc sao lưu; cần có kết nối mạng. "
                "Khôi phục bằng lệnh " <code>"backend restore"</code> " khi máy chủ đã dừng."
            </p>
            <a class="button primary" href="/api/admin/backup" download="">"Tải bản sao lưu"</a>
        </section>
    }
}
