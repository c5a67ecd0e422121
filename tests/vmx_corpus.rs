// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's own VMX <-> domain XML vectors (tests/data/libvirt-vmx, from
//! libvirt 9.0.0): every case of vmx2xml.cases, converted with the file name
//! mapping the corpus README describes, compared whitespace-insensitively.

mod common;

use std::path::PathBuf;

use esx_driver::error::{Error, Result};
use esx_driver::vmx::domain::Disk;
use esx_driver::vmx::{format, parse, parse_domain_xml, FormatContext, ParseContext, VmxFile};

fn corpus() -> PathBuf {
    common::repo_dir().join("tests/data/libvirt-vmx")
}

/// The corpus's file name convention (README.md "Conventions").
fn parse_file_name(name: &str, allow_missing: bool) -> Result<Option<String>> {
    let missing = |what: &str| -> Result<Option<String>> {
        if allow_missing {
            Ok(None)
        } else {
            Err(Error::internal(format!("File '{what}' does not exist")))
        }
    };
    if let Some(rest) = name.strip_prefix("/vmfs/volumes/") {
        let (ds, path) = rest
            .split_once('/')
            .ok_or_else(|| Error::internal(format!("'{name}' has no path in its datastore")))?;
        if ds == "missing" || path.starts_with("missing") {
            return missing(name);
        }
        return Ok(Some(format!("[{ds}] {path}")));
    }
    if name.starts_with('/') {
        return Ok(Some(name.to_string()));
    }
    if name.contains('/') {
        return Err(Error::internal(format!(
            "Relative path '{name}' with a directory"
        )));
    }
    Ok(Some(format!("[datastore] directory/{name}")))
}

fn normalise(xml: &str) -> String {
    xml.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn vmx2xml_cases() {
    let dir = corpus();
    let cases = std::fs::read_to_string(dir.join("vmx2xml.cases")).unwrap();
    let mut failed = Vec::new();
    let mut n = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let (expect, name) = line.split_once(' ').unwrap();
        n += 1;
        let bytes = std::fs::read(dir.join(format!("vmx2xml/{name}.vmx"))).unwrap();
        let dc = (name == "datacenterpath").then_some("folder1/folder2/datacenter1");
        let ctx = ParseContext {
            parse_file_name: &parse_file_name,
            datacenter_path: dc,
        };
        let got = VmxFile::parse(&bytes).and_then(|v| parse(&v, &ctx));
        match (expect, got) {
            ("ok", Ok(def)) => {
                let want =
                    std::fs::read_to_string(dir.join(format!("vmx2xml/{name}.xml"))).unwrap();
                let xml = def.to_xml();
                if normalise(&xml) != normalise(&want) {
                    failed.push(format!("{name}: differs\n--- got\n{xml}--- want\n{want}"));
                }
            }
            ("ok", Err(e)) => failed.push(format!("{name}: error {e}")),
            ("fail", Ok(_)) => failed.push(format!("{name}: parsed, expected an error")),
            ("fail", Err(_)) => {}
            (other, _) => panic!("unknown expectation {other}"),
        }
    }
    assert_eq!(n, 64, "every case of vmx2xml.cases");
    assert!(
        failed.is_empty(),
        "{} of {n} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// The corpus's convention the other way: "[ds] path" -> /vmfs/volumes/ds/path.
fn format_file_name(name: &str) -> Result<String> {
    if let Some(rest) = name.strip_prefix('[') {
        let (ds, path) = rest
            .split_once("] ")
            .ok_or_else(|| Error::internal(format!("'{name}' is not a datastore path")))?;
        return Ok(format!("/vmfs/volumes/{ds}/{path}"));
    }
    if name.starts_with('/') {
        return Ok(name.to_string());
    }
    Err(Error::internal(format!(
        "Could not handle file name '{name}'"
    )))
}

/// The corpus's SCSI controller model auto-detection: lsilogic.
fn autodetect(_: &Disk) -> Result<String> {
    Ok("lsilogic".into())
}

#[test]
fn xml2vmx_cases() {
    let dir = corpus();
    let cases = std::fs::read_to_string(dir.join("xml2vmx.cases")).unwrap();
    let mut failed = Vec::new();
    let mut n = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (xml_name, vmx_name, hw) = (parts[0], parts[1], parts[2].parse::<u32>().unwrap());
        n += 1;
        let xml =
            std::fs::read_to_string(dir.join(format!("xml2vmx/xml2vmx-{xml_name}.xml"))).unwrap();
        let want =
            std::fs::read_to_string(dir.join(format!("xml2vmx/xml2vmx-{vmx_name}.vmx"))).unwrap();
        let ctx = FormatContext {
            format_file_name: &format_file_name,
            autodetect_scsi_model: Some(&autodetect),
            virtual_hw_version: hw,
        };
        match parse_domain_xml(&xml).and_then(|d| format(&d, &ctx)) {
            Ok(vmx) if normalise(&vmx) == normalise(&want) => {}
            Ok(vmx) => failed.push(format!(
                "{xml_name}: differs\n--- got\n{vmx}--- want\n{want}"
            )),
            Err(e) => failed.push(format!("{xml_name}: error {e}")),
        }
    }
    assert_eq!(n, 53, "every case of xml2vmx.cases");
    assert!(
        failed.is_empty(),
        "{} of {n} cases failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// VMX -> XML -> VMX -> XML: every key the conversion understands survives
/// (the domain XML of the round trip equals the first one), for every
/// vmx2xml case of the corpus.
#[test]
fn vmx_xml_vmx_round_trip_keeps_what_the_conversion_understands() {
    let dir = corpus();
    let cases = std::fs::read_to_string(dir.join("vmx2xml.cases")).unwrap();
    let ctx = ParseContext {
        parse_file_name: &parse_file_name,
        datacenter_path: None,
    };
    let mut checked = 0;
    for name in cases.lines().filter_map(|l| l.strip_prefix("ok ")) {
        let bytes = std::fs::read(dir.join(format!("vmx2xml/{name}.vmx"))).unwrap();
        let vmx = VmxFile::parse(&bytes).unwrap();
        let def = parse(&vmx, &ctx).unwrap();
        let hw = vmx.long("virtualHW.version").unwrap().unwrap() as u32;
        // Features this hardware version cannot express are refused, not
        // dropped; a newer version then carries them.
        let hw = if def.topology.is_some() || !def.serials.is_empty() {
            hw.max(7)
        } else {
            hw
        };
        let fctx = FormatContext {
            format_file_name: &format_file_name,
            autodetect_scsi_model: None,
            virtual_hw_version: hw,
        };
        let xml = def.to_xml();
        let again = parse_domain_xml(&xml)
            .and_then(|d| format(&d, &fctx))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let def2 = parse(&VmxFile::parse(again.as_bytes()).unwrap(), &ctx)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{again}"));
        assert_eq!(
            normalise(&def2.to_xml()),
            normalise(&xml),
            "{name}:\n{again}"
        );
        checked += 1;
    }
    assert_eq!(checked, 62);
}
