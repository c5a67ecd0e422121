// SPDX-License-Identifier: LGPL-2.1-or-later
//! Bounded property-test versions of the fuzz targets in fuzz/ (which need
//! nightly and cargo-fuzz): random and mutated inputs to the SOAP reader,
//! the URI parser, the snapshot XML reader, the datastore path parser and
//! the VMX reader
//! give a result or an error, never a panic, and stay within time.

use proptest::prelude::*;

use esx_driver::driver::snapshot::parse_snapshot_xml;
use esx_driver::uri;
use esx_driver::vi::datastore::DatastorePath;
use esx_driver::vi::soap;
use esx_driver::vmx::{format, parse, parse_domain_xml, FormatContext, ParseContext, VmxFile};

/// A real .vmx from an ESX host (libvirt's test data), to mutate.
const WILD_VMX: &str = include_str!("data/libvirt-vmx/vmx2xml/esx-in-the-wild-1.vmx");

/// A domain XML of libvirt's corpus, to mutate.
const DOMAIN_XML: &str = include_str!("data/libvirt-vmx/xml2vmx/xml2vmx-esx-in-the-wild-9.xml");

fn any_file(name: &str, _: bool) -> esx_driver::Result<Option<String>> {
    Ok(Some(format!("[ds] {name}")))
}

fn any_path(name: &str) -> esx_driver::Result<String> {
    Ok(format!("/vmfs/volumes/ds/{name}"))
}

