//! Suggested assignments: the agencies a plan names in its organising section ("Tổ chức thực
//! hiện", "Điều 2", …), or anywhere with an explicit "chủ trì" / "phối hợp", matched to the
//! agency registry with the role the text gives them and the duty it gives them.
//!
//! Names are found by [`AgencyMatcher`] (`agency_names.rs`).

use crate::ids::AgencyCode;
use serde::{Deserialize, Serialize};

use super::agency_names::{AgencyMatcher, Found, Word, phrase_at, words};
use super::{ParsedNode, ParsedPlan};
use crate::assignment::Role;
use crate::scan::cut_chars;
use crate::text::fold;

/// An agency the document names for a task, for the user to accept or reject in the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedAssignment {
    /// The code of the agency in our registry.
    pub agency_code: AgencyCode,
    /// The name as the document writes it: "Sở KH&ĐT".
    pub agency_text: String,
    pub role: Role,
    /// The label of the node that names it ("2", "Điều 2").
    pub node_label: String,
    /// The node's first line in the input: with the label, identifies the node.
    pub node_line: usize,
    /// What the text asks of it: the sentence that names it, without the names that open it.
    pub duty: String,
}

/// A name the document gives an agency for a task, that the registry does not have: the
/// review offers to map it to one it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedAgency {
    /// The name as written: "Trung tâm Y tế huyện Bình Gia".
    pub text: String,
    pub role: Role,
    pub node_label: String,
    pub node_line: usize,
}

/// How an organisation's name starts: what a heading or a table cell that names an agency
/// looks like.
const ORGANISATION_STARTS: &[&str] = &[
    "so ",
    "ban ",
    "trung tam ",
    "hoi ",
    "dai ",
    "bao ",
    "cong an ",
    "bo chi huy ",
    "uy ban ",
    "ubnd ",
    "van phong ",
    "kho bac ",
    "ngan hang ",
    "cuc ",
    "chi cuc ",
    "lien doan ",
    "tinh doan",
    "truong ",
    "benh vien ",
    "vien ",
    "quy ",
    "thanh tra ",
    "cong ty ",
];

/// Whether `name` reads as one organisation the registry might hold, not a group ("Các sở,
/// ngành liên quan") nor a sentence.
fn looks_like_organisation(name: &str) -> bool {
    let folded = fold(name);
    let folded = folded.trim();
    folded.split(' ').count() <= 12
        && !folded.starts_with("cac ")
        && !folded.contains("lien quan")
        && ORGANISATION_STARTS.iter().any(|s| folded.starts_with(s))
}

