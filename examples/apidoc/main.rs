// SPDX-License-Identifier: LGPL-2.1-or-later
//! apidoc: the API reference of esx-driver, one HTML page per group of
//! exports, generated from the header's doc comments (`make doc`).
//!
//! `apidoc HEADER OUTDIR [VERSION]`: VERSION (Cargo.toml's) and
//! abi/released give each export's symbol version, as build.rs does.
//! Fails when an export has no comment. Only std, so that `make doc`
//! builds it with rustc alone.

#[path = "../../abi/exports.rs"]
mod exports;
mod header;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use header::{Item, Kind, GROUPS};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args.len() > 3 {
        eprintln!("usage: apidoc HEADER OUTDIR [VERSION]");
        std::process::exit(2);
    }
    if let Err(e) = run(Path::new(&args[0]), Path::new(&args[1]), args.get(2)) {
        eprintln!("apidoc: {e}");
        std::process::exit(1);
    }
}

fn run(header_path: &Path, out: &Path, version: Option<&String>) -> Result<(), String> {
    let text = std::fs::read_to_string(header_path)
        .map_err(|e| format!("{}: {e}", header_path.display()))?;
    let items = header::parse(&text);
    let exports = exports::header_exports(&text, true);
    let undocumented: Vec<&str> = exports
        .iter()
        .filter(|e| {
            !items
                .iter()
                .any(|i| &i.name == *e && i.kind != Kind::Type && !i.doc.trim().is_empty())
        })
        .map(String::as_str)
        .collect();
    if !undocumented.is_empty() {
        return Err(format!(
            "exports without a comment in the header: {}",
            undocumented.join(", ")
        ));
    }
    // Symbol versions, when the version is given.
    let mut since: BTreeMap<String, String> = BTreeMap::new();
    if let Some(v) = version {
        let root = header_path
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."));
        let released = std::fs::read_to_string(root.join("abi/released"))
            .map_err(|e| e.to_string())
            .and_then(|t| exports::parse_released(&t))?;
        let current = exports::node_of_version(v)?;
        since = exports::assign(&exports, &released, &current)
            .into_iter()
            .collect();
    }

    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let links: BTreeMap<String, String> = items
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                format!("{}.html#{}", header::group_of(&i.name), i.name),
            )
        })
        .collect();
    let write = |name: &str, body: String| -> Result<(), String> {
        let p = out.join(name);
        std::fs::write(&p, body).map_err(|e| format!("{}: {e}", p.display()))
    };

    let mut index = page_start("esx-driver API reference");
    index.push_str("<h1>esx-driver API reference</h1>\n");
    if let Some(conv) = conventions(&text) {
        let _ = writeln!(index, "<h2>Conventions</h2>\n{}", paragraphs(&conv, &links));
    }
    index.push_str("<h2>Groups</h2>\n<ul>\n");
    for (slug, title, blurb) in GROUPS {
        let in_group: Vec<&Item> = items
            .iter()
            .filter(|i| header::group_of(&i.name) == *slug)
            .collect();
        let nfn = in_group.iter().filter(|i| i.kind != Kind::Type).count();
        let _ = writeln!(
            index,
            "<li><a href=\"{slug}.html\">{}</a>: {} ({nfn} exports, {} types)</li>",
            esc(title),
            esc(blurb),
            in_group.len() - nfn
        );
        write(
            &format!("{slug}.html"),
            group_page(title, blurb, &in_group, &links, &since),
        )?;
    }
    index.push_str("</ul>\n</body>\n</html>\n");
    write("index.html", index)?;
    write("style.css", STYLE.to_string())?;
    println!(
        "apidoc: {} exports and {} types in {} pages under {}",
        exports.len(),
        items.iter().filter(|i| i.kind == Kind::Type).count(),
        GROUPS.len(),
        out.display()
    );
    Ok(())
}

fn group_page(
    title: &str,
    blurb: &str,
    items: &[&Item],
    links: &BTreeMap<String, String>,
    since: &BTreeMap<String, String>,
) -> String {
    let mut p = page_start(&format!("{title}: esx-driver API"));
    let _ = writeln!(
        p,
        "<p><a href=\"index.html\">esx-driver API reference</a></p>\n<h1>{}</h1>\n<p>{}</p>",
        esc(title),
        esc(blurb)
    );
    let functions: Vec<&&Item> = items.iter().filter(|i| i.kind != Kind::Type).collect();
    let types: Vec<&&Item> = items.iter().filter(|i| i.kind == Kind::Type).collect();
    if functions.is_empty() {
        p.push_str("<p>No exports in this group yet.</p>\n");
    }
    for (heading, list) in [("Functions and variables", &functions), ("Types", &types)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(p, "<h2>{heading}</h2>\n<ul class=\"toc\">");
        for i in list.iter() {
            let _ = writeln!(p, "<li><a href=\"#{0}\">{0}</a></li>", i.name);
        }
        p.push_str("</ul>\n");
        for i in list.iter() {
            let _ = writeln!(
                p,
                "<h3 id=\"{0}\">{0}</h3>\n<pre>{1}</pre>",
                i.name,
                linked(&esc(i.code.trim()), links)
            );
            p.push_str(&paragraphs(&i.doc, links));
            if let Some(node) = since.get(&i.name) {
                let _ = writeln!(p, "<p class=\"since\">Symbol version: {node}</p>");
            }
        }
    }
    p.push_str("</body>\n</html>\n");
    p
}

/// The header's opening comment (after the SPDX line): its conventions.
fn conventions(text: &str) -> Option<String> {
    let start = text.find("/*\n")?;
    let end = start + text[start..].find("*/")?;
    let body: Vec<&str> = text[start + 3..end]
        .lines()
        .map(|l| l.trim().trim_start_matches('*').trim())
        .collect();
    Some(body.join("\n").trim().to_string())
}

fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{}</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n",
        esc(title)
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Identifiers of the header become links to their entries.
fn linked(escaped: &str, links: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match links.get(word.as_str()) {
            Some(href) => {
                let _ = write!(out, "<a href=\"{href}\">{word}</a>");
            }
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in escaped.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A doc comment as paragraphs, `code` spans kept.
fn paragraphs(doc: &str, links: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for para in doc.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let joined = para.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        let mut html = String::new();
        for (i, part) in joined.split('`').enumerate() {
            let part = linked(&esc(part), links);
            if i % 2 == 1 {
                let _ = write!(html, "<code>{part}</code>");
            } else {
                html.push_str(&part);
            }
        }
        let _ = writeln!(out, "<p>{html}</p>");
    }
    out
}

const STYLE: &str = "body { font-family: sans-serif; max-width: 60em; margin: 2em auto; \
padding: 0 1em; line-height: 1.4; }
pre { background: #f4f4f4; padding: 0.5em; overflow-x: auto; }
h3 { margin-top: 2em; border-top: 1px solid #ddd; padding-top: 0.5em; }
ul.toc { columns: 2; }
.since { color: #555; font-size: 0.9em; }
";
