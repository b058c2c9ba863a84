//! A copy of the whole database as SurrealQL (SurrealDB's own export) and its restore.
//!
//! The export reads everything in one transaction, so a copy taken while devices push holds
//! each push whole or not at all. The import runs each statement on its own, so a restore goes
//! into a fresh database and is checked before anyone uses it (`backend::backup` swaps folders).

use futures_util::{Stream, StreamExt};
use serde_json::Value;
use std::path::Path;

use super::{Result, SCHEMA, Store, StoreError};

/// How many records of each kind a database holds: what a restore is checked against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub plans: u64,
    pub nodes: u64,
    pub history: u64,
    pub users: u64,
    /// Flags such as "the seed was loaded": a database with one is in use even with no plan.
    pub flags: u64,
}

impl Counts {
    /// Nothing a user made or the seed loaded.
    pub fn is_empty(&self) -> bool {
        self.plans == 0 && self.users == 0 && self.flags == 0
    }
}

impl Store {
    /// The whole database as SurrealQL, in pieces, read in one transaction.
    pub async fn export(&self) -> Result<impl Stream<Item = Result<Vec<u8>>> + Send + 'static> {
        // Accepted pushes written out first (the copy would hold them either way).
        self.settle_all().await?;
        let backup = self.db.export(()).await?;
        Ok(backup.map(|piece| piece.map_err(StoreError::from)))
    }

    /// What the database holds, counted.
    pub async fn counts(&self) -> Result<Counts> {
        self.settle_all().await?;
        let mut r = self
            .db
            .query(
                "RETURN {
                    plans: count(SELECT VALUE id FROM plan),
                    nodes: count(SELECT VALUE id FROM node),
                    history: count(SELECT VALUE id FROM history),
                    users: count(SELECT VALUE id FROM user),
                    flags: count(SELECT VALUE id FROM meta),
                }",
            )
            .await?
            .check()?;
        let v: Option<Value> = r.take(0)?;
        let count = |k: &str| {
            v.as_ref()
                .and_then(|v| v.get(k))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        Ok(Counts {
            plans: count("plans"),
            nodes: count("nodes"),
            history: count("history"),
            users: count("users"),
            flags: count("flags"),
        })
    }

    /// Reads a copy made by [`Store::export`] into the database at `url`, which must be new
    /// (nothing defined in it yet), then applies today's schema over it (a copy made by an
    /// older version gains what was added since). Fails on the first statement that fails.
    pub async fn restore(url: &str, credentials: Option<&str>, file: &Path) -> Result<Store> {
        let db = super::open_database(url, credentials, super::DATABASE).await?;
        db.import(file).await?;
        db.query(SCHEMA).await?.check()?;
        let store = Store {
            db,
            checks: None,
            writer: None,
            kept: None,
        };
        store.settle_all().await?;
        Ok(store)
    }
}
