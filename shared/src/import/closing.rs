//! The closing of a document: "Trên đây là …", the recipients ("Nơi nhận:" and its list) and
//! the signature block ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", the name). None
//! of it belongs in the tree: recipients and signer go into the metadata. Text copied from a web
//! page often puts the two columns (recipients, signature) on the same lines ("- Ủy ban Dân
//! tộc; KT. CHỦ TỊCH"): a recipient ends at its ";" or ".", the rest is the signature's.

use super::input::Line;
use super::marker;

/// What the closing says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Closing {
    pub recipients: Vec<String>,
    /// The authority and position lines, one per line: "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ
    /// CHỦ TỊCH".
    pub signer_title: Option<String>,
    pub signer: Option<String>,
}

/// "TM.", "KT.", "TL.", "TUQ.", "Q.": signing on behalf of, as deputy, by order, by
/// authorisation, acting.
fn is_authority(part: &str) -> bool {
    ["TM.", "KT.", "TL.", "TUQ.", "Q."]
        .iter()
        .any(|a| part.starts_with(a))
}

fn is_recipients_heading(part: &str) -> bool {
    part.strip_prefix("Nơi nhận")
        .is_some_and(|rest| rest.is_empty() || rest.trim_start().starts_with(':'))
}

fn is_closing_paragraph(part: &str) -> bool {
    part.starts_with("Trên đây là ")
}

