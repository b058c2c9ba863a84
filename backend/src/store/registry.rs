//! The reference data: agencies and administrative units, read and written.

use serde_json::{Value, json};
use shared::registry::{AdminUnit, Agency, ReferenceData};

use super::{Result, Store, from_values, to_value};

impl Store {
    /// Writes reference data; records keep their keys, so writing twice changes nothing.
    pub async fn put_reference_data(&self, data: &ReferenceData) -> Result<()> {
        let agencies: Vec<Value> = data
            .agencies
            .iter()
            .map(|a| Ok(json!({ "key": a.code, "content": to_value(a)? })))
            .collect::<Result<_>>()?;
        let units: Vec<Value> = data
            .units
            .iter()
            .map(|u| {
                let mut c = to_value(u)?;
                if let Some(o) = c.as_object_mut() {
                    o.remove("id");
                }
                Ok(json!({ "key": u.id, "content": c }))
            })
            .collect::<Result<_>>()?;
        self.db
            .query(
                "BEGIN TRANSACTION;
                 FOR $a IN $agencies { UPSERT type::record('agency', $a.key) CONTENT $a.content; };
                 FOR $u IN $units { UPSERT type::record('admin_unit', $u.key) CONTENT $u.content; };
                 COMMIT TRANSACTION;",
            )
            .bind(("agencies", Value::Array(agencies)))
            .bind(("units", Value::Array(units)))
            .await?
            .check()?;
        Ok(())
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>> {
        let mut r = self
            .db
            .query("SELECT * OMIT id FROM agency ORDER BY code")
            .await?
            .check()?;
        from_values(r.take(0)?)
    }

    pub async fn admin_units(&self) -> Result<Vec<AdminUnit>> {
        let mut r = self
            .db
            .query("SELECT record::id(id) AS id, name, kind, level, parent, valid_from, valid_to FROM admin_unit ORDER BY id")
            .await?
            .check()?;
        from_values(r.take(0)?)
    }
}

impl Store {
    /// Writes `agencies` (new or changed), each under its code, in one transaction.
    /// Yields each time an agency is written, through any server on this database (a LIVE
    /// query).
    pub async fn agency_changes(
        &self,
    ) -> Result<impl futures_util::Stream<Item = ()> + Send + use<>> {
        use futures_util::StreamExt;
        let stream = self.db.select::<Vec<Value>>("agency").live().await?;
        Ok(stream.map(|_| ()))
    }

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
