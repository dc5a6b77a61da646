//! Probes for load balancers and orchestrators.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use serde_json::{Value, json};

use super::state::AppState;

/// `GET /healthz`: the process is up and serving HTTP.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// How long `/readyz` waits for the database. A load balancer polls it every few seconds and
/// wants an answer, not a request that hangs until the pool gives up.
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// `GET /readyz`: the database answers, so requests can be served.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let ping = match tokio::time::timeout(PING_TIMEOUT, ping(&state.db)).await {
        Ok(ping) => ping.map_err(|error| error.to_string()),
        Err(_) => Err(format!("no answer within {PING_TIMEOUT:?}")),
    };
    match ping {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        Err(error) => {
            tracing::error!(%error, "readiness check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}

/// A round trip that reads the database. SQLite's own ping never touches the file, so there
/// it reads the schema too: a file that cannot be read is not ready.
async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT count(*) FROM sqlite_schema",
        ))
        .await?;
    }
    Ok(())
}
