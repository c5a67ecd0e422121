// SPDX-License-Identifier: LGPL-2.1-or-later
//! The .vmx reader on arbitrary bytes: what parses must format and parse
//! again to the same entries.
#![no_main]
use esx_driver::vmx::VmxFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = VmxFile::parse(data) {
        let again = VmxFile::parse(v.format().as_bytes()).expect("formatted output parses");
        let keep = |f: &VmxFile| {
            f.entries()
                .filter(|(k, _)| !k.eq_ignore_ascii_case(".encoding"))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keep(&v), keep(&again));
    }
});
