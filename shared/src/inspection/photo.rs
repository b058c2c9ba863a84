//! A photo's upload: content-addressed (its SHA-256) and sent in fixed-size chunks, each
//! checked against its own SHA-256, in any order and any number of times, so that an upload
//! cut anywhere resumes with the chunks still missing. The server keeps each photo once, however
//! many times it was sent.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest photo accepted, in bytes. The device downscales to a long edge of 2,000 px as JPEG
/// (about 0.5 to 1.5 MB); one still larger is encoded again at a lower quality before sending.
pub const PHOTO_MAX_BYTES: u64 = 6 * 1024 * 1024;

/// Size of every chunk but the last, in bytes: an upload cut half-way sends again at most one.
pub const CHUNK_BYTES: u64 = 256 * 1024;

/// Most uploads under way at once in one plan (a day of a team's tablets is a few hundred
/// photos; a device with more waiting sends them as others finish).
pub const UPLOADS_UNDER_WAY_MAX: usize = 500;

/// A photo's SHA-256, as 64 lowercase hexadecimal digits: its name wherever it is kept.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhotoHash(String);

impl PhotoHash {
    pub fn parse(text: &str) -> Result<Self, PhotoError> {
        let ok = text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(PhotoError::BadHash)
        }
    }

    /// From a SHA-256 digest.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        Self(hex(digest))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhotoHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhotoHash {
    type Error = PhotoError;
    fn try_from(s: String) -> Result<Self, PhotoError> {
        Self::parse(&s)
    }
}

impl From<PhotoHash> for String {
    fn from(h: PhotoHash) -> String {
        h.0
    }
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// How a photo of `size` bytes is cut: the number of chunks.
pub fn chunk_count(size: u64) -> u32 {
    u32::try_from(size.div_ceil(CHUNK_BYTES)).unwrap_or(u32::MAX)
}

/// The byte range of chunk `index` of a photo of `size` bytes.
pub fn chunk_range(size: u64, index: u32) -> std::ops::Range<u64> {
    let start = u64::from(index) * CHUNK_BYTES;
    start.min(size)..(start + CHUNK_BYTES).min(size)
}

/// Checks an announced upload: the photo's size.
pub fn check_size(size: u64) -> Result<(), PhotoError> {
    if size == 0 {
        Err(PhotoError::Empty)
    } else if size > PHOTO_MAX_BYTES {
        Err(PhotoError::TooLarge { size })
    } else {
        Ok(())
    }
}

/// Checks chunk `index` of a photo of `size` bytes, `len` bytes long, before it is kept.
pub fn check_chunk(size: u64, index: u32, len: u64) -> Result<(), PhotoError> {
    check_size(size)?;
    if index >= chunk_count(size) {
        return Err(PhotoError::NoSuchChunk {
            index,
            chunks: chunk_count(size),
        });
    }
    let range = chunk_range(size, index);
    let expected = range.end - range.start;
    if len != expected {
        return Err(PhotoError::ChunkLength {
            index,
            expected,
            got: len,
        });
    }
    Ok(())
}

/// Whether `bytes` begin as a JPEG file does (the only format the device sends).
pub fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xff, 0xd8, 0xff])
}

/// The smaller sizes the server makes of a kept photo (once, then kept beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoSize {
    /// For lists and grids: a long edge of 320 px.
    Thumb,
    /// For Word files: a long edge of 1,024 px (about 200 dpi across a 13 cm column).
    Print,
}

impl PhotoSize {
    pub const ALL: [PhotoSize; 2] = [PhotoSize::Thumb, PhotoSize::Print];

    /// The long edge in pixels.
    pub fn long_edge(self) -> u32 {
        match self {
            PhotoSize::Thumb => 320,
            PhotoSize::Print => 1_024,
        }
    }

