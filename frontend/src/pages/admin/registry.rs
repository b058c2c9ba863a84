//! "Danh mục cơ quan": the agency registry's list, a form to add one, and per agency a rename, a
//! merge into another agency and a retirement. Each form is a plain draft
//! (`shared::registry::form`) turned into an `AgencyChange`, checked on the device by the same
//! rule as on the server before it is sent.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::AgencyCode;
use shared::registry::form::{NewAgencyDraft, RowDraft, RowEdit, listed, merge_targets};
use shared::registry::{Agency, AgencyChange, AgencyGroup, apply_agency_change};
use shared::text::{Query, format_date};

use crate::api;
use crate::session::{Auth, use_auth};

/// What the registry's parts share: one change at a time, the last saved, and the row being
/// edited with its error.
#[derive(Clone, Copy)]
struct Registry {
    auth: Auth,
    busy: RwSignal<bool>,
    notice: RwSignal<Option<String>>,
    load_error: RwSignal<Option<String>>,
    editing: RwSignal<Option<RowDraft>>,
    row_error: RwSignal<Option<String>>,
}

impl Registry {
    /// Reads the registry from the server into the session's list.
    async fn refresh(self) {
        match api::agencies().await {
            Ok(list) => {
                self.load_error.set(None);
                self.auth.agencies.set(list);
            }
            Err(e) => {
                if !self.auth.on_error(&e) {
                    self.load_error.set(Some(e.message));
                }
            }
        }
    }

    /// Checks `change` on the device, sends it, and refreshes the registry; errors go to
    /// `error`. Once saved, the row editor closes and `saved` runs.
    fn send(
        self,
        change: AgencyChange,
        error: RwSignal<Option<String>>,
        saved: impl FnOnce() + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        if let Err(e) = self
            .auth
            .agencies
            .with_untracked(|l| apply_agency_change(l, &change))
        {
            error.set(Some(e.to_string()));
            return;
        }
        self.busy.set(true);
        spawn_local(async move {
            match api::change_agency(&change).await {
                Ok(changed) => {
                    error.set(None);
                    let names: Vec<String> = changed.iter().map(|a| a.name.clone()).collect();
                    self.auth.agencies.update(|list| {
                        for c in changed {
                            match list.iter_mut().find(|a| a.code == c.code) {
                                Some(a) => *a = c,
                                None => list.push(c),
                            }
                        }
                    });
                    self.notice
                        .set(Some(format!("Đã lưu: {}.", names.join(", "))));
                    self.editing.set(None);
                    saved();
                    self.refresh().await;
                }
                Err(e) => {
                    if !self.auth.on_error(&e) {
                        error.set(Some(e.message));
                    }
                }
            }
            self.busy.set(false);
        });
    }

    /// Opens `edit` on `code`'s row (closing any other).
    fn open(self, code: &str, edit: RowEdit, name: &str) {
        self.row_error.set(None);
        self.notice.set(None);
        self.editing.set(Some(RowDraft::open(code, edit, name)));
    }

    fn close(self) {
        self.row_error.set(None);
        self.editing.set(None);
    }
}

