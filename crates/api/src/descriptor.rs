// SPDX-License-Identifier: LGPL-2.1-or-later
//! What a VMDK descriptor says about its disk: the extents (data files)
//! and their sizes. Read where the host does not say a disk's capacity
//! (VmDiskFileInfo.capacityKb is optional) and to find a flat disk's data.

/// One `RW|RDONLY|NOACCESS <sectors> <kind> ["<file>" [<offset>]]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extent {
    pub sectors: u64,
    pub kind: String,
    /// The data file (empty for a ZERO extent, which has none).
    pub file: String,
    /// Where in the file the extent starts, in sectors.
    pub offset: u64,
}

/// The extents of a descriptor; None when the text is no descriptor or an
/// extent line is malformed (a size that cannot be read is no size; a file
/// name whose quote is not closed is a descriptor cut short).
pub fn extents(text: &str) -> Option<Vec<Extent>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        let access = line.split_whitespace().next().unwrap_or("");
        if !matches!(access, "RW" | "RDONLY" | "NOACCESS") {
            continue;
        }
        let mut words = line.split_whitespace().skip(1);
        let sectors = words.next()?.parse().ok()?;
        let kind = words.next()?.to_string();
        let (file, offset) = match line.split_once('"') {
            None => (String::new(), 0),
            Some((_, rest)) => {
                let (file, after) = rest.split_once('"')?;
                let offset = match after.trim() {
                    "" => 0,
                    o => o.parse().ok()?,
                };
                (file.to_string(), offset)
            }
        };
        out.push(Extent {
            sectors,
            kind,
            file,
            offset,
        });
    }
    (!out.is_empty()).then_some(out)
}

/// The disk's capacity in bytes: the sum of its extents.
pub fn capacity(text: &str) -> Option<u64> {
    extents(text)?
        .iter()
        .try_fold(0u64, |sum, e| sum.checked_add(e.sectors.checked_mul(512)?))
}

/// A flat disk's data file (beside the descriptor) and its size in bytes:
/// the descriptor's only extent, of kind VMFS or FLAT.
pub fn flat_extent(text: &str) -> Option<(String, u64)> {
    let extents = extents(text)?;
    let [only] = extents.as_slice() else {
        return None;
    };
    // The whole data file, from its start: an extent at an offset would
    // make the file's first bytes something else's.
    if !matches!(only.kind.as_str(), "VMFS" | "FLAT")
        || only.file.is_empty()
        || only.file.contains('/')
        || only.offset != 0
    {
        return None;
    }
    Some((only.file.clone(), only.sectors.checked_mul(512)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_extents_only() {
        assert_eq!(
            flat_extent("# Disk DescriptorFile\nRW 2048 VMFS \"a-flat.vmdk\"\n"),
            Some(("a-flat.vmdk".to_string(), 2048 * 512))
        );
        assert_eq!(flat_extent("RW 2048 VMFSSPARSE \"a-delta.vmdk\"\n"), None);
        assert_eq!(
            flat_extent("RW 1 VMFS \"a.vmdk\"\nRW 1 VMFS \"b.vmdk\"\n"),
            None
        );
        assert_eq!(flat_extent("nothing"), None);
        // A size that does not fit, or an extent elsewhere, is no flat disk.
        assert_eq!(
            flat_extent("RW 99999999999999999999 VMFS \"a-flat.vmdk\"\n"),
            None
        );
        assert_eq!(flat_extent("RW 36028797018963968 VMFS \"a.vmdk\"\n"), None);
        assert_eq!(flat_extent("RW 8 VMFS \"../x/a-flat.vmdk\"\n"), None);
        // A descriptor cut short, and extents that do not start the file.
        assert_eq!(flat_extent("RW 2048 VMFS \"a-fla"), None);
        assert_eq!(flat_extent("RW 2047 VMFS \"a-flat.vmdk\" 1\n"), None);
        assert_eq!(flat_extent("RW 2047 VMFS \"a-flat.vmdk\" -5\n"), None);
        assert_eq!(
            flat_extent("RW 8 FLAT \"a-flat.vmdk\" 0\n"),
            Some(("a-flat.vmdk".to_string(), 4096))
        );
    }

    #[test]
    fn capacity_is_the_sum_of_the_extents() {
        assert_eq!(
            capacity("RW 2048 SPARSE \"a-s001.vmdk\"\nRW 1024 SPARSE \"a-s002.vmdk\"\n"),
            Some(3072 * 512)
        );
        assert_eq!(capacity("# Disk DescriptorFile\n"), None);
        assert_eq!(capacity(""), None);
        assert_eq!(capacity("RW x VMFS \"a.vmdk\"\n"), None);
        assert_eq!(
            capacity("RW 36028797018963967 VMFS \"a\"\nRW 36028797018963967 VMFS \"b\"\n"),
            None
        );
    }
}
