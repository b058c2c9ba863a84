//! Conflicts of a plan's records (reports and inspections) as people settle them: what the
//! conflict is about and each version's value in words, and the mutations that keep one of the
//! two versions.

use crate::inspection::op::InspectionMutation;
use crate::mutation::Mutation;
use crate::report::ReportMutation;
use crate::report::record::{Record, RecordEdit, RecordKey, Records};
use crate::sync::RecordConflict;
use crate::text::{format_date, format_time};

/// What the conflict is about: "Phiếu kiểm tra (05/12/2026)", "Kết quả thực hiện".
pub fn subject_vi(conflict: &RecordConflict, records: &Records) -> String {
    let what = match (&conflict.key, records.get(&conflict.key)) {
        (RecordKey::Inspection(_), Some(Record::Inspection(r))) => {
            format!("Đợt kiểm tra «{}»", r.title)
        }
        (RecordKey::Visit(_), Some(Record::Visit(v))) => {
            format!("Phiếu kiểm tra ({})", format_date(v.at.date()))
        }
        (RecordKey::Finding { .. }, _) => "Kết quả kiểm tra".to_owned(),
        (RecordKey::Recommendation(_), _) => "Kiến nghị sau kiểm tra".to_owned(),
        (RecordKey::Photo { .. }, _) => "Ảnh kiểm tra".to_owned(),
        _ => return conflict.field.label_vi().to_owned(),
    };
    match &conflict.kept.value {
        RecordEdit::FollowUp { .. } => format!("{what} · tình hình thực hiện"),
        _ => what,
    }
}

/// A version's value in words.
pub fn value_vi(edit: &RecordEdit) -> String {
    use RecordEdit as E;
    match edit {
        E::Title(t)
        | E::Remarks(t)
        | E::Results(t)
        | E::Difficulties(t)
        | E::Proposals(t)
        | E::Name(t)
        | E::Unit(t)
        | E::Note(t)
        | E::Number(t)
        | E::Place(t)
        | E::SignerTitle(t)
        | E::Signer(t)
        | E::Text(t)
        | E::Issuer(t) => t.clone(),
        E::Progress(p) => p.map_or_else(|| "(chưa ghi)".to_owned(), |p| format!("{p} %")),
        E::Due(d) | E::SummaryDue(d) => format_date(*d),
        E::Date(d) => d.map_or_else(|| "(chưa ghi)".to_owned(), format_date),
        E::Recipients(l) | E::CopiesTo(l) => l.join("; "),
        E::Directives(l) => l
            .iter()
            .map(|d| format!("{} {}", d.number, d.summary).trim().to_owned())
            .collect::<Vec<_>>()
            .join("; "),
        E::FollowUp { state, note } if note.is_empty() => state.label_vi().to_owned(),
        E::FollowUp { state, note } => format!("{}: {note}", state.label_vi()),
        E::Content(record) => record_vi(record),
        other => format!("{other:?}"),
    }
}

/// An inspection record in a line.
fn record_vi(record: &Record) -> String {
    match record {
        Record::Inspection(r) => format!(
            "{} ({} – {}); trưởng đoàn {}",
            r.title,
            format_date(r.starts),
            format_date(r.ends),
            r.leader
        ),
        Record::Visit(v) => {
            let met = v.met.join("; ");
            format!(
                "{} {}; làm việc với: {}",
                format_time(v.at.time()),
                format_date(v.at.date()),
                if met.is_empty() { "(không ghi)" } else { &met }
            )
        }
        Record::Finding(f) => {
            let rating = f.rating.map_or("Chưa đánh giá", |r| r.label_vi());
            let reason = if f.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.reason)
            };
            format!("{}. Đánh giá: {rating}{reason}", f.findings)
        }
        Record::Recommendation(r) => {
            format!("{} · {} · hạn {}", r.text, r.agency, format_date(r.due))
        }
        Record::Photo(p) if p.caption.is_empty() => "(ảnh không có chú thích)".to_owned(),
        Record::Photo(p) => p.caption.clone(),
        other => format!("{other:?}"),
    }
}

/// The mutations that settle `conflict` on its replaced version (`keep_replaced`) or on the
/// version that stands: a report field is set to the chosen value; an inspection record chosen
/// from the replaced version is saved again as it was, then the conflict closed.
pub fn settle(conflict: &RecordConflict, keep_replaced: bool) -> Vec<Mutation> {
    let key = conflict.key.clone();
    let inspection = matches!(
        key,
        RecordKey::Inspection(_)
            | RecordKey::Visit(_)
            | RecordKey::Finding { .. }
            | RecordKey::Recommendation(_)
            | RecordKey::Photo { .. }
    );
    if !inspection {
        let chosen = if keep_replaced {
            &conflict.replaced
        } else {
            &conflict.kept
        };
        return vec![Mutation::Report {
            op: ReportMutation::ResolveConflict {
                conflict: conflict.id,
                key,
                edit: chosen.value.clone(),
            },
        }];
    }
    let mut out = Vec::new();
    if keep_replaced && let Some(op) = InspectionMutation::restoring(&key, &conflict.replaced.value)
    {
        out.push(Mutation::Inspection { op });
    }
    out.push(Mutation::Inspection {
        op: InspectionMutation::ResolveConflict {
            conflict: conflict.id,
            key,
        },
    });
    out
}