#[component]
pub fn AgencyRegistry() -> impl IntoView {
    let registry = Registry {
        auth: use_auth(),
        busy: RwSignal::new(false),
        notice: RwSignal::new(None),
        load_error: RwSignal::new(None),
        editing: RwSignal::new(None),
        row_error: RwSignal::new(None),
    };
    provide_context(registry);
    spawn_local(registry.refresh());
    let query = RwSignal::new(String::new());
    let shown = move || {
        let q = Query::new(&query.get());
        registry.auth.agencies.with(|l| listed(l, &q))
    };
    view! {
        <section class="agency-registry" aria-labelledby="agency-registry-title">
            <h1 id="agency-registry-title">"Danh mục cơ quan"</h1>
            <NewAgencyForm />
            {move || registry.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            {move || registry.load_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
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
                        <ul class="agency-rows">
                            {list.into_iter().map(|agency| view! { <AgencyRow agency /> }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// "Thêm cơ quan": code, name and group.
#[component]
fn NewAgencyForm() -> impl IntoView {
    let registry = expect_context::<Registry>();
    let draft = RwSignal::new(NewAgencyDraft::default());
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        registry.notice.set(None);
        let change = draft.with_untracked(NewAgencyDraft::change);
        registry.send(change, error, move || {
            draft.update(|d| {
                d.code.clear();
                d.name.clear();
            });
        });
    };
    view! {
        <form class="sign-in new-agency" on:submit=add>
            <h2>"Thêm cơ quan"</h2>
            <label>
                "Mã cơ quan (viết liền, ví dụ SDL)"
                <input
                    type="text"
                    required
                    autocapitalize="characters"
                    prop:value=move || draft.with(|d| d.code.clone())
                    on:input=move |ev| draft.update(|d| d.code = event_target_value(&ev))
                />
            </label>
            <label>
                "Tên cơ quan"
                <input
                    type="text"
                    required
                    prop:value=move || draft.with(|d| d.name.clone())
                    on:input=move |ev| draft.update(|d| d.name = event_target_value(&ev))
                />
            </label>
            <label>
                "Nhóm"
                <select on:change=move |ev| {
                    if let Some(g) = event_target_value(&ev)
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| AgencyGroup::ALL.get(i))
                    {
                        draft.update(|d| d.group = *g);
                    }
                }>
                    {AgencyGroup::ALL.into_iter().enumerate().map(|(i, g)| view! {
                        <option value=i.to_string() selected=move || draft.with(|d| d.group == g)>{g.name_vi()}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <button class="primary" type="submit" prop:disabled=move || registry.busy.get()>"Thêm cơ quan"</button>
        </form>
    }
}

/// One agency: its name, code, group, end and successor, its three changes, and the editor of
/// the one opened.
#[component]
fn AgencyRow(agency: Agency) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let ended = agency
        .valid_to
        .and_then(|d| d.succ_opt())
        .map(|d| format!("hết hiệu lực từ {}", format_date(d)));
    let successor = agency.successor.as_deref().map(|s| {
        let name = registry
            .auth
            .agencies
            .with_untracked(|l| shared::registry::name_of(l, s));
        format!("Kế thừa: {name}")
    });
    let button = {
        let (code, name) = (agency.code.clone(), agency.name.clone());
        move |edit: RowEdit, label: &'static str| {
            let (code, name) = (code.clone(), name.clone());
            view! {
                <button
                    type="button"
                    prop:disabled=move || registry.busy.get()
                    on:click=move |_| registry.open(&code, edit, &name)
                >
                    {label}
                </button>
            }
        }
    };
    let code = agency.code.clone();
    // Which change is open on this row: a memo, so that typing in the draft does not build the
    // editor again.
    let opened = {
        let code = code.clone();
        Memo::new(move |_| {
            registry
                .editing
                .with(|e| e.as_ref().filter(|d| d.code == code).map(|d| d.edit))
        })
    };
    let editor = move || {
        opened
            .get()
            .map(|edit| view! { <RowEditor code=code.clone() edit /> })
    };
    view! {
        <li class="agency-row" class:retired=agency.valid_to.is_some()>
            <div class="agency-info">
                <span class="agency-name">{agency.name.clone()}</span>
                <span class="muted">{format!("{} · {}", agency.code, agency.group.name_vi())}</span>
                {ended.map(|t| view! { <span class="agency-ended">{t}</span> })}
                {successor.map(|t| view! { <span class="agency-successor">{t}</span> })}
            </div>
            <div class="actions">
                {button(RowEdit::Rename, "Đổi tên")}
                {button(RowEdit::Merge, "Sáp nhập…")}
                {button(RowEdit::Retire, "Giải thể…")}
            </div>
            {editor}
        </li>
    }
}

/// The editor of one change of one agency, over the registry's draft.
#[component]
fn RowEditor(code: AgencyCode, edit: RowEdit) -> impl IntoView {
    let registry = expect_context::<Registry>();
    let draft = registry.editing;
    let set = move |f: fn(&mut RowDraft, String), value: String| {
        draft.update(|d| {
            if let Some(d) = d {
                f(d, value);
            }
        });
    };
    let field = move |f: fn(&RowDraft) -> String| move || draft.with(|d| d.as_ref().map(f));
    let date = move |label: &'static str| {
        view! {
            <label>
                {label}
                <input
                    type="text"
                    inputmode="numeric"
                    placeholder="dd/mm/yyyy"
                    prop:value=field(|d| d.date.clone())
                    on:input=move |ev| set(|d, v| d.date = v, event_target_value(&ev))
                />
            </label>
        }
    };
    let fields = match edit {
        RowEdit::Rename => view! {
            <label>
                "Tên mới"
                <input
                    type="text"
                    prop:value=field(|d| d.name.clone())
                    on:input=move |ev| set(|d, v| d.name = v, event_target_value(&ev))
                />
            </label>
        }
        .into_any(),
        RowEdit::Merge => {
            let targets = registry
                .auth
                .agencies
                .with_untracked(|l| merge_targets(l, &code));
            view! {
                <label>
                    "Sáp nhập vào"
                    <select on:change=move |ev| set(|d, v| d.into = v, event_target_value(&ev))>
                        <option value="">"— chọn cơ quan —"</option>
                        {targets.into_iter().map(|(c, n)| view! {
                            <option
                                value=c.to_string()
                                selected=move || draft.with(|d| d.as_ref().is_some_and(|d| c == d.into.as_str()))
                            >
                                {n}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                {date("Có hiệu lực từ ngày")}
            }
            .into_any()
        }
        RowEdit::Retire => date("Giải thể từ ngày").into_any(),
    };
    let (title, action) = edit.words();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(change) = draft.with_untracked(|d| d.as_ref().map(RowDraft::change)) else {
            return;
        };
        match change {
            Ok(change) => registry.send(change, registry.row_error, || {}),
            Err(e) => registry.row_error.set(Some(e.to_string())),
        }
    };
    view! {
        <form class="sign-in agency-edit" on:submit=save>
            <h3>{title}</h3>
            {fields}
            {move || registry.row_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="actions">
                <button
                    class=if edit == RowEdit::Rename { "primary" } else { "danger" }
                    type="submit"
                    prop:disabled=move || registry.busy.get()
                >
                    {action}
                </button>
                <button type="button" on:click=move |_| registry.close()>"Huỷ"</button>
            </div>
        </form>
    }
}
