//! Importing a plan document: upload a .docx or text file (or paste text), review the tree the
//! server read beside the source lines it came from, fix labels, levels and titles, accept or
//! reject the suggested assignments, and save it as a new plan.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::api::{DuplicatePlan, ErrorCode, SaveImportRequest};
use shared::assignment::Role;
use shared::document::DocumentKind;
use shared::ids::PlanId;
use shared::import::review::{
    MetadataDraft, ReviewError, ReviewRow, apply_suggestions, flatten, rebuild,
};
use shared::import::{
    ImportWarning, ImportedDocument, ParsedNode, SuggestedAssignment, UnmatchedAgency,
};
use shared::text::format_date;
use wasm_bindgen::JsCast;

use crate::components::meta_form::{MetaFields, MetaForm};
use crate::error::AppError;
use crate::session::use_auth;
use crate::{api, kv};

/// Lines of the source shown at once around the selected node when the document is long.
const SOURCE_WINDOW: usize = 300;

/// Where the document under review is kept on the device (a reload or a slip of the finger
/// loses nothing), and where its edits are, written at each change.
const SAVED_DOCUMENT: &str = "nhap-ke-hoach:van-ban";
const SAVED_EDITS: &str = "nhap-ke-hoach:sua";

/// The review's edits: the plan's id, each remaining row (key, depth, label, title), the
/// suggestions (as changed or added) and those accepted, and the metadata form.
#[derive(serde::Serialize, serde::Deserialize)]
struct Edits {
    id: PlanId,
    rows: Vec<(usize, usize, String, String)>,
    accepted: Vec<usize>,
    #[serde(default)]
    suggestions: Option<Vec<SuggestedAssignment>>,
    #[serde(default)]
    meta: Option<MetadataDraft>,
}

/// A row of the review, with what the user may change as signals of its own (typing in one row
/// re-renders nothing else).
#[derive(Clone)]
struct Row {
    key: usize,
    depth: RwSignal<usize>,
    label: RwSignal<String>,
    title: RwSignal<String>,
    node: ParsedNode,
    /// The source lines it covers: from its line to the next row's.
    lines: (usize, usize),
    warnings: Vec<ImportWarning>,
    /// Agencies it names that the registry does not have, to be mapped to one it has.
    unmatched: Vec<UnmatchedAgency>,
}

/// The document under review.
#[derive(Clone)]
struct Review {
    id: PlanId,
    doc: ImportedDocument,
    rows: RwSignal<Vec<Row>>,
    /// The document's suggestions, with the roles the user changed and the ones added.
    suggestions: RwSignal<Vec<SuggestedAssignment>>,
    accepted: RwSignal<HashSet<usize>>,
    selected: RwSignal<Option<usize>>,
    meta: MetaForm,
}

impl Review {
    /// A review of `doc`, to be saved as the plan `id` (a fresh id, or the saved edits' one).
    fn new(doc: ImportedDocument, id: PlanId) -> Self {
        let flat = flatten(&doc.plan.nodes);
        let starts: Vec<usize> = flat.iter().map(|r| r.node.line).collect();
        let rows = flat
            .into_iter()
            .enumerate()
            .map(|(key, r)| {
                let from = r.node.line;
                let to = starts
                    .iter()
                    .copied()
                    .filter(|s| *s > from)
                    .min()
                    .unwrap_or(doc.lines.len() + 1);
                Row {
                    key,
                    depth: RwSignal::new(r.depth),
                    label: RwSignal::new(r.node.label.clone()),
                    title: RwSignal::new(r.node.title.clone()),
                    lines: (from, to),
                    warnings: doc
                        .plan
                        .warnings
                        .iter()
                        .filter(|w| w.line == from)
                        .cloned()
                        .collect(),
                    unmatched: doc
                        .plan
                        .unmatched_agencies
                        .iter()
                        .filter(|u| u.node_line == from && u.node_label == r.node.label)
                        .cloned()
                        .collect(),
                    node: r.node,
                }
            })
            .collect();
        Review {
            id,
            rows: RwSignal::new(rows),
            suggestions: RwSignal::new(doc.plan.suggested_assignments.clone()),
            accepted: RwSignal::new(HashSet::new()),
            selected: RwSignal::new(None),
            meta: MetaForm::new(MetadataDraft::of(&doc.plan.metadata)),
            doc,
        }
    }

