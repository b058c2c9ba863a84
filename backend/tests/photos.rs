//! Inspection photos over the API: a chunked, resumable, content-addressed upload against a
//! real embedded database and a real folder of photos.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::access::UserRole;
use shared::api::ApiError;
use shared::ids::PlanId;
use shared::inspection::photo::{
    CHUNK_BYTES, PHOTO_MAX_BYTES, UploadStatus, chunk_count, chunk_range,
};

fn hex_sha(bytes: &[u8]) -> String {
    shared::inspection::photo::hex(&Sha256::digest(bytes))
}

/// A small real JPEG (`width` × `height`, a gradient).
fn real_jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

/// A photo-like file of `size` bytes: a small real JPEG (readers find its header), then bytes
/// from `seed`.
fn photo(size: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut bytes: Vec<u8> = (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let head = real_jpeg(16, 12);
    let n = head.len().min(size);
    bytes[..n].copy_from_slice(&head[..n]);
    bytes
}

fn chunk_of(bytes: &[u8], index: u32) -> &[u8] {
    let r = chunk_range(bytes.len() as u64, index);
    &bytes[r.start as usize..r.end as usize]
}

struct Photos<'a> {
    s: &'a Server,
    client: &'a reqwest::Client,
    plan: PlanId,
}

impl Photos<'_> {
    async fn send(&self, bytes: &[u8], index: u32) -> reqwest::Response {
        let chunk = chunk_of(bytes, index);
        self.send_raw(bytes, index, chunk.to_vec(), &hex_sha(chunk))
            .await
    }

    async fn send_raw(
        &self,
        bytes: &[u8],
        index: u32,
        body: Vec<u8>,
        chunk_sha: &str,
    ) -> reqwest::Response {
        self.client
            .put(self.s.url(&format!(
                "/plans/{}/photos/{}/upload/{}/{index}",
                self.plan,
                hex_sha(bytes),
                bytes.len()
            )))
            .header("x-chunk-sha256", chunk_sha)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    async fn sent(&self, bytes: &[u8], index: u32) -> UploadStatus {
        let r = self.send(bytes, index).await;
        assert_eq!(r.status(), StatusCode::OK, "chunk {index}");
        body(r).await
    }

    async fn status(&self, bytes: &[u8]) -> UploadStatus {
        let r = self
            .client
            .get(self.s.url(&format!(
                "/plans/{}/photos/{}/upload/{}",
                self.plan,
                hex_sha(bytes),
                bytes.len()
            )))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::OK);
        body(r).await
    }

    async fn read(&self, client: &reqwest::Client, hash: &str) -> reqwest::Response {
        client
            .get(self.s.url(&format!("/plans/{}/photos/{hash}", self.plan)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Files under `dir` (recursively).
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// A server keeping its photos in a folder of the test's, and the seed plan's id.
async fn server_with_photos() -> (tempfile::TempDir, Server, PlanId) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut config = config("mem://");
    config.database.photos = Some(dir.path().display().to_string());
    let s = Server::start_with(config).await;
    let plan = s.seed_plan().await.plan.id;
    (dir, s, plan)
}

async fn refusal(r: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(r.status(), status);
    let e: ApiError = body(r).await;
    e.message
}

#[tokio::test]
async fn a_photo_sent_out_of_order_and_twice_is_kept_once_and_byte_identical() {
    let (dir, s, plan) = server_with_photos().await;
    let inspector = s.as_user("kiemtra", UserRole::Inspector, None).await;
    let up = Photos {
        s: &s,
        client: &inspector,
        plan,
    };
    let bytes = photo(3 * CHUNK_BYTES as usize + 1234, 1);
    assert_eq!(chunk_count(bytes.len() as u64), 4);

    let mut last = None;
    for (i, index) in [2, 0, 0, 3, 2].into_iter().enumerate() {
        let status = up.sent(&bytes, index).await;
        assert!(!status.complete, "step {i}");
        last = Some(status);
    }
    assert_eq!(last.map(|s| s.received), Some(vec![0, 2, 3]));
    let done = up.sent(&bytes, 1).await;
    assert!(done.complete && done.received.is_empty());

    let hash = hex_sha(&bytes);
    let r = up.read(&inspector, &hash).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap_or_default()
            .contains("private")
    );
    assert_eq!(
        r.bytes().await.map(|b| b.to_vec()).ok(),
        Some(bytes.clone())
    );

    // Sent again whole (a device that never heard the answer): nothing more is kept.
    for index in 0..4 {
        assert!(up.sent(&bytes, index).await.complete);
    }
    // The same photo in another plan: sent in full (knowing its name is not enough), kept once.
    let other = new_plan(&s, "Kế hoạch khác").await;
    let there = Photos {
        s: &s,
        client: &s.client,
        plan: other,
    };
    assert_eq!(
        there.read(&s.client, &hash).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(!there.status(&bytes).await.complete);
    for index in (0..4).rev() {
        there.sent(&bytes, index).await;
    }
    assert!(there.status(&bytes).await.complete);
    assert_eq!(there.read(&s.client, &hash).await.status(), StatusCode::OK);

    let kept = files(dir.path());
    assert_eq!(
        kept.len(),
        1,
        "one file for the photo, no chunk left: {kept:?}"
    );
    assert_eq!(std::fs::read(&kept[0]).ok(), Some(bytes));
    s.stop().await;
}

#[tokio::test]
async fn an_upload_cut_at_any_chunk_boundary_resumes_with_the_chunks_missing() {
    let (dir, s, plan) = server_with_photos().await;
    let up = Photos {
        s: &s,
        client: &s.client,
        plan,
    };
    let n = 5;
    for cut in 0..=n {
        let bytes = photo(n as usize * CHUNK_BYTES as usize - 100, 10 + u64::from(cut));
        for index in 0..cut {
            up.sent(&bytes, index).await;
        }
        // The connection drops in the middle of the next chunk: a body cut short is refused,
        // nothing of it is kept.
        if cut < n {
            let chunk = chunk_of(&bytes, cut);
            let r = up
                .send_raw(
                    &bytes,
                    cut,
                    chunk[..chunk.len() / 2].to_vec(),
                    &hex_sha(chunk),
                )
                .await;
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Back online: the device asks what is there and sends the rest.
        let status = up.status(&bytes).await;
        assert_eq!(status.complete, cut == n);
        let missing = status.missing();
        if cut < n {
            assert_eq!(missing, (cut..n).collect::<Vec<_>>());
        }
        for index in missing {
            up.sent(&bytes, index).await;
        }
        let r = up.read(&s.client, &hex_sha(&bytes)).await;
        assert_eq!(
            r.bytes().await.map(|b| b.to_vec()).ok(),
            Some(bytes),
            "cut at {cut}"
        );
    }
    assert_eq!(files(dir.path()).len(), usize::try_from(n + 1).unwrap_or(0));
    s.stop().await;
}

#[tokio::test]
async fn damaged_chunks_and_chunks_of_another_photo_are_refused_and_not_kept() {
    let (dir, s, plan) = server_with_photos().await;
    let up = Photos {
        s: &s,
        client: &s.client,
        plan,
    };
    let bytes = photo(2 * CHUNK_BYTES as usize, 3);

    // A chunk whose bytes do not match the SHA-256 sent with it.
    let mut damaged = chunk_of(&bytes, 1).to_vec();
    damaged[100] ^= 1;
    let r = up
        .send_raw(&bytes, 1, damaged, &hex_sha(chunk_of(&bytes, 1)))
        .await;
    let message = refusal(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(message.contains("Phần 2 của ảnh bị hỏng"), "{message}");
    assert!(up.status(&bytes).await.received.is_empty());

    // Every chunk whole, but together another photo than the one named: refused, dropped.
    let other = photo(2 * CHUNK_BYTES as usize, 4);
    up.sent(&bytes, 0).await;
    let r = up
        .send_raw(
            &bytes,
            1,
            chunk_of(&other, 1).to_vec(),
            &hex_sha(chunk_of(&other, 1)),
        )
        .await;
    let message = refusal(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(message.contains("không ghép thành đúng ảnh"), "{message}");
    assert!(up.status(&bytes).await.received.is_empty());
    assert_eq!(
        up.read(&s.client, &hex_sha(&bytes)).await.status(),
        StatusCode::NOT_FOUND
    );

    // Not a JPEG.
    let mut png = photo(1000, 5);
    png[..4].copy_from_slice(b"\x89PNG");
    let message = refusal(up.send(&png, 0).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(message, "Ảnh phải ở dạng JPEG.");
    assert!(files(dir.path()).is_empty());
    s.stop().await;
}

#[tokio::test]
async fn sizes_over_the_limits_get_413_with_the_reason_in_vietnamese() {
    let s = Server::start("mem://").await;
    let plan = s.seed_plan().await.plan.id;
    let hash = "ab".repeat(32);
    let put = |path: String, body: Vec<u8>, sha: String| {
        s.client
            .put(s.url(&format!("/plans/{plan}/photos/{path}")))
            .header("x-chunk-sha256", sha)
            .body(body)
            .send()
    };
    let chunk = vec![0xffu8; 1000];
    let sha = hex_sha(&chunk);
    let over = PHOTO_MAX_BYTES + 1;
    let r = put(
        format!("{hash}/upload/{over}/0"),
        chunk.clone(),
        sha.clone(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let message = refusal(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(message.starts_with("Ảnh quá lớn"), "{message}");

    let big = vec![0xffu8; CHUNK_BYTES as usize + 1];
    let r = put(
        format!("{hash}/upload/{}/0", 2 * CHUNK_BYTES),
        big.clone(),
        hex_sha(&big),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let message = refusal(r, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(message, "Mỗi phần ảnh gửi lên tối đa 256 KB.");

    // A chunk past the end, a malformed name, size or chunk number, no chunk hash.
    let r = put(format!("{hash}/upload/1000/1"), chunk.clone(), sha.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        refusal(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("ảnh gồm 1 phần")
    );
    for path in [
        format!("{}/upload/1000/0", "AB".repeat(32)),
        format!("{hash}/upload/-1/0"),
        format!("{hash}/upload/1000/x"),
    ] {
        let r = put(path.clone(), chunk.clone(), sha.clone())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
    }
    let r = s
        .client
        .put(s.url(&format!("/plans/{plan}/photos/{hash}/upload/1000/0")))
        .body(chunk.clone())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        refusal(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("SHA-256")
    );
    s.stop().await;
}

#[tokio::test]
async fn photos_are_sent_by_inspectors_and_read_only_by_those_who_may_read_their_plan() {
    let s = Server::start("mem://").await;
    let seed = s.seed_plan().await.plan.id;
    let inspector = s.as_user("kiemtra", UserRole::Inspector, None).await;
    let leader = s.as_user("lanhdao", UserRole::Leader, None).await;
    let officer = s
        .as_user("syt.canbo", UserRole::AgencyOfficer, Some("SYT"))
        .await;
    let standing = s.as_user("bdt", UserRole::Standing, Some("BDT")).await;

    // A plan no agency has a task in, read by the province's roles only.
    let restricted = new_plan(&s, "Kế hoạch riêng").await;
    let r = standing
        .put(s.url(&format!("/plans/{restricted}/visibility")))
        .header("content-type", "application/json")
        .body(json!({ "visibility": "assigned" }).to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(r.status().is_success());

    let bytes = photo(5000, 7);
    let hash = hex_sha(&bytes);
    for (who, client, may) in [
        ("inspector", &inspector, true),
        ("standing", &standing, true),
        ("leader", &leader, false),
        ("officer", &officer, false),
    ] {
        let up = Photos {
            s: &s,
            client,
            plan: seed,
        };
        let r = up.send(&bytes, 0).await;
        let expected = if may {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(r.status(), expected, "{who}");
    }
    let up = Photos {
        s: &s,
        client: &inspector,
        plan: restricted,
    };
    assert!(up.sent(&bytes, 0).await.complete);

    // The seed plan's photo: everyone who reads the seed plan, but an agency's officer, who
    // sees the photos of visits to the agency only (this one is of no visit).
    let seed_photos = Photos {
        s: &s,
        client: &s.client,
        plan: seed,
    };
    for client in [&inspector, &leader, &standing] {
        assert_eq!(
            seed_photos.read(client, &hash).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        seed_photos.read(&officer, &hash).await.status(),
        StatusCode::NOT_FOUND
    );
    // The restricted plan's copy: not the officer, whose agency has no task in it.
    assert_eq!(
        up.read(&officer, &hash).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(up.read(&leader, &hash).await.status(), StatusCode::OK);
    // A photo of one plan is not found under another.
    let lone = photo(3000, 8);
    assert!(up.sent(&lone, 0).await.complete);
    let lone_hash = hex_sha(&lone);
    assert_eq!(
        seed_photos.read(&leader, &lone_hash).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(up.read(&leader, &lone_hash).await.status(), StatusCode::OK);
    // Nobody signed in: nothing.
    let anonymous = reqwest::Client::new();
    assert_eq!(
        seed_photos.read(&anonymous, &hash).await.status(),
        StatusCode::UNAUTHORIZED
    );
    s.stop().await;
}

#[tokio::test]
async fn smaller_sizes_are_made_once_for_those_who_may_read_and_unreadable_photos_are_refused() {
    let (dir, s, plan) = server_with_photos().await;
    let inspector = s.as_user("kiemtra", UserRole::Inspector, None).await;
    let up = Photos {
        s: &s,
        client: &inspector,
        plan,
    };
    let bytes = real_jpeg(2_000, 1_500);
    let hash = hex_sha(&bytes);
    for index in 0..chunk_count(bytes.len() as u64) {
        up.sent(&bytes, index).await;
    }
    assert!(up.status(&bytes).await.complete);
    let get = |client: reqwest::Client, size: &str| {
        let url = s.url(&format!("/plans/{plan}/photos/{hash}/{size}"));
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    };
    let mut thumbs = Vec::new();
    for _ in 0..2 {
        let r = get(inspector.clone(), "thumb").await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/jpeg")
        );
        thumbs.push(r.bytes().await.map(|b| b.to_vec()).unwrap_or_default());
    }
    assert_eq!(thumbs[0], thumbs[1], "made once, then the same");
    let dims = |b: &[u8]| {
        image::ImageReader::with_format(std::io::Cursor::new(b), image::ImageFormat::Jpeg)
            .into_dimensions()
            .ok()
    };
    assert_eq!(dims(&thumbs[0]), Some((320, 240)));
    assert!(thumbs[0].len() < bytes.len() / 4);
    let print = get(inspector.clone(), "print").await;
    assert_eq!(print.status(), StatusCode::OK);
    let print = print.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    assert_eq!(dims(&print), Some((1_024, 768)));
    // Kept beside the photo, one file a size.
    let kept: Vec<_> = files(dir.path())
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(&hash))
        .collect();
    assert_eq!(kept.len(), 3, "{kept:?}");
    // A size that is not one; a photo not of the plan; nobody signed in.
    assert_eq!(
        get(inspector.clone(), "huge").await.status(),
        StatusCode::BAD_REQUEST
    );
    let other = hex_sha(b"another photo");
    let r = inspector
        .get(s.url(&format!("/plans/{plan}/photos/{other}/thumb")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(reqwest::Client::new(), "thumb").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A file that begins as a JPEG does but that no reader can open: refused whole, not kept.
    let mut broken = vec![0xff, 0xd8, 0xff, 0xe0];
    broken.extend((0..5_000u32).map(|i| (i % 251) as u8));
    let r = up.send(&broken, 0).await;
    let message = refusal(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(message.contains("JPEG"), "{message}");
    assert!(
        !files(dir.path())
            .iter()
            .any(|p| p.to_string_lossy().contains(&hex_sha(&broken))),
        "nothing of it kept"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_plan_holds_at_most_so_many_uploads_under_way() {
    let (_dir, s, plan) = server_with_photos().await;
    let up = Photos {
        s: &s,
        client: &s.client,
        plan,
    };
    let max = shared::inspection::photo::UPLOADS_UNDER_WAY_MAX;
    // Photos of two chunks, the first sent only: each an upload under way.
    let photos: Vec<Vec<u8>> = (0..=max as u64)
        .map(|n| photo(CHUNK_BYTES as usize + 10, 1_000 + n))
        .collect();
    for (i, p) in photos[..max].iter().enumerate() {
        let r = up.send(p, 0).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "upload {i}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    let message = refusal(
        up.send(&photos[max], 0).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert!(message.contains("ảnh gửi dở"), "{message}");
    // One finishes: the next may start.
    assert!(up.sent(&photos[0], 1).await.complete);
    assert!(!up.sent(&photos[max], 0).await.complete);
    s.stop().await;
}
