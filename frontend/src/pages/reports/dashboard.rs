//! "Tổng quan": the plan's progress by agency and by status, overdue tasks, indicators against
//! their targets and a round's completeness, as SVG charts that scale to the tablet's width in
//! either orientation, each followed by the same figures as a table (what a screen reader reads
//! and what gets copied into a report); then the round beside the round before it.

use leptos::prelude::*;
use shared::ids::RecordId;
use shared::registry::name_of as agency_name;
use shared::report::dashboard::{self, Comparison, Dashboard};
use shared::report::indicator::{self, TargetState, amount};
use shared::report::{Completeness, book};

use crate::state::PlanStore;

/// Width of every chart's drawing, in SVG units (it scales to the page).
const WIDTH: f64 = 640.0;
/// Where bars start (the labels are left of it).
const LABEL_WIDTH: f64 = 230.0;
/// Height of one bar's row.
const ROW: f64 = 30.0;

/// `text` cut to `max` characters, with "…".
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Horizontal bars of percentages, one per (label, percent, overdue).
#[component]
fn Bars(title: &'static str, rows: Vec<(String, u8, bool)>) -> impl IntoView {
    let height = ROW * rows.len() as f64 + 10.0;
    let span = WIDTH - LABEL_WIDTH - 50.0;
    view! {
        <svg class="chart bars" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=title
            preserveAspectRatio="xMinYMin meet">
            {rows.into_iter().enumerate().map(|(i, (label, percent, overdue))| {
                let y = ROW * i as f64 + 5.0;
                let w = span * f64::from(percent) / 100.0;
                view! {
                    <g class:overdue=overdue>
                        <text x={LABEL_WIDTH - 8.0} y={y + 19.0} text-anchor="end" class="bar-label">{short(&label, 30)}</text>
                        <rect x=LABEL_WIDTH y={y + 4.0} width=span height={ROW - 10.0} class="bar-track" rx="3" />
                        <rect x=LABEL_WIDTH y={y + 4.0} width=w height={ROW - 10.0} class="bar" rx="3" />
                        <text x={LABEL_WIDTH + span + 6.0} y={y + 19.0} class="bar-value">{format!("{percent} %")}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// One bar split into parts (label, count, css class), with a legend.
#[component]
fn Stacked(title: &'static str, parts: Vec<(&'static str, usize, &'static str)>) -> impl IntoView {
    let total: usize = parts.iter().map(|p| p.1).sum::<usize>().max(1);
    let mut x = 0.0;
    let rects: Vec<_> = parts
        .iter()
        .filter(|p| p.1 > 0)
        .map(|(label, n, class)| {
            let w = WIDTH * *n as f64 / total as f64;
            let at = x;
            x += w;
            view! {
                <rect x=at y="0" width=w height="28" class=format!("part {class}")>
                    <title>{format!("{label}: {n}")}</title>
                </rect>
            }
        })
        .collect();
    view! {
        <figure class="stacked">
            <svg class="chart" viewBox=format!("0 0 {WIDTH} 28") role="img" aria-label=title preserveAspectRatio="none">
                {rects}
            </svg>
            <figcaption class="legend">
                {parts.into_iter().map(|(label, n, class)| view! {
                    <span class=format!("key {class}")><i></i>{format!("{label}: {n}")}</span>
                }).collect_view()}
            </figcaption>
        </figure>
    }
}

#[component]
pub fn DashboardView(round: Option<RecordId>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let today = crate::device::today();
    let board: Memo<Dashboard> =
        Memo::new(move |_| store.state.with(|s| dashboard::dashboard(s, today)));
    let agencies = move || store.auth.agencies.get();
    view! {
        <section class="dashboard" aria-label="Tổng quan">
            <h3>"Tổng quan thực hiện kế hoạch"</h3>
            {move || {
                let b = board.get();
                let overdue = b.overdue().count();
                view! {
                    <dl class="counts">
                        <div><dt>"Nhiệm vụ đã giao"</dt><dd>{b.tasks.len()}</dd></div>
                        <div><dt>"Tiến độ bình quân (theo cây kế hoạch)"</dt><dd>{format!("{} %", b.progress())}</dd></div>
                        <div><dt>"Quá hạn"</dt><dd class:warn={overdue > 0}>{overdue}</dd></div>
                        <div><dt>"Hoàn thành"</dt><dd>{b.tasks.iter().filter(|t| t.status.is_done()).count()}</dd></div>
                    </dl>
                    <h4>"Nhiệm vụ theo tình trạng"</h4>
                    <Stacked title="Nhiệm vụ theo tình trạng" parts=b.by_status.iter().map(|(s, n)| (s.label_vi(), *n, s.css())).collect() />
                }
            }}
            <h4>"Tiến độ theo phần của kế hoạch"</h4>
            {move || {
                let b = board.get();
                let rows: Vec<(String, u8, bool)> = b.sections.iter()
                    .map(|s| (s.heading.clone(), s.progress, s.overdue > 0))
                    .collect();
                view! {
                    <Bars title="Tiến độ bình quân theo phần của kế hoạch" rows />
                    <table class="section-progress">
                        <thead><tr>
                            <th scope="col">"Phần"</th><th scope="col">"Nhiệm vụ đã giao"</th>
                            <th scope="col">"Quá hạn"</th><th scope="col">"Tiến độ bình quân"</th>
                        </tr></thead>
                        <tbody>
                            {b.sections.into_iter().map(|s| view! {
                                <tr><td>{s.heading}</td><td>{s.tasks}</td><td>{s.overdue}</td><td>{format!("{} %", s.progress)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            }}
            <h4>"Tiến độ theo cơ quan, đơn vị"</h4>
            {move || {
                let b = board.get();
                let list = agencies();
                let rows: Vec<(String, u8, bool)> = b.agencies.iter()
                    .map(|a| (agency_name(&list, &a.agency), a.progress, a.overdue > 0))
                    .collect();
                view! {
                    <Bars title="Tiến độ bình quân theo cơ quan, đơn vị" rows />
                    <table class="agency-progress">
                        <thead><tr>
                            <th scope="col">"Cơ quan, đơn vị"</th><th scope="col">"Chủ trì"</th><th scope="col">"Phối hợp"</th>
                            <th scope="col">"Hoàn thành"</th><th scope="col">"Quá hạn"</th><th scope="col">"Tiến độ bình quân"</th>
                        </tr></thead>
                        <tbody>
                            {b.agencies.iter().map(|a| view! {
                                <tr data-agency=a.agency.to_string() class:overdue={a.overdue > 0}>
                                    <td>{agency_name(&list, &a.agency)}</td>
                                    <td>{a.lead}</td><td>{a.coordinating}</td><td>{a.done}</td><td>{a.overdue}</td>
                                    <td>{format!("{} %", a.progress)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            }}
            <h4>"Nhiệm vụ quá hạn"</h4>
            {move || {
                let b = board.get();
                let list = agencies();
                let overdue: Vec<_> = b.overdue().cloned().collect();
                if overdue.is_empty() {
                    return view! { <p class="hint">"Không có nhiệm vụ quá hạn."</p> }.into_any();
                }
                view! {
                    <table class="overdue-tasks">
                        <thead><tr><th scope="col">"Nhiệm vụ"</th><th scope="col">"Chủ trì"</th><th scope="col">"Tiến độ"</th></tr></thead>
                        <tbody>
                            {overdue.into_iter().map(|t| view! {
                                <tr>
                                    <td>{t.heading}</td>
                                    <td>{t.lead.map(|a| agency_name(&list, &a)).unwrap_or_else(|| "—".into())}</td>
                                    <td>{format!("{} %", t.progress)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <IndicatorTargets />
            {round.map(|round| view! { <RoundFigures round /> })}
        </section>
    }
}

/// Every indicator's latest accepted values against its target.
#[component]
fn IndicatorTargets() -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let rows = Memo::new(move |_| {
        store.state.with(|s| {
            indicator::indicators(s.records())
                .into_iter()
                .flat_map(|i| {
                    indicator::latest_values(s.records(), i.id, None)
                        .into_iter()
                        .map(|v| (i.clone(), v))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <h4>"Chỉ tiêu so với mục tiêu"</h4>
        {move || {
            let rows = rows.get();
            if rows.is_empty() {
                return view! { <p class="hint">"Chưa có giá trị chỉ tiêu nào được tiếp nhận."</p> }.into_any();
            }
            let units = store.auth.units.get();
            let bars: Vec<(String, u8, bool)> = rows.iter().filter_map(|(i, v)| {
                let share = i.share_of_target(v.value)?;
                let place = indicator::unit_name(&units, v.unit.as_deref());
                Some((format!("{} – {place}", i.name), share, i.against_target(v.value) == TargetState::NotYet))
            }).collect();
            view! {
                {(!bars.is_empty()).then(|| view! {
                    <p class="hint">"Mức đạt so với mục tiêu (từ giá trị cơ sở đến mục tiêu):"</p>
                    <Bars title="Mức đạt chỉ tiêu so với mục tiêu" rows=bars />
                })}
                <table class="indicator-targets">
                    <thead><tr>
                        <th scope="col">"Chỉ tiêu"</th><th scope="col">"Địa bàn"</th><th scope="col">"Cơ sở"</th>
                        <th scope="col">"Giá trị mới nhất"</th><th scope="col">"Mục tiêu"</th><th scope="col">"Đánh giá"</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(i, v)| {
                            let state = i.against_target(v.value);
                            view! {
                                <tr data-reached=format!("{state:?}").to_lowercase()>
                                    <td>{i.name.clone()}</td>
                                    <td>{indicator::unit_name(&units, v.unit.as_deref())}</td>
                                    <td>{amount(i.baseline, &i.unit)}</td>
                                    <td>{amount(Some(v.value), &i.unit)}</td>
                                    <td>{amount(i.target, &i.unit)}</td>
                                    <td>{state.label_vi()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

/// The round's completeness and its comparison with the round before.
#[component]
fn RoundFigures(round: RecordId) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let today = crate::device::today();
    let figures = Memo::new(move |_| {
        store.state.with(|s| {
            let r = book::round(s.records(), round)?;
            let (_, counts) = book::completeness(r, s.records(), today);
            let previous = dashboard::previous_round(s.records(), r).map(|p| p.title.clone());
            Some((
                r.title.clone(),
                counts,
                dashboard::comparison(s, r),
                previous,
            ))
        })
    });
    move || {
        figures.get().map(|(title, c, comparison, previous)| {
            view! {
                <h4>{format!("Tình hình báo cáo: {title}")}</h4>
                <CompletenessBar c />
                <Compared title comparison previous />
            }
        })
    }
}

#[component]
fn CompletenessBar(c: Completeness) -> impl IntoView {
    let parts = vec![
        ("Đã tiếp nhận", c.accepted, "accepted"),
        ("Đã gửi, chờ xem xét", c.waiting(), "on-time"),
        ("Bị trả lại", c.returned, "returned"),
        ("Chưa gửi, chưa đến hạn", c.not_yet_due(), "not-sent"),
        ("Chưa gửi, quá hạn", c.overdue, "overdue"),
    ];
    view! {
        <p class="hint">{format!("Đã gửi {}/{} ({} %), đúng hạn {} ({} %)", c.sent(), c.required, c.sent_percent(), c.on_time, c.on_time_percent())}</p>
        <Stacked title="Tình hình báo cáo của các đơn vị" parts />
    }
}

/// Each task's progress and each indicator's values in the round and the round before.
#[component]
fn Compared(title: String, comparison: Comparison, previous: Option<String>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let Some(previous) = previous else {
        return view! {
            <h4>"So sánh với kỳ trước"</h4>
            <p class="hint">"Đây là kỳ báo cáo đầu tiên: chưa có kỳ trước để so sánh."</p>
        }
        .into_any();
    };
    let pct = |p: Option<u8>| p.map_or_else(|| "—".to_owned(), |p| format!("{p} %"));
    let change = |then: Option<u8>, now: Option<u8>| match (then, now) {
        (Some(a), Some(b)) if b >= a => format!("+{}", b - a),
        (Some(a), Some(b)) => format!("−{}", a - b),
        _ => String::new(),
    };
    let names: Vec<(RecordId, String, String)> = store.state.with_untracked(|s| {
        indicator::indicators(s.records())
            .into_iter()
            .map(|i| (i.id, i.name.clone(), i.unit.clone()))
            .collect()
    });
    let units = store.auth.units.get_untracked();
    let reported: Vec<_> = comparison
        .tasks
        .into_iter()
        .filter(|t| t.then.is_some() || t.now.is_some())
        .collect();
    view! {
        <h4>{format!("So sánh với kỳ trước ({previous})")}</h4>
        <table class="comparison">
            <thead><tr>
                <th scope="col">"Nhiệm vụ"</th><th scope="col">{previous.clone()}</th><th scope="col">{title.clone()}</th><th scope="col">"Thay đổi"</th>
            </tr></thead>
            <tbody>
                {if reported.is_empty() {
                    view! { <tr><td colspan="4" class="hint">"Chưa có tiến độ nào được báo cáo ở hai kỳ."</td></tr> }.into_any()
                } else {
                    reported.into_iter().map(|t| view! {
                        <tr data-task=t.node.to_string()>
                            <td>{t.heading}</td><td>{pct(t.then)}</td><td>{pct(t.now)}</td><td>{change(t.then, t.now)}</td>
                        </tr>
                    }).collect_view().into_any()
                }}
            </tbody>
        </table>
        {(!comparison.values.is_empty()).then(|| view! {
            <table class="comparison values">
                <thead><tr>
                    <th scope="col">"Chỉ tiêu"</th><th scope="col">"Địa bàn"</th><th scope="col">{previous}</th><th scope="col">{title}</th>
                </tr></thead>
                <tbody>
                    {comparison.values.into_iter().map(|v| {
                        let (name, unit) = names.iter().find(|n| n.0 == v.indicator)
                            .map(|n| (n.1.clone(), n.2.clone())).unwrap_or_default();
                        view! {
                            <tr>
                                <td>{name}</td>
                                <td>{indicator::unit_name(&units, v.unit.as_deref())}</td>
                                <td>{amount(v.then, &unit)}</td>
                                <td>{amount(v.now, &unit)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
    .into_any()
}
