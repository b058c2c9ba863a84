//! Size limits shared by the importer, validation, the API and the UI.

/// Longest node title, in characters (a one-paragraph task is its own title).
pub const TITLE_MAX_CHARS: usize = 2_000;
/// Longest node body, in characters.
pub const BODY_MAX_CHARS: usize = 50_000;
/// Longest label ("I", "1", "a", "-", "Phần thứ nhất"), in characters.
pub const LABEL_MAX_CHARS: usize = 32;
/// Largest plan document the importer accepts, in bytes.
pub const IMPORT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Largest JSON request body the API accepts, in bytes.
pub const API_BODY_MAX_BYTES: usize = 1024 * 1024;
