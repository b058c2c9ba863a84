//! "Kiến nghị sau kiểm tra": every recommendation the user may see, with where it stands on
//! today's date (open, overdue, done). The agency it is made to says where it stands (đã / đang
//! / chưa thực hiện, with a note); the standing agency follows the overdue ones.

use leptos::prelude::*;
use shared::ids::RecordId;
use shared::inspection::model::{FollowUp, Recommendation, Standing};
use shared::inspection::op::{self, InspectionMutation};
use shared::inspection::{Action, may, sees_recommendation};
use shared::text::format_date;

use super::send;
use crate::state::PlanStore;

#[component]
pub fn FollowUps() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let username = store.auth.username();
    let today = crate::device::today();
    let only_overdue = RwSignal::new(false);
    let list = Memo::new(move |_| {
        let actor = store.actor();
        store.state.with(|s| {
            let records = s.records();
            let mut list: Vec<(Recommendation, String)> = op::recommendations(records)
                .filter(|r| sees_recommendation(&actor, r))
                .map(|r| {
                    let at = op::visit(records, r.visit)
                        .map(|v| format_date(v.at.date()))
                        .unwrap_or_default();
                    (r.clone(), at)
                })
                .collect();
            list.sort_by_key(|(r, _)| (r.standing(today) == Standing::Done, r.due));
            list
        })
    });
    let agencies = store.auth.agencies.get_untracked();
    let name_of = move |code: &str| {
        agencies
            .iter()
            .find(|a| a.code.as_str() == code)
            .map_or_else(|| code.to_owned(), |a| a.name.clone())
    };
    view! {
        <section class="follow-ups" aria-label="Kiến nghị sau kiểm tra">
            <label class="radio">
                <input type="checkbox" prop:checked=move || only_overdue.get()
                    on:change=move |ev| only_overdue.set(event_target_checked(&ev)) />
                "Chỉ hiện kiến nghị quá hạn"
            </label>
            {move || {
                let shown: Vec<(Recommendation, String)> = list
                    .get()
                    .into_iter()
                    .filter(|(r, _)| !only_overdue.get() || r.standing(today) == Standing::Overdue)
                    .collect();
                if shown.is_empty() {
                    return view! { <p class="empty">"Không có kiến nghị nào."</p> }.into_any();
                }
                let actor = actor.clone();
                let username = username.clone();
                let name_of = name_of.clone();
                view! {
                    <ul class="finding-list" role="list">
                        {shown.into_iter().map(|(r, at)| {
                            let answers = may(&actor, &username, Action::AnswerRecommendation { agency: &r.agency });
                            let standing = r.standing(today);
                            let (badge, class) = match standing {
                                Standing::Done => ("Đã thực hiện", "done"),
                                Standing::Open => ("Trong hạn", "open"),
                                Standing::Overdue => ("Quá hạn", "overdue"),
                            };
                            view! {
                                <li class="finding">
                                    <p>{r.text.clone()}</p>
                                    <p class="hint">{format!("{} · kiểm tra ngày {at} · hạn {}", name_of(&r.agency), format_date(r.due))}</p>
                                    <p><span class=format!("badge {class}")>{badge}</span>" "{format!("Đơn vị báo cáo: {}", r.state.label_vi())}{(!r.note.is_empty()).then(|| format!(" — {}", r.note))}</p>
                                    {answers.then(|| view! { <Answer id=r.id state=r.state note=r.note.clone() /> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The agency's answer: where the recommendation stands, and a note.
#[component]
fn Answer(id: RecordId, state: FollowUp, note: String) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let chosen = RwSignal::new(state);
    let text = RwSignal::new(note);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = InspectionMutation::Answer {
            id,
            state: chosen.get_untracked(),
            note: text.get_untracked(),
        };
        match send(store, op) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e)),
        }
    };
    let states = [FollowUp::NotStarted, FollowUp::InProgress, FollowUp::Done];
    view! {
        <form class="answer-form" on:submit=submit aria-label="Báo cáo thực hiện kiến nghị">
            <select on:change=move |ev| {
                let i: usize = event_target_value(&ev).parse().unwrap_or(0);
                chosen.set(states[i.min(2)]);
            }>
                {states.into_iter().enumerate().map(|(i, s)| view! {
                    <option value=i.to_string() selected=move || chosen.get() == s>{s.label_vi()}</option>
                }).collect_view()}
            </select>
            <input type="text" placeholder="Ghi chú (đã làm gì, khi nào)" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev)) />
            <button type="submit">"Lưu"</button>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </form>
    }
}