    fn edits(&self) -> Edits {
        Edits {
            id: self.id,
            rows: self
                .rows
                .get()
                .iter()
                .map(|r| (r.key, r.depth.get(), r.label.get(), r.title.get()))
                .collect(),
            accepted: self.accepted.get().into_iter().collect(),
            suggestions: Some(self.suggestions.get()),
            meta: Some(self.meta.draft()),
        }
    }

    fn apply_edits(&mut self, edits: Edits) {
        self.id = edits.id;
        let rows = self.rows;
        rows.update(|list| {
            list.retain(|r| edits.rows.iter().any(|(key, ..)| *key == r.key));
            for r in list.iter() {
                if let Some((_, depth, label, title)) = edits.rows.iter().find(|e| e.0 == r.key) {
                    r.depth.set(*depth);
                    r.label.set(label.clone());
                    r.title.set(title.clone());
                }
            }
        });
        if let Some(suggestions) = edits.suggestions {
            self.suggestions.set(suggestions);
        }
        if let Some(meta) = edits.meta {
            self.meta.set(meta);
        }
        self.accepted.set(edits.accepted.into_iter().collect());
    }

    /// The plan as the user left it, with its metadata as the form holds it and the accepted
    /// suggestions as assignments.
    fn reviewed(&self) -> Result<shared::import::ParsedPlan, ReviewError> {
        let accepted = self.accepted.get_untracked();
        let chosen: Vec<SuggestedAssignment> = self
            .suggestions
            .get_untracked()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| accepted.contains(i))
            .map(|(_, s)| s)
            .collect();
        let mut rows = Vec::new();
        for r in self.rows.get_untracked() {
            // Suggestions name the node as the importer read it (line and label): applied
            // before the label the user may have changed.
            let mut node = r.node.clone();
            apply_suggestions(std::slice::from_mut(&mut node), &chosen)?;
            node.label = r.label.get_untracked().trim().to_owned();
            node.title = r.title.get_untracked().trim().to_owned();
            rows.push(ReviewRow {
                depth: r.depth.get_untracked(),
                node,
            });
        }
        let mut plan = self.doc.plan.clone();
        plan.metadata = self
            .meta
            .draft()
            .checked(&self.doc.plan.metadata)
            .map_err(ReviewError::Metadata)?;
        plan.nodes = rebuild(&rows);
        plan.suggested_assignments.clear();
        Ok(plan)
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let auth = use_auth();
    let review = RwSignal::new(None::<Review>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let may_import = move || auth.user.get().is_some_and(|u| u.role.edits_plan());

    let restored = RwSignal::new(false);
    // A review left unfinished on this device comes back as it was left.
    spawn_local(async move {
        let Ok(Some(json)) = kv::get(SAVED_DOCUMENT).await else {
            return;
        };
        let Ok(doc) = serde_json::from_slice::<ImportedDocument>(json.as_bytes()) else {
            return;
        };
        let mut r = Review::new(doc, PlanId(crate::device::new_uuid()));
        if let Ok(Some(edits)) = kv::get(SAVED_EDITS).await
            && let Ok(edits) = serde_json::from_slice::<Edits>(edits.as_bytes())
        {
            r.apply_edits(edits);
        }
        if review.get_untracked().is_none() {
            restored.set(true);
            review.set(Some(r));
        }
    });
    let read = move |body: wasm_bindgen::JsValue| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::import_preview(body).await {
                Ok(doc) => {
                    if let Ok(json) = serde_json::to_string(&doc) {
                        let _ = kv::put(SAVED_DOCUMENT, &json).await;
                    }
                    let _ = kv::delete(SAVED_EDITS).await;
                    restored.set(false);
                    review.set(Some(Review::new(doc, PlanId(crate::device::new_uuid()))));
                }
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let close = move || {
        review.set(None);
        restored.set(false);
        spawn_local(forget_review());
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            read(file.into());
        }
    };
    let pasted = RwSignal::new(String::new());
    let on_paste = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = pasted.get_untracked();
        if text.trim().is_empty() {
            error.set(Some(AppError::NothingPasted.to_string()));
            return;
        }
        read(text.into());
    };

