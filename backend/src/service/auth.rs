//! Signing in: argon2id password hashes, sessions in the database (so that every server
//! process shares them), the one-time setup link for the first administrator, and users.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use shared::api::{NewUser, PasswordChange, SessionInfo, SetupRequest, User, UserUpdate};
use shared::ids::AgencyCode;
use shared::validate::{self, ValidationError};
use std::sync::OnceLock;

use super::{Denial, Result, Service, ServiceError};
use crate::store::auth::SetupOutcome;

/// How long a setup link stays valid.
const SETUP_TOKEN_HOURS: i64 = 24;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// 32 random bytes from the OS, as hex.
pub fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::NoRandomness(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the database keeps of a token: its SHA-256, so a copy of the database signs nobody in.
pub fn token_key(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A password `username` may choose: long enough, without the user name, not a common one.
fn chosen_password(username: &str, password: &str) -> Result<()> {
    validate::new_password(username, password, super::passwords::is_common)
        .map(|_| ())
        .map_err(ServiceError::Invalid)
}

/// At most this many password hashes at once: each takes about 19 MiB and a core for tens of
/// milliseconds, so a burst of sign-ins (or an attack) queues instead of exhausting the machine.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores * 2)
    })
}

/// Most hashes waiting for a permit: past it, a sign-in is answered 503 at once instead of
/// queueing without bound.
const HASHES_WAITING_MAX: usize = 64;

fn hashing_queue() -> &'static tokio::sync::Semaphore {
    static QUEUE: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    QUEUE.get_or_init(|| tokio::sync::Semaphore::new(HASHES_WAITING_MAX))
}

/// A permit to hash: a place in the bounded queue, then one of the hashing permits.
async fn hashing_permit() -> Result<(
    tokio::sync::SemaphorePermit<'static>,
    tokio::sync::SemaphorePermit<'static>,
)> {
    let place = hashing_queue()
        .try_acquire()
        .map_err(|_| ServiceError::Overloaded)?;
    let permit = hashing_permits()
        .acquire()
        .await
        .map_err(|_| ServiceError::Overloaded)?;
    Ok((place, permit))
}

/// Hashes off the async threads: argon2id is slow on purpose.
async fn hash_password(password: String) -> Result<String> {
    let _permit = hashing_permit().await?;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| ServiceError::Hashing(e.to_string()))?
    .map_err(ServiceError::Hashing)
}

/// A hash to check against when the user does not exist, so that the answer takes as long
/// and does not tell which usernames exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::encode_b64(b"not-a-real-salt!").unwrap_or_else(|_| {
            // A fixed 16-byte input always encodes.
            SaltString::from_b64("bm90LWEtcmVhbC1zYWx0IQ").unwrap_or_else(|_| unreachable!())
        });
        Argon2::default()
            .hash_password(b"not a real password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

async fn verify_password(hash: String, password: String) -> Result<bool> {
    let _permit = hashing_permit().await?;
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false))
}

impl Service {
    /// When no user exists yet: a new one-time setup token (replacing any earlier one), valid
    /// for a day. `None` once the server has an administrator.
    pub async fn setup_token(&self) -> Result<Option<String>> {
        if self.store.has_users().await? {
            return Ok(None);
        }
        let token = new_token()?;
        self.store
            .replace_setup_token(&token_key(&token), now_ms() + SETUP_TOKEN_HOURS * 3_600_000)
            .await?;
        Ok(Some(token))
    }

    /// Whether the server still waits for its first administrator.
    pub async fn setup_needed(&self) -> Result<bool> {
        Ok(!self.store.has_users().await?)
    }

