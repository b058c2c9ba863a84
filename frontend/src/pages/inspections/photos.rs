//! A visit's photos on the tablet: taken with the camera or chosen from the gallery, turned
//! upright (the camera's EXIF orientation), downscaled to a long edge of 2,000 px as JPEG,
//! named by their SHA-256, kept in the device's storage (IndexedDB) until the server holds them,
//! and uploaded apart from the records, in 256 KB chunks that resume where an upload stopped.
//! The photo's note (`InspectionMutation::SavePhoto`) goes with the records.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ids::{PlanId, RecordId};
use shared::inspection::model::{Photo, Position};
use shared::inspection::op::{self, InspectionMutation};
use shared::inspection::photo::{PHOTO_MAX_BYTES, PhotoHash, UploadStatus, chunk_range};
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::send;
use crate::state::PlanStore;

/// The long edge of a photo as kept.
pub const LONG_EDGE: f64 = 2000.0;

type Js = Result<JsValue, JsValue>;

fn get(target: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(target, &JsValue::from_str(key)).unwrap_or_default()
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Js {
    let f: js_sys::Function = get(target, method).dyn_into()?;
    f.apply(target, &args.iter().collect::<js_sys::Array>())
}

async fn wait(promise: JsValue) -> Js {
    JsFuture::from(js_sys::Promise::from(promise)).await
}

fn words(what: &str) -> impl Fn(JsValue) -> String + '_ {
    move |_| format!("Không xử lý được ảnh ({what}); hãy chụp hoặc chọn lại.")
}

/// A photo ready to keep: its JPEG bytes and what the note says of it.
pub struct Prepared {
    pub bytes: Vec<u8>,
    pub hash: PhotoHash,
    pub width: u32,
    pub height: u32,
    /// The file's time (the camera's, for a photo just taken), in local time.
    pub taken_at: Option<chrono::NaiveDateTime>,
}

/// `file` upright, downscaled to [`LONG_EDGE`] as JPEG (lower quality if still over the size
/// limit), and its SHA-256.
pub async fn prepare(file: &web_sys::File) -> Result<Prepared, String> {
    let window: JsValue = web_sys::window().ok_or("Không có trình duyệt.")?.into();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &options,
        &JsValue::from_str("imageOrientation"),
        &JsValue::from_str("from-image"),
    );
    let bitmap = wait(
        call(&window, "createImageBitmap", &[file.into(), options.into()])
            .map_err(words("không đọc được tệp"))?,
    )
    .await
    .map_err(|_| "Tệp này không phải là ảnh đọc được; hãy chọn ảnh JPEG hoặc PNG.".to_owned())?;
    let (w, h) = (
        get(&bitmap, "width").as_f64().unwrap_or(0.0),
        get(&bitmap, "height").as_f64().unwrap_or(0.0),
    );
    if w < 1.0 || h < 1.0 {
        return Err("Ảnh trống; hãy chọn ảnh khác.".into());
    }
    let scale = (LONG_EDGE / w.max(h)).min(1.0);
    let (tw, th) = ((w * scale).round().max(1.0), (h * scale).round().max(1.0));
    let canvas_class = get(&window, "OffscreenCanvas");
    let canvas_class: js_sys::Function = canvas_class
        .dyn_into()
        .map_err(|_| "Trình duyệt này quá cũ để xử lý ảnh; hãy cập nhật trình duyệt.".to_owned())?;
    let canvas = js_sys::Reflect::construct(
        &canvas_class,
        &js_sys::Array::of2(&JsValue::from_f64(tw), &JsValue::from_f64(th)),
    )
    .map_err(words("không tạo được khung vẽ"))?;
    let context =
        call(&canvas, "getContext", &[JsValue::from_str("2d")]).map_err(words("không vẽ được"))?;
    let _ = js_sys::Reflect::set(
        &context,
        &JsValue::from_str("imageSmoothingQuality"),
        &JsValue::from_str("high"),
    );
    call(
        &context,
        "drawImage",
        &[
            bitmap.clone(),
            JsValue::from_f64(0.0),
            JsValue::from_f64(0.0),
            JsValue::from_f64(tw),
            JsValue::from_f64(th),
        ],
    )
    .map_err(words("không vẽ được"))?;
    let _ = call(&bitmap, "close", &[]);
    let mut bytes = Vec::new();
    for quality in [0.85, 0.7, 0.5] {
        let opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &opts,
            &JsValue::from_str("type"),
            &JsValue::from_str("image/jpeg"),
        );
        let _ = js_sys::Reflect::set(
            &opts,
            &JsValue::from_str("quality"),
            &JsValue::from_f64(quality),
        );
        let blob =
            wait(call(&canvas, "convertToBlob", &[opts.into()]).map_err(words("không nén được"))?)
                .await
                .map_err(words("không nén được"))?;
        let buffer = wait(call(&blob, "arrayBuffer", &[]).map_err(words("không đọc được"))?)
            .await
            .map_err(words("không đọc được"))?;
        bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        if (bytes.len() as u64) <= PHOTO_MAX_BYTES {
            break;
        }
    }
    if bytes.len() as u64 > PHOTO_MAX_BYTES {
        return Err("Ảnh vẫn quá 6 MB sau khi thu nhỏ; hãy chụp lại.".into());
    }
    let digest = sha256(&bytes).await?;
    let modified = js_sys::Date::new(&JsValue::from_f64(file.last_modified()));
    let taken_at = chrono::NaiveDate::from_ymd_opt(
        modified.get_full_year() as i32,
        modified.get_month() + 1,
        modified.get_date(),
    )
    .and_then(|d| {
        d.and_hms_opt(
            modified.get_hours(),
            modified.get_minutes(),
            modified.get_seconds(),
        )
    });
    Ok(Prepared {
        bytes,
        hash: PhotoHash::from_digest(&digest),
        width: tw as u32,
        height: th as u32,
        taken_at,
    })
}

