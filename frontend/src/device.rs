//! The device: its sync identity, connectivity, persistent storage, the service worker, files.

use leptos::prelude::*;
use shared::ids::ClientId;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::kv;

/// Milliseconds since the Unix epoch, by the device's clock.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn random_bytes() -> [u8; 10] {
    let mut random = [0u8; 10];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut random);
    }
    random
}

/// Where the client id of `username` on this device is kept.
pub fn client_key(username: &str) -> String {
    format!("device:{username}")
}

/// The client id under which this device sends `username`'s changes, made once per user and
/// kept in IndexedDB. Each person on a shared tablet has their own (the server binds a client id
/// to the first user who pushes under it), so nobody sends another's changes. `kept` and
/// `legacy` are what the device holds under [`client_key`] and [`LEGACY_DEVICE_KEY`] (read by
/// the caller with the rest of what it needs, in one transaction).
pub async fn client_id(username: &str, kept: Option<JsValue>, legacy: Option<JsValue>) -> ClientId {
    if let Some(id) = kept
        .and_then(|v| v.as_string())
        .and_then(|s| s.parse().ok())
    {
        return id;
    }
    // The one client id of earlier versions goes to the first user who opens a plan here:
    // the outboxes it names are adopted by that user, as those versions would have sent them.
    let legacy = legacy
        .and_then(|v| v.as_string())
        .and_then(|s| s.parse().ok());
    let id = legacy.unwrap_or_else(|| ClientId::from_parts(now_ms() as u64, random_bytes()));
    if kv::put(&client_key(username), &id.to_string())
        .await
        .is_ok()
        && legacy.is_some()
    {
        let _ = kv::delete(LEGACY_DEVICE_KEY).await;
    }
    id
}

/// Sets `key` in the browser's localStorage, which scripts read synchronously before the app
/// starts (IndexedDB, where the app keeps everything else, can only be read asynchronously).
pub fn remember_flag(key: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, "1");
    }
}

/// Whether `key` is set in the browser's localStorage ([`remember_flag`]).
pub fn has_flag(key: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
        .is_some()
}

/// Removes `key` from the browser's localStorage ([`remember_flag`]).
pub fn forget_flag(key: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
}

thread_local! {
    /// When the user last touched, scrolled, wheeled or typed (Unix milliseconds).
    static LAST_INPUT: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    static WATCHING_INPUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Waits until the user has not touched, scrolled or typed for `ms` milliseconds: long work
/// that can wait (the bodies a first visit left out, copies kept on the device) then does not
/// make the screen stutter under their finger.
pub async fn quiet(ms: f64) {
    // Never before the frame being prepared is drawn (the first render of a plan included).
    after_paint().await;
    watch_input();
    loop {
        let since = now_ms() - LAST_INPUT.with(std::cell::Cell::get);
        if since >= ms {
            return;
        }
        sleep(ms - since).await;
    }
}

/// Resolves once the next frame is drawn: in a task after the frame's callbacks, its layout
/// and its paint; or after 200 ms in a page that draws nothing (a tab in the background).
pub async fn after_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Some(window) = web_sys::window() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let after = resolve.clone();
        let next_task = Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback(&after);
            }
        });
        let _ = window.request_animation_frame(next_task.unchecked_ref());
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 200);
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn watch_input() {
    if WATCHING_INPUT.with(|w| w.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let seen = Closure::<dyn FnMut()>::new(|| LAST_INPUT.with(|t| t.set(now_ms())));
    let options = web_sys::AddEventListenerOptions::new();
    options.set_capture(true);
    options.set_passive(true);
    for event in ["pointerdown", "touchstart", "wheel", "scroll", "keydown"] {
        let _ = window.add_event_listener_with_callback_and_add_event_listener_options(
            event,
            seen.as_ref().unchecked_ref(),
            &options,
        );
    }
    // Listens for as long as the page lives.
    seen.forget();
}

/// Where earlier versions kept the device's one client id.
pub const LEGACY_DEVICE_KEY: &str = "device";

/// A new UUIDv7 made on the device: time from the browser's clock, bytes from its CSPRNG.
pub fn new_uuid() -> uuid::Uuid {
    uuid::Builder::from_unix_timestamp_millis(now_ms() as u64, &random_bytes()).into_uuid()
}

pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Asks the browser not to evict our data (iPadOS drops unpersisted sites after 7 days unused).
pub async fn request_persistence() -> bool {
    let Some(nav) = web_sys::window().map(|w| w.navigator()) else {
        return false;
    };
    if !js_sys::Reflect::has(&nav, &JsValue::from_str("storage")).unwrap_or(false) {
        return false;
    }
    let Ok(promise) = nav.storage().persist() else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Opens the browser's print dialog (the page's print style lays it out on A4).
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// Today's date in the device's time zone (statuses and completion dates).
pub fn today() -> chrono::NaiveDate {
    let d = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

/// "14:05 27/11/2026" in the device's time zone.
pub fn format_time(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!(
        "{:02}:{:02} {:02}/{:02}/{}",
        d.get_hours(),
        d.get_minutes(),
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year()
    )
}

/// Offers `text` as a file download.
pub fn download(filename: &str, text: &str) -> Result<(), JsValue> {
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json;charset=utf-8");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(filename);
    a.set_hidden(true);
    doc.body().ok_or("no body")?.append_child(&a)?;
    a.click();
    a.remove();
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000)?;
    Ok(())
}

/// The text of the file chosen in `input`, if any.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files().and_then(|l| l.get(0))?;
    let text = JsFuture::from(file.text()).await.ok()?.as_string();
    input.set_value("");
    text
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = js_sys::Object, js_name = CompressionStream)]
    type GzipStream;
    #[wasm_bindgen(catch, constructor, js_class = "CompressionStream")]
    fn new(format: &str) -> Result<GzipStream, JsValue>;
}