    /// Creates the first administrator with the setup token, and signs them in.
    pub async fn setup(&self, req: SetupRequest) -> Result<SessionInfo> {
        let user = User {
            username: validate::username(&req.username).map_err(ServiceError::Invalid)?,
            name: validate::person_name(&req.name).map_err(ServiceError::Invalid)?,
            role: shared::access::UserRole::Admin,
            agency: None,
            active: true,
        };
        chosen_password(&user.username, &req.password)?;
        let key = token_key(req.token.trim());
        // Checked before the slow hash, so that guessing costs the guesser, not the server.
        if !self.store.setup_token_valid(&key, now_ms()).await? {
            return Err(if self.setup_needed().await? {
                ServiceError::from(Denial::BadSetupLink)
            } else {
                ServiceError::from(Denial::AlreadySetUp)
            });
        }
        let hash = hash_password(req.password).await?;
        match self.store.setup_admin(&key, now_ms(), &user, &hash).await? {
            SetupOutcome::Created => self.open_session(user).await,
            SetupOutcome::Done => Err(ServiceError::from(Denial::AlreadySetUp)),
            SetupOutcome::BadToken => Err(ServiceError::from(Denial::BadSetupLink)),
        }
    }

    async fn open_session(&self, user: User) -> Result<SessionInfo> {
        let token = new_token()?;
        let expires_at = now_ms() + self.session_hours * 3_600_000;
        self.store
            .create_session(&token_key(&token), &user.username, expires_at, now_ms())
            .await?;
        Ok(SessionInfo {
            user,
            expires_at,
            token: Some(token),
        })
    }

