//! "Kiểm tra": the plan's inspection rounds. Inspectors and the standing agency open rounds and
//! record visits (phiếu kiểm tra) with findings per task and recommendations (`visit.rs`); the
//! agencies answer the recommendations made to them (`follow_up.rs`); leaders read. Every change
//! is an `InspectionMutation` through the plan's store: recorded offline, kept on the device,
//! synced like any other edit.

mod follow_up;
mod photos;
mod round_form;
mod visit;

use leptos::prelude::*;
use shared::ids::RecordId;
use shared::inspection::form::{place_name, visits_by_place};
use shared::inspection::model::{Inspected, InspectionRound, Visit};
use shared::inspection::op::{self, InspectionMutation};
use shared::inspection::{Action, may, may_record, sees_round_report, sees_visit};
use shared::mutation::Mutation;
use shared::text::format_date;

use crate::state::PlanStore;
use follow_up::FollowUps;
use round_form::RoundForm;
use visit::VisitEditor;

/// Sends `op` through the plan's store (offline too); the refusal in words.
fn send(store: PlanStore, op: InspectionMutation) -> Result<(), String> {
    store
        .dispatch(Mutation::Inspection { op })
        .map_err(|e| e.to_string())
}

/// The round `id` as the device has it.
fn round_of(store: PlanStore, id: RecordId) -> Option<InspectionRound> {
    store
        .state
        .with(|s| op::rounds(s.records()).find(|r| r.id == id).cloned())
}

/// Whether the signed-in user records the visits of `round`.
fn records_visits(store: PlanStore, round: &InspectionRound) -> bool {
    may(
        &store.actor(),
        &store.auth.username(),
        Action::RecordVisit { round },
    )
}

/// What the tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pane {
    /// The round's visits, by place.
    Visits,
    /// Recommendations and their follow-up.
    FollowUp,
}

/// What the visits pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    List,
    NewRound,
    EditRound,
    /// A visit (new when not yet saved).
    Visit(RecordId),
}

/// Sends the photos waiting on this device for `plan` (whatever tab is open: the plan page
/// calls it when it opens and when the network comes back). A refusal is shown when the
/// "Kiểm tra" tab is next opened, which sends again.
pub fn upload_waiting(plan: shared::ids::PlanId) {
    leptos::task::spawn_local(photos::upload(plan, RwSignal::new(None)));
}

