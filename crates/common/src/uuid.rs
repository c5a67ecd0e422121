// SPDX-License-Identifier: LGPL-2.1-or-later
//! UUIDs in the forms ESX and libvirt write them.

/// Parses a UUID with or without hyphens, also in the VMX form
/// `56 4d 9b ef ac d9 b4 e0-c8 f0 ae a8 b9 10 35 15`.
pub fn parse(text: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = text.bytes().filter(|b| !matches!(b, b' ' | b'-')).collect();
    if hex.len() != 32 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0u8; 16];
    for (b, pair) in out.iter_mut().zip(hex.chunks(2)) {
        *b = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
pub fn format(uuid: &[u8; 16]) -> String {
    let h: Vec<String> = uuid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let u = parse("50 11 5e 16 9b dc 49 d7-f1 71 53 c4 d7 f9 17 10").unwrap();
        assert_eq!(format(&u), "50115e16-9bdc-49d7-f171-53c4d7f91710");
        assert_eq!(parse("50115e169bdc49d7f17153c4d7f91710"), Some(u));
        // from_str_radix alone would take a sign.
        assert_eq!(parse("+0115e16-9bdc-49d7-f171-53c4d7f91710"), None);
        assert_eq!(parse("50 11"), None);
    }
}
