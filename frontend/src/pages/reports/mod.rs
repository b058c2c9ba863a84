//! "Báo cáo": the plan's report rounds. The standing agency opens rounds and follows who has
//! reported (`completeness.rs`); an agency's officers write and send its report (`editor.rs`);
//! leaders and inspectors read both. Every change is a `ReportMutation` through the plan's
//! store, so it works offline and syncs like any other edit.

mod completeness;
mod dashboard;
mod editor;
mod fields;
mod indicators;
mod print;
mod round_form;
mod summary;
mod values;

use leptos::prelude::*;
use shared::access::UserRole;
use shared::ids::RecordId;
use shared::mutation::Mutation;
use shared::report::{RecordEdit, RecordKey, ReportMutation, book};
use shared::text::format_date;

use crate::state::PlanStore;
use completeness::Completeness;
use dashboard::DashboardView;
use editor::ReportEditor;
use indicators::Indicators;
use print::SummaryPrint;
use round_form::{RoundForm, ScheduleForm};

/// Sends `op` through the plan's store (offline too); the refusal in words.
fn send(store: PlanStore, op: ReportMutation) -> Result<(), String> {
    store
        .dispatch(Mutation::Report { op })
        .map_err(|e| e.to_string())
}

/// Reads what a user typed into a field as the edit it means, or says why it cannot.
type Reader = fn(String) -> Result<RecordEdit, String>;
/// A field's save: what was typed in, the refusal (if any) out.
type Save = Callback<String, Result<(), String>>;

/// The save of a field of record `key`: what was typed, read by the given [`Reader`] into an
/// edit (or refused with the reason), written as one mutation.
fn saver(store: PlanStore, key: RecordKey) -> impl Fn(Reader) -> Save {
    move |read| {
        let key = key.clone();
        Callback::new(move |typed: String| {
            let edit = read(typed)?;
            send(
                store,
                ReportMutation::Edit {
                    key: key.clone(),
                    edit,
                },
            )
        })
    }
}

/// What the reports tab shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pane {
    /// The chosen round: an agency's report, or who has reported and the summary.
    Round,
    Indicators,
    Dashboard,
    /// The round's summary report as an A4 document.
    Print,
}

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
    let pane = RwSignal::new(Pane::Round);
    let pane_button = move |p: Pane, label: &'static str| {
        view! {
            <button
                role="tab"
                aria-selected=move || if pane.get() == p { "true" } else { "false" }
                class:active=move || pane.get() == p
                on:click=move |_| pane.set(p)
            >{label}</button>
        }
    };
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
                                on:click=move |_| {
                                    chosen.set(Some(id));
                                    creating.set(false);
                                    if pane.get_untracked() == Pane::Indicators {
                                        pane.set(Pane::Round);
                                    }
                                }
                            >
                                <span class="round-title">{title}</span>
                                <span class="hint">{format!("Hạn gửi {}", format_date(due))}</span>
                            </button>
                        </li>
                    }).collect_view()}
                </ul>
                {standing.then(|| view! {
                    <button class="primary" on:click=move |_| { creating.set(true); pane.set(Pane::Round); }>"Mở kỳ báo cáo"</button>
                })}
            </div>
            <div class="pane-tabs" role="tablist" aria-label="Nội dung báo cáo">
                {pane_button(Pane::Round, "Báo cáo của kỳ")}
                {pane_button(Pane::Indicators, "Chỉ tiêu")}
                {pane_button(Pane::Dashboard, "Tổng quan")}
                {pane_button(Pane::Print, "Bản in A4")}
            </div>
            {move || {
                match pane.get() {
                    Pane::Indicators => return view! { <Indicators /> }.into_any(),
                    Pane::Dashboard => return view! { <DashboardView round=current.get() /> }.into_any(),
                    Pane::Print => return match current.get() {
                        Some(round) => view! { <SummaryPrint round /> }.into_any(),
                        None => view! { <p class="empty">"Chưa có kỳ báo cáo nào."</p> }.into_any(),
                    },
                    Pane::Round => {}
                }
                if creating.get() {
                    let on_done = move |made: Option<RecordId>| {
                        creating.set(false);
                        if made.is_some() {
                            chosen.set(made);
                        }
                    };
                    return view! { <RoundForm on_done /> <ScheduleForm on_done /> }.into_any();
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
