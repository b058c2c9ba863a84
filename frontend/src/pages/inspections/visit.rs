//! "Phiếu kiểm tra": where and when, who was inspected and met, the tablet's position; then,
//! per task checked, the findings and rating; and the recommendations, each to an agency with
//! a due date. Saved on the device at once, synced when there is a network.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::{NodeId, RecordId};
use shared::inspection::form::{FindingDraft, RecommendationDraft, VisitDraft, visit_places};
use shared::inspection::model::{Finding, Position, Rating, Recommendation};
use shared::inspection::op::{self, InspectionMutation};
use shared::report::record::PlanView;
use shared::text::format_date;

use super::{records_visits, round_of, send};
use crate::state::PlanStore;

/// The plan's tasks for a select: the round's scope first, then the rest in plan order.
fn task_options(store: PlanStore, scope: &[NodeId]) -> Vec<(NodeId, String)> {
    store.state.with(|s| {
        let mut all: Vec<(NodeId, String)> = s
            .in_order()
            .into_iter()
            .map(|n| (n.id, format!("{} {}", n.label, n.title)))
            .collect();
        all.sort_by_key(|(id, _)| scope.iter().position(|t| t == id).unwrap_or(usize::MAX));
        all
    })
}

/// A select of the plan's tasks (or none).
#[component]
fn TaskSelect(
    label: &'static str,
    /// The choice of no task.
    none: &'static str,
    tasks: Vec<(NodeId, String)>,
    value: Signal<Option<NodeId>>,
    pick: Callback<Option<NodeId>>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <select
                prop:value=move || value.get().map(|t| t.to_string()).unwrap_or_default()
                on:change=move |ev| pick.run(event_target_value(&ev).parse().ok())
            >
                <option value="">{none}</option>
                {tasks.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
            </select>
        </label>
    }
}

fn task_name(store: PlanStore, id: NodeId) -> String {
    store.state.with(|s| {
        s.get(id).map_or_else(
            || "(nhiệm vụ đã xoá)".to_owned(),
            |n| format!("{} {}", n.label, n.title),
        )
    })
}