/// A real recorded response, to mutate.
const RESPONSE: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">1</obj><propSet><name>name</name><val xsi:type="xsd:string">alpine-01</val></propSet><propSet><name>config.hardware.numCPU</name><val xsi:type="xsd:int">2</val></propSet></objects><token>0</token></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Cuts, splices and byte flips of a valid document.
fn mutated(base: &'static str) -> impl Strategy<Value = String> {
    (
        0..base.len(),
        0..base.len(),
        any::<u8>(),
        prop::collection::vec(any::<char>(), 0..16),
    )
        .prop_map(move |(a, b, byte, junk)| {
            let (lo, hi) = (a.min(b), a.max(b));
            let mut bytes = base.as_bytes().to_vec();
            match byte % 4 {
                0 => bytes.truncate(lo),
                1 => {
                    bytes.drain(lo..hi);
                }
                2 => bytes[lo] = byte,
                _ => {
                    let s: String = junk.into_iter().collect();
                    bytes.splice(lo..lo, s.into_bytes());
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn vmx_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(v) = VmxFile::parse(&bytes) {
            // Whatever parses, formats and parses again to the same entries.
            let again = VmxFile::parse(v.format().as_bytes()).unwrap();
            let keep = |f: &VmxFile| f.entries().filter(|(k, _)| !k.eq_ignore_ascii_case(".encoding")).map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
            prop_assert_eq!(keep(&v), keep(&again));
        }
    }

    #[test]
    fn vmx_reader_on_mutated_files(text in mutated(WILD_VMX)) {
        // The reader and the conversion to a domain definition and XML.
        if let Ok(v) = VmxFile::parse(text.as_bytes()) {
            let ctx = ParseContext { parse_file_name: &any_file, datacenter_path: None };
            if let Ok(def) = parse(&v, &ctx) {
                let _ = def.to_xml();
            }
        }
    }

    #[test]
    fn domain_xml_reader_on_mutated_documents(text in mutated(DOMAIN_XML), hw in prop::sample::select(vec![4u32, 7, 8, 10, 13, 3, 99])) {
        if let Ok(def) = parse_domain_xml(&text) {
            let ctx = FormatContext { format_file_name: &any_path, autodetect_scsi_model: None, virtual_hw_version: hw };
            let _ = format(&def, &ctx);
        }
    }

    #[test]
    fn domain_xml_reader_never_panics(text in any::<String>()) {
        let _ = parse_domain_xml(&text);
    }

    #[test]
    fn vmx_text_values_round_trip(
        entries in prop::collection::vec(("[a-zA-Z][a-zA-Z0-9_.:]{0,20}", any::<String>()), 0..40)
    ) {
        let mut v = VmxFile::new();
        for (k, val) in &entries {
            v.set_text(k, val);
        }
        let back = VmxFile::parse(v.format().as_bytes()).unwrap();
        for (k, _) in &entries {
            prop_assert_eq!(back.text(k), v.text(k));
        }
    }

    #[test]
    fn soap_reader_never_panics(text in any::<String>()) {
        let _ = soap::parse_reply("RetrievePropertiesEx", &text);
        let _ = soap::redact(&text);
    }

    /// Deep documents (inside a valid envelope): read or refused for their
    /// depth, never a stack overflow.
    #[test]
    fn soap_reader_on_deep_documents(depth in 0usize..3000, name in prop::sample::select(vec!["objects", "propSet", "val", "a"])) {
        let body = format!(
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>\
             <XResponse xmlns=\"urn:vim25\"><returnval>{}{}</returnval></XResponse></soapenv:Body></soapenv:Envelope>",
            format!("<{name}>").repeat(depth),
            format!("</{name}>").repeat(depth)
        );
        let r = soap::parse_reply("X", &body);
        if depth > esx_driver::xmldoc::MAX_DEPTH {
            prop_assert!(r.is_err());
        }
    }

    /// Wide documents: read, or refused for their size, never a panic.
    #[test]
    fn soap_reader_on_wide_documents(count in 0usize..50_000, item in prop::sample::select(vec!["<a/>", "<returnval/>", "<returnval>1</returnval>"])) {
        let body = format!(
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>\
             <XResponse xmlns=\"urn:vim25\">{}</XResponse></soapenv:Body></soapenv:Envelope>",
            item.repeat(count)
        );
        let r = soap::parse_reply("X", &body);
        if item == "<a/>" && count > 0 {
            prop_assert!(r.is_err(), "a reply of unexpected elements is not an empty result");
        }
    }

    #[test]
    fn soap_reader_on_mutated_responses(text in mutated(RESPONSE)) {
        let _ = soap::parse_reply("RetrievePropertiesEx", &text);
    }

    #[test]
    fn uri_parser_never_panics(text in any::<String>()) {
        let _ = uri::parse(&text);
    }

    #[test]
    fn uri_parser_on_uri_shaped_input(
        scheme in "(esx|gsx|vpx|http|)",
        user in "[a-z%@:]{0,6}",
        host in "[a-z0-9.\\[\\]:]{0,12}",
        port in "(:[0-9]{0,6})?",
        path in "(/[a-zA-Z0-9/%]{0,12})?",
        query in "(\\?([a-z_]{1,12}=[a-z0-9:,%]{0,8}&?){0,4})?",
    ) {
        let _ = uri::parse(&format!("{scheme}://{user}@{host}{port}{path}{query}"));
    }

    #[test]
    fn snapshot_xml_never_panics(text in any::<String>()) {
        let _ = parse_snapshot_xml(&text);
    }

    #[test]
    fn snapshot_xml_on_mutated_documents(text in mutated("<domainsnapshot><name>a&amp;b</name><description>d</description><disks/></domainsnapshot>")) {
        let _ = parse_snapshot_xml(&text);
    }

    #[test]
    fn datastore_paths_never_panic_and_never_escape(text in "\\[?[a-z0-9 ]{0,8}\\]? ?[a-z./ ]{0,20}") {
        if let Ok(p) = DatastorePath::parse(&text) {
            let s = format!("{p:?}");
            let path = text.split_once("] ").map(|(_, p)| p).unwrap_or("");
            prop_assert!(!path.split('/').any(|c| c == ".."), "{s} accepted from {text}");
        }
    }
}

#[test]
fn big_inputs_are_handled_quickly() {
    // Deep nesting and 10,000 elements.
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    assert!(soap::parse_reply("X", &deep).is_err());
    let wide = format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><XResponse>{}</XResponse></soapenv:Body></soapenv:Envelope>",
        "<returnval>1</returnval>".repeat(10_000)
    );
    let _ = soap::parse_reply("X", &wide);
    let long_uri = format!("esx://{}/?no_verify=1", "h".repeat(100_000));
    let _ = uri::parse(&long_uri);
    // A .vmx with 10,000 keys, a huge value, and one over the size limit.
    let many: String = (0..10_000).map(|i| format!("key{i} = \"{i}\"\n")).collect();
    let v = VmxFile::parse(many.as_bytes()).unwrap();
    assert_eq!(v.get("KEY9999"), Some("9999"));
    let huge = format!("annotation = \"{}\"\n", "x".repeat(3 * 1024 * 1024));
    assert_eq!(
        VmxFile::parse(huge.as_bytes())
            .unwrap()
            .get("annotation")
            .map(str::len),
        Some(3 * 1024 * 1024)
    );
    let too_big = "x".repeat(5 * 1024 * 1024);
    assert!(VmxFile::parse(too_big.as_bytes()).is_err());
    // Every truncation of a real file parses or fails cleanly.
    for cut in 0..WILD_VMX.len() {
        let _ = VmxFile::parse(&WILD_VMX.as_bytes()[..cut]);
    }
}