/// The names of agencies the plan gives tasks to that `matcher` does not know: headings of the
/// organising section that name an organisation, and the agency cells of a table of tasks
/// ("Cơ quan chủ trì: …", "Cơ quan phối hợp: …"), in document order.
pub fn unmatched_agencies(plan: &ParsedPlan, matcher: &AgencyMatcher) -> Vec<UnmatchedAgency> {
    /// The parts of `text` (split at commas and semicolons) outside the names `matcher` knows.
    fn unknown_parts(matcher: &AgencyMatcher, text: &str) -> Vec<String> {
        let words = words(text);
        let mut rest = text.to_owned();
        for f in matcher.find(&words).iter().rev() {
            rest.replace_range(words[f.first].start..words[f.last].end, ",");
        }
        rest.split([',', ';'])
            .map(|p| p.trim().trim_end_matches(['.', ':']).trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    }
    fn visit(
        nodes: &[ParsedNode],
        organising: bool,
        matcher: &AgencyMatcher,
        out: &mut Vec<UnmatchedAgency>,
    ) {
        for node in nodes {
            let organising = organising || is_organising(node);
            let mut push = |text: &str, role: Role| {
                for part in unknown_parts(matcher, text) {
                    if looks_like_organisation(&part)
                        && !out
                            .iter()
                            .any(|u| u.node_line == node.line && u.text == part)
                    {
                        out.push(UnmatchedAgency {
                            text: part,
                            role,
                            node_label: node.label.clone(),
                            node_line: node.line,
                        });
                    }
                }
            };
            if organising && !node.children.is_empty() && node.title.chars().count() <= 120 {
                push(&node.title, Role::Lead);
            }
            for line in node.body.as_deref().unwrap_or("").lines() {
                let (cell, role) = if let Some(rest) = line.strip_prefix("Cơ quan chủ trì:") {
                    (rest, Role::Lead)
                } else if let Some(rest) = line.strip_prefix("Cơ quan phối hợp:") {
                    (rest, Role::Coordinating)
                } else {
                    continue;
                };
                push(cell, role);
            }
            visit(&node.children, organising, matcher, out);
        }
    }
    let mut out = Vec::new();
    visit(&plan.nodes, false, matcher, &mut out);
    out
}

/// Words that may stand between the names of a list ("Sở Tài chính, Sở Y tế và các …").
const LIST_FILLERS: &[&str] = &["va", "cac", "voi", "cung"];

/// Words that may open a sentence before the agency it gives a duty to.
const SUBJECT_OPENERS: &[&str] = &["giao", "de nghi", "yeu cau", "cac", "giao cho"];

/// Whether the node is (or is under) the section on organising the work.
fn is_organising(node: &ParsedNode) -> bool {
    let title = fold(cut_chars(&node.title, 80).0);
    let title = title.trim_start_matches(|c: char| !c.is_alphanumeric());
    [
        "to chuc thuc hien",
        "trach nhiem thuc hien",
        "trach nhiem cua cac",
        "phan cong nhiem vu",
        "phan cong thuc hien",
        "phan cong trach nhiem",
        "giai phap to chuc thuc hien",
    ]
    .iter()
    .any(|start| title.starts_with(start))
        || (node.kind == crate::document::NodeKind::Article && node.label != "Điều 1")
}

/// The agencies `plan` names for its tasks, matched with `matcher`, in document order.
pub fn suggest_assignments(plan: &ParsedPlan, matcher: &AgencyMatcher) -> Vec<SuggestedAssignment> {
    fn visit(
        nodes: &[ParsedNode],
        organising: bool,
        matcher: &AgencyMatcher,
        out: &mut Vec<SuggestedAssignment>,
    ) {
        for node in nodes {
            let organising = organising || is_organising(node);
            match heading_agencies(node, organising, matcher) {
                // "2. Sở Tài chính" over its duties: the agency is responsible for each.
                Some(heads) if !node.children.is_empty() => {
                    for duty in &node.children {
                        let first_new = out.len();
                        suggest_for_node(duty, organising, matcher, out);
                        let text = format!("{} {}", duty.title, duty.body.as_deref().unwrap_or(""));
                        let role = heading_role(&text, &out[first_new..]);
                        promote_partner(role, &mut out[first_new..]);
                        for (k, (code, text)) in heads.iter().enumerate() {
                            let suggestion = SuggestedAssignment {
                                agency_code: code.clone().into(),
                                agency_text: text.clone(),
                                role: heads_role(role, k),
                                node_label: duty.label.clone(),
                                node_line: duty.line,
                                duty: cut_chars(&duty.title, 500).0.to_owned(),
                            };
                            merge_heading(out, first_new, suggestion);
                        }
                        visit(&duty.children, organising, matcher, out);
                    }
                }
                Some(heads) => {
                    // A heading with its duty as body paragraphs.
                    let mut own = Vec::new();
                    suggest_for_node(node, organising, matcher, &mut own);
                    own.retain(|s| heads.iter().all(|(code, _)| s.agency_code.as_str() != code));
                    let duty = node.body.as_deref().unwrap_or(&node.title);
                    let duty = duty.split("\n\n").next().unwrap_or(duty);
                    let role = heading_role(duty, &own);
                    promote_partner(role, &mut own);
                    for (k, (code, text)) in heads.into_iter().enumerate() {
                        out.push(SuggestedAssignment {
                            agency_code: code.into(),
                            agency_text: text,
                            role: heads_role(role, k),
                            node_label: node.label.clone(),
                            node_line: node.line,
                            duty: cut_chars(duty, 500).0.to_owned(),
                        });
                    }
                    out.extend(own);
                }
                None => {
                    suggest_for_node(node, organising, matcher, out);
                    visit(&node.children, organising, matcher, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    visit(&plan.nodes, false, matcher, &mut out);
    out
}

/// The agencies a heading names and nothing else ("2. Sở Tài chính", "Công an tỉnh, Bộ CHQS
/// tỉnh:"), in the organising section: their codes and names as written.
fn heading_agencies(
    node: &ParsedNode,
    organising: bool,
    matcher: &AgencyMatcher,
) -> Option<Vec<(String, String)>> {
    if !organising || node.title.chars().count() > 120 {
        return None;
    }
    let title = node.title.trim_end_matches([':', '.', ';', ' ']);
    let words = words(title);
    let found = matcher.find(&words);
    let first = found.first()?;
    if first.first != 0 || found.last()?.last + 1 != words.len() {
        return None;
    }
    for pair in found.windows(2) {
        if !(pair[0].last + 1 == pair[1].first
            || between_are(&words, pair[0].last, pair[1].first, LIST_FILLERS))
        {
            return None;
        }
    }
    Some(
        found
            .iter()
            .map(|f| {
                (
                    f.code.clone(),
                    title[words[f.first].start..words[f.last].end].to_owned(),
                )
            })
            .collect(),
    )
}

/// The role of the agency a heading names in one duty under it: lead where the duty says "chủ
/// trì" or names no other lead; coordinating where it only "phối hợp", or another agency named
/// in it leads.
fn heading_role(duty: &str, named: &[SuggestedAssignment]) -> Role {
    let text = fold(duty);
    let text = text.trim_start_matches(|c: char| !c.is_alphanumeric());
    if text.contains("chu tri") {
        Role::Lead
    } else if text.starts_with("phoi hop")
        || text.starts_with("tham gia")
        || named.iter().any(|s| s.role == Role::Lead)
    {
        Role::Coordinating
    } else {
        Role::Lead
    }
}

/// "Sở Tài chính: Phối hợp với Ban Dân tộc tỉnh hướng dẫn …": when the heading's agency only
/// coordinates and no one leads, the agency it works with (the first other one named) leads.
fn promote_partner(heading_role: Role, named: &mut [SuggestedAssignment]) {
    if heading_role == Role::Coordinating
        && !named.iter().any(|s| s.role == Role::Lead)
        && let Some(partner) = named.first_mut()
    {
        partner.role = Role::Lead;
    }
}

/// The role of the `k`-th agency a heading names: the first takes the duty's role; when it
/// leads, the others named with it coordinate.
fn heads_role(role: Role, k: usize) -> Role {
    if k == 0 { role } else { Role::Coordinating }
}

/// Adds the heading agency's suggestion for a duty first among the duty's own: it replaces a
/// suggestion the duty's text made for the same agency.
fn merge_heading(
    out: &mut Vec<SuggestedAssignment>,
    first_new: usize,
    suggestion: SuggestedAssignment,
) {
    out.retain(|s| {
        !(s.node_line == suggestion.node_line && s.agency_code == suggestion.agency_code)
    });
    let at = first_new.min(out.len());
    out.insert(at, suggestion);
}

/// The suggestions for one node's own text (title and body).
fn suggest_for_node(
    node: &ParsedNode,
    organising: bool,
    matcher: &AgencyMatcher,
    out: &mut Vec<SuggestedAssignment>,
) {
    let first_new = out.len();
    let texts = std::iter::once(node.title.as_str()).chain(node.body.as_deref());
    for text in texts {
        for sentence in sentences(text) {
            let words = words(sentence);
            let found = matcher.find(&words);
            if found.is_empty() {
                continue;
            }
            let roles = roles(&words, &found, organising);
            // The duty: the sentence without the names that open it ("Sở Y tế:").
            let duty_start = match (found.first(), roles.first()) {
                (Some(first), Some(Some(_))) if first.first == 0 => {
                    let mut last = first.last;
                    for f in found.iter().skip(1) {
                        if between_are(&words, last, f.first, LIST_FILLERS) {
                            last = f.last;
                        }
                    }
                    words[last].end
                }
                _ => 0,
            };
            let duty = sentence[duty_start..]
                .trim_start_matches([':', ',', ' ', '-', '–'])
                .trim();
            // "Cơ quan chủ trì: …" (a row of a table of tasks) says who, not what.
            let is_label_line = [
                "co quan chu tri",
                "co quan phoi hop",
                "don vi chu tri",
                "don vi phoi hop",
            ]
            .iter()
            .any(|label| phrase_at(&words, 0, label));
            // A heading that only names the agency ("5.1. Sở Y tế"): its first paragraph.
            let first_paragraph = node
                .body
                .as_deref()
                .and_then(|b| b.split("\n\n").next())
                .unwrap_or(&node.title);
            let duty = if is_label_line {
                node.title.as_str()
            } else if duty.chars().count() < 3 {
                first_paragraph
            } else {
                duty
            };
            let duty = cut_chars(duty, 500).0.to_owned();
            for (f, role) in found.iter().zip(roles) {
                let Some(role) = role else { continue };
                let suggestion = SuggestedAssignment {
                    agency_code: f.code.clone().into(),
                    agency_text: sentence[words[f.first].start..words[f.last].end].to_owned(),
                    role,
                    node_label: node.label.clone(),
                    node_line: node.line,
                    duty: duty.clone(),
                };
                merge(out, first_new, suggestion);
            }
        }
    }
}

/// Adds a suggestion unless the node already has one for the agency; a lead replaces a
/// coordinating one for the same agency.
fn merge(out: &mut Vec<SuggestedAssignment>, first_new: usize, suggestion: SuggestedAssignment) {
    match out[first_new..]
        .iter_mut()
        .find(|s| s.agency_code == suggestion.agency_code)
    {
        Some(existing) => {
            if suggestion.role == Role::Lead && existing.role != Role::Lead {
                existing.role = Role::Lead;
            }
        }
        None => out.push(suggestion),
    }
}

/// The sentences of `text`: split at full stops followed by a space, semicolons and line ends.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let end = (0..bytes.len())
            .find(|&i| {
                matches!(bytes[i], b';' | b'\n')
                    || (bytes[i] == b'.' && bytes.get(i + 1).is_none_or(|b| *b == b' '))
            })
            .unwrap_or(bytes.len());
        let keep_stop = usize::from(bytes.get(end) == Some(&b'.'));
        let sentence = &rest[..end + keep_stop];
        rest = rest.get(end + 1..).unwrap_or("");
        Some(sentence)
    })
}

/// Whether the words strictly between `a` and `b` are all in `allowed`.
fn between_are(words: &[Word], a: usize, b: usize, allowed: &[&str]) -> bool {
    words
        .get(a + 1..b)
        .is_some_and(|between| between.iter().all(|w| allowed.contains(&w.folded.as_str())))
}

/// The role each found agency has in the sentence, if the sentence gives it one:
/// - after "phối hợp (với)", and in the list that follows: coordinating;
/// - followed by "chủ trì", or after "Cơ quan chủ trì": lead;
/// - opening the sentence (after "Giao", "Đề nghị" …) in the organising section: lead, and the
///   others of the list that opens it coordinating.
fn roles(words: &[Word], found: &[Found], organising: bool) -> Vec<Option<Role>> {
    let mut roles = Vec::with_capacity(found.len());
    // The names that open the sentence as its subject, by index.
    let mut subjects: Vec<usize> = Vec::new();
    // The end of the previous found name, if it was in a coordinating list.
    let mut coordinating_list_end: Option<usize> = None;
    let mut subject_list_end: Option<usize> = None;
    for (k, f) in found.iter().enumerate() {
        let start = found.get(k.wrapping_sub(1)).map_or(0, |p| p.last + 1);
        // "phối hợp (với)" between the previous name and this one.
        let after_phoi_hop = (start..f.first)
            .rev()
            .find(|&i| phrase_at(words, i, "phoi hop"));
        let coordinating = match after_phoi_hop {
            Some(at) => between_are(words, at + 1, f.first, LIST_FILLERS),
            None => coordinating_list_end
                .is_some_and(|end| between_are(words, end, f.first, LIST_FILLERS)),
        };
        let chu_tri_after =
            (f.last + 1..(f.last + 4).min(words.len())).any(|i| phrase_at(words, i, "chu tri"));
        let labelled_lead = f.first >= 4
            && (phrase_at(words, f.first - 4, "co quan chu tri")
                || phrase_at(words, f.first - 4, "don vi chu tri"));
        let opens = f.first == 0
            || SUBJECT_OPENERS.iter().any(|opener| {
                let n = opener.split(' ').count();
                f.first == n && phrase_at(words, 0, opener)
            });
        let in_subject_list =
            subject_list_end.is_some_and(|end| between_are(words, end, f.first, LIST_FILLERS));
        let role = if coordinating {
            coordinating_list_end = Some(f.last);
            Some(Role::Coordinating)
        } else if labelled_lead {
            // "Cơ quan chủ trì: A, B": A leads, the others of the list coordinate.
            coordinating_list_end = Some(f.last);
            Some(Role::Lead)
        } else if chu_tri_after {
            coordinating_list_end = None;
            Some(Role::Lead)
        } else if organising && opens {
            subject_list_end = Some(f.last);
            subjects.push(k);
            Some(Role::Lead)
        } else if organising && in_subject_list {
            subject_list_end = Some(f.last);
            subjects.push(k);
            Some(Role::Coordinating)
        } else {
            coordinating_list_end = None;
            None
        };
        roles.push(role);
    }
    // "Đề nghị A, B phối hợp …": the subjects coordinate; none of them leads.
    if let Some(&last) = subjects.last()
        && phrase_at(words, found[last].last + 1, "phoi hop")
    {
        for k in subjects {
            roles[k] = Some(Role::Coordinating);
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{Agency, AgencyGroup};

    fn agency(code: &str, name: &str) -> Agency {
        Agency {
            code: code.into(),
            name: name.to_owned(),
            group: AgencyGroup::Department,
            role_note: None,
            successor: None,
            successor_note: None,
            valid_from: None,
            valid_to: None,
        }
    }

    fn registry() -> Vec<Agency> {
        [
            ("BDT", "Ban Dân tộc tỉnh"),
            ("SKHDT", "Sở Kế hoạch và Đầu tư"),
            ("STC", "Sở Tài chính"),
            ("SYT", "Sở Y tế"),
            ("STTTT", "Sở Thông tin và Truyền thông"),
            ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"),
            ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn"),
            ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
            ("SNV", "Sở Nội vụ"),
            ("SNGV", "Sở Ngoại vụ"),
            ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh"),
            ("CAT", "Công an tỉnh"),
            ("UBNDH", "UBND các huyện, thành phố"),
        ]
        .into_iter()
        .map(|(c, n)| agency(c, n))
        .collect()
    }

    fn found(text: &str) -> Vec<(String, String)> {
        let registry = registry();
        let matcher = AgencyMatcher::new(&registry.iter().collect::<Vec<_>>());
        let words = words(text);
        matcher
            .find(&words)
            .into_iter()
            .map(|f| {
                (
                    f.code,
                    text[words[f.first].start..words[f.last].end].to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn names_abbreviations_and_variants() {
        let codes = |text| found(text).into_iter().map(|(c, _)| c).collect::<Vec<_>>();
        assert_eq!(
            codes("Sở KH&ĐT, Sở LĐ-TB&XH và Sở TT&TT"),
            ["SKHDT", "SLDTBXH", "STTTT"]
        );
        assert_eq!(codes("Sở Nông nghiệp & PTNT"), ["SNNPTNT"]);
        assert_eq!(codes("Sở NN&PTNT"), ["SNNPTNT"]);
        assert_eq!(codes("Sở Văn hoá, Thể thao và Du lịch"), ["SVHTTDL"]);
        assert_eq!(codes("Sở VHTT&DL"), ["SVHTTDL"]);
        assert_eq!(codes("UBND các huyện, thành phố"), ["UBNDH"]);
        assert_eq!(
            found("UBND huyện Cao Lộc, Ủy ban nhân dân thành phố Lạng Sơn và UBND tỉnh"),
            [
                ("UBNDH".to_owned(), "UBND huyện Cao Lộc".to_owned()),
                (
                    "UBNDH".to_owned(),
                    "Ủy ban nhân dân thành phố Lạng Sơn".to_owned()
                )
            ]
        );
        assert_eq!(codes("UBND huyện chỉ đạo"), Vec::<String>::new());
        assert_eq!(codes("Bộ CHQS tỉnh, Công an tỉnh"), ["BCHQS", "CAT"]);
        assert_eq!(
            codes("báo cáo Ủy ban Dân tộc và UBND tỉnh"),
            Vec::<String>::new()
        );
        assert_eq!(codes("Ban Dân tộc tỉnh chủ trì"), ["BDT"]);
        assert_eq!(codes("Sở Nội vụ, Sở Ngoại vụ"), ["SNV", "SNGV"]);
        assert_eq!(found("Sở KH&ĐT tham mưu")[0].1, "Sở KH&ĐT");
    }

    fn suggest(label: &str, title: &str, organising: bool) -> Vec<(String, Role, String)> {
        let registry = registry();
        let matcher = AgencyMatcher::new(&registry.iter().collect::<Vec<_>>());
        let node = ParsedNode::new(
            label.to_owned(),
            crate::document::NodeKind::Item,
            title.to_owned(),
            1,
        );
        let mut out = Vec::new();
        suggest_for_node(&node, organising, &matcher, &mut out);
        out.into_iter()
            .map(|s| (s.agency_code.to_string(), s.role, s.duty))
            .collect()
    }

    #[test]
    fn roles_and_duties() {
        let s = suggest(
            "1",
            "Ban Dân tộc tỉnh: Chủ trì, phối hợp với Sở Tài chính, Sở Thông tin và Truyền thông \
             hướng dẫn, theo dõi, báo cáo UBND tỉnh và Ủy ban Dân tộc.",
            true,
        );
        let codes: Vec<_> = s.iter().map(|(c, r, _)| (c.as_str(), *r)).collect();
        assert_eq!(
            codes,
            [
                ("BDT", Role::Lead),
                ("STC", Role::Coordinating),
                ("STTTT", Role::Coordinating)
            ]
        );
        assert!(
            s[0].2.starts_with("Chủ trì, phối hợp với Sở Tài chính"),
            "{}",
            s[0].2
        );

        let s = suggest(
            "a",
            "Giao Sở Y tế chủ trì, phối hợp với Sở Tài chính và UBND các huyện, thành phố thực \
             hiện khám sàng lọc.",
            false,
        );
        let codes: Vec<_> = s.iter().map(|(c, r, _)| (c.as_str(), *r)).collect();
        assert_eq!(
            codes,
            [
                ("SYT", Role::Lead),
                ("STC", Role::Coordinating),
                ("UBNDH", Role::Coordinating)
            ]
        );

        // Outside the organising section, a name without "chủ trì" or "phối hợp" is no duty.
        assert!(suggest("2", "Sở Y tế tổ chức khám bệnh.", false).is_empty());
        let s = suggest("8", "Bộ CHQS tỉnh, Công an tỉnh: bảo đảm an ninh.", true);
        let codes: Vec<_> = s.iter().map(|(c, r, _)| (c.as_str(), *r)).collect();
        assert_eq!(codes, [("BCHQS", Role::Lead), ("CAT", Role::Coordinating)]);
        assert_eq!(s[0].2, "bảo đảm an ninh.");

        // Subjects that "phối hợp" coordinate, all of them.
        let s = suggest(
            "7",
            "Đề nghị Công an tỉnh, Bộ CHQS tỉnh phối hợp tuyên truyền.",
            true,
        );
        let codes: Vec<_> = s.iter().map(|(c, r, _)| (c.as_str(), *r)).collect();
        assert_eq!(
            codes,
            [("CAT", Role::Coordinating), ("BCHQS", Role::Coordinating)]
        );
    }
}
