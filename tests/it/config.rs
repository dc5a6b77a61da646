//! Leptos.toml (read by the server) and Cargo.toml (read by cargo-leptos) must agree on
//! where the site is built, or the server would serve files from a place nothing writes.

use leptos::config::get_config_from_str;

#[test]
fn leptos_toml_and_cargo_toml_agree_on_the_site_layout() {
    let root = env!("CARGO_MANIFEST_DIR");
    let runtime = get_config_from_str(
        &std::fs::read_to_string(format!("{root}/Leptos.toml")).expect("read Leptos.toml"),
    )
    .expect("parse Leptos.toml");
    let build = get_config_from_str(
        &std::fs::read_to_string(format!("{root}/Cargo.toml")).expect("read Cargo.toml"),
    )
    .expect("parse Cargo.toml's [package.metadata.leptos]");

    assert_eq!(runtime.output_name, build.output_name, "output-name");
    assert_eq!(runtime.site_root, build.site_root, "site-root");
    assert_eq!(runtime.site_pkg_dir, build.site_pkg_dir, "site-pkg-dir");
    assert_eq!(runtime.output_name.as_ref(), "encore");
}

#[test]
fn the_leptos_section_is_the_last_section_of_cargo_toml() {
    // get_config_from_str reads from the header to the end of the file, so any section after
    // it would be parsed as Leptos settings.
    let cargo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("read Cargo.toml");
    let leptos_at = cargo
        .find("\n[package.metadata.leptos]")
        .expect("Cargo.toml has [package.metadata.leptos]");
    assert!(
        !cargo[leptos_at + 1..]
            .lines()
            .skip(1)
            .any(|line| line.starts_with('[')),
        "no section may follow [package.metadata.leptos]"
    );
}

#[test]
fn every_cargo_build_names_the_wasm_file_like_cargo_leptos() {
    let cargo_config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.cargo/config.toml"))
            .expect("read .cargo/config.toml");
    assert!(
        cargo_config.contains("LEPTOS_OUTPUT_NAME = \"encore\""),
        ".cargo/config.toml sets LEPTOS_OUTPUT_NAME to the output-name"
    );
    assert_eq!(option_env!("LEPTOS_OUTPUT_NAME"), Some("encore"));
}
