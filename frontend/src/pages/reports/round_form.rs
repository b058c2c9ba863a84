//! "Mở kỳ báo cáo": the round's kind and year fill its title, data period (Nghị định 09/2019)
//! and due dates (the plan's own reporting days); every field stays editable. The agencies that
//! must report start as those with tasks in the plan, as the registry has them on the round's
//! date.

use chrono::Datelike;
use leptos::prelude::*;
use shared::ids::{AgencyCode, RecordId};
use shared::mutation::Mutation;
use shared::report::book::{self, RoundDraft};
use shared::report::{ReportMutation, ReportPeriod};

use crate::state::PlanStore;

/// The kinds offered, with their value in the form.
fn periods() -> Vec<(String, ReportPeriod, String)> {
    let mut out = vec![
        (
            "half".to_owned(),
            ReportPeriod::HalfYear,
            "6 tháng đầu năm".to_owned(),
        ),
        ("year".to_owned(), ReportPeriod::Year, "Năm".to_owned()),
    ];
    for q in 1..=4u8 {
        out.push((
            format!("q{q}"),
            ReportPeriod::Quarter { quarter: q },
            format!("Quý {q}"),
        ));
    }
    for m in 1..=12u8 {
        out.push((
            format!("m{m}"),
            ReportPeriod::Month { month: m },
            format!("Tháng {m}"),
        ));
    }
    out.push(("adhoc".into(), ReportPeriod::AdHoc, "Đột xuất".into()));
    out.push((
        "thematic".into(),
        ReportPeriod::Thematic,
        "Chuyên đề".into(),
    ));
    out
}

