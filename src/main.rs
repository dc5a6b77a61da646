//! The `encore` binary: serves the app, and runs the maintenance commands (`encore --help`).

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    encore::server::cli::main()
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build has no binary; see `hydrate()` in lib.rs.
}
