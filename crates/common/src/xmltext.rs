// SPDX-License-Identifier: LGPL-2.1-or-later
//! Text in the XML documents libvirt defines (domain, snapshot, pool,
//! volume, network): escaped as libvirt's virBufferEscapeString escapes it,
//! so that what this library writes reads as libvirt's would.

use std::borrow::Cow;

/// `<>&"'` as entities; tab, newline and carriage return as they are;
/// other control characters (which XML 1.0 cannot carry) dropped.
pub fn escape(text: &str) -> Cow<'_, str> {
    let needs = text.chars().any(|c| {
        matches!(c, '<' | '>' | '&' | '"' | '\'') || (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    });
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_virbufferescapestring() {
        assert_eq!(escape("plain"), "plain");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&apos;d");
        assert_eq!(escape("tab\there\nnl"), "tab\there\nnl");
        assert_eq!(escape("bell\u{7}esc\u{1b}"), "bellesc");
    }
}