    /// Signs in with a username and password, from `addr` when known. Failures are counted
    /// per user name and per address: past the allowance, attempts are answered 429 (with how
    /// long to wait) before any password is checked.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        addr: Option<std::net::IpAddr>,
    ) -> Result<SessionInfo> {
        if let Err(wait) = self.throttle.check(username, addr) {
            return Err(ServiceError::TooManyAttempts { retry_after: wait });
        }
        let wrong = || match self.throttle.failed(username, addr) {
            Ok(()) => ServiceError::from(Denial::WrongCredentials),
            Err(wait) => ServiceError::TooManyAttempts { retry_after: wait },
        };
        let Ok(valid_name) = validate::username(username) else {
            return Err(wrong());
        };
        // No password is longer than the rule allows: nothing that long is worth hashing.
        if validate::password(password).is_err() {
            return Err(wrong());
        }
        let username = valid_name;
        let stored = self.store.user(&username).await?;
        let hash = match stored.as_ref() {
            Some(s) => s.password_hash.clone(),
            None => tokio::task::spawn_blocking(|| dummy_hash().to_owned())
                .await
                .unwrap_or_default(),
        };
        let ok = verify_password(hash, password.to_owned()).await?;
        match stored {
            Some(s) if ok && s.user.active => {
                self.throttle.succeeded(&username);
                self.open_session(s.user).await
            }
            Some(s) if ok && !s.user.active => Err(ServiceError::from(Denial::AccountLocked)),
            _ => Err(wrong()),
        }
    }

    /// The session of a token, if it is current and its user active.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>> {
        Ok(self
            .store
            .session_user(&token_key(token), now_ms(), self.idle_ms())
            .await?
            .map(|(user, expires_at)| SessionInfo {
                user,
                expires_at,
                token: None,
            }))
    }

    /// "Đổi mật khẩu": the current password (counted like a sign-in when wrong), then the new
    /// one; the user's other sessions end, the one of `token` stays.
    pub async fn change_password(
        &self,
        token: &str,
        req: PasswordChange,
        addr: Option<std::net::IpAddr>,
    ) -> Result<()> {
        let Some(session) = self.session(token).await? else {
            return Err(ServiceError::from(Denial::SessionEnded));
        };
        let username = session.user.username;
        if let Err(wait) = self.throttle.check(&username, addr) {
            return Err(ServiceError::TooManyAttempts { retry_after: wait });
        }
        let Some(stored) = self.store.user(&username).await? else {
            return Err(ServiceError::from(Denial::NoSuchUser));
        };
        let right = validate::password(&req.current).is_ok()
            && verify_password(stored.password_hash, req.current.clone()).await?;
        if !right {
            return Err(match self.throttle.failed(&username, addr) {
                Ok(()) => ServiceError::from(Denial::WrongCurrentPassword),
                Err(wait) => ServiceError::TooManyAttempts { retry_after: wait },
            });
        }
        self.throttle.succeeded(&username);
        chosen_password(&username, &req.new)?;
        if req.new == req.current {
            return Err(ServiceError::from(Denial::SamePassword));
        }
        let hash = hash_password(req.new).await?;
        self.store.update_user(&stored.user, Some(&hash)).await?;
        self.store
            .delete_sessions_of(&username, Some(&token_key(token)))
            .await?;
        tracing::info!(user = %username, "password changed; other sessions ended");
        Ok(())
    }

    fn idle_ms(&self) -> i64 {
        self.session_idle_hours * 3_600_000
    }

    /// Forgets the sessions that have ended (expired or idle): at start-up and every hour.
    pub async fn purge_sessions(&self) -> Result<()> {
        Ok(self.store.purge_sessions(now_ms(), self.idle_ms()).await?)
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        Ok(self.store.delete_session(&token_key(token)).await?)
    }

    fn require_admin(by: &User) -> Result<()> {
        if by.role.administers() {
            Ok(())
        } else {
            Err(ServiceError::from(Denial::AdministratorsOnly))
        }
    }

    async fn check_agency(
        &self,
        role: shared::access::UserRole,
        agency: Option<&str>,
    ) -> Result<()> {
        if role == shared::access::UserRole::AgencyOfficer && agency.is_none() {
            return Err(ValidationError::AgencyRequired.into());
        }
        if let Some(code) = agency
            && !self.known().await?.agencies.contains(code)
        {
            return Err(ServiceError::Refused(
                shared::mutation::MutationError::UnknownAgency {
                    agency: code.into(),
                },
            ));
        }
        Ok(())
    }

    pub async fn users(&self, by: &User) -> Result<Vec<User>> {
        Self::require_admin(by)?;
        Ok(self.store.users().await?)
    }

    pub async fn create_user(&self, by: &User, req: NewUser) -> Result<User> {
        Self::require_admin(by)?;
        let agency = req
            .agency
            .map(|a| AgencyCode::from(a.trim()))
            .filter(|a| !a.is_empty());
        let user = User {
            username: validate::username(&req.username).map_err(ServiceError::Invalid)?,
            name: validate::person_name(&req.name).map_err(ServiceError::Invalid)?,
            role: req.role,
            agency,
            active: true,
        };
        chosen_password(&user.username, &req.password)?;
        self.check_agency(user.role, user.agency.as_deref()).await?;
        let hash = hash_password(req.password).await?;
        if self.store.create_user(&user, &hash).await? {
            Ok(user)
        } else {
            Err(ServiceError::from(Denial::UsernameTaken))
        }
    }

    pub async fn update_user(&self, by: &User, username: &str, req: UserUpdate) -> Result<User> {
        Self::require_admin(by)?;
        let Some(stored) = self.store.user(username).await? else {
            return Err(ServiceError::from(Denial::NoSuchUser));
        };
        let mut user = stored.user;
        if let Some(name) = &req.name {
            user.name = validate::person_name(name).map_err(ServiceError::Invalid)?;
        }
        if let Some(role) = req.role {
            user.role = role;
        }
        if let Some(agency) = req.agency {
            user.agency = agency
                .map(|a| AgencyCode::from(a.trim()))
                .filter(|a| !a.is_empty());
        }
        if let Some(active) = req.active {
            user.active = active;
        }
        if user.username == by.username && (!user.active || !user.role.administers()) {
            return Err(ServiceError::from(Denial::NotYourself));
        }
        self.check_agency(user.role, user.agency.as_deref()).await?;
        let hash = match req.password {
            Some(p) => {
                chosen_password(&user.username, &p)?;
                Some(hash_password(p).await?)
            }
            None => None,
        };
        // Checked in the write's own transaction: two administrators removing each other at
        // once cannot leave none.
        if !self.store.update_user(&user, hash.as_deref()).await? {
            return Err(ServiceError::from(Denial::LastAdministrator));
        }
        if !user.active || hash.is_some() {
            // A locked account or a new password ends the user's sessions everywhere.
            self.store.delete_sessions_of(&user.username, None).await?;
        }
        Ok(user)
    }
}
