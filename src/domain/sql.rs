//! Small SQL expressions the queries share, written once for both engines.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, SelectStatement};

/// `SUM` of a BIGINT expression as a BIGINT on both engines (PostgreSQL's SUM is NUMERIC).
pub(crate) fn bigint_sum(expr: impl Into<Expr>) -> Expr {
    Expr::FunctionCall(Func::sum(expr)).cast_as(Alias::new("BIGINT"))
}

/// A sub-query that yields one value, as an expression.
pub(crate) fn scalar(select: SelectStatement) -> Expr {
    Expr::SubQuery(None, Box::new(select.into()))
}

/// A statement's future as a domain result. `tokio::try_join!` needs one error type, and
/// the reads a page runs together mix statements (`DbErr`) with domain steps
/// (`DomainError`).
pub(crate) async fn read<T>(
    statement: impl Future<Output = Result<T, sea_orm::DbErr>>,
) -> super::DomainResult<T> {
    Ok(statement.await?)
}
