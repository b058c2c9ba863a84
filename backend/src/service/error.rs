//! Why a service call failed: typed, never worded. The HTTP layer (`http/error.rs`) gives each
//! variant its status, code and Vietnamese text; `shared`'s typed errors carry their own words.

use shared::import::review::ReviewError;
use shared::mutation::MutationError;
use shared::registry::RegistryError;
use shared::validate::ValidationError;

use crate::store::StoreError;

/// Why a service call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("plan not found")]
    PlanNotFound,
    #[error("mutation refused: {0}")]
    Refused(#[from] MutationError),
    /// A value a user typed breaks a rule (a password too short, a missing agency).
    #[error("invalid: {0}")]
    Invalid(#[from] ValidationError),
    /// A reviewed import breaks a rule of a plan.
    #[error("import refused: {0}")]
    Review(#[from] ReviewError),
    /// A registry change breaks a rule of the registry.
    #[error("registry change refused: {0}")]
    Registry(#[from] RegistryError),
    /// The caller may not do this, or the request does not fit the accounts as they are.
    #[error("denied: {0:?}")]
    Denied(Denial),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The object store (photos) failed.
    #[error(transparent)]
    Blob(#[from] crate::blobs::BlobError),
    /// A photo or a chunk of one breaks an upload rule.
    #[error("photo refused: {0}")]
    Photo(#[from] shared::inspection::photo::PhotoError),
    /// A plan's tree could not be encoded as JSON or compressed.
    #[error("encoding a tree: {0}")]
    Encode(String),
    /// A blocking task (encoding a tree) panicked or was cancelled.
    #[error("a background task failed: {0}")]
    Task(String),
    /// The operating system gave no random bytes (for a token or a salt).
    #[error("no randomness: {0}")]
    NoRandomness(String),
    /// A password could not be hashed.
    #[error("hashing a password: {0}")]
    Hashing(String),
    #[error("too many mutations in one push")]
    TooMany,
    #[error("a plan with this id exists")]
    PlanExists,
    /// An import repeats stored plans (same number and issuer, or the same file).
    #[error("the import repeats a stored plan")]
    Duplicate(Vec<shared::api::DuplicatePlan>),
    #[error("the plan is being written by other processes; try again")]
    Busy,
    /// Too many failed sign-ins for the user name or the address: wait `retry_after`.
    #[error("too many failed sign-ins")]
    TooManyAttempts { retry_after: std::time::Duration },
    /// Too many password hashes waiting: the caller should retry in a moment.
    #[error("too many sign-ins at once")]
    Overloaded,
    /// Every place for reading an imported document is taken: the caller should retry soon.
    #[error("too many documents being read")]
    ImportsBusy,
    /// A pull asked about more devices than [`shared::limits::PULL_MAX_CLIENTS`].
    #[error("too many devices in one pull")]
    TooManyClients,
    /// The user holds the most event streams open already.
    #[error("too many event streams")]
    TooManyStreams,
    /// The device id was first used by another user: pushing under it is refused.
    #[error("the device belongs to another user")]
    DeviceOfAnotherUser,
}

/// Why accounts, sessions or an administrator's request were turned down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The setup link is wrong, used or expired.
    BadSetupLink,
    /// The first administrator exists already.
    AlreadySetUp,
    /// The user name or the password is wrong (the same words for both, on purpose).
    WrongCredentials,
    /// The account is locked.
    AccountLocked,
    /// The session ended (expired, idle too long, or signed out).
    SessionEnded,
    /// No account has this user name.
    NoSuchUser,
    /// A password change named the wrong current password.
    WrongCurrentPassword,
    /// A new password equal to the current one.
    SamePassword,
    /// Accounts and the agency registry are for administrators.
    AdministratorsOnly,
    /// A backup is for administrators.
    BackupAdministratorsOnly,
    /// Only the standing agency sets who may read a plan.
    VisibilityStandingOnly,
    /// The user name is taken.
    UsernameTaken,
    /// An administrator may not lock or demote themself.
    NotYourself,
    /// The last active administrator may not be locked or demoted.
    LastAdministrator,
    /// An agency's officer asked for another agency's report.
    OtherAgencysReport,
    /// Reminder letters are the standing agency's.
    ReminderStandingOnly,
    /// Photos are sent by those who record inspections.
    PhotosRecordersOnly,
    /// A round's conclusion speaks of every agency visited: not for an agency's officer.
    RoundReportNotForAgencies,
}

impl From<Denial> for ServiceError {
    fn from(d: Denial) -> Self {
        Self::Denied(d)
    }
}
