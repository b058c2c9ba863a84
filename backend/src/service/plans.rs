//! Plans as wholes: the encoded tree (gzip per plan version, cached), creating a plan,
//! saving an import, and a node's history.

use bytes::Bytes;
use shared::access::Actor;
use shared::api::{DuplicatePlan, User};
use shared::ids::{NodeId, PlanId};
use shared::import::ParsedPlan;
use shared::plan::{Plan, PlanTree};
use shared::sync::HistoryEntry;
use std::io::Read;
use std::sync::Arc;

use super::{Result, Service, ServiceError, locked, uuid_now};

/// A plan's tree (or a first pull, or its bodies) encoded once for all readers of one version:
/// JSON gzip-compressed, the only form kept (the JSON of a 100,000-task plan is ~100 MB; every
/// browser asks for gzip, and a client that does not is sent [`TreeSnapshot::json`]).
pub struct TreeSnapshot {
    pub version: String,
    pub gzip: Bytes,
}

impl TreeSnapshot {
    /// The JSON itself, decompressed (for a client that does not accept gzip).
    pub fn json(&self) -> std::io::Result<Vec<u8>> {
        let mut json = Vec::with_capacity(self.gzip.len() * 4);
        flate2::read::GzDecoder::new(&self.gzip[..]).read_to_end(&mut json)?;
        Ok(json)
    }
}

impl Service {
    /// Forgets the plan's encoded tree and first pull (its record changed).
    pub(super) fn forget_encoded(&self, plan: PlanId) {
        locked(&self.trees).remove(&plan);
        locked(&self.first_pulls).retain(|(p, _), _| *p != plan);
        locked(&self.bodies).remove(&plan);
        self.shared_pulls.forget(plan);
    }

    pub async fn plan_tree(&self, id: PlanId) -> Result<PlanTree> {
        let plan = self
            .store
            .plan(id)
            .await?
            .ok_or(ServiceError::PlanNotFound)?;
        let nodes = self.store.nodes(id).await?;
        Ok(PlanTree { plan, nodes })
    }

    /// The plan's tree, encoded, from the cache when the plan has not changed since.
    pub async fn plan_tree_encoded(&self, id: PlanId, by: &Actor) -> Result<Arc<TreeSnapshot>> {
        self.readable(id, by).await?;
        // Marked as used: its encoded tree leaves memory with the plan's state when idle.
        self.slot(id);
        let version = self
            .store
            .plan_version(id)
            .await?
            .ok_or(ServiceError::PlanNotFound)?;
        let cached = locked(&self.trees).get(&id).cloned();
        if let Some(hit) = cached.filter(|c| c.version == version) {
            return Ok(hit);
        }
        let (version, plan, nodes) = self
            .store
            .plan_snapshot(id)
            .await?
            .ok_or(ServiceError::PlanNotFound)?;
        let snapshot =
            tokio::task::spawn_blocking(move || encode_tree(version, &PlanTree { plan, nodes }))
                .await
                .map_err(|e| ServiceError::Task(e.to_string()))??;
        let snapshot = Arc::new(snapshot);
        locked(&self.trees).insert(id, snapshot.clone());
        Ok(snapshot)
    }

    /// Creates an empty plan (refused when the id is taken).
    pub async fn create_plan(&self, plan: &Plan) -> Result<()> {
        if self.store.create_plan(plan, &[], None).await? {
            Ok(())
        } else {
            Err(ServiceError::PlanExists)
        }
    }

    /// Stores an imported plan under `plan_id`, with node ids from `next_id`.
    pub async fn import_plan(
        &self,
        plan_id: PlanId,
        parsed: ParsedPlan,
        next_id: impl FnMut() -> NodeId,
    ) -> Result<PlanTree> {
        let tree = PlanTree::from_parsed(plan_id, parsed, next_id);
        self.store.put_plan(&tree.plan, &tree.nodes).await?;
        Ok(tree)
    }

