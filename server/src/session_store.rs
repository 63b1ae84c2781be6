//! A tower-sessions store kept in Portico's own database, through the identity engine.
//!
//! Rows are keyed by the SHA-256 of the session id, so reading the table yields no
//! usable cookie. The engine sets each row's expiry from its own clock and the
//! configured timeouts. `save` only updates an existing row: a session ended on another
//! instance (sign-out, revocation) is not brought back by a request still in flight.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portico_identity::sessions::SessionIndex;
use portico_identity::{Engine, StoreError};
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

#[derive(Clone)]
pub struct DbSessionStore {
    engine: Engine,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }
}

fn key(id: &Id) -> String {
    portico_identity::secrets::sha256_hex(id.to_string().as_bytes())
}

fn to_time(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn backend(err: StoreError) -> Error {
    Error::Backend(err.to_string())
}

fn encode(record: &Record) -> Result<(String, SessionIndex)> {
    let map: serde_json::Map<String, serde_json::Value> = record
        .data
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let index = SessionIndex::from_data(&map);
    let data = serde_json::to_string(&map).map_err(|e| Error::Encode(e.to_string()))?;
    Ok((data, index))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let (data, index) = encode(record)?;
        loop {
            match self
                .engine
                .insert_session(&key(&record.id), &data, &index)
                .await
            {
                Ok(()) => return Ok(()),
                // 128 random bits collided: draw again.
                Err(StoreError::Conflict { .. }) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let (data, index) = encode(record)?;
        self.engine
            .update_session(&key(&record.id), &data, &index)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(row) = self.engine.load_session(&key(id)).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_time(row.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.engine.delete_session(&key(id)).await.map_err(backend)
    }
}
