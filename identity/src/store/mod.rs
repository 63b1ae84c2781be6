//! The database: connection set-up, the error type, and every query Portico runs.
//!
//! This is the only module that uses sea-orm. Each submodule holds the queries for one
//! domain noun; they take a [`ConnectionTrait`] so callers can pass the pool or an open
//! transaction.

pub mod accounts;
pub mod apps;
pub mod audit;
pub mod codes;
pub mod entities;
pub mod factors;
pub mod federation;
pub mod flows;
pub mod keys;
pub mod oauth;
pub mod outbox;
pub mod passkeys;
pub mod sessions;
pub mod signins;
pub mod tenants;
pub mod throttles;

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Everything that can go wrong when reading or writing the database, as callers see it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique rule was broken; `field` names what was duplicated.
    #[error("a record with this {field} already exists")]
    Conflict { field: &'static str },
    /// A stored value could not be read back into its type.
    #[error("stored {what} could not be decoded")]
    Corrupt { what: &'static str },
    /// The database failed or could not be reached. The cause is kept for the log only.
    #[error("the database could not complete the request")]
    Database(#[source] DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        StoreError::Database(err)
    }
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Conflict`] naming `field`.
    pub fn conflict_on(err: DbErr, field: &'static str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict { field },
            _ => StoreError::Database(err),
        }
    }
}

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

/// The connection pool.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQLite has one writer at a time; hot write paths queue here, in order, instead
    /// of meeting in SQLite's busy handler (which sleeps 1, 2, 5, 10… ms between tries).
    write_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Opens the pool. SQLite files are created if missing and run in WAL mode with
    /// `synchronous=FULL` and foreign keys enforced.
    pub async fn connect(options: &DbOptions) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(options.url.clone());
        opts.max_connections(options.max_connections)
            .min_connections(1)
            .acquire_timeout(options.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        let conn = Database::connect(opts).await?;
        Ok(Self {
            conn,
            write_gate: Default::default(),
        })
    }

    pub fn from_connection(conn: DatabaseConnection) -> Self {
        Self {
            conn,
            write_gate: Default::default(),
        }
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a transaction. On SQLite it is `BEGIN IMMEDIATE`: it takes the write lock
    /// at once (waiting up to the busy timeout), so a transaction that reads before it
    /// writes can never fail with `SQLITE_BUSY` because another writer got in between.
    pub async fn begin(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?)
    }

    /// Waits for this process's turn to write, on SQLite (on PostgreSQL, at once).
    /// Hold the guard until the transaction commits.
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend() {
            DbBackend::Sqlite => Some(self.write_gate.lock().await),
            _ => None,
        }
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.conn.ping().await?)
    }

    /// Runs a raw statement (for pragmas and administrative commands).
    pub async fn execute_unprepared(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_unprepared(sql).await?;
        Ok(())
    }
}