#[component]
pub fn Inspections() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let recorder = may_record(store.actor().role);
    let rounds = Memo::new(move |_| {
        store.state.with(|s| {
            let mut list: Vec<InspectionRound> = op::rounds(s.records()).cloned().collect();
            list.sort_by(|a, b| b.starts.cmp(&a.starts).then(a.title.cmp(&b.title)));
            list
        })
    });
    let chosen = RwSignal::new(None::<RecordId>);
    let open = RwSignal::new(Open::List);
    // Opened from the agency's tasks: on the follow-ups.
    let pane = RwSignal::new(if store.follow_ups_asked.get_untracked() {
        store.follow_ups_asked.set(false);
        Pane::FollowUp
    } else {
        Pane::Visits
    });
    let current = Memo::new(move |_| {
        let list = rounds.get();
        chosen
            .get()
            .filter(|id| list.iter().any(|r| r.id == *id))
            .or_else(|| list.first().map(|r| r.id))
    });
    // The photos waiting on the device go up whenever the tab is open and the network is
    // there (a visit's own photos also when it is opened).
    let plan = store.plan_id();
    let refused = RwSignal::new(None::<String>);
    let upload = move || {
        if crate::device::online() {
            leptos::task::spawn_local(photos::upload(plan, refused));
        }
    };
    upload();
    let on_online = window_event_listener(leptos::ev::online, move |_| upload());
    on_cleanup(move || on_online.remove());
    let pane_button = move |p: Pane, label: &'static str| {
        view! {
            <button
                role="tab"
                aria-selected=move || if pane.get() == p { "true" } else { "false" }
                class:active=move || pane.get() == p
                on:click=move |_| { pane.set(p); open.set(Open::List); }
            >{label}</button>
        }
    };
    view! {
        <section class="inspections reports" aria-label="Kiểm tra">
            <div class="reports-head">
                <h2>"Đợt kiểm tra"</h2>
                <ul class="round-list" role="list">
                    {move || rounds.get().into_iter().map(|r| {
                        let id = r.id;
                        view! {
                            <li>
                                <button
                                    class="round-chip"
                                    class:active=move || current.get() == Some(id)
                                    aria-pressed=move || if current.get() == Some(id) { "true" } else { "false" }
                                    on:click=move |_| { chosen.set(Some(id)); open.set(Open::List); }
                                >
                                    <span class="round-title">{r.title.clone()}</span>
                                    <span class="hint">{format!("{} – {}", format_date(r.starts), format_date(r.ends))}</span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {recorder.then(|| view! {
                    <button class="primary" on:click=move |_| { pane.set(Pane::Visits); open.set(Open::NewRound); }>"Lập đợt kiểm tra"</button>
                })}
            </div>
            {move || refused.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <StorageUse />
            <div class="pane-tabs" role="tablist" aria-label="Nội dung kiểm tra">
                {pane_button(Pane::Visits, "Phiếu kiểm tra")}
                {pane_button(Pane::FollowUp, "Kiến nghị sau kiểm tra")}
            </div>
            {move || {
                if pane.get() == Pane::FollowUp {
                    return view! { <FollowUps /> }.into_any();
                }
                let done = move |made: Option<RecordId>| {
                    if made.is_some() {
                        chosen.set(made);
                    }
                    open.set(Open::List);
                };
                match open.get() {
                    Open::NewRound => return view! { <RoundForm round=None on_done=done /> }.into_any(),
                    Open::EditRound => {
                        let round = current.get_untracked().and_then(|id| round_of(store, id));
                        return view! { <RoundForm round on_done=done /> }.into_any();
                    }
                    Open::Visit(visit) => {
                        let Some(round) = current.get_untracked() else {
                            return ().into_any();
                        };
                        return view! {
                            <VisitEditor round visit on_close=move || open.set(Open::List) />
                        }.into_any();
                    }
                    Open::List => {}
                }
                match current.get() {
                    Some(round) => view! { <RoundVisits round open /> }.into_any(),
                    None => {
                        let hint = if recorder {
                            "Chưa có đợt kiểm tra nào. Bấm «Lập đợt kiểm tra» để bắt đầu."
                        } else {
                            "Chưa có đợt kiểm tra nào."
                        };
                        view! { <p class="empty">{hint}</p> }.into_any()
                    }
                }
            }}
        </section>
    }
}

/// A round: its decision, team and places, where its visits were (by district and commune,
/// with counts, and on a map), and the visits themselves.
#[component]
fn RoundVisits(round: RecordId, open: RwSignal<Open>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let data = Memo::new(move |_| {
        store.state.with(|s| {
            let records = s.records();
            let found = op::rounds(records).find(|r| r.id == round).cloned();
            let mut visits: Vec<(Visit, usize, usize, usize)> = op::visits(records)
                .filter(|v| v.round == round)
                .map(|v| {
                    (
                        v.clone(),
                        op::findings_of(records, v.id).count(),
                        op::recommendations_of(records, v.id).count(),
                        op::photos_of(records, v.id).count(),
                    )
                })
                .collect();
            visits.sort_by_key(|v| std::cmp::Reverse(v.0.at));
            (found, visits)
        })
    });
    view! {
        {move || {
            let (Some(r), visits) = data.get() else {
                return view! { <p class="empty">"Không tìm thấy đợt kiểm tra này."</p> }.into_any();
            };
            let units = store.auth.units.get();
            let actor = actor.clone();
            let visits: Vec<_> = visits.into_iter().filter(|v| sees_visit(&actor, &v.0)).collect();
            let team = std::iter::once(format!("{} (trưởng đoàn)", r.leader))
                .chain(r.members.iter().cloned())
                .collect::<Vec<_>>()
                .join(", ");
            let places = r
                .places
                .iter()
                .map(|p| units.iter().find(|u| u.id == p.unit).map_or_else(|| p.unit.clone(), |u| place_name(u, &units)))
                .collect::<Vec<_>>()
                .join("; ");
            let counts = visits_by_place(visits.iter().map(|v| &v.0), &units);
            let records = records_visits(store, &r);
            let decision = match (&r.decision_number, r.decision_date) {
                (Some(n), Some(d)) => format!("Quyết định số {n} ngày {}", format_date(d)),
                (Some(n), None) => format!("Quyết định số {n}"),
                _ => String::new(),
            };
            let positions: Vec<(i32, i32)> = visits
                .iter()
                .filter_map(|v| match v.0.position {
                    shared::inspection::model::Position::Fix { lat_e6, lon_e6, .. } => Some((lat_e6, lon_e6)),
                    shared::inspection::model::Position::Unavailable => None,
                })
                .collect();
            view! {
                <div class="round-info">
                    <p class="hint">{decision}</p>
                    <p>{format!("Thời gian: {} – {}", format_date(r.starts), format_date(r.ends))}</p>
                    <p>{format!("Thành phần đoàn: {team}")}</p>
                    <p>{format!("Địa bàn: {places}")}</p>
                    {sees_round_report(&actor).then(|| {
                        let href = format!("/api/plans/{}/inspections/{}/conclusion.docx", store.plan_id(), r.id);
                        view! {
                            <p class="actions">
                                <a class="button" href=href download>"Tải báo cáo kết quả kiểm tra (.docx)"</a>
                                <span class="hint">"Tổng hợp từ các phiếu đã đồng bộ lên máy chủ, kèm ảnh."</span>
                            </p>
                        }
                    })}
                    {records.then(|| view! {
                        <div class="actions">
                            <button class="primary" on:click=move |_| open.set(Open::Visit(RecordId(crate::device::new_uuid())))>"Thêm phiếu kiểm tra"</button>
                            <button class="link" on:click=move |_| open.set(Open::EditRound)>"Sửa đợt kiểm tra"</button>
                        </div>
                    })}
                </div>
                <div class="where">
                    <table class="place-counts" aria-label="Số phiếu theo địa bàn">
                        <thead><tr><th>"Địa bàn"</th><th>"Số phiếu"</th></tr></thead>
                        <tbody>
                            {counts.into_iter().map(|c| {
                                let (name, class) = match c.commune {
                                    Some(commune) => (commune, "commune"),
                                    None => (c.district, "district"),
                                };
                                view! { <tr class=class><td>{name}</td><td class="num">{c.visits}</td></tr> }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <PositionsMap positions />
                </div>
                {if visits.is_empty() {
                    view! { <p class="empty">"Chưa có phiếu kiểm tra nào trong đợt này."</p> }.into_any()
                } else {
                    view! {
                        <ul class="visit-list" role="list" aria-label="Các phiếu kiểm tra">
                            {visits.into_iter().map(|(v, findings, recs, photos)| {
                                let id = v.id;
                                let place = units.iter().find(|u| u.id == v.place.unit).map_or_else(|| v.place.unit.clone(), |u| place_name(u, &units));
                                let inspected = match &v.inspected {
                                    Inspected::Agency(a) => a.to_string(),
                                    Inspected::Commune(c) => c.clone(),
                                };
                                view! {
                                    <li>
                                        <button class="visit-row" on:click=move |_| open.set(Open::Visit(id))>
                                            <span class="visit-place">{place}</span>
                                            <span class="hint">{format!("{} {} · {inspected}", shared::text::format_time(v.at.time()), format_date(v.at.date()))}</span>
                                            <span class="hint">{format!("{findings} kết quả · {recs} kiến nghị · {photos} ảnh")}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            }.into_any()
        }}
    }
}

/// The visits' positions over a coordinate grid (no map tiles: nothing is fetched, so it works
/// offline): the box around them, with a margin, and a line of latitude and longitude every
/// 0.1°.
#[component]
fn PositionsMap(positions: Vec<(i32, i32)>) -> impl IntoView {
    if positions.is_empty() {
        return view! { <p class="hint">"Chưa có phiếu nào có vị trí."</p> }.into_any();
    }
    let (w, h) = (320.0_f64, 240.0_f64);
    let lat = |p: &(i32, i32)| f64::from(p.0) / 1e6;
    let lon = |p: &(i32, i32)| f64::from(p.1) / 1e6;
    let fold = |f: &dyn Fn(&(i32, i32)) -> f64, min: bool| {
        positions
            .iter()
            .map(f)
            .fold(if min { f64::MAX } else { f64::MIN }, |a, b| {
                if min { a.min(b) } else { a.max(b) }
            })
    };
    // At least 0.2° across, so that one visit sits in the middle of a readable grid.
    let pad = |lo: f64, hi: f64| {
        let span = (hi - lo).max(0.2) * 1.2;
        let mid = (lo + hi) / 2.0;
        (mid - span / 2.0, mid + span / 2.0)
    };
    let (south, north) = pad(fold(&lat, true), fold(&lat, false));
    let (west, east) = pad(fold(&lon, true), fold(&lon, false));
    let x = move |lon: f64| (lon - west) / (east - west) * w;
    let y = move |lat: f64| (north - lat) / (north - south) * h;
    let grid = |lo: f64, hi: f64| {
        let mut v = Vec::new();
        let mut t = (lo * 10.0).ceil() / 10.0;
        while t <= hi {
            v.push(t);
            t += 0.1;
        }
        v
    };
    view! {
        <svg class="visit-map" viewBox=format!("0 0 {w} {h}") role="img" aria-label="Vị trí các phiếu kiểm tra">
            <rect x="0" y="0" width=w height=h class="map-bg" />
            {grid(west, east).into_iter().map(|t| view! {
                <line x1=x(t) x2=x(t) y1="0" y2=h class="map-grid" />
                <text x=x(t) + 2.0 y=h - 4.0 class="map-label">{format!("{t:.1}°Đ")}</text>
            }).collect_view()}
            {grid(south, north).into_iter().map(|t| view! {
                <line y1=y(t) y2=y(t) x1="0" x2=w class="map-grid" />
                <text x="2" y=y(t) - 2.0 class="map-label">{format!("{t:.1}°B")}</text>
            }).collect_view()}
            {positions.iter().map(|p| view! {
                <circle cx=x(lon(p)) cy=y(lat(p)) r="5" class="map-point" />
            }).collect_view()}
        </svg>
    }
    .into_any()
}

/// The device's storage: used and left (StorageManager's estimate), with a warning when little
/// is left for photos.
#[component]
fn StorageUse() -> impl IntoView {
    let estimate = RwSignal::new(None::<(f64, f64)>);
    leptos::task::spawn_local(async move {
        estimate.set(crate::device::storage_estimate().await);
    });
    view! {
        {move || estimate.get().map(|(used, quota)| {
            let mb = |b: f64| b / 1_048_576.0;
            let left = (quota - used).max(0.0);
            let low = left < 300.0 * 1_048_576.0;
            view! {
                <p class="hint storage" class:field-error=low data-testid="storage">
                    {format!("Bộ nhớ trên máy: đã dùng {:.0} MB, còn trống {:.0} MB.", mb(used), mb(left))}
                    {low.then_some(" Sắp hết chỗ lưu ảnh: hãy đồng bộ khi có mạng để giải phóng bộ nhớ.")}
                </p>
            }
        })}
    }
}
