//! "Đổi mật khẩu": the current password, the new one twice; the server ends the user's
//! sessions on other devices.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::PasswordChange;

use crate::{api, device};

#[component]
pub fn PasswordPage() -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        done.set(false);
        let req = PasswordChange {
            current: current.get_untracked(),
            new: new.get_untracked(),
        };
        if let Err(e) = shared::validate::same_password(&req.new, &again.get_untracked()) {
            error.set(Some(e.to_string()));
            return;
        }
        if let Err(e) = shared::validate::password(&req.new) {
            error.set(Some(e.to_string()));
            return;
        }
        if !device::online() {
            error.set(Some(
                "Đang ngoại tuyến: cần kết nối mạng để đổi mật khẩu.".into(),
            ));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::change_password(&req).await {
                Ok(()) => {
                    error.set(None);
                    done.set(true);
                    for field in [current, new, again] {
                        field.set(String::new());
                    }
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let field = move |label: &'static str, value: RwSignal<String>, autocomplete: &'static str| {
        view! {
            <label>
                {label}
                <input
                    type="password"
                    required
                    autocomplete=autocomplete
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <section class="password-page">
            <h1>"Đổi mật khẩu"</h1>
            <form class="sign-in" on:submit=submit>
                {field("Mật khẩu hiện tại", current, "current-password")}
                {field("Mật khẩu mới", new, "new-password")}
                {field("Nhập lại mật khẩu mới", again, "new-password")}
                <p class="hint">
                    "Ít nhất 8 ký tự, không chứa tên đăng nhập, không phải mật khẩu phổ biến. "
                    "Sau khi đổi, các phiên đăng nhập trên máy khác sẽ kết thúc."
                </p>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                {move || done.get().then(|| view! {
                    <p class="notice" role="status">
                        "Đã đổi mật khẩu. Các phiên đăng nhập trên máy khác đã kết thúc."
                    </p>
                })}
                <button type="submit" class="primary" disabled=move || busy.get()>"Đổi mật khẩu"</button>
            </form>
        </section>
    }
}
