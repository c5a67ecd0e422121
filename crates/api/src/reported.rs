// SPDX-License-Identifier: LGPL-2.1-or-later
//! Numbers a host reports. A count or size below zero is the host's error:
//! it is never read as 0 (an unknown value is never 0). Calls that must
//! return a number fail naming the property; statistics, which can leave a
//! field out, leave it out and say why in the log.

use crate::error::{Error, Result};

/// `value` of `property` (of `of`, for the message) as a count or size.
pub fn non_negative(value: i64, property: &str, of: &str) -> Result<u64> {
    u64::try_from(value).map_err(|_| {
        Error::rpc(format!(
            "The host reported {property} = {value} for {of}; it cannot be negative"
        ))
    })
}

/// `value` × `unit` (MiB or KiB in bytes or KiB), checked.
pub fn scaled(value: i64, unit: u64, property: &str, of: &str) -> Result<u64> {
    non_negative(value, property, of)?
        .checked_mul(unit)
        .ok_or_else(|| {
            Error::rpc(format!(
                "The host reported {property} = {value} for {of}, more than can be counted"
            ))
        })
}

/// For statistics: the value, or None (logged) when the host's is wrong.
pub fn optional(value: Option<i64>, unit: u64, property: &str, of: &str) -> Option<u64> {
    let v = value?;
    match scaled(v, unit, property, of) {
        Ok(n) => Some(n),
        Err(e) => {
            log::warn!("{e}; the statistic is left out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_overflowing_values_are_errors() {
        assert_eq!(non_negative(5, "p", "x").unwrap(), 5);
        let e = non_negative(-5, "config.hardware.memoryMB", "domain 'a'").unwrap_err();
        assert!(e.message().contains("memoryMB = -5 for domain 'a'"), "{e}");
        assert_eq!(scaled(3, 1024, "p", "x").unwrap(), 3072);
        assert!(scaled(i64::MAX, 1024, "p", "x").is_err());
        assert_eq!(optional(Some(-1), 1, "p", "x"), None);
        assert_eq!(optional(None, 1, "p", "x"), None);
        assert_eq!(optional(Some(2), 1024, "p", "x"), Some(2048));
    }
}
