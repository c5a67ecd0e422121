// SPDX-License-Identifier: LGPL-2.1-or-later
//! The <domainsnapshot> reader on arbitrary documents.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = esx_driver::driver::snapshot::parse_snapshot_xml(text);
    }
});
