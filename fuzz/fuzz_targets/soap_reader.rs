//! The SOAP reader on arbitrary response bodies: an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = esx_driver::vi::soap::parse_reply("RetrievePropertiesEx", text);
        let _ = esx_driver::vi::soap::redact(text);
    }
});
