//! "Báo cáo": the plan's report rounds. The standing agency opens rounds and follows who has
//! reported (`completeness.rs`); an agency's officers write and send its report (`editor.rs`);
//! leaders and inspectors read both. Every change is a `ReportMutation` through the plan's
//! store, so it works offline and syncs like any other edit.

mod completeness;
mod editor;
mod round_form;
mod summary;

use leptos::prelude::*;
use shared::access::UserRole;
use shared::ids::RecordId;
use shared::report::book;
use shared::text::format_date;

use crate::state::PlanStore;
use completeness::Completeness;
use editor::ReportEditor;
use round_form::RoundForm;

#[component]
pub fn Reports() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let standing = actor.role.edits_plan();
    let own = (actor.role == UserRole::AgencyOfficer)
        .then(|| actor.agency.clone())
        .flatten();
    let rounds = Memo::new(move |_| {
        store.state.with(|s| {
            book::rounds(s.records())
                .into_iter()
                .map(|r| (r.id, r.title.clone(), r.due))
                .collect::<Vec<_>>()
        })
    });
    let chosen = RwSignal::new(None::<RecordId>);
    let creating = RwSignal::new(false);
    // The latest round until the user picks another (or the chosen one is deleted).
    let current = Memo::new(move |_| {
        let list = rounds.get();
        chosen
            .get()
            .filter(|id| list.iter().any(|r| r.0 == *id))
            .or_else(|| list.first().map(|r| r.0))
    });
    view! {
        <section class="reports" aria-label="Báo cáo">
            <div class="reports-head">
                <h2>"Kỳ báo cáo"</h2>
                <ul class="round-list" role="list">
                    {move || rounds.get().into_iter().map(|(id, title, due)| view! {
                        <li>
                            <button
                                class="round-chip"
                                class:active=move || current.get() == Some(id)
                                aria-pressed=move || if current.get() == Some(id) { "true" } else { "false" }
                                on:click=move |_| { chosen.set(Some(id)); creating.set(false); }
                            >
                                <span class="round-title">{title}</span>
                                <span class="hint">{format!("Hạn gửi {}", format_date(due))}</span>
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
                {standing.then(|| view! {
                    <button class="primary" on:click=move |_| creating.set(true)>"Mở kỳ báo cáo"</button>
                })}
            </div>
            {move || {
                if creating.get() {
                    let on_done = move |made: Option<RecordId>| {
                        creating.set(false);
                        if made.is_some() {
                            chosen.set(made);
                        }
                    };
                    return view! { <RoundForm on_done /> }.into_any();
                }
                let Some(round) = current.get() else {
                    let hint = if standing {
                        "Chưa có kỳ báo cáo nào. Bấm «Mở kỳ báo cáo» để bắt đầu."
                    } else {
                        "Chưa có kỳ báo cáo nào; cơ quan thường trực sẽ mở kỳ báo cáo."
                    };
                    return view! { <p class="empty">{hint}</p> }.into_any();
                };
                match own.clone() {
                    Some(agency) => view! { <ReportEditor round agency /> }.into_any(),
                    None => view! { <Completeness round /> }.into_any(),
                }
            }}
        </section>
    }
}