#[component]
pub fn RoundForm(
    on_done: impl Fn(Option<RecordId>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let year = chrono::Datelike::year(&crate::device::today());
    let fresh = move |period: ReportPeriod, year: i32| {
        store.state.with_untracked(|s| {
            let on = period
                .data_period(year)
                .map_or_else(crate::device::today, |d| d.to);
            let required = store
                .auth
                .agencies
                .with_untracked(|a| book::default_required(s, a, on));
            RoundDraft::new(period, year, book::reporting_days(s), required)
        })
    };
    let draft = RwSignal::new(fresh(ReportPeriod::HalfYear, year));
    let error = RwSignal::new(None::<String>);
    let choose = move |period: ReportPeriod, year: i32| draft.set(fresh(period, year));
    let text_field = move |label: &'static str,
                           get: fn(&RoundDraft) -> String,
                           set: fn(&mut RoundDraft, String)| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input
                    type="text"
                    prop:value=move || draft.with(get)
                    on:change=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                />
            </label>
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = RecordId(crate::device::new_uuid());
        let result = draft
            .with_untracked(|d| d.round(id))
            .map_err(|e| e.to_string())
            .and_then(|round| {
                store
                    .dispatch(Mutation::Report {
                        op: ReportMutation::CreateRound { round },
                    })
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(()) => on_done(Some(id)),
            Err(e) => error.set(Some(e)),
        }
    };
    let agencies = move || {
        let chosen = draft.with(|d| d.required.clone());
        let mut list = store.auth.agencies.get();
        // The chosen ones first, in their order; then the rest of the registry.
        list.sort_by_key(|a| {
            chosen
                .iter()
                .position(|c| *c == a.code)
                .unwrap_or(usize::MAX)
        });
        list
    };
    view! {
        <form class="round-form" on:submit=submit aria-label="Mở kỳ báo cáo">
            <h3>"Mở kỳ báo cáo"</h3>
            <div class="round-form-row">
                <label class="field">
                    <span>"Loại báo cáo"</span>
                    <select on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some((_, p, _)) = periods().into_iter().find(|(k, _, _)| *k == v) {
                            choose(p, draft.with_untracked(|d| d.year));
                        }
                    }>
                        {periods().into_iter().map(|(value, period, label)| view! {
                            <option value=value selected=move || draft.with(|d| d.period == period)>{label}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Năm"</span>
                    <input
                        type="number"
                        inputmode="numeric"
                        min="2000"
                        max="2100"
                        prop:value=move || draft.with(|d| d.year.to_string())
                        on:change=move |ev| {
                            if let Ok(y) = event_target_value(&ev).trim().parse::<i32>() {
                                choose(draft.with_untracked(|d| d.period), y);
                            }
                        }
                    />
                </label>
            </div>
            {text_field("Tên kỳ báo cáo", |d| d.title.clone(), |d, v| d.title = v)}
            <div class="round-form-row">
                {text_field("Số liệu từ ngày", |d| d.from.clone(), |d, v| d.from = v)}
                {text_field("đến ngày", |d| d.to.clone(), |d, v| d.to = v)}
            </div>
            <div class="round-form-row">
                {text_field("Hạn đơn vị gửi báo cáo", |d| d.due.clone(), |d, v| d.due = v)}
                {text_field("Hạn báo cáo tổng hợp", |d| d.summary_due.clone(), |d, v| d.summary_due = v)}
            </div>
            <fieldset class="required-agencies">
                <legend>{move || format!("Đơn vị phải báo cáo ({})", draft.with(|d| d.required.len()))}</legend>
                <ul role="list">
                    {move || agencies().into_iter().map(|a| {
                        let code: AgencyCode = a.code.clone();
                        let c2 = code.clone();
                        view! {
                            <li>
                                <label>
                                    <input
                                        type="checkbox"
                                        prop:checked=move || draft.with(|d| d.required.contains(&code))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            draft.update(|d| {
                                                d.required.retain(|x| *x != c2);
                                                if on { d.required.push(c2.clone()); }
                                            });
                                        }
                                    />
                                    {a.name}
                                </label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </fieldset>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="primary">"Mở kỳ báo cáo"</button>
                <button type="button" on:click=move |_| on_done(None)>"Huỷ"</button>
            </div>
        </form>
    }
}

/// "Lập lịch": opens at once every round the plan's own reporting days ask for in the chosen
/// years ("trước ngày 15/6 và 15/12 hằng năm": the 6-month and the year's report of each year),
/// skipping those the plan has; only shown when the plan names reporting days.
#[component]
pub fn ScheduleForm(
    on_done: impl Fn(Option<RecordId>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let days = Memo::new(move |_| {
        store
            .state
            .with(|s| book::reporting_days(s).map(|d| d.describe_vi()))
    });
    let this_year = crate::device::today().year();
    let from = RwSignal::new(this_year.to_string());
    let to = RwSignal::new(this_year.to_string());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let year = |s: RwSignal<String>| {
            s.get_untracked()
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
        };
        let (Some(first), Some(last)) = (year(from), year(to)) else {
            error.set(Some("Nhập năm bằng 4 chữ số (1990–2100).".into()));
            return;
        };
        if first > last {
            error.set(Some(
                "Năm bắt đầu phải trước hoặc bằng năm kết thúc.".into(),
            ));
            return;
        }
        let rounds = store.state.with_untracked(|s| {
            store.auth.agencies.with_untracked(|a| {
                book::scheduled_rounds(s, a, first..=last, || RecordId(crate::device::new_uuid()))
            })
        });
        if rounds.is_empty() {
            error.set(Some("Các kỳ báo cáo của những năm này đã được mở.".into()));
            return;
        }
        let last_id = rounds.last().map(|r| r.id);
        for round in rounds {
            if let Err(e) = store.dispatch(Mutation::Report {
                op: ReportMutation::CreateRound { round },
            }) {
                error.set(Some(e.to_string()));
                return;
            }
        }
        on_done(last_id);
    };
    move || {
        days.get().map(|days| {
            view! {
                <form class="schedule-form" on:submit=submit aria-label="Lập lịch báo cáo">
                    <p>{format!("Kế hoạch quy định báo cáo: {days}. Mở các kỳ báo cáo theo lịch này:")}</p>
                    <div class="round-form-row">
                        <label class="field">
                            <span>"Từ năm"</span>
                            <input type="text" inputmode="numeric" aria-label="Từ năm"
                                prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                        </label>
                        <label class="field">
                            <span>"Đến năm"</span>
                            <input type="text" inputmode="numeric" aria-label="Đến năm"
                                prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
                        </label>
                    </div>
                    {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                    <button type="submit">"Mở các kỳ theo lịch"</button>
                </form>
            }
        })
    }
}
