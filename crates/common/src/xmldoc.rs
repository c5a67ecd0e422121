// SPDX-License-Identifier: LGPL-2.1-or-later
//! Parsing XML that this library did not write: SOAP replies from a host,
//! domain and snapshot XML from a caller. One set of limits for all of it:
//! no DTD (so no entity expansion), a bounded nesting depth (no reader of
//! the tree may recurse in proportion to its input), and a bounded number of
//! nodes for the document's size (so that memory stays a small multiple of
//! the input).

use roxmltree::{Document, NodeId, ParsingOptions};

/// The deepest element nesting accepted. The deepest real VI replies are
/// snapshot trees: about 10 levels of envelope and property set, then one
/// per snapshot generation (ESX allows chains of 32).
pub const MAX_DEPTH: usize = 256;

/// Nodes (elements, text, comments) allowed per byte of input, as a
/// divisor: real VI replies have more than 20 bytes per node; only
/// hostile ones come close to the 4 bytes of `<a/>`.
const BYTES_PER_NODE: usize = 12;

/// Nodes allowed whatever the size, for small documents with whitespace.
const BASE_NODES: usize = 4096;

/// Parses `text`, refusing a DTD, nesting deeper than [`MAX_DEPTH`] and more
/// nodes than its size warrants. The error is a sentence for the caller to
/// put in context.
pub fn parse(text: &str) -> Result<Document<'_>, String> {
    let limit = BASE_NODES.saturating_add(text.len() / BYTES_PER_NODE);
    let doc = Document::parse_with_options(
        text,
        ParsingOptions {
            allow_dtd: false,
            nodes_limit: u32::try_from(limit).unwrap_or(u32::MAX),
            ..ParsingOptions::default()
        },
    )
    .map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => format!(
            "it has more than {limit} XML nodes for its {} bytes, which no real document has",
            text.len()
        ),
        e => format!("it is not well-formed XML ({e})"),
    })?;
    // Document order visits each node after its parent: the open elements
    // are a stack, popped until the top is the node's parent.
    let mut open: Vec<NodeId> = Vec::new();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let parent = n.parent().map(|p| p.id());
        while open.last().is_some() && open.last().copied() != parent {
            open.pop();
        }
        open.push(n.id());
        if open.len() > MAX_DEPTH {
            return Err(format!(
                "its elements are nested more than {MAX_DEPTH} levels deep"
            ));
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_and_width_are_bounded() {
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep).unwrap_err().contains("nested"));
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let wide = format!("<r>{}</r>", "<a/>".repeat(100_000));
        assert!(parse(&wide).unwrap_err().contains("XML nodes"));
        let dtd = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#;
        assert!(parse(dtd).unwrap_err().contains("not well-formed"));
    }
}