/// Where the closing starts in `lines` (the outline's lines): the first line that opens it,
/// provided no numbered line follows (a numbered line after it means the document goes on).
pub(crate) fn start(lines: &[Line<'_>]) -> Option<usize> {
    let last_marker = lines
        .iter()
        .rposition(|l| marker::parse(&l.text).is_some() && recipient_of(&l.text).is_none())
        .unwrap_or(0);
    lines.iter().enumerate().position(|(i, l)| {
        let t = l.text.trim();
        (is_recipients_heading(t) || is_authority(t) || is_closing_paragraph(t))
            && (i > last_marker || is_recipients_heading(t))
    })
}

/// A bullet line that reads like a recipient ("- Như trên;", "- Lưu: VT."), split into the
/// recipient and what follows it on the line (the signature's column, if any).
fn recipient_of(text: &str) -> Option<(&str, &str)> {
    let m = marker::parse(text)?;
    if !matches!(
        m.kind,
        crate::document::NodeKind::Bullet | crate::document::NodeKind::SubBullet
    ) {
        return None;
    }
    let rest = m.rest;
    let end = rest
        .find("; ")
        .map(|i| i + 1)
        .or_else(|| rest.ends_with(';').then_some(rest.len()))
        .or_else(|| {
            rest.starts_with("Lưu")
                .then(|| rest.find(". ").map_or(rest.len(), |i| i + 1))
        })?;
    if rest[..end].chars().count() > 150 {
        return None;
    }
    Some((&rest[..end], rest[end..].trim()))
}

/// The columns of a closing line: a recipient (or the heading) and the signature's part.
fn columns(text: &str) -> Vec<&str> {
    let t = text.trim();
    if is_recipients_heading(t) {
        let rest = t
            .trim_start_matches("Nơi nhận")
            .trim_start()
            .trim_start_matches(':')
            .trim();
        // What follows the heading is the signature's, or a first recipient.
        return vec!["Nơi nhận:", rest];
    }
    match recipient_of(t) {
        Some((recipient, rest)) => vec![recipient, rest],
        None => vec![t],
    }
}

fn is_signature_note(part: &str) -> bool {
    let p = part.trim_matches(|c: char| c == '(' || c == ')' || c == '[' || c == ']');
    let lower = p.to_lowercase();
    lower == "đã ký" || lower == "đã ký và đóng dấu" || lower.starts_with("ký tên") || lower == "ký"
}

/// Letters all upper case (a position: "CHỦ TỊCH", "GIÁM ĐỐC").
fn is_caps(part: &str) -> bool {
    let mut letters = part.chars().filter(|c| c.is_alphabetic()).peekable();
    letters.peek().is_some() && letters.all(char::is_uppercase)
}

/// Reads the closing `lines`.
pub(crate) fn parse(lines: &[Line<'_>]) -> Closing {
    let mut closing = Closing::default();
    let mut titles: Vec<String> = Vec::new();
    let mut in_recipients = false;
    for line in lines {
        // A web copy opens each cell of the closing's table with a line holding only "|".
        if super::input::is_cell_mark(&line.text) {
            continue;
        }
        let recipient_line = recipient_of(&line.text).is_some();
        for (column, part) in columns(&line.text)
            .into_iter()
            .map(str::trim)
            .enumerate()
            .filter(|(_, p)| !p.is_empty())
        {
            if is_recipients_heading(part) {
                in_recipients = true;
            } else if recipient_line && column == 0 {
                push_recipient(&mut closing.recipients, part);
                // "Lưu: VT, …" ends the list.
                if part.starts_with("Lưu") {
                    in_recipients = false;
                }
            } else if is_authority(part)
                || (!titles.is_empty() && is_caps(part))
                // A position alone ("CHỦ TỊCH") after the recipients opens the signature.
                || (titles.is_empty() && is_caps(part) && part.chars().count() <= 40)
            {
                titles.push(part.to_owned());
            } else if is_signature_note(part) || is_closing_paragraph(part) {
                continue;
            } else if in_recipients
                && titles.is_empty()
                && column == 0
                && marker::parse(part).is_none()
            {
                // A recipient written without a bullet, right under the heading.
                push_recipient(&mut closing.recipients, part);
            } else if !titles.is_empty() && closing.signer.is_none() && part.chars().count() <= 60 {
                closing.signer = Some(part.to_owned());
            }
        }
    }
    closing.signer_title = (!titles.is_empty()).then(|| titles.join("\n"));
    closing
}

fn push_recipient(out: &mut Vec<String>, text: &str) {
    let t = text.trim().trim_end_matches([';', ',', '.']).trim();
    if !t.is_empty() {
        out.push(t.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    /// Lines as the importer reads them: runs of blanks (tabs too) made one space.
    fn lines(text: &str) -> Vec<Line<'_>> {
        text.lines()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: Cow::Owned(t.split_whitespace().collect::<Vec<_>>().join(" ")),
            })
            .collect()
    }

    #[test]
    fn recipients_and_the_signature_in_two_columns() {
        let text = "3. Báo cáo kết quả.\n\
            Trên đây là Kế hoạch thực hiện, yêu cầu các cơ quan nghiêm túc thực hiện./.\n\
            Nơi nhận:\tTM. ỦY BAN NHÂN DÂN\n\
            - Ủy ban Dân tộc;\tKT. CHỦ TỊCH\n\
            - TT Tỉnh ủy, TT HĐND tỉnh;\tPHÓ CHỦ TỊCH\n\
            - Các Sở, ban, ngành tỉnh;\t(Đã ký)\n\
            - Lưu: VT, KTN.\tLý Vinh Quang";
        let all = lines(text);
        let at = start(&all).expect("a closing");
        assert_eq!(at, 1);
        let c = parse(&all[at..]);
        assert_eq!(
            c.recipients,
            [
                "Ủy ban Dân tộc",
                "TT Tỉnh ủy, TT HĐND tỉnh",
                "Các Sở, ban, ngành tỉnh",
                "Lưu: VT, KTN"
            ]
        );
        assert_eq!(
            c.signer_title.as_deref(),
            Some("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
        );
        assert_eq!(c.signer.as_deref(), Some("Lý Vinh Quang"));
    }

    #[test]
    fn the_signature_first_then_the_recipients_on_their_own_lines() {
        let text = "a) Nội dung cuối.\n\
            TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nNguyễn Văn A\n\n\
            Nơi nhận:\n- Như trên;\n+ Bộ Nội vụ;\n- Lưu VT.";
        let all = lines(text);
        let at = start(&all).expect("a closing");
        let c = parse(&all[at..]);
        assert_eq!(c.recipients, ["Như trên", "Bộ Nội vụ", "Lưu VT"]);
        assert_eq!(
            c.signer_title.as_deref(),
            Some("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH")
        );
        assert_eq!(c.signer.as_deref(), Some("Nguyễn Văn A"));
    }

    #[test]
    fn a_position_alone_after_the_recipients() {
        let text = "Điều 3. Thi hành.\nNơi nhận:\n- Như Điều 3;\n- Lưu: VT, KGVX.\n\nCHỦ TỊCH\n\n(Đã ký)\n\nHoàng Văn Lộc";
        let all = lines(text);
        let c = parse(&all[start(&all).expect("a closing")..]);
        assert_eq!(c.recipients, ["Như Điều 3", "Lưu: VT, KGVX"]);
        assert_eq!(c.signer_title.as_deref(), Some("CHỦ TỊCH"));
        assert_eq!(c.signer.as_deref(), Some("Hoàng Văn Lộc"));
    }

    #[test]
    fn a_document_with_no_closing_has_none() {
        let all = lines("1. Việc một.\n2. Việc hai, trên đây là ví dụ.");
        assert_eq!(start(&all), None);
    }
}