/// The SHA-256 of `bytes`, by the browser's own crypto.
async fn sha256(bytes: &[u8]) -> Result<[u8; 32], String> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or("Trình duyệt không có bộ mã hoá.")?;
    let subtle: JsValue = get(&crypto.into(), "subtle");
    let data = js_sys::Uint8Array::from(bytes);
    let out = wait(
        call(
            &subtle,
            "digest",
            &[JsValue::from_str("SHA-256"), data.into()],
        )
        .map_err(words("không tính được mã"))?,
    )
    .await
    .map_err(words("không tính được mã"))?;
    js_sys::Uint8Array::new(&out)
        .to_vec()
        .try_into()
        .map_err(|_| "Không tính được mã ảnh.".to_owned())
}

/// Where a photo's bytes wait on the device for their upload.
fn key(plan: PlanId, hash: &PhotoHash) -> String {
    format!("photo/{plan}/{hash}")
}

/// Keeps a prepared photo on the device (until the server holds it) and its note in the
/// visit's records.
pub async fn keep(
    store: PlanStore,
    visit: RecordId,
    prepared: Prepared,
    position: Position,
) -> Result<(), String> {
    let plan = store.plan_id();
    let blob = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(
        &js_sys::Uint8Array::from(prepared.bytes.as_slice()),
    ))
    .map_err(|_| "Không lưu được ảnh vào máy.".to_owned())?;
    crate::kv::put_value(&key(plan, &prepared.hash), &blob)
        .await
        .map_err(|e| e.to_string())?;
    let photo = Photo {
        visit,
        hash: prepared.hash,
        size: prepared.bytes.len() as u64,
        width: prepared.width,
        height: prepared.height,
        task: None,
        caption: String::new(),
        taken_at: prepared.taken_at,
        position,
    };
    send(store, InspectionMutation::SavePhoto { photo })
}

/// The photos of `plan` kept on the device and not yet held by the server.
pub async fn waiting(plan: PlanId) -> Vec<PhotoHash> {
    crate::kv::keys_with_prefix(&format!("photo/{plan}/"))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|k| k.rsplit('/').next().and_then(|h| PhotoHash::parse(h).ok()))
        .collect()
}

/// A URL that shows the photo in a list: its bytes on the device while they wait, else the
/// server's thumbnail (320 px: a list of 60 photos is 1 MB, not 30).
pub async fn url(plan: PlanId, hash: &PhotoHash) -> String {
    let kept = crate::kv::get_many(&[&key(plan, hash)])
        .await
        .ok()
        .and_then(|mut v| v.pop().flatten())
        .and_then(|v| v.dyn_into::<web_sys::Blob>().ok());
    kept.and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok())
        .unwrap_or_else(|| format!("/api/plans/{plan}/photos/{hash}/thumb"))
}

