//! The product's own data, built into the binary: the first customer's plan (Kế hoạch
//! 52/KH-UBND) and the reference data of Lạng Sơn. Loaded into an empty database on first start.

use shared::ids::{NodeId, PlanId};
use shared::registry::{ReferenceData, parse_reference_data};

use crate::service::Service;

pub const SEED_PLAN: &str = include_str!("../seed/ke-hoach-52-KH-UBND-2014-lang-son.txt");
pub const AGENCIES: &str = include_str!("../seed/agencies.json");
pub const UNITS: &str = include_str!("../seed/lang-son-units.json");
pub const UNITS_2025: &str = include_str!("../seed/lang-son-units-2025.json");

const SEED_FLAG: &str = "seed_v1";

/// The seed plan's id: fixed, so that loading it twice writes the same records.
pub fn seed_plan_id() -> PlanId {
    // 2014-06-05T00:00:00Z, the plan's date of issue; the rest spells "KH52".
    PlanId::from_parts(1_401_926_400_000, *b"KH52-seed0")
}

fn seed_node_id(i: u16) -> NodeId {
    let mut random = *b"KH52-node0";
    random[8..].copy_from_slice(&i.to_be_bytes());
    NodeId::from_parts(1_401_926_400_000, random)
}

/// The built-in reference data.
pub fn reference_data() -> anyhow::Result<ReferenceData> {
    Ok(parse_reference_data(AGENCIES, UNITS, UNITS_2025)?)
}

/// Loads the seed plan and the reference data unless this database has had them already.
/// Every record has a fixed id, so a start interrupted half-way is completed, not duplicated,
/// by the next one. Returns whether anything was loaded.
pub async fn ensure_seeded(service: &Service) -> anyhow::Result<bool> {
    if service.flag(SEED_FLAG).await? {
        return Ok(false);
    }
    service.put_reference_data(&reference_data()?).await?;
    let parsed = shared::import::import_plan_text(SEED_PLAN)?;
    let mut i = 0u16;
    service
        .import_plan(seed_plan_id(), parsed, || {
            i += 1;
            seed_node_id(i)
        })
        .await?;
    service.set_flag(SEED_FLAG).await?;
    Ok(true)
}
