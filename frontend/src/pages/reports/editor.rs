//! An agency's report for a round: one card per task it holds (progress, results, difficulties,
//! proposals, funds), the documents it issued, its remarks, and sending. Its own officers write
//! it while it is a draft or returned to them; the standing agency reads it and returns it (with
//! the reason) or accepts it; leaders and inspectors read. Each field is saved when it is left,
//! as one mutation, offline too.

use leptos::prelude::*;
use shared::assignment::Role;
use shared::ids::{AgencyCode, NodeId, RecordId};
use shared::registry::name_of as agency_name;
use shared::report::{
    Directive, RecordEdit, RecordKey, ReportMutation, ReportState, Standing, Vnd, book,
};
use shared::text::format_date;
use shared::validate;

use super::fields::{Line, TextArea};
use super::send;
use super::values::IndicatorValues;
use crate::state::PlanStore;

#[component]
pub fn ReportEditor(
    round: RecordId,
    agency: AgencyCode,
    /// Called to go back (the standing agency's list), when there is somewhere to go.
    #[prop(optional)]
    back: Option<Callback<()>>,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let today = crate::device::today();
    let info = Memo::new(move |_| {
        store.state.with(|s| {
            let r = match s.record(&RecordKey::Round(round)) {
                Some(shared::report::Record::Round(r)) => r.clone(),
                _ => return None,
            };
            Some(r)
        })
    });
    let ag = agency.clone();
    let report = Memo::new(move |_| {
        store
            .state
            .with(|s| book::report(s.records(), round, &ag).cloned())
    });
    let ag = agency.clone();
    let tasks = Memo::new(move |_| store.state.with(|s| book::tasks_of(s, &ag)));
    // The agency's own officers, while the report is open to them.
    let writer = actor.agency.as_ref() == Some(&agency)
        && shared::report::access::may(
            &actor,
            &ReportMutation::Send {
                round,
                agency: agency.clone(),
                on: today,
            },
        );
    let editable = Memo::new(move |_| writer && report.get().is_none_or(|r| r.is_open()));
    let standing_may = shared::report::access::may(
        &actor,
        &ReportMutation::Accept {
            round,
            agency: agency.clone(),
            on: today,
        },
    );
    let name = {
        let code = agency.clone();
        move || agency_name(&store.auth.agencies.get(), &code)
    };
    let state_line = move || {
        let round = info.get()?;
        let r = report.get();
        let standing = Standing::of(
            round.due,
            r.as_ref().map(|r| r.state),
            r.as_ref().and_then(|r| r.first_sent_on),
            today,
        );
        let mut words = standing.label_vi().to_owned();
        if let Some(r) = &r {
            if let Some(d) = r.sent_on {
                words.push_str(&format!(" · gửi ngày {}", format_date(d)));
            }
            if let Some(d) = r.accepted_on {
                words.push_str(&format!(" · tiếp nhận ngày {}", format_date(d)));
            }
        }
        Some(words)
    };
    let error = RwSignal::new(None::<String>);
    let confirm_send = RwSignal::new(false);
    let do_send = {
        let agency = agency.clone();
        move |_| {
            confirm_send.set(false);
            error.set(
                send(
                    store,
                    ReportMutation::Send {
                        round,
                        agency: agency.clone(),
                        on: crate::device::today(),
                    },
                )
                .err(),
            );
        }
    };
    view! {
        <article class="report-editor" aria-label="Báo cáo của đơn vị">
            <header class="report-head">
                {back.map(|b| view! { <button class="link" on:click=move |_| b.run(())>"← Tình hình báo cáo"</button> })}
                <h3>{move || info.get().map(|r| r.title).unwrap_or_default()}</h3>
                <p class="report-agency">{name}</p>
                <p class="report-due">
                    {move || info.get().map(|r| format!(
                        "Số liệu từ {} đến {} · Hạn gửi {}",
                        format_date(r.data.from), format_date(r.data.to), format_date(r.due)
                    ))}
                </p>
                <p class="report-state" data-state=move || report.get().map_or("none", |r| match r.state {
                    ReportState::Draft => "draft",
                    ReportState::Sent => "sent",
                    ReportState::Returned => "returned",
                    ReportState::Accepted => "accepted",
                })>{state_line}</p>
                {move || report.get().and_then(|r| r.returned.filter(|_| r.state == ReportState::Returned)).map(|x| view! {
                    <p class="notice error returned" role="alert">
                        {format!("Bị trả lại ngày {}: {}", format_date(x.on), x.reason)}
                    </p>
                })}
            </header>
            {
                let agency = agency.clone();
                move || {
                let list = tasks.get();
                if list.is_empty() {
                    return view! { <p class="empty">"Đơn vị không có nhiệm vụ nào trong kế hoạch này."</p> }.into_any();
                }
                let agency = agency.clone();
                view! {
                    <ol class="entries">
                        {list.into_iter().map(|t| view! {
                            <EntryCard round agency=agency.clone() node=t.node role=t.role editable />
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <IndicatorValues round agency=agency.clone() editable />
            <Directives round agency=agency.clone() editable />
            <Remarks round agency=agency.clone() editable />
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <footer class="report-actions">
                <a class="button" download href={
                    let code = agency.clone();
                    move || format!("/api/plans/{}/reports/{round}/agencies/{code}/report.docx", store.plan_id())
                }>"Tải báo cáo (.docx)"</a>
                {move || (editable.get()).then(|| {
                    let do_send = do_send.clone();
                    if confirm_send.get() {
                        view! {
                            <div class="confirm" role="group" aria-label="Xác nhận gửi">
                                <span>"Gửi báo cáo cho cơ quan thường trực? Sau khi gửi, đơn vị chỉ sửa được khi bị trả lại."</span>
                                <button class="primary" on:click=do_send>"Gửi"</button>
                                <button on:click=move |_| confirm_send.set(false)>"Để sau"</button>
                            </div>
                        }.into_any()
                    } else {
                        view! { <button class="primary" on:click=move |_| confirm_send.set(true)>"Gửi báo cáo"</button> }.into_any()
                    }
                })}
                {move || (standing_may && report.get().is_some_and(|r| r.state == ReportState::Sent)).then(|| view! {
                    <Review round agency=agency.clone() />
                })}
            </footer>
        </article>
    }
}

/// "Trả lại" with the reason, or "Tiếp nhận": the standing agency's answer to a sent report.
#[component]
fn Review(round: RecordId, agency: AgencyCode) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let reason = RwSignal::new(String::new());
    let returning = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let a1 = agency.clone();
    let accept = move |_| {
        error.set(
            send(
                store,
                ReportMutation::Accept {
                    round,
                    agency: a1.clone(),
                    on: crate::device::today(),
                },
            )
            .err(),
        );
    };
    let give_back = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let result = send(
            store,
            ReportMutation::Return {
                round,
                agency: agency.clone(),
                reason: reason.get_untracked(),
                on: crate::device::today(),
            },
        );
        match result {
            Ok(()) => returning.set(false),
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <div class="review">
            <button class="primary" on:click=accept>"Tiếp nhận"</button>
            <button on:click=move |_| returning.set(true)>"Trả lại"</button>
            <Show when=move || returning.get()>
                <form class="return-form" on:submit=give_back.clone()>
                    <label class="field">
                        <span>"Lý do trả lại"</span>
                        <textarea
                            rows="3"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))
                        ></textarea>
                    </label>
                    <button type="submit" class="danger">"Trả lại cho đơn vị"</button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
    }
}

#[component]
fn EntryCard(
    round: RecordId,
    agency: AgencyCode,
    node: NodeId,
    role: Option<Role>,
    editable: Memo<bool>,
) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let today = crate::device::today();
    let ag = agency.clone();
    let entry = Memo::new(move |_| {
        store
            .state
            .with(|s| book::entry(s.records(), round, &ag, node).cloned())
    });
    let ag = agency.clone();
    let task = Memo::new(move |_| {
        store.state.with(|s| {
            s.get(node).map(|n| {
                let heading = n.heading();
                let status = n.assignment(&ag).map(|a| a.status(n, today));
                (heading, status, n.progress)
            })
        })
    });
    let key = RecordKey::Entry {
        round,
        agency,
        node,
    };
    let save = super::saver(store, key);
    let text = move |get: fn(&shared::report::Entry) -> String| {
        Signal::derive(move || entry.with(|e| e.as_ref().map(get).unwrap_or_default()))
    };
    let money = |v: Option<Vnd>| v.map(Vnd::format_vi).unwrap_or_default();
    view! {
        <li class="entry" data-task=node.to_string()>
            <div class="entry-head">
                <span class="role" class:lead=role == Some(Role::Lead)>
                    {role.map_or("Nhiệm vụ con của đơn vị", Role::label_vi)}
                </span>
                {move || task.get().and_then(|t| t.1).map(|s| view! {
                    <span class=format!("task-status {}", s.css())>{s.label_vi()}</span>
                })}
            </div>
            <p class="entry-title" title=move || task.get().map(|t| t.0)>
                {move || task.get().map(|t| t.0).unwrap_or_else(|| "(nhiệm vụ đã bị xoá)".into())}
            </p>
            <div class="entry-row">
                <Line
                    label="Tiến độ (%)"
                    kind="number"
                    value=Signal::derive(move || entry.with(|e| e.as_ref().and_then(|e| e.progress))
                        .map(|p| p.to_string())
                        .unwrap_or_default())
                    placeholder=Signal::derive(move || task.with(|t| t.as_ref().map(|t| format!("{} (theo cây)", t.2))).unwrap_or_default())
                    editable
                    save=save(|t| {
                        if t.trim().is_empty() {
                            return Ok(RecordEdit::Progress(None));
                        }
                        validate::progress_text(&t).map(|p| RecordEdit::Progress(Some(p))).map_err(|e| e.to_string())
                    })
                />
                <Line
                    label="Kinh phí được giao (đồng)"
                    value=Signal::derive(move || entry.with(|e| money(e.as_ref().and_then(|e| e.funds_allocated))))
                    editable
                    save=save(|t| Vnd::parse_vi(&t).map(RecordEdit::FundsAllocated).map_err(|e| e.to_string()))
                />
                <Line
                    label="Đã giải ngân (đồng)"
                    value=Signal::derive(move || entry.with(|e| money(e.as_ref().and_then(|e| e.funds_disbursed))))
                    editable
                    save=save(|t| Vnd::parse_vi(&t).map(RecordEdit::FundsDisbursed).map_err(|e| e.to_string()))
                />
            </div>
            <TextArea label="Kết quả thực hiện" value=text(|e| e.results.clone()) editable save=save(|t| Ok(RecordEdit::Results(t))) />
            <TextArea label="Khó khăn, vướng mắc" value=text(|e| e.difficulties.clone()) editable save=save(|t| Ok(RecordEdit::Difficulties(t))) />
            <TextArea label="Đề xuất, kiến nghị" value=text(|e| e.proposals.clone()) editable save=save(|t| Ok(RecordEdit::Proposals(t))) />
        </li>
    }
}

/// "Công tác chỉ đạo": the documents the agency issued (number, date, summary).
#[component]
fn Directives(round: RecordId, agency: AgencyCode, editable: Memo<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let key = RecordKey::Report {
        round,
        agency: agency.clone(),
    };
    let list = Memo::new(move |_| {
        store.state.with(|s| {
            book::report(s.records(), round, &agency)
                .map(|r| r.directives.clone())
                .unwrap_or_default()
        })
    });
    let error = RwSignal::new(None::<String>);
    let number = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let summary = RwSignal::new(String::new());
    let write = move |new: Vec<Directive>| {
        send(
            store,
            ReportMutation::Edit {
                key: key.clone(),
                edit: RecordEdit::Directives(new),
            },
        )
    };
    let w2 = write.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed_date = date.get_untracked();
        let date_value = if typed_date.trim().is_empty() {
            None
        } else {
            match validate::date(&typed_date) {
                Ok(d) => Some(d),
                Err(e) => {
                    error.set(Some(e.to_string()));
                    return;
                }
            }
        };
        let mut all = list.get_untracked();
        all.push(Directive {
            number: number.get_untracked(),
            date: date_value,
            summary: summary.get_untracked(),
        });
        match w2(all) {
            Ok(()) => {
                number.set(String::new());
                date.set(String::new());
                summary.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="directives" aria-label="Công tác chỉ đạo">
            <h4>"Công tác lãnh đạo, chỉ đạo"</h4>
            {move || {
                let items = list.get();
                if items.is_empty() {
                    return view! { <p class="hint">"Chưa có văn bản chỉ đạo nào."</p> }.into_any();
                }
                let write = write.clone();
                view! {
                    <ul>
                        {items.iter().enumerate().map(|(i, d)| {
                            let write = write.clone();
                            let text = format!(
                                "{}{} {}",
                                if d.number.is_empty() { String::new() } else { format!("Số {} ", d.number) },
                                d.date.map(|x| format!("ngày {}", format_date(x))).unwrap_or_default(),
                                d.summary
                            );
                            view! {
                                <li>
                                    <span>{text}</span>
                                    <Show when=move || editable.get()>
                                        <button class="link" on:click={
                                            let write = write.clone();
                                            move |_| {
                                                let mut all = list.get_untracked();
                                                if i < all.len() { all.remove(i); }
                                                error.set(write(all).err());
                                            }
                                        }>"Xoá"</button>
                                    </Show>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <Show when=move || editable.get()>
                <form class="add-directive" on:submit=add.clone()>
                    <input type="text" placeholder="Số, ký hiệu" aria-label="Số, ký hiệu văn bản"
                        prop:value=move || number.get() on:input=move |ev| number.set(event_target_value(&ev)) />
                    <input type="text" placeholder="dd/mm/yyyy" aria-label="Ngày ban hành"
                        prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) />
                    <input type="text" placeholder="Trích yếu" aria-label="Trích yếu văn bản"
                        prop:value=move || summary.get() on:input=move |ev| summary.set(event_target_value(&ev)) />
                    <button type="submit">"Thêm văn bản"</button>
                </form>
            </Show>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </section>
    }
}

/// "Đánh giá chung": the agency's general remarks.
#[component]
fn Remarks(round: RecordId, agency: AgencyCode, editable: Memo<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let ag = agency.clone();
    let value = Signal::derive(move || {
        store.state.with(|s| {
            book::report(s.records(), round, &ag)
                .map(|r| r.remarks.clone())
                .unwrap_or_default()
        })
    });
    let key = RecordKey::Report { round, agency };
    let save = Callback::new(move |t: String| {
        send(
            store,
            ReportMutation::Edit {
                key: key.clone(),
                edit: RecordEdit::Remarks(t),
            },
        )
    });
    view! {
        <section class="remarks">
            <TextArea label="Đánh giá chung, kiến nghị của đơn vị" value editable save />
        </section>
    }
}