/// The whole photo on the server.
fn full_url(plan: PlanId, hash: &PhotoHash) -> String {
    format!("/api/plans/{plan}/photos/{hash}")
}

thread_local! {
    static UPLOADING: Cell<bool> = const { Cell::new(false) };
}

/// Sends the photos waiting on the device, one after the other, each from the chunks the
/// server does not hold yet; a photo the server holds is dropped from the device. Stops at the
/// first network failure (the next call resumes); a photo the server refuses stays, with the
/// reason in `failed`. One run at a time.
pub async fn upload(plan: PlanId, failed: RwSignal<Option<String>>) {
    if UPLOADING.with(|u| u.replace(true)) {
        return;
    }
    let list = waiting(plan).await;
    for hash in list {
        match upload_one(plan, &hash).await {
            Ok(true) => {
                let _ = crate::kv::delete(&key(plan, &hash)).await;
            }
            Ok(false) => break,
            Err(reason) => failed.set(Some(reason)),
        }
    }
    UPLOADING.with(|u| u.set(false));
}

/// Ok(true): the server holds it; Ok(false): the network failed; Err: refused, with the reason.
async fn upload_one(plan: PlanId, hash: &PhotoHash) -> Result<bool, String> {
    let Some(blob) = crate::kv::get_many(&[&key(plan, hash)])
        .await
        .ok()
        .and_then(|mut v| v.pop().flatten())
        .and_then(|v| v.dyn_into::<web_sys::Blob>().ok())
    else {
        return Ok(true);
    };
    let Ok(buffer) = wait(call(&blob, "arrayBuffer", &[]).unwrap_or_default()).await else {
        return Err("Không đọc được ảnh trong máy.".into());
    };
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let size = bytes.len() as u64;
    let base = format!("/api/plans/{plan}/photos/{hash}/upload/{size}");
    let status = match gloo_net::http::Request::get(&base).send().await {
        Ok(r) if r.ok() => match crate::api::decode::<UploadStatus>(&r).await {
            Some(s) => s,
            None => return Ok(false),
        },
        Ok(r) => return Err(refusal(r).await),
        Err(_) => return Ok(false),
    };
    for index in status.missing() {
        let range = chunk_range(size, index);
        let chunk = &bytes[range.start as usize..range.end as usize];
        let digest = sha256(chunk).await?;
        let body = js_sys::Uint8Array::from(chunk);
        let sent = gloo_net::http::Request::put(&format!("{base}/{index}"))
            .header("x-chunk-sha256", &shared::inspection::photo::hex(&digest))
            .body(body)
            .map_err(|_| "Không gửi được ảnh.".to_owned())?
            .send()
            .await;
        match sent {
            Ok(r) if r.ok() => {}
            Ok(r) => return Err(refusal(r).await),
            Err(_) => return Ok(false),
        }
    }
    Ok(true)
}

async fn refusal(r: gloo_net::http::Response) -> String {
    let status = r.status();
    match crate::api::decode::<shared::api::ApiError>(&r).await {
        Some(e) => e.message,
        None => format!("Máy chủ từ chối ảnh (mã {status})."),
    }
}