/// `bytes` gzip-compressed by the browser, or `None` where it cannot.
pub async fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).ok()?;
    let cs = GzipStream::new("gzip").ok()?;
    let gz = blob
        .stream()
        .pipe_through(cs.unchecked_ref::<web_sys::ReadableWritablePair>());
    let resp = web_sys::Response::new_with_opt_readable_stream(Some(&gz)).ok()?;
    let buf = JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
    Some(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Server-sent events of a plan: calls `on_change` with each change number, `on_open` when
/// the stream (re)connects. Closed when dropped.
pub struct Events {
    source: web_sys::EventSource,
    _change: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _open: Closure<dyn FnMut(web_sys::Event)>,
}

impl Events {
    pub fn connect(
        url: &str,
        mut on_change: impl FnMut(shared::sync::ChangeNo) + 'static,
        mut on_open: impl FnMut() + 'static,
    ) -> Option<Self> {
        let source = web_sys::EventSource::new(url).ok()?;
        let change =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(n) = ev
                    .data()
                    .as_string()
                    .and_then(|s| s.trim().parse().ok())
                    .map(shared::sync::ChangeNo)
                {
                    on_change(n);
                }
            });
        let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_open());
        source
            .add_event_listener_with_callback("change", change.as_ref().unchecked_ref())
            .ok()?;
        source.set_onopen(Some(open.as_ref().unchecked_ref()));
        Some(Self {
            source,
            _change: change,
            _open: open,
        })
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.source.close();
        self.source.set_onopen(None);
    }
}

/// Keeps `value` alive as long as the current reactive owner (a component).
pub fn keep_alive<T: 'static>(value: T) {
    let _ = StoredValue::new_local(value);
}

/// A performance mark, for the render benchmark and the browser's profiler.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// The local time now as hh:mm.
pub fn time_now() -> String {
    let d = js_sys::Date::new_0();
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// The tablet's position from the Geolocation API: (latitude, longitude) in degrees × 10⁶ and
/// the accuracy in metres; the refusal in words when there is none (permission refused, no
/// fix within 20 s, no such API).
pub async fn position() -> Result<(i32, i32, u32), String> {
    let nav = web_sys::window()
        .map(|w| w.navigator())
        .ok_or("Không có trình duyệt.")?;
    let geo = js_sys::Reflect::get(&nav, &JsValue::from_str("geolocation"))
        .ok()
        .filter(|g| !g.is_undefined() && !g.is_null())
        .ok_or("Thiết bị này không xác định được vị trí.")?;
    let get = js_sys::Reflect::get(&geo, &JsValue::from_str("getCurrentPosition"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("Thiết bị này không xác định được vị trí.")?;
    let options = js_sys::Object::new();
    for (key, value) in [
        ("enableHighAccuracy", JsValue::TRUE),
        ("timeout", JsValue::from_f64(20_000.0)),
        ("maximumAge", JsValue::from_f64(60_000.0)),
    ] {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(key), &value);
    }
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let _ = get.call3(&geo, &resolve, &reject, &options);
    });
    let fix = JsFuture::from(promise).await.map_err(|e| {
        let code = js_sys::Reflect::get(&e, &JsValue::from_str("code"))
            .ok()
            .and_then(|c| c.as_f64());
        match code {
            Some(1.0) => "Chưa được phép lấy vị trí: hãy cho phép trong cài đặt trình duyệt.",
            Some(3.0) => "Không bắt được tín hiệu định vị; hãy thử lại ở chỗ thoáng.",
            _ => "Không xác định được vị trí; hãy thử lại.",
        }
        .to_owned()
    })?;
    let coords = js_sys::Reflect::get(&fix, &JsValue::from_str("coords")).unwrap_or_default();
    let number = |key: &str| {
        js_sys::Reflect::get(&coords, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_f64())
    };
    match (number("latitude"), number("longitude"), number("accuracy")) {
        (Some(lat), Some(lon), Some(acc)) => Ok((
            (lat * 1e6).round() as i32,
            (lon * 1e6).round() as i32,
            acc.round().clamp(0.0, 1e7) as u32,
        )),
        _ => Err("Không xác định được vị trí; hãy thử lại.".to_owned()),
    }
}

/// How much the app keeps on the device and how much the browser lets it keep, in bytes
/// (StorageManager's estimate); `None` where the browser does not say.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let nav = web_sys::window()?.navigator();
    if !js_sys::Reflect::has(&nav, &JsValue::from_str("storage")).unwrap_or(false) {
        return None;
    }
    let estimate = JsFuture::from(nav.storage().estimate().ok()?).await.ok()?;
    let number = |key: &str| {
        js_sys::Reflect::get(&estimate, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_f64())
    };
    Some((number("usage")?, number("quota")?))
}
