//! Small SQL expressions the queries share, written once for both engines.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, SelectStatement};

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
) -> crate::domain::DomainResult<T> {
    Ok(statement.await?)
}

/// `excluded.<column>`: the value an upsert tried to insert.
pub(crate) fn excluded(column: impl sea_orm::sea_query::IntoIden) -> Expr {
    Expr::col((Alias::new("excluded"), column))
}

/// The later of two timestamps, in SQL both engines understand.
pub(crate) fn later_of(current: Expr, candidate: Expr) -> Expr {
    Expr::case(candidate.clone().gt(current.clone()), candidate)
        .finally(current)
        .into()
}

/// `LIKE '%…%'` for a search term: lower-cased (emails and sort names are stored lower-case,
/// so this is case-insensitive on both engines) with `%`, `_` and `\` escaped.
pub(crate) fn contains_pattern(search: &str) -> LikeExpr {
    let escaped: String = search
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Query, SqliteQueryBuilder};

    #[test]
    fn search_terms_cannot_inject_wildcards() {
        let pattern = contains_pattern("100%_Ab\\c");
        let sql = Query::select()
            .expr(Expr::val(1))
            .and_where(Expr::col(Alias::new("email")).like(pattern))
            .to_string(SqliteQueryBuilder);
        assert!(sql.contains(r"'%100\%\_ab\\c%'"), "{sql}");
        assert!(sql.contains(r"ESCAPE '\'"), "{sql}");
    }
}
