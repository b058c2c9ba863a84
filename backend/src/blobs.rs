//! Photos and the chunks of their uploads, as objects: on local disk under the data directory
//! by default, in an S3-compatible bucket by configuration (`--photos s3://bucket`), in memory
//! beside an in-memory database. `object_store`'s types stay in this file.
//!
//! Names: `photos/<sha256>` for a photo (one object per content, whoever sent it, however many
//! times); `sizes/<size>/<sha256>` for its smaller sizes, made when first asked for;
//! `uploads/<plan>/<sha256>/<chunk>` for the chunks received of an upload under way.

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use shared::ids::PlanId;
use shared::inspection::photo::{PhotoHash, PhotoSize};
use std::sync::Arc;

/// Why the object store failed (a disk full, a bucket unreachable).
#[derive(Debug, thiserror::Error)]
#[error("object store: {0}")]
pub struct BlobError(String);

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        Self(e.to_string())
    }
}

pub type Result<T, E = BlobError> = std::result::Result<T, E>;

/// Where photos are kept.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blobs({})", self.store)
    }
}

impl Blobs {
    /// `location`: `memory://`, `s3://<bucket>` (credentials, region and endpoint from the
    /// usual `AWS_*` variables: `AWS_ENDPOINT` for a bucket that is not Amazon's), or a
    /// folder (created if missing).
    pub fn open(location: &str) -> Result<Self> {
        let store: Arc<dyn ObjectStore> = if location == "memory://" {
            Arc::new(object_store::memory::InMemory::new())
        } else if location.starts_with("s3://") {
            Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_url(location)
                    .build()?,
            )
        } else {
            let dir = location.strip_prefix("file://").unwrap_or(location);
            std::fs::create_dir_all(dir).map_err(|e| BlobError(format!("{dir}: {e}")))?;
            Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(dir)?
                    .with_automatic_cleanup(true),
            )
        };
        Ok(Self { store })
    }

    pub fn in_memory() -> Self {
        Self {
            store: Arc::new(object_store::memory::InMemory::new()),
        }
    }

    fn photo_path(hash: &PhotoHash) -> Path {
        Path::from(format!("photos/{hash}"))
    }

    fn sized_path(hash: &PhotoHash, size: PhotoSize) -> Path {
        Path::from(format!("sizes/{}/{hash}", size.name()))
    }

    fn upload_dir(plan: PlanId, hash: &PhotoHash) -> Path {
        Path::from(format!("uploads/{plan}/{hash}"))
    }

    fn chunk_path(plan: PlanId, hash: &PhotoHash, index: u32) -> Path {
        Path::from(format!("uploads/{plan}/{hash}/{index}"))
    }

    /// Keeps chunk `index` of an upload (a chunk sent again replaces itself: same bytes).
    pub async fn put_chunk(
        &self,
        plan: PlanId,
        hash: &PhotoHash,
        index: u32,
        bytes: Bytes,
    ) -> Result<()> {
        self.store
            .put(
                &Self::chunk_path(plan, hash, index),
                PutPayload::from(bytes),
            )
            .await?;
        Ok(())
    }

    /// The chunks of an upload received so far, in order.
    pub async fn chunks(&self, plan: PlanId, hash: &PhotoHash) -> Result<Vec<u32>> {
        let listed: Vec<_> = self
            .store
            .list(Some(&Self::upload_dir(plan, hash)))
            .try_collect()
            .await?;
        let mut indexes: Vec<u32> = listed
            .iter()
            .filter_map(|o| o.location.filename()?.parse().ok())
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        Ok(indexes)
    }

    /// How many uploads of `plan` are under way (have chunks kept).
    pub async fn uploads_under_way(&self, plan: PlanId) -> Result<usize> {
        // Counted by the chunks kept (a folder emptied on disk may linger).
        let listed: Vec<_> = self
            .store
            .list(Some(&Path::from(format!("uploads/{plan}"))))
            .try_collect()
            .await?;
        let uploads: std::collections::HashSet<String> = listed
            .iter()
            .filter_map(|o| o.location.parts().nth(2).map(|p| p.as_ref().to_owned()))
            .collect();
        Ok(uploads.len())
    }

    pub async fn chunk(&self, plan: PlanId, hash: &PhotoHash, index: u32) -> Result<Bytes> {
        Ok(self
            .store
            .get(&Self::chunk_path(plan, hash, index))
            .await?
            .bytes()
            .await?)
    }

    /// Forgets the chunks of an upload (done, or to be sent again).
    pub async fn drop_chunks(&self, plan: PlanId, hash: &PhotoHash) -> Result<()> {
        for index in self.chunks(plan, hash).await? {
            match self
                .store
                .delete(&Self::chunk_path(plan, hash, index))
                .await
            {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Keeps a photo under its hash, once: a photo kept already is left as it is.
    pub async fn put_photo(&self, hash: &PhotoHash, bytes: Bytes) -> Result<()> {
        let create = PutOptions::from(PutMode::Create);
        match self
            .store
            .put_opts(&Self::photo_path(hash), PutPayload::from(bytes), create)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The photo's bytes, if kept.
    pub async fn photo(&self, hash: &PhotoHash) -> Result<Option<Bytes>> {
        match self.store.get(&Self::photo_path(hash)).await {
            Ok(got) => Ok(Some(got.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The photo at a smaller size, if made already.
    pub async fn sized(&self, hash: &PhotoHash, size: PhotoSize) -> Result<Option<Bytes>> {
        match self.store.get(&Self::sized_path(hash, size)).await {
            Ok(got) => Ok(Some(got.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps the photo at a smaller size (made the same way every time: a second writer
    /// writes the same bytes).
    pub async fn put_sized(&self, hash: &PhotoHash, size: PhotoSize, bytes: Bytes) -> Result<()> {
        self.store
            .put(&Self::sized_path(hash, size), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// Forgets the chunks of uploads last written before `cutoff` (abandoned: a device that
    /// comes back sends them again). How many went.
    pub async fn drop_uploads_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize> {
        let listed: Vec<_> = self
            .store
            .list(Some(&Path::from("uploads")))
            .try_collect()
            .await?;
        let mut dropped = 0;
        for old in listed.iter().filter(|o| o.last_modified < cutoff) {
            match self.store.delete(&old.location).await {
                Ok(()) => dropped += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(dropped)
    }

    /// How many photos are kept (for tests and the operator).
    pub async fn photo_count(&self) -> Result<usize> {
        let listed: Vec<_> = self
            .store
            .list(Some(&Path::from("photos")))
            .try_collect()
            .await?;
        Ok(listed.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> PhotoHash {
        PhotoHash::from_digest(&[n; 32])
    }

    #[tokio::test]
    async fn chunks_of_abandoned_uploads_go_the_photos_stay() {
        let blobs = Blobs::in_memory();
        let plan = PlanId(uuid::Uuid::nil());
        blobs
            .put_chunk(plan, &hash(1), 0, Bytes::from_static(b"a"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        blobs
            .put_photo(&hash(2), Bytes::from_static(b"b"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let before = chrono::Utc::now() - chrono::Duration::days(1);
        assert_eq!(blobs.drop_uploads_before(before).await.ok(), Some(0));
        assert_eq!(blobs.chunks(plan, &hash(1)).await.ok(), Some(vec![0]));
        let after = chrono::Utc::now() + chrono::Duration::seconds(1);
        assert_eq!(blobs.drop_uploads_before(after).await.ok(), Some(1));
        assert_eq!(blobs.chunks(plan, &hash(1)).await.ok(), Some(vec![]));
        assert_eq!(blobs.photo_count().await.ok(), Some(1));
    }
}
