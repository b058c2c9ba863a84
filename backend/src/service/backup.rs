//! Copies of the whole database: the administrator's download in the app, and the operator's
//! `backend backup` while the server runs (which proves itself with the token the server wrote
//! beside its data, readable only by whoever may read the data itself).

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use shared::api::User;

use super::auth::token_key;
use super::{Denial, Result, Service};
use crate::store::StoreError;

/// A copy being read: its file name and its SurrealQL, in pieces.
pub struct BackupFile {
    pub name: String,
    pub content: BoxStream<'static, Result<Vec<u8>, StoreError>>,
}

/// The file name of a copy made at `at`, in Vietnam's time: `sao-luu-ke-hoach-20261204-0830.surql`.
pub fn backup_file_name(at: chrono::DateTime<chrono::Utc>) -> String {
    const FORMAT: &str = "%Y%m%d-%H%M%S";
    let when = match chrono::FixedOffset::east_opt(7 * 3600) {
        Some(vietnam) => at.with_timezone(&vietnam).format(FORMAT).to_string(),
        None => at.format(FORMAT).to_string(),
    };
    format!("sao-luu-ke-hoach-{when}.surql")
}

impl Service {
    /// The token `backend backup` may present instead of an administrator's session.
    pub fn with_operator_token(mut self, token: &str) -> Self {
        self.operator_key = Some(token_key(token));
        self
    }

    /// A copy of everything, for an administrator.
    pub async fn backup(&self, by: &User) -> Result<BackupFile> {
        if !by.role.administers() {
            return Err(Denial::BackupAdministratorsOnly.into());
        }
        self.copy().await
    }

    /// A copy of everything, for the operator's command on this machine; `None` when `token`
    /// is not the operator's.
    pub async fn operator_backup(&self, token: &str) -> Result<Option<BackupFile>> {
        match &self.operator_key {
            Some(key) if *key == token_key(token) => Ok(Some(self.copy().await?)),
            _ => Ok(None),
        }
    }

    async fn copy(&self) -> Result<BackupFile> {
        let content = self.store.export().await?.boxed();
        tracing::info!("a copy of the database was taken");
        Ok(BackupFile {
            name: backup_file_name(chrono::Utc::now()),
            content,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_named_by_the_time_in_vietnam() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-04T20:30:05Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            backup_file_name(at),
            "sao-luu-ke-hoach-20261205-033005.surql"
        );
    }
}
