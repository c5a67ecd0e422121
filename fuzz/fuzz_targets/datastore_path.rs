// SPDX-License-Identifier: LGPL-2.1-or-later
//! The datastore path parser ("[ds] dir/file") on arbitrary strings.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = esx_driver::vi::datastore::DatastorePath::parse(text);
    }
});
