// SPDX-License-Identifier: LGPL-2.1-or-later
//! The domain XML reader and the VMX writer on arbitrary documents.
#![no_main]
use esx_driver::vmx::{format, parse_domain_xml, FormatContext};
use libfuzzer_sys::fuzz_target;

fn path(name: &str) -> esx_driver::Result<String> {
    Ok(format!("/vmfs/volumes/ds/{name}"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(def) = parse_domain_xml(text) {
            let ctx = FormatContext { format_file_name: &path, autodetect_scsi_model: None, virtual_hw_version: 13 };
            let _ = format(&def, &ctx);
        }
    }
});
