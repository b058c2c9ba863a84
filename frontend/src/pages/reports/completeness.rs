//! "Tình hình báo cáo": for a round, every agency that must report as chưa gửi / đã gửi đúng
//! hạn / gửi muộn / bị trả lại / đã tiếp nhận, with the counts and percentages; a tap opens the
//! agency's report.

use leptos::prelude::*;
use shared::ids::{AgencyCode, RecordId};
use shared::registry::name_of as agency_name;
use shared::report::{Standing, book};
use shared::text::format_date;

use super::editor::ReportEditor;
use super::summary::SummaryReport;
use crate::state::PlanStore;

fn css(s: Standing) -> &'static str {
    match s {
        Standing::NotSent { overdue: false } => "not-sent",
        Standing::NotSent { overdue: true } => "overdue",
        Standing::Sent(shared::report::Timeliness::OnTime) => "on-time",
        Standing::Sent(shared::report::Timeliness::Late) => "late",
        Standing::Returned(_) => "returned",
        Standing::Accepted(_) => "accepted",
    }
}

#[component]
pub fn Completeness(round: RecordId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let today = crate::device::today();
    let open = RwSignal::new(None::<AgencyCode>);
    let lines = Memo::new(move |_| {
        store.state.with(|s| {
            let Some(shared::report::Record::Round(r)) =
                s.record(&shared::report::RecordKey::Round(round))
            else {
                return None;
            };
            Some(book::completeness(r, s.records(), today))
        })
    });
    let back = Callback::new(move |()| open.set(None));
    view! {
        {move || match open.get() {
            Some(agency) => view! { <ReportEditor round agency back /> }.into_any(),
            None => view! {
                <section class="completeness" aria-label="Tình hình báo cáo">
                    <h3>"Tình hình báo cáo"</h3>
                    {move || store.state.with(|s| match s.record(&shared::report::RecordKey::Round(round)) {
                        Some(shared::report::Record::Round(r)) => Some(format!(
                            "Số liệu từ {} đến {} · Hạn đơn vị gửi {} · Hạn báo cáo tổng hợp {}",
                            format_date(r.data.from), format_date(r.data.to), format_date(r.due), format_date(r.summary_due)
                        )),
                        _ => None,
                    }).map(|t| view! { <p class="report-due">{t}</p> })}
                    {move || lines.get().map(|(_, c)| view! {
                        <dl class="counts">
                            <div><dt>"Đã gửi"</dt><dd>{format!("{}/{} ({} %)", c.sent(), c.required, c.sent_percent())}</dd></div>
                            <div><dt>"Đúng hạn"</dt><dd>{format!("{} ({} %)", c.on_time, c.on_time_percent())}</dd></div>
                            <div><dt>"Gửi muộn"</dt><dd>{c.late}</dd></div>
                            <div><dt>"Bị trả lại"</dt><dd>{c.returned}</dd></div>
                            <div><dt>"Đã tiếp nhận"</dt><dd>{c.accepted}</dd></div>
                            <div><dt>"Chưa gửi"</dt><dd>{format!("{} (quá hạn {})", c.not_sent, c.overdue)}</dd></div>
                        </dl>
                    })}
                    <table class="completeness-table">
                        <thead>
                            <tr><th scope="col">"Đơn vị"</th><th scope="col">"Tình hình"</th><th scope="col">"Ngày gửi"</th></tr>
                        </thead>
                        <tbody>
                            {move || lines.get().map(|(lines, _)| lines.into_iter().map(|l| {
                                let code = l.agency.clone();
                                let name = agency_name(&store.auth.agencies.get_untracked(), &l.agency);
                                let sent = l.report.as_ref().and_then(|r| r.first_sent_on).map(format_date).unwrap_or_default();
                                view! {
                                    <tr data-agency=l.agency.to_string() class=css(l.standing)>
                                        <td>
                                            <button class="link" on:click=move |_| open.set(Some(code.clone()))>{name}</button>
                                            {(!l.required).then(|| view! { <span class="hint">" (không thuộc danh sách)"</span> })}
                                        </td>
                                        <td class="standing">{l.standing.label_vi()}</td>
                                        <td>{sent}</td>
                                    </tr>
                                }
                            }).collect_view())}
                        </tbody>
                    </table>
                </section>
                <SummaryReport round />
            }.into_any(),
        }}
    }
}
