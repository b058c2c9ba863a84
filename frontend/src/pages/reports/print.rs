//! "Bản in A4": the round's summary report laid out as the Word file the server makes (the same
//! `shared::report::official` document: header with quốc hiệu and tiêu ngữ, title, body,
//! signature block beside "Nơi nhận", appendices), on A4 pages, from the device's data (offline
//! too), ready for the browser's print dialog.

use leptos::prelude::*;
use shared::ids::RecordId;
use shared::report::official::{self, Appendix, Block, Official};

use crate::state::PlanStore;

#[component]
pub fn SummaryPrint(round: RecordId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let standing = official::issuing_agency(&store.actor());
    let today = crate::device::today();
    let doc = Memo::new(move |_| {
        let agencies = store.auth.agencies.get();
        let units = store.auth.units.get();
        store.plan.with(|plan| {
            store.state.with(|s| {
                shared::inspection::tables::summary_with_inspections(
                    plan, s, round, &agencies, &units, &standing, today,
                )
            })
        })
    });
    view! {
        <div class="print-view">
            <p class="print-hint">
                "Bản in theo thể thức Nghị định 30/2020 (khổ A4). "
                <button class="primary" on:click=move |_| crate::device::print()>"In"</button>
            </p>
            {move || match doc.get() {
                Some(d) => view! { <OfficialPage doc=d /> }.into_any(),
                None => view! { <p class="empty">"Không tìm thấy kỳ báo cáo."</p> }.into_any(),
            }}
        </div>
    }
}

fn blocks(list: Vec<Block>) -> impl IntoView {
    list.into_iter()
        .map(|b| match b {
            Block::Heading1(t) => view! { <h2 class="o-h1">{t}</h2> }.into_any(),
            Block::Heading2(t) => view! { <h3 class="o-h2">{t}</h3> }.into_any(),
            Block::Text { lead, text } => text
                .split('\n')
                .enumerate()
                .map(|(i, line)| {
                    let lead = (i == 0).then(|| lead.clone()).flatten();
                    view! { <p class="o-p">{lead.map(|l| view! { <b>{l}</b> })}{line.to_owned()}</p> }
                })
                .collect_view()
                .into_any(),
            Block::Table {
                header, rows, ..
            } => view! {
                <table class="o-table">
                    <thead><tr>{header.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {rows.into_iter().map(|r| view! {
                            <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
            // Only the Word files of inspections show photos; the print view names them.
            Block::Photo { caption, .. } => view! { <p class="o-p o-photo">{caption}</p> }.into_any(),
        })
        .collect_view()
}

/// One official document on A4 sheets.
#[component]
fn OfficialPage(doc: Official) -> impl IntoView {
    let Official {
        parent,
        agency,
        number,
        place_date,
        kind,
        subject,
        recipients,
        body,
        signer_title,
        signer,
        copies_to,
        appendices,
    } = doc;
    view! {
        <article class="a4" aria-label="Bản in">
            <table class="o-header" role="presentation">
                <tr>
                    <td>
                        <div>{parent.to_uppercase()}</div>
                        <div class="o-bold">{agency.to_uppercase()}</div>
                        <div class="o-rule"></div>
                        <div>{format!("Số: {}", if number.is_empty() { "      " } else { &number })}</div>
                    </td>
                    <td>
                        <div class="o-bold">"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</div>
                        <div class="o-bold o-motto">"Độc lập - Tự do - Hạnh phúc"</div>
                        <div class="o-rule"></div>
                        <div class="o-date">{place_date}</div>
                    </td>
                </tr>
            </table>
            <h1 class="o-kind">{kind.to_uppercase()}</h1>
            <p class="o-subject">{subject}</p>
            <div class="o-rule short"></div>
            {(!recipients.is_empty()).then(|| view! {
                <div class="o-recipients">
                    {recipients.into_iter().enumerate().map(|(i, r)| view! {
                        <p>{if i == 0 { format!("Kính gửi: {r}") } else { r }}</p>
                    }).collect_view()}
                </div>
            })}
            {blocks(body)}
            <table class="o-sign" role="presentation">
                <tr>
                    <td class="o-copies">
                        <p class="o-bold"><i>"Nơi nhận:"</i></p>
                        {copies_to.into_iter().map(|c| view! { <p>{c}</p> }).collect_view()}
                    </td>
                    <td class="o-signer">
                        {signer_title.into_iter().map(|t| view! { <p class="o-bold">{t}</p> }).collect_view()}
                        <div class="o-space"></div>
                        <p class="o-bold">{signer}</p>
                    </td>
                </tr>
            </table>
            {appendices.into_iter().enumerate().map(|(i, a)| view! {
                <section class="o-appendix">
                    <p class="o-kind">{Appendix::heading(i)}</p>
                    <h2 class="o-kind">{a.title.to_uppercase()}</h2>
                    <p class="o-attached"><i>{format!("({})", a.attached_to)}</i></p>
                    {blocks(a.body)}
                </section>
            }).collect_view()}
        </article>
    }
}
