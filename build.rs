//! Generates the C header with cbindgen (into OUT_DIR, and into include/
//! when ESX_DRIVER_WRITE_HEADER=1, as `make header` does) and gives the
//! shared library its SONAME and export list.

use std::env;
use std::path::PathBuf;

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

    // The export list: every function and variable the header declares.
    let text = std::fs::read_to_string(&header).expect("generated header");
    let mut symbols: Vec<String> = Vec::new();
    let hooks = env::var_os("CARGO_FEATURE_TEST_HOOKS").is_some();
    let mut in_hooks = false;
    let mut depth = 0i32;
    for line in text.lines() {
        let line = line.trim();
        // Declarations inside struct bodies (function pointer fields) are not symbols.
        let was_inside = depth > 0;
        if !line.contains("extern \"C\"") {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        }
        if was_inside || depth > 0 {
            continue;
        }
        if line.starts_with("#if defined(ESX_DRIVER_TEST_HOOKS)") {
            in_hooks = true;
        } else if line.starts_with("#endif") {
            in_hooks = false;
        }
        if line.starts_with('#')
            || line.starts_with("typedef")
            || line.starts_with("//")
            || (in_hooks && !hooks)
        {
            continue;
        }
        let ident_before = |text: &str| -> String {
            let rev: String = text
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            rev.chars().rev().collect()
        };
        let name = if line.starts_with("extern ") && line.ends_with(';') && !line.contains('(') {
            ident_before(&line[..line.len() - 1])
        } else if let (Some(paren), true) = (line.find('('), line.ends_with(");")) {
            ident_before(&line[..paren])
        } else {
            continue;
        };
        if name.starts_with("esx") && !symbols.contains(&name) {
            symbols.push(name);
        }
    }
    symbols.sort();
    let mut map = String::from("{\n  global:\n");
    for s in &symbols {
        map.push_str(&format!("    {s};\n"));
    }
    map.push_str("  local:\n    *;\n};\n");
    std::fs::write(out_dir.join("esx_driver.map"), map).expect("write version script");
    std::fs::write(out_dir.join("esx_driver.syms"), symbols.join("\n") + "\n")
        .expect("write symbol list");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libesx_driver.so.0");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        out_dir.join("esx_driver.map").display()
    );
}
