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
/// Most agencies one node can be assigned to.
pub const ASSIGNEES_MAX: usize = 64;
/// Most mutations one push carries (a device sends a longer outbox in several pushes).
pub const PUSH_MAX_MUTATIONS: usize = 1_000;
/// Largest push body the API accepts (after decompression), in bytes.
pub const PUSH_BODY_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Most devices one pull may ask about (the device itself and the devices whose exported
/// changes it carries).
pub const PULL_MAX_CLIENTS: usize = 64;
