//! What an embedded database says, kept in memory where this process is its only client (an
//! embedded engine is opened by one process): a request then finds its session, or a plan's
//! change number and who may read it, without a query. On a SurrealDB server another process
//! may write at any time, so every request reads the database there.
//!
//! Every write of what is kept goes through the store, which tells the cache once the
//! database has it ([`Kept::forget`], [`Kept::forget_all`]). A reader that read the database
//! before such a write and would keep what it read after it is refused by the generation
//! counter, so the cache never holds what the database no longer says.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use shared::api::User;
use shared::plan::Visibility;
use shared::sync::ChangeNo;

/// Most entries kept (beyond, the cache starts again from the database).
const KEPT: usize = 20_000;

/// A session as the database had it.
#[derive(Clone)]
pub(super) struct Session {
    pub user: User,
    pub expires_at: i64,
    /// When the database last marked the session used (Unix ms; none for a session made by
    /// a version that did not mark them).
    pub last_seen: Option<i64>,
}

/// A plan's change number and who may read it, as the database had them.
#[derive(Clone, Copy)]
pub(super) struct Head {
    pub change: ChangeNo,
    pub visibility: Visibility,
}

/// What this process keeps of an embedded database.
#[derive(Default)]
pub(super) struct Memory {
    /// By the session key (the token's SHA-256).
    pub sessions: Kept<String, Session>,
    pub plans: Kept<shared::ids::PlanId, Head>,
}

pub(super) struct Kept<K, V>(Mutex<Inner<K, V>>);

struct Inner<K, V> {
    /// Bumped by every write of what is kept.
    generation: u64,
    by_key: HashMap<K, V>,
}

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self(Mutex::new(Inner {
            generation: 0,
            by_key: HashMap::new(),
        }))
    }
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic elsewhere while it was held leaves a map that is still whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value of `key` if it is kept, and the generation to give [`Kept::keep`] after
    /// reading the database.
    pub fn get<Q>(&self, key: &Q) -> (Option<V>, u64)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let inner = self.inner();
        (inner.by_key.get(key).cloned(), inner.generation)
    }

    /// Keeps what was read from the database at `generation`, unless a write came since.
    pub fn keep(&self, key: K, value: V, generation: u64) {
        let mut inner = self.inner();
        if inner.generation != generation {
            return;
        }
        if inner.by_key.len() >= KEPT {
            inner.by_key.clear();
        }
        inner.by_key.insert(key, value);
    }

    /// Changes a kept value as the caller is writing it to the database.
    pub fn update<Q>(&self, key: &Q, change: impl FnOnce(&mut V))
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if let Some(v) = self.inner().by_key.get_mut(key) {
            change(v);
        }
    }

    /// The value of `key` is being written as `change` says (when it is kept; a read that
    /// began before is not kept after).
    pub fn rewrite<Q>(&self, key: &Q, change: impl FnOnce(&mut V))
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut inner = self.inner();
        inner.generation += 1;
        if let Some(v) = inner.by_key.get_mut(key) {
            change(v);
        }
    }

    /// The value of `key` was written or deleted.
    pub fn forget<Q>(&self, key: &Q)
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.by_key.remove(key);
    }

    /// Several values were written.
    pub fn forget_all(&self) {
        let mut inner = self.inner();
        inner.generation += 1;
        inner.by_key.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_older_than_a_write_is_not_kept() {
        let kept: Kept<String, u32> = Kept::default();
        let (_, generation) = kept.get("k");
        // The value is written while its old record was being read.
        kept.forget("k");
        kept.keep("k".into(), 1, generation);
        assert_eq!(kept.get("k").0, None);
        let (_, generation) = kept.get("k");
        kept.keep("k".into(), 2, generation);
        assert_eq!(kept.get("k").0, Some(2));
    }

    #[test]
    fn forgetting_all_drops_every_value_and_updates_are_kept() {
        let kept: Kept<String, u32> = Kept::default();
        let (_, g) = kept.get("k");
        kept.keep("k".into(), 1, g);
        kept.update("k", |v| *v = 7);
        assert_eq!(kept.get("k").0, Some(7));
        // A rewrite changes the value and refuses a read begun before it.
        let (_, before) = kept.get("k");
        kept.rewrite("k", |v| *v = 8);
        kept.keep("k".into(), 7, before);
        assert_eq!(kept.get("k").0, Some(8));
        kept.forget_all();
        assert_eq!(kept.get("k").0, None);
    }
}
