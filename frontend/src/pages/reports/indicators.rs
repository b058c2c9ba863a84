//! "Chỉ tiêu": the plan's indicators with their baseline, target and latest accepted value (for
//! the province, or for each district or commune), whether the target is reached; the standing
//! agency adds and removes them. Values are entered in agencies' reports (`values.rs`).

use leptos::prelude::*;
use shared::ids::RecordId;
use shared::report::indicator::{self, IndicatorDraft, amount};
use shared::report::{
    Direction, Indicator, IndicatorScope, Quantity, Record, RecordEdit, RecordKey, ReportMutation,
    book,
};

use super::fields::Line;
use super::send;
use crate::state::PlanStore;

#[component]
pub fn Indicators() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let standing = shared::report::access::may(
        &actor,
        &ReportMutation::DeleteIndicator {
            id: RecordId(uuid::Uuid::nil()),
        },
    );
    let list = Memo::new(move |_| {
        store.state.with(|s| {
            indicator::indicators(s.records())
                .into_iter()
                .map(|i| {
                    let latest = indicator::latest_values(s.records(), i.id, None)
                        .into_iter()
                        .map(|v| {
                            let title = book::round(s.records(), v.round)
                                .map(|r| r.title.clone())
                                .unwrap_or_default();
                            (v, title)
                        })
                        .collect::<Vec<_>>();
                    (i.clone(), latest)
                })
                .collect::<Vec<_>>()
        })
    });
    let adding = RwSignal::new(false);
    view! {
        <section class="indicators" aria-label="Chỉ tiêu">
            <div class="section-head">
                <h3>"Chỉ tiêu của kế hoạch"</h3>
                {standing.then(|| view! {
                    <button class="primary" on:click=move |_| adding.set(true)>"Thêm chỉ tiêu"</button>
                })}
            </div>
            <Show when=move || adding.get()>
                <IndicatorForm on_done=Callback::new(move |()| adding.set(false)) />
            </Show>
            {move || {
                let items = list.get();
                if items.is_empty() {
                    return view! { <p class="empty">"Kế hoạch chưa có chỉ tiêu nào."</p> }.into_any();
                }
                view! {
                    <table class="indicator-table">
                        <thead>
                            <tr>
                                <th scope="col">"Chỉ tiêu"</th>
                                <th scope="col">"Cơ sở"</th>
                                <th scope="col">"Mục tiêu"</th>
                                <th scope="col">"Giá trị mới nhất (đã tiếp nhận)"</th>
                                {standing.then(|| view! { <th scope="col" aria-label="Xoá"></th> })}
                            </tr>
                        </thead>
                        <tbody>
                            {items.into_iter().map(|(i, latest)| view! {
                                <IndicatorRow indicator=i latest standing />
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn IndicatorRow(
    indicator: Indicator,
    latest: Vec<(indicator::GivenValue, String)>,
    standing: bool,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let units = store.auth.units;
    let error = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let id = indicator.id;
    let target = indicator.target_vi();
    let values = if latest.is_empty() {
        view! { <span class="hint">"Chưa có giá trị được tiếp nhận"</span> }.into_any()
    } else {
        let i = indicator.clone();
        view! {
            <ul class="latest-values">
                {latest.into_iter().map(|(v, round)| {
                    let state = i.against_target(v.value);
                    let place = units.with_untracked(|u| indicator::unit_name(u, v.unit.as_deref()));
                    view! {
                        <li data-reached=format!("{:?}", state).to_lowercase()>
                            <span class="place">{place}": "</span>
                            <strong>{amount(Some(v.value), &i.unit)}</strong>
                            <span class="target-state">{format!(" · {}", state.label_vi())}</span>
                            <span class="hint">{format!(" · {round}")}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <tr data-indicator=id.to_string()>
            <td>
                <span class="indicator-name">{indicator.name.clone()}</span>
                <span class="hint">{format!(" ({}; {}; {})", indicator.unit, indicator.direction.label_vi(), indicator.scope.label_vi())}</span>
            </td>
            <td>{amount(indicator.baseline, &indicator.unit)}</td>
            <td>{target}</td>
            <td>{values}</td>
            {standing.then(|| view! {
                <td>
                    {move || if confirm.get() {
                        view! {
                            <span class="confirm">
                                <button class="danger" on:click=move |_| {
                                    confirm.set(false);
                                    error.set(send(store, ReportMutation::DeleteIndicator { id }).err());
                                }>"Xoá cả các giá trị"</button>
                                <button on:click=move |_| confirm.set(false)>"Không"</button>
                            </span>
                        }.into_any()
                    } else {
                        view! {
                            <button class="link" on:click=move |_| editing.update(|e| *e = !*e)>"Sửa"</button>
                            <button class="link" on:click=move |_| confirm.set(true)>"Xoá"</button>
                        }.into_any()
                    }}
                    {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
                </td>
            })}
        </tr>
        <Show when=move || editing.get()>
            <tr class="indicator-edit">
                <td colspan="5"><IndicatorFields id /></td>
            </tr>
        </Show>
    }
}

/// "28,5", or nothing.
fn number(q: Option<Quantity>) -> String {
    q.map(Quantity::format_vi).unwrap_or_default()
}

/// The standing agency's edits of an indicator's name, unit, baseline, target and year, each
/// saved when its field is left (offline too), checked as the server checks them.
#[component]
fn IndicatorFields(id: RecordId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let current = Memo::new(move |_| {
        store
            .state
            .with(|s| match s.record(&RecordKey::Indicator(id)) {
                Some(Record::Indicator(i)) => Some(i.clone()),
                _ => None,
            })
    });
    let save = super::saver(store, RecordKey::Indicator(id));
    let editable = Memo::new(|_| true);
    let shown = move |get: fn(&Indicator) -> String| {
        Signal::derive(move || current.with(|i| i.as_ref().map(get).unwrap_or_default()))
    };
    view! {
        <div class="form-row">
            <Line label="Tên chỉ tiêu" value=shown(|i| i.name.clone()) editable save=save(|t| Ok(RecordEdit::Name(t))) />
            <Line label="Đơn vị tính" value=shown(|i| i.unit.clone()) editable save=save(|t| Ok(RecordEdit::Unit(t))) />
        </div>
        <div class="form-row">
            <Line label="Giá trị cơ sở" value=shown(|i| number(i.baseline)) editable
                save=save(|t| Quantity::parse_vi(&t).map(RecordEdit::Baseline).map_err(|e| e.to_string())) />
            <Line label="Mục tiêu" value=shown(|i| number(i.target)) editable
                save=save(|t| Quantity::parse_vi(&t).map(RecordEdit::Target).map_err(|e| e.to_string())) />
            <Line label="Năm đạt mục tiêu" value=shown(|i| i.target_year.map(|y| y.to_string()).unwrap_or_default()) editable
                save=save(|t| indicator::target_year(&t).map(RecordEdit::TargetYear).map_err(|e| e.to_string())) />
        </div>
    }
}

/// The form that adds an indicator.
#[component]
fn IndicatorForm(on_done: Callback<()>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let draft = RwSignal::new(IndicatorDraft::default());
    let error = RwSignal::new(None::<String>);
    let text = move |label: &'static str,
                     get: fn(&IndicatorDraft) -> &String,
                     set: fn(&mut IndicatorDraft, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type="text"
                    aria-label=label
                    prop:value=move || draft.with(|d| get(d).clone())
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                />
            </label>
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = RecordId(crate::device::new_uuid());
        let made = draft
            .with_untracked(|d| d.indicator(id))
            .map_err(|e| e.to_string())
            .and_then(|indicator| send(store, ReportMutation::CreateIndicator { indicator }));
        match made {
            Ok(()) => on_done.run(()),
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <form class="indicator-form" on:submit=submit aria-label="Thêm chỉ tiêu">
            {text("Tên chỉ tiêu", |d| &d.name, |d, v| d.name = v)}
            <div class="form-row">
                {text("Đơn vị tính", |d| &d.unit, |d, v| d.unit = v)}
                <label class="field">
                    <span>"Chiều hướng"</span>
                    <select aria-label="Chiều hướng" on:change=move |ev| {
                        let lower = event_target_value(&ev) == "lower";
                        draft.update(|d| d.direction = if lower { Direction::Lower } else { Direction::Higher });
                    }>
                        <option value="higher">{Direction::Higher.label_vi()}</option>
                        <option value="lower">{Direction::Lower.label_vi()}</option>
                    </select>
                </label>
                <label class="field">
                    <span>"Theo dõi"</span>
                    <select aria-label="Theo dõi" on:change=move |ev| {
                        let scope = match event_target_value(&ev).as_str() {
                            "district" => IndicatorScope::District,
                            "commune" => IndicatorScope::Commune,
                            _ => IndicatorScope::Province,
                        };
                        draft.update(|d| d.scope = scope);
                    }>
                        <option value="province">{IndicatorScope::Province.label_vi()}</option>
                        <option value="district">{IndicatorScope::District.label_vi()}</option>
                        <option value="commune">{IndicatorScope::Commune.label_vi()}</option>
                    </select>
                </label>
            </div>
            <div class="form-row">
                {text("Giá trị cơ sở", |d| &d.baseline, |d, v| d.baseline = v)}
                {text("Mục tiêu", |d| &d.target, |d, v| d.target = v)}
                {text("Năm đạt mục tiêu", |d| &d.target_year, |d, v| d.target_year = v)}
            </div>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="primary">"Thêm"</button>
                <button type="button" on:click=move |_| on_done.run(())>"Huỷ"</button>
            </div>
        </form>
    }
}
