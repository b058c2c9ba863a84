//! Photos of field inspections: a chunked, resumable, content-addressed upload (the rules in
//! `shared::inspection::photo`), and reading a photo back for those who may read its plan.

use bytes::Bytes;
use sha2::{Digest, Sha256};
use shared::api::User;
use shared::ids::PlanId;
use shared::inspection::photo::{
    PhotoError, PhotoHash, PhotoSize, UPLOADS_UNDER_WAY_MAX, UploadStatus, check_chunk, check_size,
    chunk_count, is_jpeg,
};
use std::collections::HashMap;

use crate::images::{self, Jpeg};

use super::{Denial, Result, Service, ServiceError};

/// An upload under way: the chunks of it held (those of the photo's size).
fn under_way(hash: PhotoHash, size: u64, received: Vec<u32>) -> UploadStatus {
    let count = chunk_count(size);
    UploadStatus {
        hash,
        size,
        complete: false,
        received: received.into_iter().filter(|i| *i < count).collect(),
    }
}

/// How long the chunks of an upload nobody finished are kept (a tablet may stay offline for
/// weeks; it keeps its photos and sends what is missing when it comes back).
pub const UPLOAD_KEPT_DAYS: i64 = 45;

fn sha256(bytes: &[u8]) -> PhotoHash {
    PhotoHash::from_digest(&Sha256::digest(bytes).into())
}

