//! Bounded property-test versions of the fuzz targets in fuzz/ (which need
//! nightly and cargo-fuzz): random and mutated inputs to the SOAP reader,
//! the URI parser, the snapshot XML reader and the datastore path parser
//! give a result or an error, never a panic, and stay within time.

use proptest::prelude::*;

use esx_driver::driver::snapshot::parse_snapshot_xml;
use esx_driver::uri;
use esx_driver::vi::datastore::DatastorePath;
use esx_driver::vi::soap;

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
    fn soap_reader_never_panics(text in any::<String>()) {
        let _ = soap::parse_reply("RetrievePropertiesEx", &text);
        let _ = soap::redact(&text);
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
}
