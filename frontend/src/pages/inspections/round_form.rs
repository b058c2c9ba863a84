//! "Lập đợt kiểm tra": name, deciding document, team, dates, the places (the districts and
//! communes that existed on the round's dates: a 2015 round offers the 2015 districts, one
//! after 01/07/2025 the new communes) and the agencies checked.

use leptos::prelude::*;
use shared::ids::{AgencyCode, RecordId};
use shared::inspection::form::{RoundDraft, place_name};
use shared::inspection::model::{InspectionRound, Place, places_on};
use shared::inspection::op::InspectionMutation;
use shared::text::parse_date;

use super::send;
use crate::state::PlanStore;

#[component]
pub fn RoundForm(
    /// The round to change; `None`: a new one.
    round: Option<InspectionRound>,
    on_done: impl Fn(Option<RecordId>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let id = round
        .as_ref()
        .map_or_else(|| RecordId(crate::device::new_uuid()), |r| r.id);
    let heading = if round.is_some() {
        "Sửa đợt kiểm tra"
    } else {
        "Lập đợt kiểm tra"
    };
    let draft = RwSignal::new(round.as_ref().map_or_else(
        || RoundDraft::new(&store.auth.username(), crate::device::today()),
        RoundDraft::of,
    ));
    let error = RwSignal::new(None::<String>);
    let text_field = move |label: &'static str,
                           hint: &'static str,
                           get: fn(&RoundDraft) -> String,
                           set: fn(&mut RoundDraft, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type="text"
                    placeholder=hint
                    prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                />
            </label>
        }
    };
    // The places of the round's dates (as typed so far).
    let dates = Memo::new(move |_| draft.with(|d| (parse_date(&d.starts), parse_date(&d.ends))));
    let offered = move || {
        let (starts, ends) = dates.get();
        let units = store.auth.units.get();
        let (Some(starts), Some(ends)) = (starts, ends.or(starts)) else {
            return Vec::new();
        };
        let mut list: Vec<(String, String)> = places_on(&units, starts, ends.max(starts))
            .into_iter()
            .map(|u| (u.id.clone(), place_name(u, &units)))
            .collect();
        list.sort_by_key(|(_, name)| shared::text::collation_key(name));
        list
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let result = draft
            .with_untracked(|d| d.round(id))
            .map_err(|e| e.to_string())
            .and_then(|round| send(store, InspectionMutation::SaveRound { round }));
        match result {
            Ok(()) => on_done(Some(id)),
            Err(e) => error.set(Some(e)),
        }
    };
    let chosen_places = move || {
        let units = store.auth.units.get();
        draft.with(|d| {
            d.places
                .iter()
                .map(|p| {
                    let name = units
                        .iter()
                        .find(|u| u.id == p.unit)
                        .map_or_else(|| p.unit.clone(), |u| place_name(u, &units));
                    (p.unit.clone(), name)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <form class="round-form inspection-form" on:submit=submit aria-label=heading>
            <h3>{heading}</h3>
            {text_field("Tên đợt kiểm tra", "Kiểm tra việc thực hiện Kế hoạch…", |d| d.title.clone(), |d, v| d.title = v)}
            <div class="round-form-row">
                {text_field("Số quyết định", "15/QĐ-BDT", |d| d.decision_number.clone(), |d, v| d.decision_number = v)}
                {text_field("Ngày quyết định", "dd/mm/yyyy", |d| d.decision_date.clone(), |d, v| d.decision_date = v)}
            </div>
            <div class="round-form-row">
                {text_field("Từ ngày", "dd/mm/yyyy", |d| d.starts.clone(), |d, v| d.starts = v)}
                {text_field("Đến ngày", "dd/mm/yyyy", |d| d.ends.clone(), |d, v| d.ends = v)}
            </div>
            {text_field("Trưởng đoàn (tên đăng nhập)", "", |d| d.leader.clone(), |d, v| d.leader = v)}
            <label class="field">
                <span>"Thành viên (tên đăng nhập, mỗi người một dòng)"</span>
                <textarea
                    rows="3"
                    prop:value=move || draft.with(|d| d.members.clone())
                    on:input=move |ev| draft.update(|d| d.members = event_target_value(&ev))
                ></textarea>
            </label>
            <fieldset class="field">
                <legend>"Địa bàn kiểm tra"</legend>
                <ul class="chips" role="list">
                    {move || chosen_places().into_iter().map(|(unit, name)| view! {
                        <li class="chip">
                            {name}
                            <button type="button" class="link" aria-label="Bỏ địa bàn"
                                on:click=move |_| draft.update(|d| d.places.retain(|p| p.unit != unit))>"×"</button>
                        </li>
                    }).collect_view()}
                </ul>
                <select
                    aria-label="Thêm địa bàn"
                    on:change=move |ev| {
                        let unit = event_target_value(&ev);
                        if !unit.is_empty() {
                            draft.update(|d| if !d.places.iter().any(|p| p.unit == unit) {
                                d.places.push(Place { unit, village: None });
                            });
                        }
                    }
                    prop:value=""
                >
                    <option value="">"— Thêm huyện, xã —"</option>
                    {move || offered().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </fieldset>
            <fieldset class="field">
                <legend>"Cơ quan được kiểm tra"</legend>
                <ul class="chips" role="list">
                    {move || draft.with(|d| d.agencies.clone()).into_iter().map(|code| {
                        let shown = code.to_string();
                        view! {
                            <li class="chip">
                                {shown}
                                <button type="button" class="link" aria-label="Bỏ cơ quan"
                                    on:click=move |_| draft.update(|d| d.agencies.retain(|a| *a != code))>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <select
                    aria-label="Thêm cơ quan"
                    on:change=move |ev| {
                        let code = event_target_value(&ev);
                        if !code.is_empty() {
                            let code = AgencyCode::from(code.as_str());
                            draft.update(|d| if !d.agencies.contains(&code) { d.agencies.push(code); });
                        }
                    }
                    prop:value=""
                >
                    <option value="">"— Thêm cơ quan —"</option>
                    {move || store.auth.agencies.get().into_iter().map(|a| view! {
                        <option value=a.code.to_string()>{a.name.clone()}</option>
                    }).collect_view()}
                </select>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="primary">"Lưu đợt kiểm tra"</button>
                <button type="button" class="link" on:click=move |_| on_done(None)>"Huỷ"</button>
            </div>
        </form>
    }
}
