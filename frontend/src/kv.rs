//! A small key-value store in IndexedDB (database `kehoach`, object store `kv`): what the app
//! keeps on the device between sessions. Values are JSON text.

use idb::{
    Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode, TransactionResult,
};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;

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

pub async fn get(key: &str) -> Result<Option<String>> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadOnly)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    let v: Option<JsValue> = store
        .get(JsValue::from_str(key))
        .map_err(e)?
        .await
        .map_err(e)?;
    Ok(v.and_then(|v| v.as_string()))
}

/// Writes all `pairs` in one transaction: all of them or none.
pub async fn put_all(pairs: &[(&str, &str)]) -> Result<()> {
    let db = open().await?;
    let tx = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(e)?;
    let store = tx.object_store(STORE).map_err(e)?;
    for (k, v) in pairs {
        store
            .put(&JsValue::from_str(v), Some(&JsValue::from_str(k)))
            .map_err(e)?;
    }
    match tx.commit().map_err(e)?.await.map_err(e)? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(AppError::StorageAborted),
    }
}

pub async fn put(key: &str, value: &str) -> Result<()> {
    put_all(&[(key, value)]).await
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