    view! {
        <section class="import">
            <h1>"Nhập kế hoạch từ văn bản"</h1>
            {move || (!may_import()).then(|| view! {
                <p class="notice error" role="alert">"Chỉ cơ quan thường trực mới được nhập kế hoạch."</p>
            })}
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || match review.get() {
                None => view! {
                    <div class="import-source">
                        <label class="file-pick">
                            <span>"Chọn tệp Word (.docx) hoặc văn bản (.txt)"</span>
                            <input type="file" accept=".docx,.txt,text/plain,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                                prop:disabled=move || busy.get() || !may_import()
                                on:change=on_file />
                        </label>
                        <form class="paste" on:submit=on_paste>
                            <label for="import-text">"Hoặc dán nội dung văn bản"</label>
                            <textarea id="import-text" rows="10"
                                placeholder="KẾ HOẠCH … I. MỤC ĐÍCH, YÊU CẦU …"
                                on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                            <button class="primary" type="submit" prop:disabled=move || busy.get() || !may_import()>
                                {move || if busy.get() { "Đang đọc…" } else { "Đọc văn bản" }}
                            </button>
                        </form>
                    </div>
                }.into_any(),
                Some(r) => view! {
                    {move || restored.get().then(|| view! {
                        <p class="notice" role="status">"Tiếp tục bản đang duyệt dở trên máy này."</p>
                    })}
                    <ReviewView review=r on_cancel=close />
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ReviewView(
    review: Review,
    on_cancel: impl Fn() + Send + Sync + 'static + Copy,
) -> impl IntoView {
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let warnings = review.doc.plan.warnings.len();
    let suggestions = review.doc.plan.suggested_assignments.len();
    let accepted = review.accepted;
    let all_suggestions: Vec<usize> = (0..suggestions).collect();

    // Every edit is kept on the device at once.
    let keep = review.clone();
    Effect::new(move |_| {
        let edits = keep.edits();
        if let Ok(json) = serde_json::to_string(&edits) {
            spawn_local(async move {
                let _ = kv::put(SAVED_EDITS, &json).await;
            });
        }
    });
    let save_review = review.clone();
    let duplicates = RwSignal::new(Vec::<DuplicatePlan>::new());
    let save = move |allow_duplicate: bool| {
        let review = save_review.clone();
        let navigate = navigate.clone();
        error.set(None);
        let plan = match review.reviewed() {
            Ok(plan) => plan,
            Err(e) => {
                error.set(Some(e.to_string()));
                return;
            }
        };
        saving.set(true);
        spawn_local(async move {
            let req = SaveImportRequest {
                id: review.id,
                plan,
                source_sha256: review.doc.sha256.clone(),
                allow_duplicate,
            };
            match api::save_import(&req).await {
                Ok(summary) => {
                    forget_review().await;
                    navigate(&format!("/plans/{}", summary.id), Default::default());
                }
                Err(e) if e.code == ErrorCode::Duplicate => duplicates.set(*e.duplicates),
                Err(e) => error.set(Some(e.message)),
            }
            saving.set(false);
        });
    };
    let save_again = save.clone();

    let meta = review.meta;
    let read = MetadataDraft::of(&review.doc.plan.metadata);
    let base = review.doc.plan.metadata.clone();
    let meta_error = move || meta.draft().checked(&base).err().map(|e| e.to_string());
    let m = &review.doc.plan.metadata;
    let details = [
        (!m.recipients.is_empty()).then(|| format!("Nơi nhận: {} đơn vị", m.recipients.len())),
        m.signer_title.as_ref().map(|t| t.replace('\n', " / ")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");

    let rows = review.rows;
    let selected = review.selected;
    let lines = review.doc.lines.clone();
    // Warnings about lines that start no node (text before the outline it could not place).
    let starts: HashSet<usize> = rows.get_untracked().iter().map(|r| r.lines.0).collect();
    let loose: Vec<ImportWarning> = review
        .doc
        .plan
        .warnings
        .iter()
        .filter(|w| !starts.contains(&w.line))
        .cloned()
        .collect();
    let warned_lines: HashSet<usize> = review.doc.plan.warnings.iter().map(|w| w.line).collect();
    // The agencies in office on the plan's date, for assignments added in the review.
    let on_date = Signal::derive(move || shared::text::parse_date(&meta.issued_on.get()));
    view! {
        <div class="review">
            <div class="review-head">
                <h2>{move || {
                    let number = meta.number.get();
                    let kind = meta.kind.get().map_or("Văn bản", DocumentKind::name_vi);
                    if number.trim().is_empty() { kind.to_owned() } else { format!("{kind} số {}", number.trim()) }
                }}</h2>
                <MetaFields meta=meta read=read />
                {move || meta_error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <p class="muted">{details}</p>
                <p class="review-counts">
                    {move || format!("{} mục", rows.get().len())}
                    {(warnings > 0).then(|| view! { <span class="warn-count">{format!(" · {warnings} cảnh báo")}</span> })}
                    {move || format!(" · {} / {suggestions} đề xuất giao việc được chọn", accepted.get().len())}
                </p>
                <div class="actions">
                    {(suggestions > 0).then(|| view! {
                        <button type="button" on:click=move |_| accepted.set(all_suggestions.iter().copied().collect())>
                            "Chọn tất cả đề xuất"
                        </button>
                        <button type="button" on:click=move |_| accepted.set(HashSet::new())>"Bỏ chọn tất cả"</button>
                    })}
                </div>
            </div>
            {(!loose.is_empty()).then(|| view! {
                <ul class="loose-warnings" aria-label="Cảnh báo ngoài cây">
                    {loose.into_iter().map(|w| view! {
                        <li class="warning">{format!("Dòng {}: {}", w.line, w.message)}</li>
                    }).collect_view()}
                </ul>
            })}
            <div class="review-body">
                <ol class="review-tree" aria-label="Cây nhiệm vụ đọc được">
                    <For each=move || rows.get() key=|r| r.key let:row>
                        <ReviewRowView row=row rows=rows selected=selected accepted=accepted
                            suggestions=review.suggestions on=on_date />
                    </For>
                </ol>
                <SourcePane lines=lines rows=rows selected=selected warned_lines=warned_lines />
            </div>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
            {move || {
                let found = duplicates.get();
                let save_again = save_again.clone();
                (!found.is_empty()).then(move || view! {
                    <div class="notice warning duplicate" role="alert">
                        {found.iter().map(|d| view! {
                            <p>{d.describe_vi()}</p>
                            <a class="button" href=format!("/plans/{}", d.id)>"Mở kế hoạch đó"</a>
                        }).collect_view()}
                        <button type="button" on:click=move |_| { duplicates.set(Vec::new()); save_again(true); }>
                            "Vẫn lưu thành kế hoạch mới"
                        </button>
                    </div>
                })
            }}
            <div class="review-actions">
                <button type="button" on:click=move |_| on_cancel()>"Huỷ"</button>
                <button class="primary" type="button" prop:disabled=move || saving.get() on:click=move |_| save(false)>
                    {move || if saving.get() { "Đang lưu…" } else { "Lưu kế hoạch" }}
                </button>
            </div>
        </div>
    }
}

#[component]
fn ReviewRowView(
    row: Row,
    rows: RwSignal<Vec<Row>>,
    selected: RwSignal<Option<usize>>,
    accepted: RwSignal<HashSet<usize>>,
    suggestions: RwSignal<Vec<SuggestedAssignment>>,
    on: Signal<Option<chrono::NaiveDate>>,
) -> impl IntoView {
    let key = row.key;
    let depth = row.depth;
    // A row may go one level deeper than the row above it, and not above the top.
    let max_depth = move || {
        let list = rows.get();
        let at = list.iter().position(|r| r.key == key).unwrap_or(0);
        if at == 0 {
            0
        } else {
            list[at - 1].depth.get() + 1
        }
    };
    let remove = move |_| {
        rows.update(|list| {
            if let Some(at) = list.iter().position(|r| r.key == key) {
                // Its children come up one level.
                let d = list[at].depth.get_untracked();
                for r in list.iter().skip(at + 1) {
                    if r.depth.get_untracked() <= d {
                        break;
                    }
                    r.depth.update(|x| *x -= 1);
                }
                list.remove(at);
            }
        });
    };
    let deadline = row
        .node
        .deadline
        .map(|d| format!("Hạn {}", format_date(d)))
        .or_else(|| {
            row.node
                .recurring_deadline
                .as_ref()
                .map(|r| format!("Hạn {}", r.describe_vi()))
        });
    let warned = !row.warnings.is_empty();
    let warning_text = row
        .warnings
        .iter()
        .map(|w| w.message.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let line = row.lines.0;
    let node_line = row.node.line;
    let node_label = row.node.label.clone();
    let duty = row.node.title.clone();
    // This row's suggestions, by index in the review's list.
    let mine = {
        let node_label = node_label.clone();
        move || {
            suggestions.with(|all| {
                all.iter()
                    .enumerate()
                    .filter(|(_, s)| s.node_line == node_line && s.node_label == node_label)
                    .map(|(i, s)| (i, s.clone()))
                    .collect::<Vec<_>>()
            })
        }
    };
    let adding = RwSignal::new(false);
    // An agency chosen by hand for this row: a suggestion of its own, accepted.
    let choose =
        move |agency: shared::registry::Agency, role: Role, node_label: &str, duty: &str| {
            suggestions.update(|all| {
                all.push(SuggestedAssignment {
                    agency_code: agency.code,
                    agency_text: agency.name,
                    role,
                    node_label: node_label.to_owned(),
                    node_line,
                    duty: duty.to_owned(),
                });
            });
            let added = suggestions.with_untracked(|all| all.len() - 1);
            accepted.update(|a| {
                a.insert(added);
            });
        };
    view! {
        <li class="review-row" class:warned=warned class:selected=move || selected.get() == Some(key)
            style=move || format!("--depth: {}", depth.get())
            data-label=move || row.label.get()
            data-title=move || row.title.get()
            on:focusin=move |_| selected.set(Some(key))
            on:click=move |_| selected.set(Some(key))>
            <div class="review-fields">
                <button type="button" class="icon" title="Lên một cấp" aria-label="Lên một cấp"
                    prop:disabled=move || depth.get() == 0
                    on:click=move |_| depth.update(|d| *d = d.saturating_sub(1))>"←"</button>
                <button type="button" class="icon" title="Xuống một cấp" aria-label="Xuống một cấp"
                    prop:disabled={move || depth.get() >= max_depth()}
                    on:click=move |_| depth.update(|d| *d += 1)>"→"</button>
                <input class="review-label" aria-label="Số thứ tự" prop:value=move || row.label.get()
                    on:input=move |ev| row.label.set(event_target_value(&ev)) />
                <input class="review-title-input" aria-label="Tiêu đề" prop:value=move || row.title.get()
                    on:input=move |ev| row.title.set(event_target_value(&ev)) />
                <button type="button" class="icon danger" title="Bỏ mục này" aria-label="Bỏ mục này" on:click=remove>"×"</button>
            </div>
            <div class="review-meta">
                <span class="muted">{format!("Dòng {line}")}</span>
                {deadline.map(|d| view! { <span class="chip deadline">{d}</span> })}
                {warned.then(|| view! { <span class="warning" role="note">{warning_text}</span> })}
                <button type="button" class="link add-assignment" aria-expanded=move || adding.get().to_string()
                    on:click=move |_| adding.update(|a| *a = !*a)>
                    "+ Giao cơ quan"
                </button>
            </div>
            {move || {
                let list = mine();
                (!list.is_empty()).then(|| view! {
                    <ul class="suggestions" aria-label="Đề xuất giao việc">
                        {list.into_iter().map(|(i, s)| view! {
                            <li>
                                <label class="suggestion" class:lead=s.role == Role::Lead title=s.duty.clone()>
                                    <input type="checkbox"
                                        prop:checked=move || accepted.get().contains(&i)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            accepted.update(|a| { if on { a.insert(i); } else { a.remove(&i); } });
                                        } />
                                    {let name = s.agency_text.clone(); move || {
                                        let role = suggestions.with(|all| all.get(i).map(|x| x.role));
                                        let role = if role == Some(Role::Lead) { "chủ trì" } else { "phối hợp" };
                                        format!("{name} · {role}")
                                    }}
                                </label>
                                <select class="suggestion-role" aria-label=format!("Vai trò của {}", s.agency_text)
                                    on:change=move |ev| {
                                        let role = if event_target_value(&ev) == "lead" { Role::Lead } else { Role::Coordinating };
                                        suggestions.update(|all| if let Some(x) = all.get_mut(i) { x.role = role; });
                                    }>
                                    <option value="lead" selected=s.role == Role::Lead>"chủ trì"</option>
                                    <option value="coordinating" selected=s.role == Role::Coordinating>"phối hợp"</option>
                                </select>
                            </li>
                        }).collect_view()}
                    </ul>
                })
            }}
            {row.unmatched.iter().map(|u| {
                let mapped = RwSignal::new(false);
                let text = u.text.clone();
                let role = u.role;
                let node_label = node_label.clone();
                let duty = duty.clone();
                view! {
                    <div class="unmatched" class:hidden=move || mapped.get()>
                        <span class="warning">{format!("«{text}» chưa có trong danh mục cơ quan; giao cho:")}</span>
                        <AddAssignment on=on role=role on_add=move |agency: shared::registry::Agency, role: Role| {
                            choose(agency, role, &node_label, &duty);
                            mapped.set(true);
                        } />
                    </div>
                }
            }).collect_view()}
            {move || adding.get().then(|| {
                let node_label = node_label.clone();
                let duty = duty.clone();
                view! {
                    <AddAssignment on=on role=Role::Lead on_add=move |agency: shared::registry::Agency, role: Role| {
                        choose(agency, role, &node_label, &duty);
                        adding.set(false);
                    } />
                }
            })}
        </li>
    }
}

/// Picks an agency (in office on the plan's date) and a role for a task of the review.
#[component]
fn AddAssignment(
    on: Signal<Option<chrono::NaiveDate>>,
    /// The role offered first.
    role: Role,
    on_add: impl Fn(shared::registry::Agency, Role) + Send + Sync + 'static + Clone,
) -> impl IntoView {
    let auth = use_auth();
    let agencies = move || {
        let all = auth.agencies.get();
        shared::board::agencies_for(&all, on.get(), &Default::default())
    };
    let chosen = RwSignal::new(String::new());
    let first_role = role;
    let role = RwSignal::new(role);
    let add = move |_| {
        let code = chosen.get_untracked();
        if let Some(agency) = agencies().into_iter().find(|a| a.code.as_str() == code) {
            on_add(agency, role.get_untracked());
        }
    };
    view! {
        <div class="add-assignment-form">
            <select aria-label="Cơ quan giao thêm" on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="">"— Chọn cơ quan —"</option>
                {move || agencies().into_iter().map(|a| view! {
                    <option value=a.code.to_string()>{a.name.clone()}</option>
                }).collect_view()}
            </select>
            <select aria-label="Vai trò giao thêm" on:change=move |ev| {
                role.set(if event_target_value(&ev) == "lead" { Role::Lead } else { Role::Coordinating });
            }>
                <option value="lead" selected=first_role == Role::Lead>"chủ trì"</option>
                <option value="coordinating" selected=first_role == Role::Coordinating>"phối hợp"</option>
            </select>
            <button type="button" prop:disabled=move || chosen.get().is_empty() on:click=add>"Thêm"</button>
        </div>
    }
}

#[component]
fn SourcePane(
    lines: Vec<String>,
    rows: RwSignal<Vec<Row>>,
    selected: RwSignal<Option<usize>>,
    warned_lines: HashSet<usize>,
) -> impl IntoView {
    let total = lines.len();
    let range = move || {
        let key = selected.get()?;
        rows.with(|list| list.iter().find(|r| r.key == key).map(|r| r.lines))
    };
    // Scroll the selected node's first line into view.
    Effect::new(move |_| {
        if let Some((from, _)) = range()
            && let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&format!("nguon-{from}")))
        {
            el.scroll_into_view_with_bool(false);
        }
    });
    view! {
        <div class="review-source" aria-label="Văn bản gốc" data-autoscroll>
            {move || {
                let (from, to) = range().unwrap_or((0, 0));
                let (first, last) = if total <= SOURCE_WINDOW * 2 {
                    (1, total)
                } else {
                    let centre = from.max(1);
                    (centre.saturating_sub(SOURCE_WINDOW / 2).max(1), (centre + SOURCE_WINDOW).min(total))
                };
                lines[first.saturating_sub(1)..last].iter().enumerate().map(|(k, text)| {
                    let n = first + k;
                    let in_node = n >= from && n < to;
                    view! {
                        <div class="src-line" id=format!("nguon-{n}")
                            class:in-node=in_node
                            class:warned=warned_lines.contains(&n)>
                            <span class="src-no">{n}</span>
                            <span class="src-text">{text.clone()}</span>
                        </div>
                    }
                }).collect_view()
            }}
        </div>
    }
}

/// Drops the review kept on the device (saved or cancelled).
async fn forget_review() {
    let _ = kv::delete(SAVED_DOCUMENT).await;
    let _ = kv::delete(SAVED_EDITS).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::import::import_plan_text;

    const TEXT: &str = "ỦY BAN NHÂN DÂN\nTỈNH LẠNG SƠN\nKẾ HOẠCH\nThực hiện chính sách\n\
        I. MỤC ĐÍCH\n1. Nâng cao nhận thức\n2. Khám bệnh cho đồng bào\nII. NHIỆM VỤ\n\
        1. Xây nhà văn hoá\n";

    fn review() -> Review {
        let mut plan = import_plan_text(TEXT).expect("a plan");
        let first_task = flatten(&plan.nodes)
            .into_iter()
            .find(|r| r.node.title.starts_with("Khám bệnh"))
            .expect("task 2");
        plan.suggested_assignments = vec![SuggestedAssignment {
            agency_code: "SYT".into(),
            agency_text: "Sở Y tế".into(),
            role: Role::Lead,
            node_label: first_task.node.label.clone(),
            node_line: first_task.node.line,
            duty: "Khám bệnh".into(),
        }];
        let lines = TEXT.lines().map(str::to_owned).collect();
        Review::new(
            ImportedDocument {
                plan,
                lines,
                sha256: None,
            },
            PlanId(uuid::Uuid::from_u128(7)),
        )
    }

    fn titles(nodes: &[ParsedNode]) -> Vec<String> {
        nodes
            .iter()
            .flat_map(|n| std::iter::once(n.title.clone()).chain(titles(&n.children)))
            .collect()
    }

    #[test]
    fn the_reviewed_plan_is_what_the_user_left_with_the_accepted_suggestions() {
        let r = review();
        let rows = r.rows.get_untracked();
        assert_eq!(rows.len(), 5, "two parts and three tasks");
        // The first task retitled, the last one moved up a level, the second part removed.
        rows[1].title.set("  Nâng cao nhận thức của cán bộ ".into());
        r.rows
            .update(|l| l.retain(|row| row.node.title != "NHIỆM VỤ"));
        r.accepted.set([0].into());
        let plan = r.reviewed().expect("a valid plan");
        assert_eq!(
            titles(&plan.nodes),
            [
                "MỤC ĐÍCH",
                "Nâng cao nhận thức của cán bộ",
                "Khám bệnh cho đồng bào",
                "Xây nhà văn hoá"
            ]
        );
        let task = &plan.nodes[0].children[1];
        assert_eq!(task.assignments.len(), 1);
        assert_eq!(task.assignments[0].agency, "SYT");
        assert_eq!(task.assignments[0].role, Role::Lead);
        assert!(plan.suggested_assignments.is_empty(), "accepted or dropped");
    }

    #[test]
    fn saved_edits_bring_back_the_same_review_after_a_reload() {
        let r = review();
        let rows = r.rows.get_untracked();
        rows[2].label.set("2a".into());
        rows[4].depth.set(2);
        r.rows.update(|l| {
            l.remove(3);
        });
        r.accepted.set([0].into());
        let saved = serde_json::to_string(&r.edits()).expect("edits as JSON");

        let mut again = review();
        again.id = PlanId(uuid::Uuid::from_u128(8));
        again.apply_edits(serde_json::from_str(&saved).expect("edits read back"));
        assert_eq!(again.id, r.id, "saved under the same plan id");
        assert_eq!(again.reviewed(), r.reviewed());
    }

    #[test]
    fn the_metadata_form_and_changed_or_added_assignments_are_saved() {
        let r = review();
        r.meta.number.set(" 52/KH-UBND ".into());
        r.meta.title.set("Triển khai  chính sách".into());
        r.meta.issued_on.set("05/06/2014".into());
        r.suggestions.update(|all| {
            all[0].role = Role::Coordinating;
            let mut added = all[0].clone();
            added.agency_code = "STC".into();
            added.agency_text = "Sở Tài chính".into();
            added.role = Role::Lead;
            all.push(added);
        });
        r.accepted.set([0, 1].into());
        // A label changed in the review keeps the node's assignments.
        r.rows.get_untracked()[2].label.set("2a".into());
        let plan = r.reviewed().expect("a valid plan");
        let m = &plan.metadata;
        assert_eq!(m.number.as_deref(), Some("52/KH-UBND"));
        assert_eq!(m.title.as_deref(), Some("Triển khai chính sách"));
        assert_eq!(m.issued_on, chrono::NaiveDate::from_ymd_opt(2014, 6, 5));
        let task = &plan.nodes[0].children[1];
        assert_eq!(task.label, "2a");
        let roles: Vec<_> = task
            .assignments
            .iter()
            .map(|a| (a.agency.as_str(), a.role))
            .collect();
        assert_eq!(
            roles,
            [("STC", Role::Lead), ("SYT", Role::Coordinating)],
            "the added lead, then the suggestion made coordinating"
        );

        r.meta.number.set("số năm hai".into());
        assert!(matches!(r.reviewed(), Err(ReviewError::Metadata(_))));
    }
}
