// SPDX-License-Identifier: LGPL-2.1-or-later
//! The library's exports and their symbol versions, derived from the
//! generated header: the header is the one list of exports, and
//! abi/released records which version node each export of a released
//! version belongs to (docs/abi.md states the rules).
//!
//! build.rs uses this module to write the linker's version script and the
//! `.symver` directives; tests/abi.rs uses it to check the rules. It needs
//! nothing but std, so that a build script can include it.

#![allow(dead_code)]

/// Version nodes are named `ESX_DRIVER_<major>.<minor>`.
pub const NODE_PREFIX: &str = "ESX_DRIVER_";

/// The functions and variables the header declares, sorted: every name
/// beginning with `esx` outside struct bodies (whose function pointer
/// fields are not symbols). Declarations under `#if
/// defined(ESX_DRIVER_TEST_HOOKS)` count only when `with_test_hooks`.
pub fn header_exports(header: &str, with_test_hooks: bool) -> Vec<String> {
    let mut symbols: Vec<String> = Vec::new();
    let mut in_hooks = false;
    let mut depth = 0i32;
    for line in header.lines() {
        let line = line.trim();
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
            || (in_hooks && !with_test_hooks)
        {
            continue;
        }
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
    symbols
}

fn ident_before(text: &str) -> String {
    let rev: String = text
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    rev.chars().rev().collect()
}

/// The node new exports go to while `version` (Cargo.toml's) is being
/// developed: "0.1.0" gives `ESX_DRIVER_0.1`.
pub fn node_of_version(version: &str) -> Result<String, String> {
    let mut parts = version.split(['.', '-', '+']);
    let major = parts.next().and_then(|p| p.parse::<u64>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u64>().ok());
    match (major, minor) {
        (Some(major), Some(minor)) => Ok(format!("{NODE_PREFIX}{major}.{minor}")),
        _ => Err(format!("version '{version}' is not MAJOR.MINOR.MICRO")),
    }
}

/// (major, minor) of a node name, for ordering.
pub fn node_version(node: &str) -> Option<(u64, u64)> {
    let (major, minor) = node.strip_prefix(NODE_PREFIX)?.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The release record (abi/released): `NODE SYMBOL` lines, `#` comments
/// and blank lines ignored. Returns (symbol, node) pairs.
pub fn parse_released(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(node), Some(symbol), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("abi/released:{}: expected `NODE SYMBOL`", i + 1));
        };
        if node_version(node).is_none() {
            return Err(format!(
                "abi/released:{}: '{node}' is not {NODE_PREFIX}MAJOR.MINOR",
                i + 1
            ));
        }
        if out.iter().any(|(s, _)| s == symbol) {
            return Err(format!("abi/released:{}: {symbol} is listed twice", i + 1));
        }
        out.push((symbol.to_string(), node.to_string()));
    }
    Ok(out)
}

/// Each export with its node: the node the release record gives it, else
/// `current` (the version being developed). Sorted by symbol.
pub fn assign(
    exports: &[String],
    released: &[(String, String)],
    current: &str,
) -> Vec<(String, String)> {
    exports
        .iter()
        .map(|e| {
            let node = released
                .iter()
                .find(|(s, _)| s == e)
                .map_or(current, |(_, n)| n.as_str());
            (e.clone(), node.to_string())
        })
        .collect()
}

/// What breaks the rules of docs/abi.md, each a sentence saying what to do.
pub fn problems(exports: &[String], released: &[(String, String)], current: &str) -> Vec<String> {
    let mut out = Vec::new();
    let current_v = node_version(current);
    for (symbol, node) in released {
        if !exports.contains(symbol) {
            out.push(format!(
                "{symbol} ({node}) is released but no longer exported: removing an export \
                 breaks the ABI (restore it, or bump the SONAME as docs/abi.md says)"
            ));
        }
        if node_version(node) > current_v {
            out.push(format!(
                "{symbol} is recorded in {node}, newer than the version being developed \
                 ({current})"
            ));
        }
    }
    if released.iter().any(|(_, n)| n == current) {
        for e in exports {
            if !released.iter().any(|(s, _)| s == e) {
                out.push(format!(
                    "{e} is new, but {current} is released: bump the version in Cargo.toml \
                     so that new exports go to the next release's node"
                ));
            }
        }
    }
    out
}

/// The nodes in use, oldest first.
pub fn nodes(assigned: &[(String, String)]) -> Vec<String> {
    let mut nodes: Vec<String> = Vec::new();
    for (_, n) in assigned {
        if !nodes.contains(n) {
            nodes.push(n.clone());
        }
    }
    nodes.sort_by_key(|n| node_version(n));
    nodes
}

/// The linker version script: one node per version, oldest first, each
/// inheriting the one before; every other symbol is local.
pub fn version_script(assigned: &[(String, String)]) -> String {
    let mut out = String::from(
        "/* Generated by build.rs from the header and abi/released (docs/abi.md). */\n",
    );
    let nodes = nodes(assigned);
    for (i, node) in nodes.iter().enumerate() {
        out.push_str(&format!("{node} {{\n  global:\n"));
        for (s, n) in assigned {
            if n == node {
                out.push_str(&format!("    {s};\n"));
            }
        }
        if i == 0 {
            out.push_str("  local:\n    *;\n};\n");
        } else {
            out.push_str(&format!("}} {};\n", nodes[i - 1]));
        }
    }
    out
}

/// The assembler directive that gives `symbol` its default version `node`
/// (`@@@` renames the definition, so no unversioned alias is left).
pub fn symver_directive(symbol: &str, node: &str) -> String {
    format!(".symver {symbol}, {symbol}@@@{node}")
}