    /// Its name in addresses: `…/photos/{sha256}/thumb`.
    pub fn name(self) -> &'static str {
        match self {
            PhotoSize::Thumb => "thumb",
            PhotoSize::Print => "print",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The width and height of a `width` × `height` photo at this size: the long edge scaled
    /// down to [`PhotoSize::long_edge`], never up; neither side below 1.
    pub fn fit(self, width: u32, height: u32) -> (u32, u32) {
        let long = width.max(height);
        let edge = self.long_edge();
        if long <= edge {
            return (width.max(1), height.max(1));
        }
        let scale = |side: u32| {
            u32::try_from(
                (u64::from(side) * u64::from(edge) + u64::from(long) / 2) / u64::from(long),
            )
            .unwrap_or(edge)
            .max(1)
        };
        (scale(width), scale(height))
    }
}

/// Where an upload stands: which chunks the server holds, or that the photo is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadStatus {
    pub hash: PhotoHash,
    pub size: u64,
    /// The photo is kept (every chunk arrived and the whole matched its hash).
    pub complete: bool,
    /// The chunks held so far, in order (empty once complete).
    pub received: Vec<u32>,
}

impl UploadStatus {
    /// A photo kept.
    pub fn kept(hash: PhotoHash, size: u64) -> Self {
        Self {
            hash,
            size,
            complete: true,
            received: Vec::new(),
        }
    }

    /// The chunks still to send.
    pub fn missing(&self) -> Vec<u32> {
        if self.complete {
            return Vec::new();
        }
        (0..chunk_count(self.size))
            .filter(|i| self.received.binary_search(i).is_err())
            .collect()
    }
}

/// Why an upload or a photo was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PhotoError {
    BadHash,
    Empty,
    TooLarge {
        size: u64,
    },
    NoSuchChunk {
        index: u32,
        chunks: u32,
    },
    ChunkLength {
        index: u32,
        expected: u64,
        got: u64,
    },
    /// The chunk's bytes do not match the SHA-256 sent with it (damaged on the way).
    ChunkDamaged {
        index: u32,
    },
    /// Every chunk arrived, but together they are not the photo named.
    Mismatch,
    NotJpeg,
    NotFound,
    /// [`UPLOADS_UNDER_WAY_MAX`] uploads of the plan are under way already.
    TooManyUnderWay,
}

impl PhotoError {
    /// Whether the photo or chunk is over a size limit (HTTP 413).
    pub fn too_large(&self) -> bool {
        match self {
            PhotoError::TooLarge { .. } => true,
            PhotoError::ChunkLength { expected, got, .. } => got > expected,
            _ => false,
        }
    }
}

fn mb(bytes: u64) -> String {
    let tenths = (bytes * 10).div_ceil(1024 * 1024);
    format!("{},{} MB", tenths / 10, tenths % 10)
}

impl fmt::Display for PhotoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhotoError::BadHash => f.write_str("Mã ảnh không hợp lệ."),
            PhotoError::Empty => f.write_str("Ảnh rỗng, không có dữ liệu."),
            PhotoError::TooLarge { size } => write!(
                f,
                "Ảnh quá lớn ({}; tối đa {}). Hãy chụp lại hoặc chọn ảnh khác để ứng dụng thu nhỏ trước khi gửi.",
                mb(*size),
                mb(PHOTO_MAX_BYTES)
            ),
            PhotoError::NoSuchChunk { index, chunks } => write!(
                f,
                "Phần {} không có trong ảnh này (ảnh gồm {chunks} phần).",
                index + 1
            ),
            PhotoError::ChunkLength {
                index,
                expected,
                got,
            } => write!(
                f,
                "Phần {} của ảnh dài {got} byte, đúng ra phải là {expected} byte.",
                index + 1
            ),
            PhotoError::ChunkDamaged { index } => write!(
                f,
                "Phần {} của ảnh bị hỏng trên đường truyền; ứng dụng sẽ gửi lại phần này.",
                index + 1
            ),
            PhotoError::Mismatch => f.write_str(
                "Các phần đã nhận không ghép thành đúng ảnh đã báo; ứng dụng sẽ gửi lại ảnh.",
            ),
            PhotoError::NotJpeg => f.write_str("Ảnh phải ở dạng JPEG."),
            PhotoError::NotFound => f.write_str("Không tìm thấy ảnh trong kế hoạch này."),
            PhotoError::TooManyUnderWay => write!(
                f,
                "Kế hoạch đang có {UPLOADS_UNDER_WAY_MAX} ảnh gửi dở; ảnh này sẽ được gửi khi các ảnh kia gửi xong."
            ),
        }
    }
}

