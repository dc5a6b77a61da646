//! The connection pool when PostgreSQL ends its connections (a restart, a failover, a proxy's
//! idle timeout). The pool pings a connection on checkout only after it sat idle (see
//! `server::db`), so a connection used moments before may fail one statement; it must then
//! be replaced, never handed out again. Also how the embedded SQLite is built.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

use crate::support::{Engine, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_server_ended_fail_at_most_once_each_and_are_replaced() {
    let Some(test_db) = TestDb::create(Engine::Postgres).await else {
        return;
    };
    let db = test_db.db.clone();
    // Connections just used (three at once, besides those the migrations opened): none is
    // old enough to be pinged on checkout.
    let in_use = |db: DatabaseConnection| async move {
        let tx = db.begin().await.unwrap();
        tx.execute_unprepared("SELECT 1").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        tx.commit().await.unwrap();
    };
    tokio::join!(in_use(db.clone()), in_use(db.clone()), in_use(db.clone()));

    let ended = test_db.drop_server_connections().await;
    assert!(ended >= 3, "the server ended {ended} connections");

    let mut failed = 0;
    for _ in 0..ended + 5 {
        if db.execute_unprepared("SELECT 1").await.is_err() {
            failed += 1;
        }
    }
    assert!(
        failed <= ended,
        "{failed} statements failed on {ended} ended connections: one went back into the pool"
    );
    for _ in 0..ended {
        db.execute_unprepared("SELECT 1")
            .await
            .expect("every connection is a live one again");
    }
    assert!(test_db.destroy().await, "the pool closed");
}

/// The bundled SQLite is built with two options (`LIBSQLITE3_FLAGS` in `.cargo/config.toml`).
/// A build that lost either would still work, only slower, so this checks the library the
/// tests link:
/// * `DEFAULT_MEMSTATUS=0`: SQLite's memory statistics take one process-wide mutex on every
///   allocation and free, which the server's connection threads and request threads then
///   queue on.
/// * `ENABLE_QPSG`: without the query planner stability guarantee, a statement whose plan
///   could depend on a bound value (every `LIMIT ?` and `LIKE ?`) is parsed and planned again
///   each time it runs with new bindings, which for a pooled statement is every time.
#[tokio::test]
async fn the_embedded_sqlite_is_built_with_encores_options() {
    let Some(test_db) = TestDb::create(Engine::Sqlite).await else {
        return;
    };
    let rows = test_db
        .db
        .query_all_raw(Statement::from_string(
            test_db.db.get_database_backend(),
            "PRAGMA compile_options",
        ))
        .await
        .unwrap();
    let options: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    for wanted in ["DEFAULT_MEMSTATUS=0", "ENABLE_QPSG"] {
        assert!(
            options.iter().any(|option| option == wanted),
            "SQLite was built without {wanted}: {options:?}"
        );
    }
    assert!(test_db.destroy().await, "the pool closed");
}