#[component]
pub fn VisitEditor(
    round: RecordId,
    visit: RecordId,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let Some(r) = round_of(store, round) else {
        return view! { <p class="empty">"Không tìm thấy đợt kiểm tra này."</p> }.into_any();
    };
    let editable = records_visits(store, &r);
    let saved = move || store.state.with(|s| op::visit(s.records(), visit).cloned());
    // Whether the visit is saved: only a change of it remakes the sections below (a save of a
    // finding or a photo must not remake the forms being filled).
    let exists = Memo::new(move |_| saved().is_some());
    let draft = RwSignal::new(saved().map_or_else(
        || VisitDraft::new(&r, crate::device::today(), &crate::device::time_now()),
        |v| VisitDraft::of(&v),
    ));
    let error = RwSignal::new(None::<String>);
    let locating = RwSignal::new(false);
    let units = store.auth.units.get_untracked();
    let places = visit_places(&r, &units);
    let round_for_save = r.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let units = store.auth.units.get_untracked();
        let result = draft.with_untracked(|d| {
            let commune = units
                .iter()
                .find(|u| u.id == d.unit)
                .map_or_else(String::new, |u| u.label());
            d.visit(visit, &round_for_save, &commune)
        });
        match result
            .map_err(|e| e.to_string())
            .and_then(|v| send(store, InspectionMutation::SaveVisit { visit: v }))
        {
            Ok(()) => {
                error.set(None);
                store.say("Đã lưu phiếu kiểm tra trên máy.", false);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let locate = move |_| {
        locating.set(true);
        spawn_local(async move {
            match crate::device::position().await {
                Ok((lat_e6, lon_e6, accuracy_m)) => {
                    draft.update(|d| {
                        d.position = Position::Fix {
                            lat_e6,
                            lon_e6,
                            accuracy_m,
                        };
                    });
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            locating.set(false);
        });
    };
    let position_text = move || match draft.with(|d| d.position) {
        Position::Fix {
            lat_e6,
            lon_e6,
            accuracy_m,
        } => format!(
            "{:.5}° B, {:.5}° Đ (sai số ±{accuracy_m} m)",
            f64::from(lat_e6) / 1e6,
            f64::from(lon_e6) / 1e6
        ),
        Position::Unavailable => "Chưa có vị trí".to_owned(),
    };
    let agencies = store.auth.agencies.get_untracked();
    let scope_agencies = r.agencies.clone();
    let mut agency_options: Vec<(String, String)> = agencies
        .iter()
        .map(|a| (a.code.to_string(), a.name.clone()))
        .collect();
    agency_options.sort_by_key(|(code, _)| {
        scope_agencies
            .iter()
            .position(|a| a.as_str() == code)
            .unwrap_or(usize::MAX)
    });
    let confirm_delete = RwSignal::new(false);
    let scope = r.tasks.clone();
    let fresh_recommendation = RecommendationDraft::new(&r);
    view! {
        <form class="visit-form inspection-form" on:submit=save aria-label="Phiếu kiểm tra">
            <div class="form-head">
                <h3>"Phiếu kiểm tra"</h3>
                <button type="button" class="link" on:click=move |_| on_close()>"← Danh sách phiếu"</button>
            </div>
            <fieldset disabled=!editable>
                <label class="field">
                    <span>"Địa bàn"</span>
                    <select
                        prop:value=move || draft.with(|d| d.unit.clone())
                        on:change=move |ev| draft.update(|d| d.unit = event_target_value(&ev))
                    >
                        {places.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </label>
                <div class="round-form-row">
                    <label class="field">
                        <span>"Thôn, bản"</span>
                        <input type="text" prop:value=move || draft.with(|d| d.village.clone())
                            on:input=move |ev| draft.update(|d| d.village = event_target_value(&ev)) />
                    </label>
                    <label class="field">
                        <span>"Ngày"</span>
                        <input type="text" inputmode="numeric" placeholder="dd/mm/yyyy" prop:value=move || draft.with(|d| d.date.clone())
                            on:input=move |ev| draft.update(|d| d.date = event_target_value(&ev)) />
                    </label>
                    <label class="field">
                        <span>"Giờ"</span>
                        <input type="text" inputmode="numeric" placeholder="hh:mm" prop:value=move || draft.with(|d| d.time.clone())
                            on:input=move |ev| draft.update(|d| d.time = event_target_value(&ev)) />
                    </label>
                </div>
                <label class="field">
                    <span>"Đơn vị được kiểm tra"</span>
                    <select
                        prop:value=move || draft.with(|d| d.agency.clone())
                        on:change=move |ev| draft.update(|d| d.agency = event_target_value(&ev))
                    >
                        <option value="">"UBND xã (địa bàn kiểm tra)"</option>
                        {agency_options.into_iter().map(|(code, name)| view! { <option value=code>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Người làm việc với đoàn (mỗi người một dòng: họ tên, chức vụ)"</span>
                    <textarea rows="3" prop:value=move || draft.with(|d| d.met.clone())
                        on:input=move |ev| draft.update(|d| d.met = event_target_value(&ev))></textarea>
                </label>
                <div class="position">
                    <span class="position-text" data-testid="visit-position">{position_text}</span>
                    <button type="button" on:click=locate disabled=move || locating.get()>
                        {move || if locating.get() { "Đang lấy vị trí…" } else { "Lấy vị trí" }}
                    </button>
                    <button type="button" class="link" on:click=move |_| draft.update(|d| d.position = Position::Unavailable)>"Không có vị trí"</button>
                </div>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {editable.then(|| view! {
                <div class="actions">
                    <button type="submit" class="primary">"Lưu phiếu"</button>
                    {move || exists.get().then(|| view! {
                        <button type="button" class="danger link" on:click=move |_| {
                            if confirm_delete.get_untracked() {
                                match send(store, InspectionMutation::DeleteVisit { id: visit }) {
                                    Ok(()) => on_close(),
                                    Err(e) => error.set(Some(e)),
                                }
                            } else {
                                confirm_delete.set(true);
                            }
                        }>
                            {move || if confirm_delete.get() { "Bấm lần nữa để xoá phiếu" } else { "Xoá phiếu" }}
                        </button>
                    })}
                </div>
            })}
        </form>
        {move || exists.get().then(|| {
            let scope = scope.clone();
            let fresh = fresh_recommendation.clone();
            let minutes = format!("/api/plans/{}/visits/{visit}/minutes.docx", store.plan_id());
            view! {
                <p class="actions">
                    <a class="button" href=minutes download>"Tải biên bản kiểm tra (.docx)"</a>
                    <span class="hint">"Biên bản lập từ dữ liệu đã đồng bộ lên máy chủ."</span>
                </p>
                <Findings visit editable scope=scope.clone() />
                <Recommendations visit editable scope fresh />
                <super::photos::Photos visit editable position=Signal::derive(move || draft.with(|d| d.position)) />
            }
        })}
    }
    .into_any()
}

/// The findings of a visit, one per task, and the form that adds or changes one.
#[component]
fn Findings(visit: RecordId, editable: bool, scope: Vec<NodeId>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let list = Memo::new(move |_| {
        store.state.with(|s| {
            op::findings_of(s.records(), visit)
                .cloned()
                .collect::<Vec<Finding>>()
        })
    });
    let draft = RwSignal::new(FindingDraft::default());
    // Only a change of this makes the reason's field (typing in it must not remake it).
    let needs_reason =
        Memo::new(move |_| draft.with(|d| d.rating.is_some_and(Rating::needs_reason)));
    let error = RwSignal::new(None::<String>);
    let tasks = task_options(store, &scope);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match draft
            .with_untracked(|d| d.finding(visit))
            .map_err(|e| e.to_string())
            .and_then(|finding| send(store, InspectionMutation::SaveFinding { finding }))
        {
            Ok(()) => {
                draft.set(FindingDraft::default());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="findings" aria-label="Kết quả kiểm tra">
            <h3>"Kết quả kiểm tra"</h3>
            <ul class="finding-list" role="list">
                {move || list.get().into_iter().map(|f| {
                    let task = f.task;
                    let again = f.clone();
                    view! {
                        <li class="finding">
                            <p class="finding-task">{task_name(store, task)}</p>
                            <p>
                                <span class=format!("rating rating-{}", f.rating.map_or("none", |r| match r { Rating::Met => "met", Rating::PartlyMet => "partly", Rating::NotMet => "not" }))>
                                    {f.rating.map_or("Chưa đánh giá", Rating::label_vi)}
                                </span>
                                " "{f.findings.clone()}
                            </p>
                            {(!f.reason.is_empty()).then(|| view! { <p class="hint">{format!("Lý do: {}", f.reason)}</p> })}
                            {editable.then(|| view! {
                                <button type="button" class="link" on:click=move |_| draft.set(FindingDraft::of(&again))>"Sửa"</button>
                                <button type="button" class="link danger" on:click=move |_| {
                                    if let Err(e) = send(store, InspectionMutation::DeleteFinding { visit, task }) {
                                        error.set(Some(e));
                                    }
                                }>"Xoá"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {editable.then(|| view! {
                <form class="finding-form" on:submit=save aria-label="Ghi kết quả kiểm tra">
                    <TaskSelect label="Nhiệm vụ được kiểm tra" none="— Chọn nhiệm vụ —" tasks
                        value=Signal::derive(move || draft.with(|d| d.task))
                        pick=Callback::new(move |t| draft.update(|d| d.task = t)) />
                    <label class="field">
                        <span>"Kết quả kiểm tra"</span>
                        <textarea rows="3" prop:value=move || draft.with(|d| d.findings.clone())
                            on:input=move |ev| draft.update(|d| d.findings = event_target_value(&ev))></textarea>
                    </label>
                    <fieldset class="field rating-choice">
                        <legend>"Đánh giá"</legend>
                        {Rating::ALL.into_iter().map(|r| view! {
                            <label class="radio">
                                <input type="radio" name=format!("rating-{visit}")
                                    prop:checked=move || draft.with(|d| d.rating == Some(r))
                                    on:change=move |_| draft.update(|d| d.rating = Some(r)) />
                                {r.label_vi()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    {move || needs_reason.get().then(|| view! {
                        <label class="field">
                            <span>"Lý do"</span>
                            <textarea rows="2" prop:value=move || draft.with(|d| d.reason.clone())
                                on:input=move |ev| draft.update(|d| d.reason = event_target_value(&ev))></textarea>
                        </label>
                    })}
                    {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <button type="submit" class="primary">"Ghi kết quả"</button>
                </form>
            })}
        </section>
    }
}

/// The recommendations made at a visit, and the form that adds one.
#[component]
fn Recommendations(
    visit: RecordId,
    editable: bool,
    scope: Vec<NodeId>,
    /// The form of a new recommendation.
    fresh: RecommendationDraft,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let list = Memo::new(move |_| {
        store.state.with(|s| {
            op::recommendations_of(s.records(), visit)
                .cloned()
                .collect::<Vec<Recommendation>>()
        })
    });
    let fresh = move || fresh.clone();
    let draft = RwSignal::new(fresh());
    let editing = RwSignal::new(None::<RecordId>);
    let error = RwSignal::new(None::<String>);
    let tasks = task_options(store, &scope);
    let agencies = store.auth.agencies.get_untracked();
    let name_of = {
        let agencies = agencies.clone();
        move |code: &str| {
            agencies
                .iter()
                .find(|a| a.code.as_str() == code)
                .map_or_else(|| code.to_owned(), |a| a.name.clone())
        }
    };
    let save = {
        let fresh = fresh.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let id = editing
                .get_untracked()
                .unwrap_or_else(|| RecordId(crate::device::new_uuid()));
            match draft
                .with_untracked(|d| d.recommendation(id, visit))
                .map_err(|e| e.to_string())
                .and_then(|recommendation| {
                    send(
                        store,
                        InspectionMutation::SaveRecommendation { recommendation },
                    )
                }) {
                Ok(()) => {
                    draft.set(fresh());
                    editing.set(None);
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    };
    let today = crate::device::today();
    view! {
        <section class="recommendations" aria-label="Kiến nghị">
            <h3>"Kiến nghị"</h3>
            <ul class="finding-list" role="list">
                {move || list.get().into_iter().map(|r| {
                    let id = r.id;
                    let again = r.clone();
                    let standing = r.standing(today);
                    view! {
                        <li class="finding">
                            <p>{r.text.clone()}</p>
                            <p class="hint">{format!("{} · hạn {} · {}", name_of(&r.agency), format_date(r.due), r.state.label_vi())}</p>
                            {(standing == shared::inspection::model::Standing::Overdue).then(|| view! { <span class="badge overdue">"Quá hạn"</span> })}
                            {editable.then(|| view! {
                                <button type="button" class="link" on:click=move |_| {
                                    editing.set(Some(id));
                                    draft.set(RecommendationDraft::of(&again));
                                }>"Sửa"</button>
                                <button type="button" class="link danger" on:click=move |_| {
                                    if let Err(e) = send(store, InspectionMutation::DeleteRecommendation { id }) {
                                        error.set(Some(e));
                                    }
                                }>"Xoá"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {editable.then(|| view! {
                <form class="finding-form" on:submit=save aria-label="Ghi kiến nghị">
                    <label class="field">
                        <span>"Nội dung kiến nghị"</span>
                        <textarea rows="2" prop:value=move || draft.with(|d| d.text.clone())
                            on:input=move |ev| draft.update(|d| d.text = event_target_value(&ev))></textarea>
                    </label>
                    <div class="round-form-row">
                        <label class="field">
                            <span>"Cơ quan thực hiện"</span>
                            <select
                                prop:value=move || draft.with(|d| d.agency.clone())
                                on:change=move |ev| draft.update(|d| d.agency = event_target_value(&ev))
                            >
                                <option value="">"— Chọn cơ quan —"</option>
                                {agencies.iter().map(|a| view! { <option value=a.code.to_string()>{a.name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span>"Hạn thực hiện"</span>
                            <input type="text" inputmode="numeric" placeholder="dd/mm/yyyy" prop:value=move || draft.with(|d| d.due.clone())
                                on:input=move |ev| draft.update(|d| d.due = event_target_value(&ev)) />
                        </label>
                    </div>
                    <TaskSelect label="Về nhiệm vụ (nếu có)" none="— Không gắn nhiệm vụ —" tasks
                        value=Signal::derive(move || draft.with(|d| d.task))
                        pick=Callback::new(move |t| draft.update(|d| d.task = t)) />
                    {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <button type="submit" class="primary">"Ghi kiến nghị"</button>
                </form>
            })}
        </section>
    }
}
