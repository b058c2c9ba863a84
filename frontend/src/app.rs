//! The app's frame: header (who is signed in), routes, and the sign-in gate.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::apart::Apart;
use crate::components::update::UpdateBar;
use crate::error::AppError;
use crate::pages::admin::AdminPage;
use crate::pages::import::ImportPage;
use crate::pages::login::{LoginPage, SetupPage, SignInAgain};
use crate::pages::password::PasswordPage;
use crate::pages::plan::PlanPage;
use crate::pages::plans::PlansPage;
use crate::session::{Auth, use_auth};

#[component]
pub fn App() -> impl IntoView {
    let auth = Auth::new();
    provide_context(auth);
    spawn_local(async move { auth.init().await });
    view! {
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"Theo dõi kế hoạch"</A>
                <UserChip />
            </header>
            <main class="page">
                <Routes fallback=|| view! { <p class="empty">"Không tìm thấy trang này."</p> }>
                    <Route path=path!("/") view=|| view! { <Gate><PlansPage /></Gate> } />
                    <Route path=path!("/plans/:id") view=|| view! { <Gate><PlanPage /></Gate> } />
                    <Route path=path!("/quan-tri") view=|| view! {
                        <Gate><Apart load=admin_page loading="Đang tải trang quản trị…" /></Gate>
                    } />
                    <Route path=path!("/nhap-ke-hoach") view=|| view! {
                        <Gate><Apart load=import_page loading="Đang tải trang nhập kế hoạch…" /></Gate>
                    } />
                    <Route path=path!("/doi-mat-khau") view=|| view! { <Gate><PasswordPage /></Gate> } />
                    <Route path=path!("/thiet-lap") view=SetupPage />
                </Routes>
            </main>
            <SignInAgain />
            <UpdateBar />
        </Router>
    }
}

// Pages used rarely load as modules of their own (xtask's web build splits them out), the
// first time they are opened; the service worker keeps them for offline use. One that cannot
// be loaded says so ([`Apart`]).

/// The administration pages.
#[leptos::wasm_split::wasm_split(admin_page, wasm_split_path = ::leptos::wasm_split, fallible)]
fn admin_page() -> Result<AnyView, AppError> {
    Ok(view! { <AdminPage /> }.into_any())
}

/// The import of a plan from a document, and its review.
#[leptos::wasm_split::wasm_split(import_page, wasm_split_path = ::leptos::wasm_split, fallible)]
fn import_page() -> Result<AnyView, AppError> {
    Ok(view! { <ImportPage /> }.into_any())
}

/// Shows its children to a signed-in user (possibly offline, from the device's memory), and
/// the sign-in page to anyone else.
#[component]
fn Gate(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    // Only a change between signed in and not re-renders the page: a session confirmed or
    // renewed must not rebuild what the user is working on.
    let signed_in = Memo::new(move |_| auth.user.with(Option::is_some));
    move || {
        if signed_in.get() {
            children().into_any()
        } else if auth.checked.get() {
            view! { <LoginPage /> }.into_any()
        } else {
            view! { <p class="empty">"Đang tải…"</p> }.into_any()
        }
    }
}

#[component]
fn UserChip() -> impl IntoView {
    let auth = use_auth();
    move || {
        auth.user.get().map(|u| {
            let role = u.role.label_vi();
            let agency = u
                .agency
                .clone()
                .map(|code| auth.agencies.with(|list| shared::registry::name_of(list, &code)))
                .map(|a| format!(" · {a}"))
                .unwrap_or_default();
            let admin = u.role.administers();
            let u_name = u.name.clone();
            view! {
                {admin.then(|| view! { <A href="/quan-tri" attr:class="nav-link">"Quản trị"</A> })}
                <span class="user-chip">
                    <span class="user-name">{u.name.clone()}</span>
                    <span class="user-role">{format!("{role}{agency}")}</span>
                    <A href="/doi-mat-khau" attr:class="link">"Đổi mật khẩu"</A>
                    <button class="link" on:click=move |_| {
                        // Changes still waiting stay on the device for their author, and go
                        // out when that person signs in again (never under someone else's name).
                        let waiting = auth.pending.get_untracked();
                        if waiting > 0 {
                            let question = format!(
                                "Còn {waiting} thay đổi chưa gửi được. Các thay đổi này được giữ trên máy cho {name} và sẽ được gửi khi {name} đăng nhập lại. Vẫn đăng xuất?",
                                name = u_name,
                            );
                            let yes = web_sys::window()
                                .and_then(|w| w.confirm_with_message(&question).ok())
                                .unwrap_or(false);
                            if !yes {
                                return;
                            }
                        }
                        spawn_local(async move { auth.sign_out().await })
                    }>
                        "Đăng xuất"
                    </button>
                </span>
            }
        })
    }
}
