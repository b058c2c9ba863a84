//! "Báo cáo tổng hợp": the standing agency compiles the round's summary from the accepted
//! reports, edits it paragraph by paragraph (each compiled one says which agency it came from,
//! and when its source changed, offers the new text beside the edited one), fills in the header,
//! and a leader approves it. Downloads as Word files come from the server.

use leptos::prelude::*;
use shared::ids::RecordId;
use shared::registry::name_of as agency_name;
use shared::report::compile::{self, Block};
use shared::report::{Record, RecordEdit, RecordKey, ReportMutation, Summary};
use shared::text::format_date;

use super::send;
use crate::state::PlanStore;

#[component]
pub fn SummaryReport(round: RecordId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let actor = store.actor();
    let today = crate::device::today();
    let may = |op: ReportMutation| shared::report::access::may(&actor, &op);
    let standing = may(ReportMutation::Compile { round });
    let leader = may(ReportMutation::Reopen { round });
    let head = Memo::new(move |_| {
        store
            .state
            .with(|s| match s.record(&RecordKey::Summary { round }) {
                Some(Record::Summary(h)) => Some(h.clone()),
                _ => None,
            })
    });
    let blocks = Memo::new(move |_| {
        store
            .state
            .with(|s| compile::outline(s, s.records(), round))
    });
    // The reminder letter is offered while some required agency has not sent, or must resend.
    let someone_late = Memo::new(move |_| {
        store.state.with(|s| {
            shared::report::book::round(s.records(), round)
                .is_some_and(|r| !shared::report::book::to_remind(r, s.records(), today).is_empty())
        })
    });
    let approved = move || head.with(|h| h.as_ref().and_then(|h| h.approved.clone()));
    let editable = Memo::new(move |_| {
        standing && head.with(|h| h.as_ref().is_some_and(|h| h.approved.is_none()))
    });
    let error = RwSignal::new(None::<String>);
    let run = move |op: ReportMutation| error.set(send(store, op).err());
    let base = move || format!("/api/plans/{}/reports/{round}", store.plan_id());
    view! {
        <section class="summary-report" aria-label="Báo cáo tổng hợp">
            <h3>"Báo cáo tổng hợp"</h3>
            <div class="actions">
                {standing.then(|| view! {
                    <button class="primary" disabled=move || approved().is_some()
                        on:click=move |_| run(ReportMutation::Compile { round })>
                        {move || if head.with(Option::is_some) { "Tổng hợp thêm báo cáo mới tiếp nhận" } else { "Tổng hợp từ các báo cáo đã tiếp nhận" }}
                    </button>
                    <Show when=move || someone_late.get()>
                        <a class="button" href=move || format!("{}/reminder.docx", base()) download>"Tải công văn đôn đốc (.docx)"</a>
                    </Show>
                })}
                <Show when=move || head.with(Option::is_some)>
                    <a class="button" href=move || format!("{}/summary.docx", base()) download>"Tải báo cáo tổng hợp (.docx)"</a>
                </Show>
                {leader.then(|| view! {
                    <Show when=move || head.with(Option::is_some)>
                        {move || if approved().is_some() {
                            view! { <button on:click=move |_| run(ReportMutation::Reopen { round })>"Mở lại để sửa"</button> }.into_any()
                        } else {
                            view! { <button class="primary" on:click=move |_| run(ReportMutation::Approve { round, on: today, by: String::new() })>"Duyệt"</button> }.into_any()
                        }}
                    </Show>
                })}
            </div>
            {move || approved().map(|a| view! {
                <p class="notice approved" role="status">{format!("Đã duyệt ngày {} ({}); chỉ đọc cho đến khi mở lại.", format_date(a.on), a.by)}</p>
            })}
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || head.get().map(|h| view! { <SummaryHead round head=h editable /> })}
            <div class="summary-body">
                {move || blocks.get().into_iter().map(|b| match b {
                    Block::Heading { level, text } => if level == 1 {
                        view! { <h4 class="summary-h1">{text}</h4> }.into_any()
                    } else {
                        view! { <h5 class="summary-h2">{text}</h5> }.into_any()
                    },
                    Block::Paragraph { paragraph, agency, role } => {
                        let lead = agency.map(|a| {
                            let name = agency_name(&store.auth.agencies.get_untracked(), &a);
                            match role {
                                Some(shared::assignment::Role::Lead) => format!("{name} (chủ trì)"),
                                _ => name,
                            }
                        });
                        view! { <SummaryParagraph key=RecordKey::Paragraph { round, slot: paragraph.slot.clone() } lead editable /> }.into_any()
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

/// One paragraph: its text (saved on leaving it), where it came from, and whether its source
/// has changed since.
#[component]
fn SummaryParagraph(key: RecordKey, lead: Option<String>, editable: Memo<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let k = key.clone();
    let paragraph = Memo::new(move |_| {
        store.state.with(|s| match s.record(&k) {
            Some(Record::Paragraph(p)) => Some((p.clone(), compile::is_stale(s.records(), p))),
            _ => None,
        })
    });
    let error = RwSignal::new(None::<String>);
    let show_source = RwSignal::new(false);
    let k = key.clone();
    let save = move |text: String| {
        error.set(
            send(
                store,
                ReportMutation::Edit {
                    key: k.clone(),
                    edit: RecordEdit::Text(text),
                },
            )
            .err(),
        );
    };
    let k = key.clone();
    let refresh = Callback::new(move |()| {
        error.set(send(store, ReportMutation::Refresh { key: k.clone() }).err());
    });
    let sources = {
        let key = key.clone();
        move || {
            let RecordKey::Paragraph { round, slot } = &key else {
                return Vec::new();
            };
            compile::sources(*round, slot)
                .into_iter()
                .map(|(k, f)| {
                    let who = k
                        .agency()
                        .map(|a| agency_name(&store.auth.agencies.get_untracked(), a))
                        .unwrap_or_default();
                    format!("{who} — {}", f.label_vi())
                })
                .collect::<Vec<_>>()
        }
    };
    let compiled = !sources().is_empty();
    view! {
        <div class="summary-paragraph" class:stale=move || paragraph.with(|p| p.as_ref().is_some_and(|p| p.1))>
            {lead.map(|l| view! { <span class="summary-lead">{l}</span> })}
            <textarea
                rows="3"
                aria-label="Nội dung đoạn"
                readonly=move || !editable.get()
                prop:value=move || paragraph.with(|p| p.as_ref().map(|p| p.0.text.clone()).unwrap_or_default())
                on:change=move |ev| save(event_target_value(&ev))
            ></textarea>
            {compiled.then(|| view! {
                <button class="link" on:click=move |_| show_source.update(|v| *v = !*v)>"Nguồn"</button>
            })}
            <Show when=move || show_source.get()>
                <ul class="sources">{sources().into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
            </Show>
            {move || paragraph.get().filter(|p| p.1).map(|(p, _)| {
                let now = store.state.with_untracked(|s| compile::source_text(s.records(), p.round, &p.slot)).unwrap_or_default();
                view! {
                    <div class="stale-note" role="status">
                        <p>"Báo cáo của đơn vị đã thay đổi sau khi tổng hợp. Nội dung mới:"</p>
                        <blockquote>{now}</blockquote>
                        <Show when=move || editable.get()>
                            <button on:click=move |_| refresh.run(())>"Dùng nội dung mới"</button>
                        </Show>
                    </div>
                }
            })}
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </div>
    }
}

/// The header: số/ký hiệu, place and date, Kính gửi, the signer, Nơi nhận.
#[component]
fn SummaryHead(round: RecordId, head: Summary, editable: Memo<bool>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let error = RwSignal::new(None::<String>);
    let key = RecordKey::Summary { round };
    let save = move |edit: RecordEdit| {
        error.set(
            send(
                store,
                ReportMutation::Edit {
                    key: key.clone(),
                    edit,
                },
            )
            .err(),
        );
    };
    let s1 = save.clone();
    let s2 = save.clone();
    let s3 = save.clone();
    let s4 = save.clone();
    let s5 = save.clone();
    let s6 = save.clone();
    let lines = |t: String| -> Vec<String> { t.lines().map(str::to_owned).collect() };
    view! {
        <details class="summary-head">
            <summary>"Số, ngày, nơi gửi, người ký"</summary>
            <div class="round-form-row">
                <label class="field"><span>"Số, ký hiệu"</span>
                    <input type="text" readonly=move || !editable.get() prop:value=head.number.clone()
                        on:change=move |ev| s1(RecordEdit::Number(event_target_value(&ev))) /></label>
                <label class="field"><span>"Ngày ban hành"</span>
                    <input type="text" placeholder="dd/mm/yyyy" readonly=move || !editable.get()
                        prop:value=head.date.map(format_date).unwrap_or_default()
                        on:change=move |ev| {
                            let t = event_target_value(&ev);
                            if t.trim().is_empty() {
                                s2(RecordEdit::Date(None));
                            } else {
                                match shared::validate::date(&t) {
                                    Ok(d) => s2(RecordEdit::Date(Some(d))),
                                    Err(e) => error.set(Some(e.to_string())),
                                }
                            }
                        } /></label>
            </div>
            <label class="field"><span>"Kính gửi (mỗi nơi một dòng)"</span>
                <textarea rows="2" readonly=move || !editable.get() prop:value=head.recipients.join("\n")
                    on:change=move |ev| s3(RecordEdit::Recipients(lines(event_target_value(&ev))))></textarea></label>
            <div class="round-form-row">
                <label class="field"><span>"Quyền hạn, chức vụ người ký"</span>
                    <textarea rows="2" readonly=move || !editable.get() prop:value=head.signer_title.clone()
                        on:change=move |ev| s4(RecordEdit::SignerTitle(event_target_value(&ev)))></textarea></label>
                <label class="field"><span>"Người ký"</span>
                    <input type="text" readonly=move || !editable.get() prop:value=head.signer.clone()
                        on:change=move |ev| s5(RecordEdit::Signer(event_target_value(&ev))) /></label>
            </div>
            <label class="field"><span>"Nơi nhận (mỗi nơi một dòng)"</span>
                <textarea rows="3" readonly=move || !editable.get() prop:value=head.copies_to.join("\n")
                    on:change=move |ev| s6(RecordEdit::CopiesTo(lines(event_target_value(&ev))))></textarea></label>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        </details>
    }
}
