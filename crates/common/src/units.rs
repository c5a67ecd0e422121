// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's scaled integers (`<capacity unit='G'>10</capacity>`,
//! `<memory unit='MiB'>512</memory>`): the unit names libvirt accepts and
//! what they multiply by. One table for every XML this library reads.

/// Bytes per `unit`, by libvirt's virScaleInteger rule: `b`, `byte`,
/// `bytes` (any case) are 1; otherwise a letter `k m g t p e` (any case)
/// alone or followed by `iB` counts in powers of 1024, followed by `B`
/// (any case) in powers of 1000. None for anything else. (An empty unit is
/// the caller's default scale, not decided here.)
pub fn bytes_per(unit: &str) -> Option<u64> {
    if ["b", "byte", "bytes"]
        .iter()
        .any(|b| unit.eq_ignore_ascii_case(b))
    {
        return Some(1);
    }
    let mut chars = unit.chars();
    let letter = chars.next()?.to_ascii_lowercase();
    let rest = chars.as_str();
    let base: u64 = if rest.is_empty() || rest.eq_ignore_ascii_case("iB") {
        1024
    } else if rest.eq_ignore_ascii_case("b") {
        1000
    } else {
        return None;
    };
    let power = "kmgtpe".find(letter)? as u32 + 1;
    base.checked_pow(power)
}

/// Why a scaled integer cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleError {
    NotANumber,
    UnknownUnit,
    TooLarge,
}

/// `text` (a decimal number) in `unit`, in bytes.
pub fn to_bytes(text: &str, unit: &str) -> Result<u64, ScaleError> {
    let n: u64 = text.trim().parse().map_err(|_| ScaleError::NotANumber)?;
    let per = if unit.is_empty() {
        1
    } else {
        bytes_per(unit).ok_or(ScaleError::UnknownUnit)?
    };
    n.checked_mul(per).ok_or(ScaleError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirts_unit_names() {
        assert_eq!(to_bytes("10", "G"), Ok(10 << 30));
        assert_eq!(to_bytes("10", "GB"), Ok(10_000_000_000));
        assert_eq!(to_bytes(" 3 ", "KiB"), Ok(3072));
        assert_eq!(to_bytes("1", "bytes"), Ok(1));
        assert_eq!(to_bytes("1", ""), Ok(1));
        assert_eq!(to_bytes("x", "G"), Err(ScaleError::NotANumber));
        assert_eq!(to_bytes("-1", "G"), Err(ScaleError::NotANumber));
        assert_eq!(to_bytes("1", "gib"), Ok(1 << 30));
        assert_eq!(to_bytes("1", "mb"), Ok(1_000_000));
        assert_eq!(to_bytes("1", "BYTES"), Ok(1));
        assert_eq!(to_bytes("1", "Gx"), Err(ScaleError::UnknownUnit));
        assert_eq!(to_bytes("1", "x"), Err(ScaleError::UnknownUnit));
        assert_eq!(to_bytes("1", "KiBs"), Err(ScaleError::UnknownUnit));
        assert_eq!(to_bytes("16", "EiB"), Err(ScaleError::TooLarge));
    }
}