impl std::error::Error for PhotoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_64_lowercase_hex_digits() {
        let ok = "0123456789abcdef".repeat(4);
        assert_eq!(PhotoHash::parse(&ok).map(|h| h.to_string()), Ok(ok.clone()));
        for bad in [
            "",
            "abc",
            &ok.to_uppercase(),
            &format!("{ok}0"),
            &ok.replace('a', "g"),
            "../../etc/passwd",
        ] {
            assert_eq!(PhotoHash::parse(bad), Err(PhotoError::BadHash), "{bad}");
        }
        assert!(serde_json::from_str::<PhotoHash>("\"x\"").is_err());
        assert_eq!(
            PhotoHash::from_digest(&[0xab; 32]).as_str(),
            "ab".repeat(32)
        );
    }

    #[test]
    fn chunks_cover_the_photo_once_the_last_one_shorter() {
        for size in [
            1,
            CHUNK_BYTES - 1,
            CHUNK_BYTES,
            CHUNK_BYTES + 1,
            5 * CHUNK_BYTES + 7,
            PHOTO_MAX_BYTES,
        ] {
            let n = chunk_count(size);
            let mut next = 0;
            for i in 0..n {
                let r = chunk_range(size, i);
                assert_eq!(r.start, next);
                assert!(r.end > r.start && r.end - r.start <= CHUNK_BYTES);
                assert_eq!(check_chunk(size, i, r.end - r.start), Ok(()));
                next = r.end;
            }
            assert_eq!(next, size);
            assert_eq!(
                check_chunk(size, n, 1),
                Err(PhotoError::NoSuchChunk {
                    index: n,
                    chunks: n
                })
            );
        }
    }

    #[test]
    fn sizes_and_lengths_over_the_limits_are_refused_in_words() {
        let over = PHOTO_MAX_BYTES + 1;
        let e = check_size(over).expect_err("over the limit");
        assert!(e.too_large());
        assert!(
            e.to_string()
                .starts_with("Ảnh quá lớn (6,1 MB; tối đa 6,0 MB)"),
            "{e}"
        );
        assert_eq!(check_size(0), Err(PhotoError::Empty));
        let e = check_chunk(CHUNK_BYTES * 2, 0, CHUNK_BYTES + 1).expect_err("too long");
        assert!(e.too_large());
        assert!(e.to_string().contains("Phần 1"), "{e}");
        // A chunk cut short is not over a limit: it is sent again.
        let short = check_chunk(CHUNK_BYTES * 2, 0, 10).expect_err("too short");
        assert!(!short.too_large());
    }

    #[test]
    fn the_missing_chunks_are_those_not_received() {
        let status = UploadStatus {
            hash: PhotoHash::from_digest(&[1; 32]),
            size: 4 * CHUNK_BYTES,
            complete: false,
            received: vec![0, 2],
        };
        assert_eq!(status.missing(), vec![1, 3]);
        let done = UploadStatus {
            complete: true,
            received: vec![],
            ..status
        };
        assert!(done.missing().is_empty());
    }

    #[test]
    fn a_jpeg_is_told_by_its_first_bytes() {
        assert!(is_jpeg(&[0xff, 0xd8, 0xff, 0xe0, 0]));
        assert!(!is_jpeg(b"\x89PNG\r\n"));
        assert!(!is_jpeg(&[]));
    }

    #[test]
    fn smaller_sizes_keep_the_shape_and_never_grow() {
        assert_eq!(PhotoSize::Thumb.fit(2_000, 1_500), (320, 240));
        assert_eq!(PhotoSize::Print.fit(1_500, 2_000), (768, 1_024));
        assert_eq!(PhotoSize::Print.fit(800, 600), (800, 600));
        assert_eq!(PhotoSize::Thumb.fit(20_000, 10), (320, 1));
        assert_eq!(PhotoSize::Thumb.fit(0, 0), (1, 1));
        for s in PhotoSize::ALL {
            assert_eq!(PhotoSize::parse(s.name()), Some(s));
        }
        assert_eq!(PhotoSize::parse("upload"), None);
    }
}
