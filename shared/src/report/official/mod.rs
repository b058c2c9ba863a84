//! The official documents of reports, as Nghị định 30/2020 lays them out (`FORMAT-ND30.md`):
//! an [`Official`] document is the header (quốc hiệu, tiêu ngữ, số/ký hiệu, place and date),
//! the title and trích yếu, "Kính gửi", the body, the signature block beside "Nơi nhận", and
//! appendices. What goes in the summary report, an agency's report and the reminder letter is in
//! `documents.rs`. The server writes them as Word files; the app shows the same as its A4 print
//! view.

mod documents;

pub(crate) use documents::plan_reference;
pub use documents::{agency_report, reminder, summary};

/// The agency that compiles reports (Ban Dân tộc), named on documents made by someone who is
/// not one of its officers.
pub const STANDING_AGENCY: &str = "BDT";

/// The agency documents made by `actor` are issued in the name of: a standing officer's own
/// agency, else [`STANDING_AGENCY`].
pub fn issuing_agency(actor: &crate::actor::Actor) -> String {
    match (actor.role, &actor.agency) {
        (crate::actor::UserRole::Standing, Some(a)) => a.to_string(),
        _ => STANDING_AGENCY.to_owned(),
    }
}

/// A piece of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// "I. …": upper case, bold.
    Heading1(String),
    /// "1. …", a task's subsection: bold.
    Heading2(String),
    /// A body paragraph (each line of `text` its own paragraph), introduced by `lead` in bold
    /// ("Sở Y tế (chủ trì): ").
    Text { lead: Option<String>, text: String },
    /// A table with a bold header row; columns as wide as their `weights` say (1 each when
    /// none is given).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        weights: Vec<usize>,
    },
    /// A photo of an inspection, as wide as fits, its caption under it ("Ảnh 1. …"); where
    /// the photo is not on the server yet, the caption says so.
    Photo {
        hash: crate::inspection::photo::PhotoHash,
        caption: String,
    },
}

/// An appendix: "Phụ lục I", its title, the line saying which document it goes with, its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appendix {
    pub title: String,
    pub attached_to: String,
    pub body: Vec<Block>,
}

impl Appendix {
    /// "Phụ lục I" for the first appendix, "Phụ lục II" for the second…
    pub fn heading(index: usize) -> String {
        let roman = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
            .get(index)
            .copied()
            .unwrap_or("");
        format!("Phụ lục {roman}")
    }
}

/// An administrative document as Nghị định 30/2020 lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Official {
    /// "UBND TỈNH LẠNG SƠN" (may be empty).
    pub parent: String,
    /// "BAN DÂN TỘC".
    pub agency: String,
    /// "15/BC-BDT" (without "Số:"; empty leaves room to write it by hand).
    pub number: String,
    /// "Lạng Sơn, ngày 05 tháng 6 năm 2014".
    pub place_date: String,
    /// "BÁO CÁO"; empty for a letter (công văn), whose subject goes under its number.
    pub kind: String,
    /// Trích yếu.
    pub subject: String,
    /// Kính gửi.
    pub recipients: Vec<String>,
    pub body: Vec<Block>,
    /// "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN".
    pub signer_title: Vec<String>,
    pub signer: String,
    /// Nơi nhận.
    pub copies_to: Vec<String>,
    pub appendices: Vec<Appendix>,
}

impl Official {
    /// The photos the document shows, in order (each once).
    pub fn photos(&self) -> Vec<crate::inspection::photo::PhotoHash> {
        let mut out = Vec::new();
        let blocks = self
            .body
            .iter()
            .chain(self.appendices.iter().flat_map(|a| a.body.iter()));
        for b in blocks {
            if let Block::Photo { hash, .. } = b
                && !out.contains(hash)
            {
                out.push(hash.clone());
            }
        }
        out
    }
}

/// "ngày 05 tháng 6 năm 2014": days below 10 and months 1–2 with a leading 0.
pub fn date_words(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = if d.month() <= 2 {
        format!("{:02}", d.month())
    } else {
        d.month().to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", d.day(), d.year())
}
