// SPDX-License-Identifier: LGPL-2.1-or-later
//! Reads include/esx_driver.h as cbindgen writes it: every top-level
//! declaration with the doc comment (`/** ... */`) right above it, and the
//! group of the API reference each belongs to (by its name, so that a new
//! export needs no annotation to find its page).

#![allow(dead_code)]

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Function,
    Variable,
    Type,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub kind: Kind,
    /// The declaration as the header writes it.
    pub code: String,
    /// The doc comment's text (empty when there is none).
    pub doc: String,
}

/// The pages of the reference: (slug, title, what the page covers).
pub const GROUPS: &[(&str, &str, &str)] = &[
    (
        "connection",
        "Connections and the library",
        "Opening and closing connections, credentials, the host (node), \
         versions, logging, question rules and handlers, driver tables.",
    ),
    (
        "domains",
        "Domains",
        "Looking VMs up and listing them, their life cycle, configuration, \
         XML, statistics and questions.",
    ),
    (
        "snapshots",
        "Snapshots",
        "Creating, listing, reverting and deleting snapshots.",
    ),
    (
        "storage",
        "Storage",
        "Pools (datastores, iSCSI targets) and volumes (disks, images, LUNs).",
    ),
    (
        "networks",
        "Networks",
        "Virtual switches, port groups and the host's interfaces.",
    ),
    (
        "events",
        "Events",
        "The event loop and the domain event callbacks.",
    ),
    (
        "streams",
        "Streams",
        "Data streams for volume downloads and uploads and screenshots.",
    ),
    (
        "errors",
        "Errors",
        "The thread's last error and error handling.",
    ),
    (
        "typed-parameters",
        "Typed parameters",
        "Lists of named, typed values (statistics, scheduler and memory \
         parameters).",
    ),
];

/// The group (a slug of [`GROUPS`]) of an export or type.
pub fn group_of(name: &str) -> &'static str {
    let has = |s: &str| name.contains(s);
    if name.starts_with("esxTypedParam") {
        "typed-parameters"
    } else if has("Error") {
        "errors"
    } else if has("Event") {
        "events"
    } else if name.starts_with("esxStream") {
        "streams"
    } else if has("Snapshot") {
        "snapshots"
    } else if has("Storage") {
        "storage"
    } else if !name.starts_with("esxDomain") && (has("Network") || has("Interface")) {
        "networks"
    } else if has("Domain") || name.starts_with("esxQuestion") {
        "domains"
    } else {
        "connection"
    }
}

/// Every top-level declaration of the header, in order.
pub fn parse(header: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut doc: Option<String> = None;
    let mut lines = header.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.is_empty() {
            doc = None;
            continue;
        }
        if t.starts_with('#') || t.starts_with("extern \"C\"") || t.starts_with("}  // extern") {
            continue;
        }
        if t.starts_with("/**") || t.starts_with("/*") {
            let mut text = String::new();
            let mut l = t.to_string();
            loop {
                text.push_str(&l);
                text.push('\n');
                if l.contains("*/") {
                    break;
                }
                match lines.next() {
                    Some(next) => l = next.trim().to_string(),
                    None => break,
                }
            }
            doc = t.starts_with("/**").then(|| comment_text(&text));
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        // A statement: until its braces close and it ends with ';'.
        let mut code = line.to_string();
        let mut depth = braces(t);
        while depth > 0 || !code.trim_end().ends_with(';') {
            let Some(next) = lines.next() else { break };
            if next.trim().starts_with('#') {
                continue;
            }
            code.push('\n');
            code.push_str(next);
            depth += braces(next.trim());
        }
        let d = doc.take().unwrap_or_default();
        if let Some((kind, name)) = classify(&code) {
            // An enum's C typedef after it (cbindgen's cpp_compat) is the
            // same type.
            if items.iter().any(|i: &Item| i.name == name) {
                continue;
            }
            items.push(Item {
                name,
                kind,
                code,
                doc: d,
            });
        }
    }
    items
}

fn braces(line: &str) -> i32 {
    // Doc comments inside enums may hold braces only in prose; cbindgen's
    // do not, so counting is enough.
    line.matches('{').count() as i32 - line.matches('}').count() as i32
}

/// The text of a `/** ... */` comment: markers and leading stars removed,
/// lines kept.
fn comment_text(raw: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for l in raw.lines() {
        let l = l.trim();
        let l = l.strip_prefix("/**").unwrap_or(l);
        let l = l.strip_suffix("*/").unwrap_or(l);
        let l = l.trim();
        let l = l.strip_prefix('*').map_or(l, str::trim_start);
        out.push(l.trim_end().to_string());
    }
    while out.first().is_some_and(String::is_empty) {
        out.remove(0);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
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

fn ident_after(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

fn classify(code: &str) -> Option<(Kind, String)> {
    let t = code.trim();
    let body = t.strip_suffix(';')?.trim_end();
    let name;
    let kind;
    if let Some(rest) = t
        .strip_prefix("enum ")
        .or_else(|| t.strip_prefix("struct "))
    {
        kind = Kind::Type;
        name = ident_after(rest);
    } else if t.starts_with("typedef") {
        kind = Kind::Type;
        name = if let Some(i) = body.rfind('}') {
            // `typedef ... { ... } NAME` or `enum NAME { ... }`.
            let after = ident_before(&body[i + 1..]);
            if after.is_empty() {
                ident_before(body.split('{').next().unwrap_or(""))
            } else {
                after
            }
        } else if let Some(i) = body.find("(*") {
            ident_after(&body[i + 2..])
        } else {
            ident_before(body)
        };
    } else if t.starts_with("extern ") && !t.contains('(') {
        kind = Kind::Variable;
        name = ident_before(body);
    } else if let (Some(paren), true) = (t.find('('), body.ends_with(')')) {
        kind = Kind::Function;
        name = ident_before(&t[..paren]);
    } else {
        return None;
    }
    (!name.is_empty()).then_some((kind, name))
}
