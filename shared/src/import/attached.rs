//! A decision that issues a plan ("Điều 1. Ban hành kèm theo Quyết định này Kế hoạch …"), with
//! the plan attached after the decision's signature under its own heading ("KẾ HOẠCH"): the
//! attached plan is the tree; the decision is its issuing document (number, date, issuer,
//! signer, recipients) and its articles go to the preamble.

use super::input::Line;
use super::{ParsedNode, ParsedPlan, closing, front, marker};
use crate::document::DocumentKind;
use crate::scan::{is_caps, kind_heading};

/// Where the attached plan starts (its own header, if any, then its kind heading), when `lines`
/// are a decision followed, after its closing, by another kind of document with an outline.
pub(crate) fn start(lines: &[Line<'_>]) -> Option<usize> {
    let outline_start = lines
        .iter()
        .position(|line| marker::parse(&line.text).is_some())?;
    let heading_kind = |text: &str| {
        is_caps(text)
            .then(|| kind_heading(text))
            .flatten()
            .map(|(kind, _)| kind)
    };
    let is_decision = lines[..outline_start]
        .iter()
        .any(|l| heading_kind(&l.text) == Some(DocumentKind::Decision));
    if !is_decision {
        return None;
    }
    let closing = outline_start + closing::start(&lines[outline_start..])?;
    let heading = (closing..lines.len()).find(|&i| {
        heading_kind(&lines[i].text).is_some_and(|kind| kind != DocumentKind::Decision)
    })?;
    if !lines[heading + 1..]
        .iter()
        .any(|l| marker::parse(&l.text).is_some())
    {
        return None;
    }
    // The attached document's own header above its heading: the issuer in capitals, rules,
    // the motto, "Số:" and the date.
    let mut begin = heading;
    while begin > closing + 1 && front::is_header_line(&lines[begin - 1].text) {
        begin -= 1;
    }
    while begin < heading && lines[begin].text.is_empty() {
        begin += 1;
    }
    Some(begin)
}

/// The attached `plan` with the `decision` that issues it as its issuing document.
pub(crate) fn merge(decision: ParsedPlan, mut plan: ParsedPlan) -> ParsedPlan {
    let d = decision.metadata;
    let m = &mut plan.metadata;
    m.number = d.number.or(m.number.take());
    m.issued_on = d.issued_on.or(m.issued_on);
    m.effective_on = d.effective_on.or(m.effective_on);
    m.issuer = d.issuer.or(m.issuer.take());
    m.signer = d.signer.or(m.signer.take());
    m.signer_title = d.signer_title.or(m.signer_title.take());
    m.place = d.place.or(m.place.take());
    if m.recipients.is_empty() {
        m.recipients = d.recipients;
    }
    if m.fields.is_empty() {
        m.fields = d.fields;
    }
    m.kind = m.kind.or(Some(DocumentKind::Plan));
    if m.title.is_none() {
        m.title = d.title;
    }

    let mut articles = Vec::new();
    paragraphs(&decision.nodes, &mut articles);
    let preamble: Vec<String> = decision
        .preamble
        .into_iter()
        .chain((!articles.is_empty()).then(|| articles.join("\n\n")))
        .chain(plan.preamble.take())
        .collect();
    plan.preamble = (!preamble.is_empty()).then(|| preamble.join("\n\n"));
    plan.references = super::each_once(decision.references.iter().chain(&plan.references));
    plan.warnings.extend(decision.warnings);
    plan.warnings.sort_by_key(|w| w.line);
    plan
}

/// The decision's articles as paragraphs: "Điều 1. …", "1. …", "a) …", "- …".
fn paragraphs(nodes: &[ParsedNode], out: &mut Vec<String>) {
    for node in nodes {
        let label = &node.label;
        let written = match node.kind {
            crate::document::NodeKind::Bullet | crate::document::NodeKind::SubBullet => {
                format!("{label} {}", node.title)
            }
            crate::document::NodeKind::Point => format!("{label}) {}", node.title),
            _ => format!("{label}. {}", node.title),
        };
        out.push(written);
        if let Some(body) = &node.body {
            out.push(body.clone());
        }
        paragraphs(&node.children, out);
    }
}