    /// Saves a reviewed import as the new plan `plan_id`: checked as the server checks every
    /// edit (labels, titles, known agencies, one lead per task).
    /// Unless `allow_duplicate`, a plan with the same number and issuer, or imported from the
    /// same file, is refused with the plans it repeats.
    pub async fn save_import(
        &self,
        plan_id: PlanId,
        mut parsed: ParsedPlan,
        source_sha256: Option<&str>,
        allow_duplicate: bool,
    ) -> Result<PlanTree> {
        let source_sha256 = source_sha256.filter(|sha| is_sha256(sha));
        let known = self.known().await?;
        shared::import::review::check_reviewed(&mut parsed, &known.agencies)
            .map_err(ServiceError::Review)?;
        if !allow_duplicate {
            let duplicates = self
                .duplicates_of(plan_id, &parsed.metadata, source_sha256)
                .await?;
            if !duplicates.is_empty() {
                return Err(ServiceError::Duplicate(duplicates));
            }
        }
        let tree = PlanTree::from_parsed(plan_id, parsed, || NodeId(uuid_now()));
        if !self
            .store
            .create_plan(&tree.plan, &tree.nodes, source_sha256)
            .await?
        {
            return Err(ServiceError::PlanExists);
        }
        Ok(tree)
    }

    /// The stored plans (other than `plan_id`) with the same number and issuer as `metadata`,
    /// or imported from the file `source_sha256`.
    pub async fn duplicates_of(
        &self,
        plan_id: PlanId,
        metadata: &shared::document::PlanMetadata,
        source_sha256: Option<&str>,
    ) -> Result<Vec<DuplicatePlan>> {
        // Dates as the province reads them (UTC+7).
        let vietnam = chrono::FixedOffset::east_opt(7 * 3600).expect("a valid offset");
        Ok(self
            .store
            .plan_origins()
            .await?
            .into_iter()
            .filter(|p| p.id != plan_id)
            .filter_map(|p| {
                let same_file =
                    source_sha256.is_some() && p.source_sha256.as_deref() == source_sha256;
                (same_file || p.metadata.same_document(metadata)).then(|| DuplicatePlan {
                    id: p.id,
                    imported_on: p
                        .created
                        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                        .map(|t| t.with_timezone(&vietnam).date_naive()),
                    metadata: p.metadata,
                    same_file,
                })
            })
            .collect())
    }

    /// A node's history, newest first.
    pub async fn history(
        &self,
        plan: PlanId,
        node: NodeId,
        by: &User,
    ) -> Result<Vec<HistoryEntry>> {
        self.readable(plan, &by.actor()).await?;
        Ok(self.store.history(plan, node).await?)
    }

    /// The history of the plan's document details (number, trích yếu, date, issuer, signer)
    /// since the import, newest first.
    pub async fn document_history(&self, plan: PlanId, by: &User) -> Result<Vec<HistoryEntry>> {
        self.readable(plan, &by.actor()).await?;
        Ok(self
            .store
            .record_history(plan, &shared::report::RecordKey::Document)
            .await?)
    }
}

/// 64 hexadecimal digits: what a client may send as a file's SHA-256.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn encode_tree(version: String, tree: &PlanTree) -> Result<TreeSnapshot> {
    // The fast level: measured on a 5,000-node plan, the default level made the answer only
    // 2% smaller (1.17 MB both) and the first read after an edit three times slower.
    encode(version, tree, flate2::Compression::fast())
}

pub(super) fn encode(
    version: String,
    value: &impl serde::Serialize,
    level: flate2::Compression,
) -> Result<TreeSnapshot> {
    // Written straight into the compressor through a buffer (the JSON itself is never held
    // whole).
    let fail = |e: &dyn std::fmt::Display| ServiceError::Encode(e.to_string());
    let mut out = std::io::BufWriter::with_capacity(
        64 * 1024,
        flate2::write::GzEncoder::new(Vec::new(), level),
    );
    serde_json::to_writer(&mut out, value).map_err(|e| fail(&e))?;
    let gzip = out
        .into_inner()
        .map_err(|e| fail(&e))?
        .finish()
        .map_err(|e| fail(&e))?;
    Ok(TreeSnapshot {
        version,
        gzip: gzip.into(),
    })
}
