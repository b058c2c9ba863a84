//! Report records as the sync writes and reads them (`report_record`: one row per record,
//! keyed by the plan's id and the record's key, so no plan's key can name another plan's row;
//! a deleted record keeps its row with no data, for pulls to tell devices), and their conflicts
//! (`report_conflict`). Written in the same transaction as the rest of a batch (`sync.rs`).

use serde_json::{Value, json};
use shared::ids::{ConflictId, PlanId};
use shared::report::{Record, RecordKey};
use shared::sync::{ChangeNo, Delta, RecordConflict, RecordStamps};
use std::collections::HashMap;

use super::*;

/// What pushes applied together wrote to report records, each in its last state.
#[derive(Debug, Clone, Default)]
pub struct RecordBatch {
    /// `None`: deleted.
    records: HashMap<RecordKey, (Option<Record>, RecordStamps, ChangeNo)>,
    conflicts: HashMap<ConflictId, RecordConflict>,
}

impl RecordBatch {
    pub fn add(&mut self, delta: &Delta) {
        for key in &delta.records_deleted {
            self.records
                .insert(key.clone(), (None, RecordStamps::new(), delta.change));
        }
        for (r, s) in &delta.records {
            self.records
                .insert(r.key(), (Some(r.clone()), s.clone(), delta.change));
        }
        for c in &delta.record_conflicts {
            self.conflicts.insert(c.id, c.clone());
        }
    }

    /// The plan's metadata fields the batch's document record changed, as an object to merge
    /// into the plan's `metadata` (lists and trees show the plan as it stands); `None` when the
    /// batch did not touch it.
    pub fn document_patch(&self) -> Result<Option<Value>> {
        let Some((Some(Record::Document(d)), ..)) = self.records.get(&RecordKey::Document) else {
            return Ok(None);
        };
        let full = to_value(&d.over(&shared::document::PlanMetadata::default()))?;
        let patch: serde_json::Map<String, Value> = d
            .changed_keys()
            .map(|key| {
                (
                    key.to_owned(),
                    full.get(key).cloned().unwrap_or(Value::Null),
                )
            })
            .collect();
        Ok(Some(Value::Object(patch)))
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.conflicts.is_empty()
    }

    /// The conflicts opened or closed.
    pub fn conflicts(&self) -> impl Iterator<Item = &RecordConflict> {
        self.conflicts.values()
    }

    /// Applies the batch to records read back (as writing it and reading them again would).
    pub fn apply_to(&self, stored: &mut StoredRecords) {
        for (key, (record, stamps, change)) in &self.records {
            stored.records.retain(|r| r.key() != *key);
            match record {
                Some(r) => {
                    stored.records.push(r.clone());
                    stored.stamps.insert(key.clone(), stamps.clone());
                    stored.deleted.remove(key);
                }
                None => {
                    stored.stamps.remove(key);
                    stored.deleted.insert(key.clone(), *change);
                }
            }
        }
    }

    /// The rows to upsert: `{ key, content }` for `report_record` and `report_conflict`.
    pub fn rows(&self, plan: PlanId) -> Result<(Vec<Value>, Vec<Value>)> {
        let records = self
            .records
            .iter()
            .map(|(key, (record, stamps, change))| {
                Ok(json!({ "key": row_key(plan, key), "content": {
                    "plan_id": plan.to_string(), "key": key.to_string(),
                    "data": record.as_ref().map(to_value).transpose()?,
                    "stamps": to_value(stamps)?, "change": change,
                }}))
            })
            .collect::<Result<_>>()?;
        let conflicts = self
            .conflicts
            .values()
            .map(|c| conflict_row(plan, c.id, c.change, c.open, c))
            .collect::<Result<_>>()?;
        Ok((records, conflicts))
    }
}

/// A record's row id: the plan's id (fixed length), a slash, the record's key.
fn row_key(plan: PlanId, key: &RecordKey) -> String {
    format!("{plan}/{key}")
}

/// A plan's report records read back: the records, their stamps, the deleted ones.
#[derive(Debug, Default)]
pub struct StoredRecords {
    pub records: Vec<Record>,
    pub stamps: HashMap<RecordKey, RecordStamps>,
    pub deleted: HashMap<RecordKey, ChangeNo>,
}

/// Reads rows of `SELECT key, data, stamps, change FROM report_record`.
pub fn read_rows(rows: Vec<Value>) -> Result<StoredRecords> {
    let mut out = StoredRecords::default();
    for mut row in rows {
        let Some(key) = row
            .get("key")
            .and_then(Value::as_str)
            .and_then(|k| k.parse::<RecordKey>().ok())
        else {
            tracing::warn!("a report record with an unreadable key is skipped");
            continue;
        };
        let change = change_of(row.get("change"));
        match row.get_mut("data").map(Value::take) {
            Some(data) if !data.is_null() => {
                let record: Record = serde_json::from_value(data)?;
                let stamps = match row.get_mut("stamps").map(Value::take) {
                    Some(s) if !s.is_null() => serde_json::from_value(s)?,
                    _ => RecordStamps::new(),
                };
                out.stamps.insert(key, stamps);
                out.records.push(record);
            }
            _ => {
                out.deleted.insert(key, change);
            }
        }
    }
    Ok(out)
}
