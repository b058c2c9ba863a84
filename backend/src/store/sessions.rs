//! The sessions read from an embedded database, kept in memory: a request then finds its
//! user without a query. Only where this process is the database's only client (an embedded
//! engine is opened by one process); on a SurrealDB server another process may end a session
//! at any time, so every request reads it there.
//!
//! Every write of users or sessions goes through the store, which tells this cache
//! ([`SessionCache::forget`], [`SessionCache::forget_all`]) once the database has it. A reader
//! that read the database before such a write and would keep what it read after it is refused
//! by the generation counter, so the cache never holds what the database no longer says.

use std::collections::HashMap;
use std::sync::Mutex;

use shared::api::User;

/// Most sessions kept (beyond, the cache starts again from the database).
const KEPT: usize = 20_000;

/// A session as the database had it.
#[derive(Clone)]
pub(super) struct Known {
    pub user: User,
    pub expires_at: i64,
    /// When the database last marked the session used (Unix ms; none for a session made by
    /// a version that did not mark them).
    pub last_seen: Option<i64>,
}

#[derive(Default)]
pub(super) struct SessionCache(Mutex<Inner>);

#[derive(Default)]
struct Inner {
    /// Bumped by every write of users or sessions.
    generation: u64,
    by_key: HashMap<String, Known>,
}

impl SessionCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while it was held leaves a map that is still whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The session of `key` if it is kept, and the generation to give [`SessionCache::keep`]
    /// after reading the database.
    pub fn get(&self, key: &str) -> (Option<Known>, u64) {
        let inner = self.inner();
        (inner.by_key.get(key).cloned(), inner.generation)
    }

    /// Keeps what was read from the database at `generation`, unless a write came since.
    pub fn keep(&self, key: &str, known: Known, generation: u64) {
        let mut inner = self.inner();
        if inner.generation != generation {
            return;
        }
        if inner.by_key.len() >= KEPT {
            inner.by_key.clear();
        }
        inner.by_key.insert(key.to_owned(), known);
    }

    /// The session of `key` was marked used at `at` (written by the caller).
    pub fn seen(&self, key: &str, at: i64) {
        if let Some(k) = self.inner().by_key.get_mut(key) {
            k.last_seen = Some(k.last_seen.map_or(at, |s| s.max(at)));
        }
    }

    /// The session of `key` was written or deleted.
    pub fn forget(&self, key: &str) {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.by_key.remove(key);
    }

    /// Users or several sessions were written.
    pub fn forget_all(&self) {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.by_key.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(name: &str) -> Known {
        Known {
            user: User {
                username: name.into(),
                name: name.into(),
                role: shared::actor::UserRole::Admin,
                agency: None,
                active: true,
            },
            expires_at: 10,
            last_seen: Some(1),
        }
    }

    #[test]
    fn a_read_older_than_a_write_is_not_kept() {
        let cache = SessionCache::default();
        let (_, generation) = cache.get("k");
        // The session is deleted while its old record was being read.
        cache.forget("k");
        cache.keep("k", known("a"), generation);
        assert!(cache.get("k").0.is_none());
        let (_, generation) = cache.get("k");
        cache.keep("k", known("a"), generation);
        assert_eq!(cache.get("k").0.map(|k| k.user.username), Some("a".into()));
    }

    #[test]
    fn forgetting_all_drops_every_session_and_marks_are_kept() {
        let cache = SessionCache::default();
        let (_, g) = cache.get("k");
        cache.keep("k", known("a"), g);
        cache.seen("k", 7);
        assert_eq!(cache.get("k").0.map(|k| k.last_seen), Some(Some(7)));
        cache.forget_all();
        assert!(cache.get("k").0.is_none());
    }
}
