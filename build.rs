// SPDX-License-Identifier: LGPL-2.1-or-later
//! Generates the C header with cbindgen (into OUT_DIR, and into include/
//! when ESX_DRIVER_WRITE_HEADER=1, as `make header` does) and gives the
//! shared library its SONAME and its exports, each with its symbol version
//! (docs/abi.md).

use std::env;
use std::path::PathBuf;

#[path = "abi/exports.rs"]
mod exports;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    // The header's flag enums come from the driver crate.
    println!("cargo:rerun-if-changed=crates/api/src/flags.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=ESX_DRIVER_WRITE_HEADER");

    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    // What scripts/libvirt-api.py generates from libvirt's API: its enums and
    // macros (C) are the header's trailer, and its Rust types are exported
    // even when no function takes them (the event callbacks, ...).
    let generated = crate_dir.join("src/ffi/generated");
    config.trailer = Some(
        std::fs::read_to_string(generated.join("names.h")).expect("src/ffi/generated/names.h"),
    );
    let types = std::fs::read_to_string(generated.join("types.rs")).expect("generated types.rs");
    for line in types.lines() {
        let rest = line
            .strip_prefix("pub struct ")
            .or_else(|| line.strip_prefix("pub type "));
        if let Some(rest) = rest {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            config.export.include.push(name);
        }
    }
    let header = out_dir.join("esx_driver.h");
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&header);
            if env::var("ESX_DRIVER_WRITE_HEADER").as_deref() == Ok("1") {
                bindings.write_to_file(crate_dir.join("include/esx_driver.h"));
            }
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    }

    // The exports and their symbol versions (docs/abi.md): every function
    // and variable of the header, each in the node abi/released gives it or
    // else in the node of the version being developed.
    let text = std::fs::read_to_string(&header).expect("generated header");
    let hooks = env::var_os("CARGO_FEATURE_TEST_HOOKS").is_some();
    let symbols = exports::header_exports(&text, hooks);
    let released_path = crate_dir.join("abi/released");
    println!("cargo:rerun-if-changed=abi");
    let released = std::fs::read_to_string(&released_path)
        .map_err(|e| e.to_string())
        .and_then(|t| exports::parse_released(&t))
        .unwrap_or_else(|e| panic!("{}: {e}", released_path.display()));
    let current = exports::node_of_version(&env::var("CARGO_PKG_VERSION").expect("version"))
        .expect("package version");
    let assigned = exports::assign(&symbols, &released, &current);
    std::fs::write(
        out_dir.join("esx_driver.map"),
        exports::version_script(&assigned),
    )
    .expect("write version script");
    std::fs::write(out_dir.join("esx_driver.syms"), symbols.join("\n") + "\n")
        .expect("write symbol list");
    // One .symver directive per export, test hooks included, which the
    // export's own module assembles (export! and symver! in src/ffi/export.rs).
    let symver_dir = out_dir.join("symver");
    std::fs::create_dir_all(&symver_dir).expect("symver dir");
    for (symbol, node) in
        exports::assign(&exports::header_exports(&text, true), &released, &current)
    {
        std::fs::write(
            symver_dir.join(format!("{symbol}.s")),
            exports::symver_directive(&symbol, &node) + "\n",
        )
        .expect("write symver directive");
    }
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libesx_driver.so.0");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        out_dir.join("esx_driver.map").display()
    );
}
