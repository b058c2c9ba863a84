//! Which plan holds which photo (the bytes are in `crate::blobs`).

use shared::ids::PlanId;
use shared::inspection::photo::PhotoHash;

use super::{Result, Store};

impl Store {
    /// Records that `plan` holds the photo `hash` of `size` bytes, sent by `by` (once: a second
    /// time changes nothing).
    pub async fn link_photo(
        &self,
        plan: PlanId,
        hash: &PhotoHash,
        size: u64,
        by: &str,
    ) -> Result<()> {
        self.db
            .query(
                "INSERT IGNORE INTO photo { id: [$plan, $hash], plan_id: $plan, size: $size, uploaded_by: $by };",
            )
            .bind(("plan", plan.to_string()))
            .bind(("hash", hash.to_string()))
            .bind(("size", size))
            .bind(("by", by.to_owned()))
            .await?
            .check()?;
        Ok(())
    }

    /// The size of the photo `hash` if `plan` holds it.
    pub async fn photo_size(&self, plan: PlanId, hash: &PhotoHash) -> Result<Option<u64>> {
        let mut r = self
            .db
            .query("SELECT VALUE size FROM ONLY type::record('photo', [$plan, $hash])")
            .bind(("plan", plan.to_string()))
            .bind(("hash", hash.to_string()))
            .await?
            .check()?;
        let size: Option<i64> = r.take(0)?;
        Ok(size.and_then(|s| u64::try_from(s).ok()))
    }
}