/// The visit's photos: add from the camera or the gallery, caption, remove; each says whether
/// it waits on the device or the server holds it.
#[component]
pub fn Photos(visit: RecordId, editable: bool, position: Signal<Position>) -> impl IntoView {
    let store = expect_context::<PlanStore>();
    let plan = store.plan_id();
    let list = Memo::new(move |_| {
        store.state.with(|s| {
            op::photos_of(s.records(), visit)
                .cloned()
                .collect::<Vec<Photo>>()
        })
    });
    let busy = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let waiting = RwSignal::new(Vec::<PhotoHash>::new());
    let refresh = move || {
        spawn_local(async move {
            waiting.set(self::waiting(plan).await);
        })
    };
    let start_upload = move || {
        if crate::device::online() {
            spawn_local(async move {
                upload(plan, error).await;
                waiting.set(self::waiting(plan).await);
            });
        }
    };
    refresh();
    start_upload();
    let on_online = window_event_listener(leptos::ev::online, move |_| start_upload());
    on_cleanup(move || on_online.remove());
    let add = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(files) = input.files() else {
            return;
        };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        input.set_value("");
        spawn_local(async move {
            let _ = crate::device::request_persistence().await;
            let n = files.len();
            for (i, file) in files.iter().enumerate() {
                busy.set(Some(format!("Đang xử lý ảnh {}/{n}…", i + 1)));
                let started = crate::device::now_ms();
                let result = match prepare(file).await {
                    Ok(p) => {
                        note_time(crate::device::now_ms() - started);
                        keep(store, visit, p, position.get_untracked()).await
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    error.set(Some(e));
                }
            }
            busy.set(None);
            waiting.set(self::waiting(plan).await);
            start_upload();
        });
    };
    view! {
        <section class="photos" aria-label="Ảnh kiểm tra">
            <h3>"Ảnh"</h3>
            {editable.then(|| view! {
                <div class="actions">
                    <label class="button primary">
                        "Chụp ảnh"
                        <input type="file" accept="image/*" capture="environment" class="visually-hidden" on:change=add aria-label="Chụp ảnh" />
                    </label>
                    <label class="button">
                        "Chọn từ thư viện"
                        <input type="file" accept="image/*" multiple class="visually-hidden" on:change=add aria-label="Chọn ảnh từ thư viện" />
                    </label>
                </div>
            })}
            {move || busy.get().map(|b| view! { <p class="notice" role="status">{b}</p> })}
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <p class="hint upload-state" data-testid="upload-state">{move || {
                let n = waiting.get().len();
                if n == 0 { "Đã tải hết ảnh lên máy chủ.".to_owned() } else { format!("{n} ảnh chờ tải lên (lưu trong máy).") }
            }}</p>
            <ul class="photo-grid" role="list">
                // Keyed: a photo's picture is looked up once, not again at every change of the list.
                <For each=move || list.get() key=|p| (p.hash.clone(), p.caption.clone()) children=move |p| {
                    let hash = p.hash.clone();
                    let src = RwSignal::new(String::new());
                    let h = hash.clone();
                    spawn_local(async move { src.set(url(plan, &h).await); });
                    // A picture from the device's storage is let go with its item.
                    on_cleanup(move || {
                        let u = src.try_get_untracked().unwrap_or_default();
                        if u.starts_with("blob:") {
                            let _ = web_sys::Url::revoke_object_url(&u);
                        }
                    });
                    let kept_here = {
                        let hash = hash.clone();
                        move || waiting.get().contains(&hash)
                    };
                    let caption_photo = p.clone();
                    let remove = p.hash.clone();
                    let hash_link = p.hash.clone();
                    view! {
                        <li class="photo" data-hash=hash.to_string()>
                            // Tapped: the whole photo (the device's copy while it waits).
                            <a href=move || { let u = src.get(); if u.starts_with("blob:") { u } else { full_url(plan, &hash_link) } } target="_blank" rel="noopener">
                                <img src=move || src.get() alt=p.caption.clone() loading="lazy" width=p.width height=p.height />
                            </a>
                            <span class="hint">{move || if kept_here() { "Chờ tải lên" } else { "Đã tải lên" }}</span>
                            <input type="text" placeholder="Chú thích" prop:value=p.caption.clone() disabled=!editable
                                aria-label="Chú thích ảnh"
                                on:change=move |ev| {
                                    let photo = Photo { caption: event_target_value(&ev), ..caption_photo.clone() };
                                    if let Err(e) = send(store, InspectionMutation::SavePhoto { photo }) {
                                        error.set(Some(e));
                                    }
                                } />
                            {editable.then(|| view! {
                                <button type="button" class="link danger" on:click=move |_| {
                                    match send(store, InspectionMutation::DeletePhoto { visit, hash: remove.clone() }) {
                                        // Its bytes waiting on the device go with it.
                                        Ok(()) => {
                                            let k = key(plan, &remove);
                                            spawn_local(async move {
                                                let _ = crate::kv::delete(&k).await;
                                                waiting.set(self::waiting(plan).await);
                                            });
                                        }
                                        Err(e) => error.set(Some(e)),
                                    }
                                }>"Xoá ảnh"</button>
                            })}
                        </li>
                    }
                } />
            </ul>
        </section>
    }
}

/// Keeps how long each photo took to prepare where the benchmark reads it
/// (`window.__khPhotoMs`).
fn note_time(ms: f64) {
    if let Some(w) = web_sys::window() {
        let key = JsValue::from_str("__khPhotoMs");
        let list = js_sys::Reflect::get(&w, &key)
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
            .unwrap_or_else(|| {
                let a = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&w, &key, &a);
                a
            });
        list.push(&JsValue::from_f64(ms));
    }
}