impl Service {
    /// Keeps chunk `index` of the photo `hash` (`size` bytes) for `plan`, checked against the
    /// SHA-256 sent with it; once every chunk is there, the photo is put together, checked
    /// against its hash and kept. Chunks may come in any order and any number of times.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_chunk(
        &self,
        plan: PlanId,
        by: &User,
        hash: PhotoHash,
        size: u64,
        index: u32,
        chunk_hash: PhotoHash,
        body: Bytes,
    ) -> Result<UploadStatus> {
        self.may_upload(plan, by).await?;
        check_chunk(size, index, body.len() as u64)?;
        if let Some(status) = self.kept(plan, &hash).await? {
            return Ok(status);
        }
        let checked = body.clone();
        let sum = tokio::task::spawn_blocking(move || sha256(&checked))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?;
        if sum != chunk_hash {
            return Err(PhotoError::ChunkDamaged { index }.into());
        }
        if index == 0 && !is_jpeg(&body) {
            return Err(PhotoError::NotJpeg.into());
        }
        // A new upload counts against the plan's uploads under way.
        if self.blobs.chunks(plan, &hash).await?.is_empty()
            && self.blobs.uploads_under_way(plan).await? >= UPLOADS_UNDER_WAY_MAX
        {
            return Err(PhotoError::TooManyUnderWay.into());
        }
        self.blobs.put_chunk(plan, &hash, index, body).await?;
        let received = self.blobs.chunks(plan, &hash).await?;
        if (0..chunk_count(size)).all(|i| received.binary_search(&i).is_ok()) {
            return self.assemble(plan, by, hash, size).await;
        }
        Ok(under_way(hash, size, received))
    }

    /// Forgets the chunks of uploads untouched for [`UPLOAD_KEPT_DAYS`] (run every hour).
    pub async fn sweep_uploads(&self) -> Result<usize> {
        let cutoff = chrono::Utc::now() - chrono::Duration::days(UPLOAD_KEPT_DAYS);
        Ok(self.blobs.drop_uploads_before(cutoff).await?)
    }

    /// Where the upload of `hash` for `plan` stands: what a device asks before it resumes.
    pub async fn upload_status(
        &self,
        plan: PlanId,
        by: &User,
        hash: PhotoHash,
        size: u64,
    ) -> Result<UploadStatus> {
        self.may_upload(plan, by).await?;
        check_size(size)?;
        if let Some(status) = self.kept(plan, &hash).await? {
            return Ok(status);
        }
        let received = self.blobs.chunks(plan, &hash).await?;
        Ok(under_way(hash, size, received))
    }

    /// The photo `hash` of `plan`, for whoever may read the plan.
    pub async fn photo(&self, plan: PlanId, by: &User, hash: PhotoHash) -> Result<Bytes> {
        self.readable(plan, &by.actor()).await?;
        if self.store.photo_size(plan, &hash).await?.is_none()
            || !self.sees_photo(plan, &by.actor(), &hash).await?
        {
            return Err(PhotoError::NotFound.into());
        }
        self.blobs
            .photo(&hash)
            .await?
            .ok_or_else(|| PhotoError::NotFound.into())
    }

    /// The photo `hash` of `plan` at a smaller size, for whoever may read the plan: made the
    /// first time it is asked for, then kept.
    pub async fn photo_sized(
        &self,
        plan: PlanId,
        by: &User,
        hash: PhotoHash,
        size: PhotoSize,
    ) -> Result<Bytes> {
        self.readable(plan, &by.actor()).await?;
        if self.store.photo_size(plan, &hash).await?.is_none()
            || !self.sees_photo(plan, &by.actor(), &hash).await?
        {
            return Err(PhotoError::NotFound.into());
        }
        Ok(self
            .sized(&hash, size)
            .await?
            .ok_or(PhotoError::NotFound)?
            .bytes
            .into())
    }

    /// The photo at `size` (made and kept if it was not), `None` when the photo is not kept.
    /// No access check: for callers that made it.
    pub(crate) async fn sized(&self, hash: &PhotoHash, size: PhotoSize) -> Result<Option<Jpeg>> {
        if let Some(bytes) = self.blobs.sized(hash, size).await? {
            let (width, height) = images::dimensions(&bytes).unwrap_or((1, 1));
            return Ok(Some(Jpeg {
                bytes: bytes.into(),
                width,
                height,
            }));
        }
        let Some(whole) = self.blobs.photo(hash).await? else {
            return Ok(None);
        };
        let made = tokio::task::spawn_blocking(move || images::scaled(&whole, size))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
            .map_err(|_| PhotoError::NotJpeg)?;
        self.blobs
            .put_sized(hash, size, Bytes::from(made.bytes.clone()))
            .await?;
        Ok(Some(made))
    }

    /// The photos of `hashes` kept, at `size` (those not uploaded yet are missing).
    pub(crate) async fn sized_many(
        &self,
        hashes: impl IntoIterator<Item = PhotoHash>,
        size: PhotoSize,
    ) -> Result<HashMap<PhotoHash, Jpeg>> {
        let mut out = HashMap::new();
        for hash in hashes {
            if out.contains_key(&hash) {
                continue;
            }
            if let Some(jpeg) = self.sized(&hash, size).await? {
                out.insert(hash, jpeg);
            }
        }
        Ok(out)
    }

    /// Whether `actor` sees a photo of `plan`: an agency's officer those of the visits to the
    /// agency only (`shared::inspection::scope`), everyone else reading the plan all of them.
    async fn sees_photo(
        &self,
        plan: PlanId,
        actor: &shared::actor::Actor,
        hash: &PhotoHash,
    ) -> Result<bool> {
        if actor.role != shared::access::UserRole::AgencyOfficer {
            return Ok(true);
        }
        let state = self.plan_state(plan).await?;
        let records = state.authority.state().records();
        Ok(shared::inspection::op::visits(records).any(|v| {
            shared::inspection::sees_visit(actor, v)
                && shared::inspection::op::photos_of(records, v.id).any(|p| &p.hash == hash)
        }))
    }

    async fn may_upload(&self, plan: PlanId, by: &User) -> Result<()> {
        let actor = by.actor();
        self.readable(plan, &actor).await?;
        if shared::inspection::may_record(actor.role) {
            Ok(())
        } else {
            Err(Denial::PhotosRecordersOnly.into())
        }
    }

    /// The status of a photo the plan holds already.
    async fn kept(&self, plan: PlanId, hash: &PhotoHash) -> Result<Option<UploadStatus>> {
        Ok(self
            .store
            .photo_size(plan, hash)
            .await?
            .map(|size| UploadStatus::kept(hash.clone(), size)))
    }

    /// Every chunk is there: the photo put together, checked and kept once; the chunks go.
    async fn assemble(
        &self,
        plan: PlanId,
        by: &User,
        hash: PhotoHash,
        size: u64,
    ) -> Result<UploadStatus> {
        let mut whole = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        for index in 0..chunk_count(size) {
            whole.extend_from_slice(&self.blobs.chunk(plan, &hash, index).await?);
        }
        let whole = Bytes::from(whole);
        let checked = whole.clone();
        let sum = tokio::task::spawn_blocking(move || sha256(&checked))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?;
        let readable = images::dimensions(&whole).is_ok();
        if whole.len() as u64 != size || sum != hash {
            // Chunks of another photo under this name (each was whole on its way): the upload
            // starts again.
            self.blobs.drop_chunks(plan, &hash).await?;
            return Err(PhotoError::Mismatch.into());
        }
        if !readable {
            // Whole and as named, but no JPEG header a reader understands: refused, not kept.
            self.blobs.drop_chunks(plan, &hash).await?;
            return Err(PhotoError::NotJpeg.into());
        }
        self.blobs.put_photo(&hash, whole).await?;
        self.store
            .link_photo(plan, &hash, size, &by.username)
            .await?;
        self.blobs.drop_chunks(plan, &hash).await?;
        Ok(UploadStatus::kept(hash, size))
    }
}
