//! "Quản trị": accounts (create, change role or agency, lock, reset password), the agency
//! registry (add, rename, merge into another, retire) and the download of a backup, for
//! administrators.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::access::UserRole;
use shared::api::{NewUser, User, UserUpdate};
use shared::registry::{Agency, AgencyChange, AgencyGroup, apply_agency_change};
use shared::text::{Query, collation_key, format_date, parse_date};

use crate::api;
use crate::session::use_auth;

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
            agency: Some(agency.get_untracked()).filter(|a| !a.is_empty()),
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
                            <option value=a.code.clone()>{a.name.clone()}</option>
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

/// The groups in the order the registry lists them.
const GROUPS: [AgencyGroup; 5] = [
    AgencyGroup::Department,
    AgencyGroup::ArmedForces,
    AgencyGroup::MassOrganisation,
    AgencyGroup::Other,
    AgencyGroup::Local,
];

fn group_index(g: AgencyGroup) -> usize {
    GROUPS.iter().position(|x| *x == g).unwrap_or(GROUPS.len())
}

/// Which change an agency's row is being edited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Rename,
    Merge,
    Retire,
}

const DATE_HINT: &str = "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 01/03/2025.";

/// The agency registry: the list, a form to add one, and per agency a rename, a merge into
/// another agency and a retirement, each checked on the device by the same rule as on the
/// server before it is sent.
#[component]
fn AgencyRegistry() -> impl IntoView {
    let auth = use_auth();
    let query = RwSignal::new(String::new());
    let load_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    // The row being edited (its code and the change), its draft values and its error.
    let editing = RwSignal::new(None::<(String, Edit)>);
    let draft_name = RwSignal::new(String::new());
    let draft_into = RwSignal::new(String::new());
    let draft_date = RwSignal::new(String::new());
    let row_error = RwSignal::new(None::<String>);
    // The form to add one.
    let new_code = RwSignal::new(String::new());
    let new_name = RwSignal::new(String::new());
    let new_group = RwSignal::new(AgencyGroup::Department);
    let add_error = RwSignal::new(None::<String>);

    let refresh = move || async move {
        match api::agencies().await {
            Ok(list) => {
                load_error.set(None);
                auth.agencies.set(list);
            }
            Err(e) => {
                if !auth.on_error(&e) {
                    load_error.set(Some(e.message));
                }
            }
        }
    };
    spawn_local(refresh());

    // Checks the change on the device, sends it, and refreshes the registry; errors go to
    // `error`. Once saved, the row editor closes (and the add form is cleared after an add).
    let send = move |change: AgencyChange, error: RwSignal<Option<String>>| {
        if busy.get_untracked() {
            return;
        }
        if let Err(e) = auth
            .agencies
            .with_untracked(|l| apply_agency_change(l, &change))
        {
            error.set(Some(e.to_string()));
            return;
        }
        let added = matches!(change, AgencyChange::Add { .. });
        busy.set(true);
        spawn_local(async move {
            match api::change_agency(&change).await {
                Ok(changed) => {
                    error.set(None);
                    let names: Vec<String> = changed.iter().map(|a| a.name.clone()).collect();
                    auth.agencies.update(|list| {
                        for c in changed {
                            match list.iter_mut().find(|a| a.code == c.code) {
                                Some(a) => *a = c,
                                None => list.push(c),
                            }
                        }
                    });
                    notice.set(Some(format!("Đã lưu: {}.", names.join(", "))));
                    editing.set(None);
                    if added {
                        new_code.set(String::new());
                        new_name.set(String::new());
                    }
                    refresh().await;
                }
                Err(e) => {
                    if !auth.on_error(&e) {
                        error.set(Some(e.message));
                    }
                }
            }
            busy.set(false);
        });
    };

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        let change = AgencyChange::Add {
            agency: Agency {
                code: new_code.get_untracked(),
                name: new_name.get_untracked(),
                group: new_group.get_untracked(),
                role_note: None,
                successor: None,
                successor_note: None,
                valid_from: None,
                valid_to: None,
            },
        };
        send(change, add_error);
    };

    let open = move |code: String, edit: Edit, name: String| {
        row_error.set(None);
        notice.set(None);
        draft_name.set(name);
        draft_into.set(String::new());
        draft_date.set(String::new());
        editing.set(Some((code, edit)));
    };
    let close = move || {
        row_error.set(None);
        editing.set(None);
    };
    let save = move |code: String, edit: Edit| {
        let change = match edit {
            Edit::Rename => AgencyChange::Rename {
                code,
                name: draft_name.get_untracked(),
            },
            Edit::Merge | Edit::Retire => {
                let Some(on) = parse_date(&draft_date.get_untracked()) else {
                    row_error.set(Some(DATE_HINT.into()));
                    return;
                };
                if edit == Edit::Retire {
                    AgencyChange::Retire { code, on }
                } else {
                    let into = draft_into.get_untracked();
                    if into.is_empty() {
                        row_error.set(Some("Chọn cơ quan tiếp nhận.".into()));
                        return;
                    }
                    AgencyChange::Merge { code, into, on }
                }
            }
        };
        send(change, row_error);
    };

    let shown = move || {
        let q = Query::new(&query.get());
        let mut list: Vec<Agency> = auth.agencies.with(|l| {
            l.iter()
                .filter(|a| q.matches(&a.name) || q.matches(&a.code))
                .cloned()
                .collect()
        });
        list.sort_by_cached_key(|a| (group_index(a.group), collation_key(&a.name)));
        list
    };
    let name_of = move |code: &str| {
        auth.agencies.with_untracked(|l| {
            l.iter()
                .find(|a| a.code == code)
                .map_or_else(|| code.to_owned(), |a| a.name.clone())
        })
    };

    let row = move |a: Agency| {
        let code = a.code.clone();
        let ended = a
            .valid_to
            .and_then(|d| d.succ_opt())
            .map(|d| format!("hết hiệu lực từ {}", format_date(d)));
        let successor = a
            .successor
            .as_deref()
            .map(|s| format!("Kế thừa: {}", name_of(s)));
        let retired = a.valid_to.is_some();
        let button = {
            let code = code.clone();
            let name = a.name.clone();
            move |edit: Edit, label: &'static str| {
                let code = code.clone();
                let name = name.clone();
                view! {
                    <button
                        type="button"
                        prop:disabled=move || busy.get()
                        on:click=move |_| open(code.clone(), edit, name.clone())
                    >
                        {label}
                    </button>
                }
            }
        };
        let editor = {
            let code = code.clone();
            move || {
                let edit = editing.with(|e| {
                    e.as_ref()
                        .filter(|(c, _)| *c == code)
                        .map(|(_, edit)| *edit)
                })?;
                let code = code.clone();
                let fields = match edit {
                    Edit::Rename => view! {
                        <label>
                            "Tên mới"
                            <input
                                type="text"
                                prop:value=move || draft_name.get()
                                on:input=move |ev| draft_name.set(event_target_value(&ev))
                            />
                        </label>
                    }
                    .into_any(),
                    Edit::Merge => {
                        let own = code.clone();
                        let targets: Vec<(String, String)> = auth.agencies.with_untracked(|l| {
                            let mut t: Vec<&Agency> = l
                                .iter()
                                .filter(|x| x.code != own && x.valid_to.is_none())
                                .collect();
                            t.sort_by_cached_key(|x| collation_key(&x.name));
                            t.into_iter()
                                .map(|x| (x.code.clone(), x.name.clone()))
                                .collect()
                        });
                        view! {
                            <label>
                                "Sáp nhập vào"
                                <select on:change=move |ev| draft_into.set(event_target_value(&ev))>
                                    <option value="">"— chọn cơ quan —"</option>
                                    {targets.into_iter().map(|(c, n)| view! {
                                        <option value=c.clone() selected=move || draft_into.get() == c>{n}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                            {date_field("Có hiệu lực từ ngày", draft_date)}
                        }
                        .into_any()
                    }
                    Edit::Retire => date_field("Giải thể từ ngày", draft_date).into_any(),
                };
                let (title, action) = match edit {
                    Edit::Rename => ("Đổi tên cơ quan", "Lưu tên mới"),
                    Edit::Merge => ("Sáp nhập vào cơ quan khác", "Sáp nhập"),
                    Edit::Retire => ("Giải thể (không có cơ quan kế thừa)", "Giải thể"),
                };
                Some(view! {
                    <form
                        class="sign-in agency-edit"
                        on:submit=move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            save(code.clone(), edit);
                        }
                    >
                        <h3>{title}</h3>
                        {fields}
                        {move || row_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                        <div class="actions">
                            <button
                                class=if edit == Edit::Rename { "primary" } else { "danger" }
                                type="submit"
                                prop:disabled=move || busy.get()
                            >
                                {action}
                            </button>
                            <button type="button" on:click=move |_| close()>"Huỷ"</button>
                        </div>
                    </form>
                })
            }
        };
        view! {
            <li class="agency-row" class:retired=retired>
                <div class="agency-info">
                    <span class="agency-name">{a.name.clone()}</span>
                    <span class="muted">{format!("{} · {}", a.code, a.group.name_vi())}</span>
                    {ended.map(|t| view! { <span class="agency-ended">{t}</span> })}
                    {successor.map(|t| view! { <span class="agency-successor">{t}</span> })}
                </div>
                <div class="actions">
                    {button(Edit::Rename, "Đổi tên")}
                    {button(Edit::Merge, "Sáp nhập…")}
                    {button(Edit::Retire, "Giải thể…")}
                </div>
                {editor}
            </li>
        }
    };

    view! {
        <section class="agency-registry" aria-labelledby="agency-registry-title">
            <h1 id="agency-registry-title">"Danh mục cơ quan"</h1>
            <form class="sign-in new-agency" on:submit=add>
                <h2>"Thêm cơ quan"</h2>
                <label>
                    "Mã cơ quan (viết liền, ví dụ SDL)"
                    <input
                        type="text"
                        required
                        autocapitalize="characters"
                        prop:value=move || new_code.get()
                        on:input=move |ev| new_code.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Tên cơ quan"
                    <input
                        type="text"
                        required
                        prop:value=move || new_name.get()
                        on:input=move |ev| new_name.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Nhóm"
                    <select on:change=move |ev| {
                        if let Some(g) = event_target_value(&ev)
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| GROUPS.get(i))
                        {
                            new_group.set(*g);
                        }
                    }>
                        {GROUPS.into_iter().enumerate().map(|(i, g)| view! {
                            <option value=i.to_string() selected=move || new_group.get() == g>{g.name_vi()}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || add_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button class="primary" type="submit" prop:disabled=move || busy.get()>"Thêm cơ quan"</button>
            </form>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || load_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            <div class="filter agency-filter">
                <input
                    type="search"
                    placeholder="Tìm cơ quan theo tên hoặc mã"
                    aria-label="Tìm cơ quan"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </div>
            {move || {
                let list = shown();
                if list.is_empty() {
                    view! { <p class="empty">"Không có cơ quan nào."</p> }.into_any()
                } else {
                    view! {
                        <ul class="agency-rows">{list.into_iter().map(row).collect_view()}</ul>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// A date typed as dd/mm/yyyy (checked with `shared::text::parse_date` when sent).
fn date_field(label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            {label}
            <input
                type="text"
                inputmode="numeric"
                placeholder="dd/mm/yyyy"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}
