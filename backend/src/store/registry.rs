//! Writes to the agency registry (reads are `Store::agencies`).

use serde_json::{Value, json};
use shared::registry::Agency;

use super::{Result, Store, to_value};

impl Store {
    /// Writes `agencies` (new or changed), each under its code, in one transaction.
    pub async fn put_agencies(&self, agencies: &[Agency]) -> Result<()> {
        if agencies.is_empty() {
            return Ok(());
        }
        let agencies: Vec<Value> = agencies
            .iter()
            .map(|a| Ok(json!({ "key": a.code, "content": to_value(a)? })))
            .collect::<Result<_>>()?;
        self.db
            .query(
                "BEGIN TRANSACTION;
                 FOR $a IN $agencies { UPSERT type::record('agency', $a.key) CONTENT $a.content; };
                 COMMIT TRANSACTION;",
            )
            .bind(("agencies", Value::Array(agencies)))
            .await?
            .check()?;
        Ok(())
    }
}
