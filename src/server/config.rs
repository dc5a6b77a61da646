//! Runtime configuration: `Leptos.toml` (with `LEPTOS_*` overrides) for the web side,
//! `DATABASE_URL` for the database.

use std::path::Path;

use anyhow::{Context, bail};
use leptos::config::{LeptosOptions, get_configuration};

/// The database used when `DATABASE_URL` is not set: a SQLite file under `./data`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/encore.db";

/// Reads the Leptos runtime options from `path`.
///
/// # Errors
/// The file is missing or malformed, or a `LEPTOS_*` variable has a bad value.
pub fn leptos_options(path: &Path) -> anyhow::Result<LeptosOptions> {
    if !path.is_file() {
        bail!(
            "cannot read {}: run Encore from its project directory, or point --leptos-config \
             (ENCORE_LEPTOS_CONFIG) at Leptos.toml",
            path.display()
        );
    }
    let path_text = path.to_str().context("the Leptos.toml path is not UTF-8")?;
    let conf = get_configuration(Some(path_text))
        .map_err(|error| anyhow::anyhow!("invalid {}: {error}", path.display()))?;
    Ok(conf.leptos_options)
}
