//! What inspections say of a task, on its page: the findings of the visits that checked it
//! (latest first, with their ratings) and the recommendations about it not yet done (overdue
//! first); and, among an agency's tasks, the recommendations made to the agency still to do.
//! Both are read from the plan's records on the device: they show offline.

use leptos::prelude::*;
use shared::ids::{AgencyCode, NodeId};
use shared::inspection::follow::{findings_on, open_for_agency, open_on_task};
use shared::inspection::form::place_name;
use shared::inspection::model::{Recommendation, Standing};
use shared::registry::name_of;
use shared::text::format_date;

use crate::state::PlanStore;

/// One line of a recommendation: what, who, by when, where it stands.
fn recommendation_line(r: &Recommendation, agency: String) -> impl IntoView + use<> {
    let today = crate::device::today();
    let overdue = r.standing(today) == Standing::Overdue;
    let state = if overdue {
        format!("{} · quá hạn", r.state.label_vi())
    } else {
        r.state.label_vi().to_owned()
    };
    view! {
        <li class="finding" class:overdue=overdue>
            <p>{r.text.clone()}</p>
            <p class="hint">{format!("{agency} · hạn {} · {state}", format_date(r.due))}</p>
        </li>
    }
}

/// A task's inspections: nothing at all when none checked it.
#[component]
pub fn TaskInspections(id: NodeId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let data = Memo::new(move |_| {
        let today = crate::device::today();
        store.state.with(|s| {
            let records = s.records();
            let found: Vec<(String, String, String, String)> = findings_on(records, id, &actor)
                .into_iter()
                .map(|(v, f)| {
                    let rating = f.rating.map_or("Chưa đánh giá".to_owned(), |r| {
                        if f.reason.is_empty() {
                            r.label_vi().to_owned()
                        } else {
                            format!("{}: {}", r.label_vi(), f.reason)
                        }
                    });
                    (
                        format_date(v.at.date()),
                        v.place.unit.clone(),
                        rating,
                        f.findings.clone(),
                    )
                })
                .collect();
            let open: Vec<Recommendation> = open_on_task(records, id, &actor, today)
                .into_iter()
                .cloned()
                .collect();
            (found, open)
        })
    });
    move || {
        let (found, open) = data.get();
        if found.is_empty() && open.is_empty() {
            return None;
        }
        let units = store.auth.units.get();
        let agencies = store.auth.agencies.get();
        Some(view! {
            <div class="task-inspections">
                <h2>"Kiểm tra"</h2>
                {(!found.is_empty()).then(|| view! {
                    <ul class="findings" role="list" aria-label="Kết quả kiểm tra nhiệm vụ">
                        {found.into_iter().map(|(date, unit, rating, text)| {
                            let place = units.iter().find(|u| u.id == unit).map_or(unit, |u| place_name(u, &units));
                            view! {
                                <li class="finding">
                                    <p class="hint">{format!("{date} · {place}")}</p>
                                    <p><span class="rating">{rating}</span></p>
                                    {(!text.is_empty()).then(|| view! { <p>{text}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
                {(!open.is_empty()).then(|| view! {
                    <h3>"Kiến nghị chưa thực hiện xong"</h3>
                    <ul class="follow-ups" role="list" aria-label="Kiến nghị chưa thực hiện xong">
                        {open.iter().map(|r| recommendation_line(r, name_of(&agencies, &r.agency))).collect_view()}
                    </ul>
                })}
            </div>
        })
    }
}

/// The recommendations made to `agency` still to do, among its tasks; a button opens the
/// "Kiểm tra" tab where the agency says where each stands.
#[component]
pub fn AgencyFollowUps(agency: RwSignal<AgencyCode>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let open = Memo::new(move |_| {
        let code = agency.get();
        let today = crate::device::today();
        store.state.with(|s| {
            open_for_agency(s.records(), &code, &actor, today)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    move || {
        let list = open.get();
        (!list.is_empty()).then(|| {
            let agencies = store.auth.agencies.get();
            view! {
                <div class="unit-follow-ups">
                    <h3>{format!("Kiến nghị sau kiểm tra ({})", list.len())}</h3>
                    <ul class="follow-ups" role="list" aria-label="Kiến nghị sau kiểm tra của đơn vị">
                        {list.iter().map(|r| recommendation_line(r, name_of(&agencies, &r.agency))).collect_view()}
                    </ul>
                    <button class="link" on:click=move |_| store.follow_ups_asked.set(true)>
                        "Báo cáo thực hiện kiến nghị ›"
                    </button>
                </div>
            }
        })
    }
}
