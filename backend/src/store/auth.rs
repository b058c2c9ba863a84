//! Users, sessions and one-time setup tokens. Tokens are stored by their SHA-256 (the caller
//! hashes them), passwords as argon2id hashes (the caller hashes them).

use serde_json::{Value, json};
use shared::api::User;

use super::{Result, Store, StoreError, from_values, kept, to_value};

/// A user as stored: the public record and the password hash.
pub struct StoredUser {
    pub user: User,
    pub password_hash: String,
}

/// What creating the first administrator met.
#[derive(Debug, PartialEq, Eq)]
pub enum SetupOutcome {
    Created,
    /// No such token, or it expired, or it was used.
    BadToken,
    /// Someone has set up the server already.
    Done,
}

/// A session is marked used at most this often (its idle limit counts from the mark).
const SESSION_SEEN_EVERY_MS: i64 = 60_000;

const USER_FIELDS: &str = "record::id(id) AS username, name, role, agency, active";

impl Store {
    /// Whether any user exists.
    pub async fn has_users(&self) -> Result<bool> {
        let mut r = self
            .db
            .query("RETURN array::len(SELECT VALUE id FROM user LIMIT 1) > 0")
            .await?
            .check()?;
        let v: Option<bool> = r.take(0)?;
        Ok(v.unwrap_or(false))
    }

