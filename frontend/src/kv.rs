//! A small key-value store in IndexedDB (database `kehoach`, object store `kv`): what the app
//! keeps on the device between sessions. Values are JSON text, stored as a string, or as its
//! UTF-8 bytes for the large ones ([`Value::Bytes`]: a plan's copy of several megabytes is read
//! back as one block, with no conversion to and from the browser's UTF-16 strings).

use idb::{
    Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode, TransactionResult,
};
use std::cell::RefCell;
use std::future::IntoFuture;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::AppError;

const DB: &str = "kehoach";
const STORE: &str = "kv";

pub type Result<T> = std::result::Result<T, AppError>;

fn e(err: impl std::fmt::Display) -> AppError {
    AppError::Storage(err.to_string())
}

thread_local! {
    static CONN: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
}

async fn open() -> Result<Rc<Database>> {
    if let Some(db) = CONN.with(|c| c.borrow().clone()) {
        return Ok(db);
    }
    let factory = Factory::new().map_err(e)?;
    let mut req = factory.open(DB, Some(1)).map_err(e)?;
    req.on_upgrade_needed(|ev| {
        if let Ok(db) = ev.database()
            && !db.store_names().iter().any(|n| n == STORE)
        {
            let _ = db.create_object_store(STORE, ObjectStoreParams::new());
        }
    });
    let db = Rc::new(req.await.map_err(e)?);
    CONN.with(|c| *c.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// The values under `keys`, read in one transaction (`None` where there is none).
pub async fn get_many(keys: &[&str]) -> Result<Vec<Option<JsValue>>> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadOnly)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    // Every request is placed before the first answer is awaited: one round trip to the
    // browser's storage, not one per key.
    let requests = keys
        .iter()
        .map(|key| {
            store
                .get(JsValue::from_str(key))
                .map(IntoFuture::into_future)
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(e)?;
    let mut values = Vec::with_capacity(keys.len());
    for request in requests {
        values.push(request.await.map_err(e)?);
    }
    Ok(values)
}

/// A text value (kept as a string).
pub async fn get(key: &str) -> Result<Option<String>> {
    Ok(get_many(&[key])
        .await?
        .pop()
        .flatten()
        .and_then(|v| v.as_string()))
}

/// A value read with [`get_many`] as UTF-8 bytes (kept as bytes, or as a string).
pub fn bytes(value: JsValue) -> Option<Vec<u8>> {
    match value.as_string() {
        Some(text) => Some(text.into_bytes()),
        None => value
            .dyn_into::<js_sys::Uint8Array>()
            .ok()
            .map(|b| b.to_vec()),
    }
}

/// A value to keep: text as a string, or a large one as its UTF-8 bytes.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl Value<'_> {
    fn to_js(self) -> JsValue {
        match self {
            Value::Text(t) => JsValue::from_str(t),
            Value::Bytes(b) => js_sys::Uint8Array::from(b).into(),
        }
    }
}

/// Writes all `pairs` in one transaction: all of them or none.
pub async fn put_all(pairs: &[(&str, Value<'_>)]) -> Result<()> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    for (k, v) in pairs {
        store
            .put(&v.to_js(), Some(&JsValue::from_str(k)))
            .map_err(e)?;
    }
    match tx.commit().map_err(e)?.await.map_err(e)? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(AppError::StorageAborted),
    }
}

pub async fn put(key: &str, value: &str) -> Result<()> {
    put_all(&[(key, Value::Text(value))]).await
}

pub async fn delete(key: &str) -> Result<()> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    store.delete(JsValue::from_str(key)).map_err(e)?;
    match tx.commit().map_err(e)?.await.map_err(e)? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(AppError::StorageAborted),
    }
}

/// Keeps `value` as it is (a `Blob`: a photo's bytes, stored by the browser as a file).
pub async fn put_value(key: &str, value: &JsValue) -> Result<()> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    store.put(value, Some(&JsValue::from_str(key))).map_err(e)?;
    match tx.commit().map_err(e)?.await.map_err(e)? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(AppError::StorageAborted),
    }
}

/// The keys that start with `prefix`.
pub async fn keys_with_prefix(prefix: &str) -> Result<Vec<String>> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadOnly)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    let keys = store
        .get_all_keys(None, None)
        .map_err(e)?
        .await
        .map_err(e)?;
    Ok(keys
        .into_iter()
        .filter_map(|k| k.as_string())
        .filter(|k| k.starts_with(prefix))
        .collect())
}
