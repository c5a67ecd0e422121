// SPDX-License-Identifier: LGPL-2.1-or-later
//! Hex escapes: a marker byte and two hex digits (`%2F` in URIs and VMX
//! display names, `|22` in VMX text values).

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Decodes `marker` + two hex digits. Strict: a marker without two hex
/// digits after it makes the whole text invalid (None); otherwise it stays
/// as it is.
fn decode(text: &str, marker: u8, strict: bool) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == marker {
            match (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                    continue;
                }
                _ if strict => return None,
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    Some(out)
}

/// Decodes escapes; None when a marker is not followed by two hex digits.
pub fn decode_strict(text: &str, marker: u8) -> Option<Vec<u8>> {
    decode(text, marker, true)
}

/// Decodes escapes; a marker not followed by two hex digits stays.
pub fn decode_lenient(text: &str, marker: u8) -> Vec<u8> {
    decode(text, marker, false).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways() {
        assert_eq!(decode_strict("a%2Fb%2f", b'%').unwrap(), b"a/b/");
        assert_eq!(decode_strict("%", b'%'), None);
        assert_eq!(decode_strict("%4", b'%'), None);
        // A sign is not a hex digit (u8::from_str_radix would take "+1").
        assert_eq!(decode_strict("%+1", b'%'), None);
        assert_eq!(decode_lenient("|+1|41|", b'|'), b"|+1A|");
        assert_eq!(decode_lenient("|C3|A9", b'|'), "\u{e9}".as_bytes());
    }
}