    pub async fn user(&self, username: &str) -> Result<Option<StoredUser>> {
        let mut r = self
            .db
            .query(format!(
                "SELECT {USER_FIELDS}, password_hash FROM type::record('user', $u)"
            ))
            .bind(("u", username.to_owned()))
            .await?
            .check()?;
        let rows: Vec<Value> = r.take(0)?;
        let Some(mut row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let hash = row
            .as_object_mut()
            .and_then(|o| o.remove("password_hash"))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Ok(Some(StoredUser {
            user: serde_json::from_value(row)?,
            password_hash: hash,
        }))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let mut r = self
            .db
            .query(format!("SELECT {USER_FIELDS} FROM user ORDER BY username"))
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    fn user_content(user: &User, password_hash: &str) -> Result<Value> {
        let mut v = to_value(user)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("username");
            o.entry("agency").or_insert(Value::Null);
            o.insert("password_hash".into(), json!(password_hash));
        }
        Ok(v)
    }

    /// Creates a user; `false` when the username is taken.
    pub async fn create_user(&self, user: &User, password_hash: &str) -> Result<bool> {
        let result = self
            .db
            .query("CREATE type::record('user', $u) CONTENT $content")
            .bind(("u", user.username.clone()))
            .bind(("content", Self::user_content(user, password_hash)?))
            .await?;
        match result.check() {
            Ok(_) => Ok(true),
            Err(e) if e.is_already_exists() => Ok(false),
            Err(e) => Err(StoreError::from(e)),
        }
    }

    /// Changes a user's name, role, agency, active flag and (when given) password hash.
    /// Writes a user's new record; `false`, with nothing written, when it would leave no active
    /// administrator. One transaction that also writes one guard record, so that two
    /// administrators removing each other at once cannot both succeed (the second conflicts
    /// and, tried again, sees the first).
    pub async fn update_user(&self, user: &User, password_hash: Option<&str>) -> Result<bool> {
        let mut set = to_value(user)?;
        if let Some(o) = set.as_object_mut() {
            o.remove("username");
            o.entry("agency").or_insert(Value::Null);
            if let Some(h) = password_hash {
                o.insert("password_hash".into(), json!(h));
            }
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let response = self
                .db
                .query(
                    "BEGIN TRANSACTION;
                     UPSERT meta:admin_guard SET at = time::now();
                     UPDATE type::record('user', $u) MERGE $set;
                     IF count(SELECT VALUE id FROM user WHERE active = true AND role = 'admin') = 0 {
                         THROW 'last_admin'
                     };
                     COMMIT TRANSACTION;",
                )
                .bind(("u", user.username.clone()))
                .bind(("set", set.clone()))
                .await;
            // Whatever the answer, the user may have changed: sessions are read again.
            self.sessions_changed(None);
            match super::transaction_error(response?) {
                None => return Ok(true),
                Some(e) if super::thrown(&e, "last_admin") => return Ok(false),
                // Another write of the same records meanwhile: tried again, it sees that write.
                Some(e) if super::conflicted(&e) && attempt < 5 => continue,
                Some(e) => return Err(e.into()),
            }
        }
    }

    /// Replaces any setup token with a new one.
    pub async fn replace_setup_token(&self, key: &str, expires_at: i64) -> Result<()> {
        self.db
            .query(
                "BEGIN TRANSACTION;
                 DELETE setup_token;
                 CREATE type::record('setup_token', $key) CONTENT { expires_at: $exp };
                 COMMIT TRANSACTION;",
            )
            .bind(("key", key.to_owned()))
            .bind(("exp", expires_at))
            .await?
            .check()?;
        Ok(())
    }

    /// Whether a setup token is waiting and unexpired.
    pub async fn setup_token_valid(&self, key: &str, now: i64) -> Result<bool> {
        let mut r = self
            .db
            .query("SELECT VALUE expires_at FROM type::record('setup_token', $key)")
            .bind(("key", key.to_owned()))
            .await?
            .check()?;
        let v: Vec<Value> = r.take(0)?;
        Ok(v.first().and_then(Value::as_i64).is_some_and(|e| e > now))
    }

    /// Creates the first administrator with the setup token `key`, in one transaction: only
    /// while no user exists and the token is there and unexpired; the token is used up.
    pub async fn setup_admin(
        &self,
        key: &str,
        now: i64,
        user: &User,
        password_hash: &str,
    ) -> Result<SetupOutcome> {
        let result = self
            .db
            .query(
                "BEGIN TRANSACTION;
                 IF array::len(SELECT VALUE id FROM user LIMIT 1) > 0 { THROW 'setup-done' };
                 LET $exp = (SELECT VALUE expires_at FROM type::record('setup_token', $key))[0];
                 IF $exp IS NONE OR $exp <= $now { THROW 'setup-bad-token' };
                 DELETE setup_token;
                 CREATE type::record('user', $u) CONTENT $content;
                 COMMIT TRANSACTION;",
            )
            .bind(("key", key.to_owned()))
            .bind(("now", now))
            .bind(("u", user.username.clone()))
            .bind(("content", Self::user_content(user, password_hash)?))
            .await;
        self.sessions_changed(None);
        match super::transaction_error(result?) {
            None => Ok(SetupOutcome::Created),
            Some(e) if super::thrown(&e, "setup-done") => Ok(SetupOutcome::Done),
            Some(e) if super::thrown(&e, "setup-bad-token") => Ok(SetupOutcome::BadToken),
            Some(e) => Err(StoreError::from(e)),
        }
    }

    pub async fn create_session(
        &self,
        key: &str,
        username: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        self.db
            .query(
                "CREATE type::record('session', $key) CONTENT { username: $u, expires_at: $exp, last_seen: $now }",
            )
            .bind(("key", key.to_owned()))
            .bind(("u", username.to_owned()))
            .bind(("exp", expires_at))
            .bind(("now", now))
            .await?
            .check()?;
        Ok(())
    }

    /// The user of a session that has neither expired nor stayed unused for `idle_ms`, if the
    /// user is still active; the session is marked used at `now` (written at most once a
    /// minute, not on every request, and apart from the reading: [`Store::read_session`]).
    /// On an embedded database, from memory once read (`kept.rs`).
    pub async fn session_user(
        &self,
        key: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<(User, i64)>> {
        let (kept, generation) = match self.kept_sessions() {
            Some(cache) => cache.get(key),
            None => (None, 0),
        };
        let known = match kept {
            Some(k) => k,
            None => match self.read_session(key, now, idle_ms).await? {
                Some(k) => {
                    if let Some(cache) = self.kept_sessions() {
                        cache.keep(key.to_owned(), k.clone(), generation);
                    }
                    k
                }
                None => return Ok(None),
            },
        };
        // The same rule as the query's, for a session kept in memory.
        if known.expires_at <= now || known.last_seen.unwrap_or(now) + idle_ms <= now {
            return Ok(None);
        }
        if known.last_seen.unwrap_or(0) + SESSION_SEEN_EVERY_MS <= now {
            // Marked in memory first: the requests that come meanwhile (a device's burst)
            // do not each write the same mark.
            if let Some(cache) = self.kept_sessions() {
                cache.update(key, |s| {
                    s.last_seen = Some(s.last_seen.map_or(now, |t| t.max(now)))
                });
            }
            let marked = self
                .db
                .query("UPDATE type::record('session', $key) SET last_seen = $now RETURN NONE")
                .bind(("key", key.to_owned()))
                .bind(("now", now))
                .await
                .and_then(|r| r.check());
            if let Err(e) = marked {
                // Not written: memory must not say it was.
                self.sessions_changed(Some(key));
                return Err(e.into());
            }
        }
        Ok(Some((known.user, known.expires_at)))
    }

    /// A session and its user as the database has them, if it has neither expired nor stayed
    /// unused for `idle_ms` and the user is active. A query that only reads: one that may
    /// write (an `UPDATE`, even in a branch not taken) runs as a write transaction, and every
    /// request of a burst of syncs queued behind the others' (measured on the 200-device
    /// burst: p99 ~50 ms more).
    async fn read_session(
        &self,
        key: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<kept::Session>> {
        let mut r = self
            .db
            .query(
                "LET $s = (SELECT username, expires_at, last_seen FROM type::record('session', $key))[0];
                 IF $s IS NOT NONE AND $s.expires_at > $now AND ($s.last_seen ?? $now) + $idle > $now {
                     SELECT record::id(id) AS username, name, role, agency, active,
                            $s.expires_at AS expires_at, $s.last_seen AS last_seen
                         FROM type::record('user', $s.username) WHERE active = true
                 } ELSE { [] };",
            )
            .bind(("key", key.to_owned()))
            .bind(("now", now))
            .bind(("idle", idle_ms))
            .await?
            .check()?;
        let rows: Vec<Value> = r.take(1)?;
        let Some(mut row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let mut field = |name: &str| {
            row.as_object_mut()
                .and_then(|o| o.remove(name))
                .and_then(|v| v.as_i64())
        };
        let (expires_at, last_seen) = (field("expires_at").unwrap_or(0), field("last_seen"));
        Ok(Some(kept::Session {
            user: serde_json::from_value(row)?,
            expires_at,
            last_seen,
        }))
    }

    pub async fn delete_session(&self, key: &str) -> Result<()> {
        let done = self
            .db
            .query("DELETE type::record('session', $key)")
            .bind(("key", key.to_owned()))
            .await;
        self.sessions_changed(Some(key));
        done?.check()?;
        Ok(())
    }

    fn kept_sessions(&self) -> Option<&kept::Kept<String, kept::Session>> {
        self.kept.as_deref().map(|k| &k.sessions)
    }

    /// Tells the sessions kept in memory that the session of `key` (or, with none, any user or
    /// session) was written: called once the database has the write, or may have it.
    fn sessions_changed(&self, key: Option<&str>) {
        match (self.kept_sessions(), key) {
            (Some(cache), Some(key)) => cache.forget(key),
            (Some(cache), None) => cache.forget_all(),
            (None, _) => {}
        }
    }

    /// Forgets sessions that have ended: expired, or unused for `idle_ms`.
    pub async fn purge_sessions(&self, now: i64, idle_ms: i64) -> Result<()> {
        let done = self
            .db
            .query("DELETE session WHERE expires_at <= $now OR (last_seen ?? $now) + $idle <= $now")
            .bind(("now", now))
            .bind(("idle", idle_ms))
            .await;
        self.sessions_changed(None);
        done?.check()?;
        Ok(())
    }

    /// Signs a user out everywhere, but for the session `except` (its key) when given.
    pub async fn delete_sessions_of(&self, username: &str, except: Option<&str>) -> Result<()> {
        let done = self
            .db
            .query("DELETE session WHERE username = $u AND record::id(id) != $keep")
            .bind(("u", username.to_owned()))
            .bind(("keep", except.unwrap_or_default().to_owned()))
            .await;
        self.sessions_changed(None);
        done?.check()?;
        Ok(())
    }

    /// Binds the device `client` to `username` if no one has pushed under it yet; the user it
    /// belongs to (the one given, or whoever was first).
    pub async fn bind_device(&self, client: &str, username: &str, now: i64) -> Result<String> {
        let mut r = self
            .db
            .query(
                "INSERT IGNORE INTO device { id: $key, username: $username, first_seen: $now };
                 SELECT VALUE username FROM type::record('device', $key);",
            )
            .bind(("key", client.to_owned()))
            .bind(("username", username.to_owned()))
            .bind(("now", now))
            .await?
            .check()?;
        let owner: Vec<String> = r.take(1)?;
        Ok(owner
            .into_iter()
            .next()
            .unwrap_or_else(|| username.to_owned()))
    }

    /// The user a device id is bound to, if any.
    pub async fn device_owner(&self, client: &str) -> Result<Option<String>> {
        let mut r = self
            .db
            .query("SELECT VALUE username FROM type::record('device', $key)")
            .bind(("key", client.to_owned()))
            .await?
            .check()?;
        let owner: Vec<String> = r.take(0)?;
        Ok(owner.into_iter().next())
    }
}
