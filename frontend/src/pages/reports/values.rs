//! "Chỉ tiêu" in an agency's report: the value of each of the plan's indicators at the end of
//! the data period, for the province or for the districts or communes of that time (a 2015
//! round offers the 2015 districts), each with a note. Saved when a field is left, offline too.

use leptos::prelude::*;
use shared::ids::{AgencyCode, RecordId};
use shared::report::indicator::{self, units_for};
use shared::report::{Indicator, Quantity, Record, RecordEdit, RecordKey, ReportMutation, book};

use super::fields::Line;
use super::send;
use crate::state::PlanStore;

#[component]
pub fn IndicatorValues(round: RecordId, agency: AgencyCode, editable: Memo<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let list = Memo::new(move |_| {
        store.state.with(|s| {
            indicator::indicators(s.records())
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        {move || {
            let items = list.get();
            (!items.is_empty()).then(|| {
                let agency = agency.clone();
                view! {
                    <section class="indicator-values" aria-label="Chỉ tiêu">
                        <h4>"Kết quả thực hiện các chỉ tiêu"</h4>
                        {items.into_iter().map(|i| view! {
                            <IndicatorBlock round agency=agency.clone() indicator=i editable />
                        }).collect_view()}
                    </section>
                }
            })
        }}
    }
}

/// The units (`None`: the province) the agency gave a value for, in the order of the records.
fn given_units(
    records: &shared::report::record::Records,
    round: RecordId,
    agency: &str,
    indicator: RecordId,
) -> Vec<Option<String>> {
    records
        .values()
        .filter_map(|r| match r {
            Record::Value(v)
                if v.round == round && v.agency == agency && v.indicator == indicator =>
            {
                Some(v.unit.clone())
            }
            _ => None,
        })
        .collect()
}

#[component]
fn IndicatorBlock(
    round: RecordId,
    agency: AgencyCode,
    indicator: Indicator,
    editable: Memo<bool>,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let id = indicator.id;
    let ag = agency.clone();
    let given = Memo::new(move |_| {
        store
            .state
            .with(|s| given_units(s.records(), round, &ag, id))
    });
    let level = indicator.scope.level();
    // The units of the round's time the agency has not given a value for yet.
    let choices = Memo::new(move |_| {
        let Some(level) = level else {
            return Vec::new();
        };
        let given = given.get();
        store.state.with(|s| {
            let Some(r) = book::round(s.records(), round) else {
                return Vec::new();
            };
            store.auth.units.with(|units| {
                units_for(units, level, r)
                    .into_iter()
                    .filter(|u| !given.contains(&Some(u.id.clone())))
                    .map(|u| (u.id.clone(), u.name.clone()))
                    .collect::<Vec<_>>()
            })
        })
    });
    let rows = move || {
        let mut units = given.get();
        if level.is_none() && units.is_empty() {
            units.push(None);
        }
        units
    };
    let picked = RwSignal::new(String::new());
    let target = format!("Mục tiêu: {}", indicator.target_vi());
    let unit_label = indicator.unit.clone();
    let a2 = agency.clone();
    view! {
        <div class="indicator-block" data-indicator=id.to_string()>
            <p class="indicator-name">
                {indicator.name.clone()}
                <span class="hint">{format!(" ({}) · {target}", indicator.unit)}</span>
            </p>
            <ul class="value-rows">
                {move || rows().into_iter().map(|unit| view! {
                    <ValueRow round agency=agency.clone() indicator=id unit unit_label=unit_label.clone() editable />
                }).collect_view()}
            </ul>
            {move || (editable.get() && level.is_some()).then(|| {
                let a2 = a2.clone();
                if choices.with(Vec::is_empty) && given.with(Vec::is_empty) {
                    let why = if level == Some(shared::registry::UnitLevel::District) {
                        "Từ 01/07/2025 không còn cấp huyện: kỳ báo cáo này không có huyện nào để ghi giá trị."
                    } else {
                        "Danh mục chưa có xã, phường nào trong thời gian của kỳ báo cáo."
                    };
                    return view! { <p class="hint">{why}</p> }.into_any();
                }
                view! {
                    <div class="add-unit">
                        <select aria-label="Chọn huyện, xã" prop:value=move || picked.get()
                            on:change=move |ev| picked.set(event_target_value(&ev))>
                            <option value="">"— Chọn huyện, xã —"</option>
                            {move || choices.get().into_iter().map(|(id, name)| view! {
                                <option value=id>{name}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" disabled=move || picked.with(String::is_empty) on:click=move |_| {
                            let unit = picked.get_untracked();
                            if unit.is_empty() {
                                return;
                            }
                            let key = RecordKey::Value { round, agency: a2.clone(), indicator: id, unit: Some(unit) };
                            // The row appears at once with an empty value, to be typed in.
                            if send(store, ReportMutation::Edit { key, edit: RecordEdit::Note(String::new()) }).is_ok() {
                                picked.set(String::new());
                            }
                        }>"Thêm địa bàn"</button>
                    </div>
                }.into_any()
            })}
        </div>
    }
}

#[component]
fn ValueRow(
    round: RecordId,
    agency: AgencyCode,
    indicator: RecordId,
    unit: Option<String>,
    unit_label: String,
    editable: Memo<bool>,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let key = RecordKey::Value {
        round,
        agency,
        indicator,
        unit: unit.clone(),
    };
    let k = key.clone();
    let record = Memo::new(move |_| {
        store.state.with(|s| match s.record(&k) {
            Some(Record::Value(v)) => Some((v.value, v.note.clone())),
            _ => None,
        })
    });
    let place = store
        .auth
        .units
        .with_untracked(|u| indicator::unit_name(u, unit.as_deref()));
    let save = super::saver(store, key);
    view! {
        <li class="value-row">
            <span class="place">{place}</span>
            <Line
                label="Giá trị"
                value=Signal::derive(move || record.with(|r| r.as_ref().and_then(|r| r.0).map(Quantity::format_vi).unwrap_or_default()))
                placeholder=Signal::derive(move || unit_label.clone())
                editable
                save=save(|t| Quantity::parse_vi(&t).map(RecordEdit::Value).map_err(|e| e.to_string()))
            />
            <Line
                label="Ghi chú"
                value=Signal::derive(move || record.with(|r| r.as_ref().map(|r| r.1.clone()).unwrap_or_default()))
                editable
                save=save(|t| Ok(RecordEdit::Note(t)))
            />
        </li>
    }
}
