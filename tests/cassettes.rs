// SPDX-License-Identifier: LGPL-2.1-or-later
//! The SOAP reader against real traffic: every response body recorded in
//! the pyvmomi cassettes and the VI captures (vCenter 5.0-8.0.3, ESXi 6.0)
//! parses, and the values that matter come out right.

use std::path::PathBuf;

use esx_driver::vi::soap::{parse_reply, Reply};
use esx_driver::vi::types::{ObjectContent, ServiceContent, UserSession, Value};
use esx_driver::vi::wire::FromValue;
use esx_driver::vi::{Fault, FaultOf};
use yaml_rust2::{Yaml, YamlLoader};

fn data(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
}

struct Exchange {
    file: String,
    method: String,
    status: i64,
    body: String,
}

/// The SOAP method of a request body: the first element inside Body.
fn method_of(request: &str) -> Option<String> {
    let i = request.find("Body>")? + 5;
    let rest = request[i..].trim_start();
    let rest = rest.strip_prefix('<')?;
    Some(
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect(),
    )
}

fn text(y: &Yaml) -> String {
    match y {
        Yaml::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn cassette_exchanges() -> Vec<Exchange> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(data("pyvmomi-cassettes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let raw = std::fs::read_to_string(path).unwrap();
        // Some cassettes tag strings as !!python/unicode; they are plain strings.
        let src = raw.replace("!!python/unicode ", "");
        let docs =
            YamlLoader::load_from_str(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for it in docs[0]["interactions"].as_vec().expect("interactions") {
            let req_body = text(&it["request"]["body"]);
            let method = method_of(&req_body).unwrap_or_else(|| {
                format!(
                    "{} {}",
                    text(&it["request"]["method"]),
                    text(&it["request"]["uri"])
                )
            });
            out.push(Exchange {
                file: file.clone(),
                method,
                status: it["response"]["status"]["code"].as_i64().unwrap_or(0),
                body: text(&it["response"]["body"]["string"]),
            });
        }
    }
    out
}

#[test]
fn every_recorded_response_parses() {
    let all = cassette_exchanges();
    assert!(all.len() > 300, "only {} exchanges", all.len());
    let (mut soap, mut faults, mut other) = (0, 0, 0);
    for ex in &all {
        if ex.method.starts_with("GET ") && ex.method.ends_with("vimServiceVersions.xml") {
            // Not SOAP; the driver does not read it (ServiceContent's
            // apiVersion decides the version).
            other += 1;
            continue;
        }
        if ex.method.contains(' ') {
            // Proxy and tunnel tests: not SOAP; the reader must refuse, not panic.
            let _ = parse_reply("X", &ex.body);
            other += 1;
            continue;
        }
        match parse_reply(&ex.method, &ex.body) {
            Ok(Reply::Return(vals)) => {
                assert_eq!(ex.status, 200, "{} {}", ex.file, ex.method);
                soap += 1;
                for v in &vals {
                    if ex.method.starts_with("RetrieveProperties") {
                        for o in v.get_all("objects") {
                            ObjectContent::from_value(o)
                                .unwrap_or_else(|e| panic!("{} {}: {e}", ex.file, ex.method));
                        }
                    }
                }
            }
            Ok(Reply::Fault(f)) => {
                assert_eq!(ex.status, 500, "{} {}", ex.file, ex.method);
                assert!(!f.fault_type.is_empty());
                faults += 1;
            }
            Err(e) => panic!("{} {}: {e}", ex.file, ex.method),
        }
    }
    assert!(
        soap > 300 && faults >= 1 && other >= 10,
        "soap {soap}, faults {faults}, other {other}"
    );
}

#[test]
fn service_content_and_about_of_vcenter_8() {
    let ex = cassette_exchanges();
    let rsc = ex
        .iter()
        .find(|e| e.file == "basic_connection.yaml" && e.method == "RetrieveServiceContent")
        .unwrap();
    let Reply::Return(v) = parse_reply("RetrieveServiceContent", &rsc.body).unwrap() else {
        panic!()
    };
    let sc = ServiceContent::from_value(&v[0]).unwrap();
    assert_eq!(sc.root_folder.value, "group-d1");
    assert_eq!(sc.root_folder.kind, "Folder");
    assert_eq!(sc.property_collector.value, "propertyCollector");
    assert_eq!(sc.session_manager.as_ref().unwrap().value, "SessionManager");
    assert_eq!(sc.search_index.as_ref().unwrap().value, "SearchIndex");
    assert_eq!(sc.view_manager.as_ref().unwrap().value, "ViewManager");
    assert_eq!(
        sc.about.full_name,
        "VMware vCenter Server 8.0.3 build-69507950"
    );
    assert_eq!(sc.about.api_version, "8.0.2.0");
    assert_eq!(sc.about.api_type, "VirtualCenter");
    assert_eq!(sc.about.product_line_id, "vpx");
    assert!(sc.about.is_vcenter());
    let login = ex
        .iter()
        .find(|e| e.file == "basic_connection.yaml" && e.method == "Login")
        .unwrap();
    let Reply::Return(v) = parse_reply("Login", &login.body).unwrap() else {
        panic!()
    };
    let us = UserSession::from_value(&v[0]).unwrap();
    assert!(!us.key.is_empty());
    assert!(
        !format!("{us:?}").contains(&us.key),
        "the session key is never printed"
    );
}

#[test]
fn invalid_login_fault() {
    let ex = cassette_exchanges();
    let login = ex
        .iter()
        .find(|e| e.file == "basic_connection_bad_password.yaml" && e.method == "Login")
        .unwrap();
    assert_eq!(login.status, 500);
    let Reply::Fault(f) = parse_reply("Login", &login.body).unwrap() else {
        panic!()
    };
    assert_eq!(f.fault_type, "InvalidLogin");
    assert_eq!(
        f.message,
        "Cannot complete login due to an incorrect user name or password."
    );
}

#[test]
fn fetch_values_carry_their_types() {
    let ex = cassette_exchanges();
    let mut typed = 0;
    for e in ex.iter().filter(|e| e.method == "Fetch") {
        if let Ok(Reply::Return(v)) = parse_reply("Fetch", &e.body) {
            if let Some(first) = v.first() {
                assert!(
                    first.type_name().is_some(),
                    "{}: Fetch value without xsi:type",
                    e.file
                );
                typed += 1;
            }
        }
    }
    assert!(typed > 100, "{typed}");
}

fn capture(name: &str) -> String {
    std::fs::read_to_string(data("vi-captures").join(name)).unwrap()
}

fn returnvals(method: &str, file: &str) -> Vec<Value> {
    match parse_reply(method, &capture(file)).unwrap() {
        Reply::Return(v) => v,
        Reply::Fault(f) => panic!("{file}: fault {f:?}"),
    }
}

#[test]
fn esxi_60_captures() {
    let v = returnvals(
        "RetrieveServiceContent",
        "esxi60_RetrieveServiceContent.response.xml",
    );
    let sc = ServiceContent::from_value(&v[0]).unwrap();
    assert_eq!(sc.root_folder.value, "ha-folder-root");
    assert_eq!(sc.property_collector.value, "ha-property-collector");
    assert_eq!(sc.session_manager.as_ref().unwrap().value, "ha-sessionmgr");
    assert_eq!(sc.about.api_type, "HostAgent");
    assert_eq!(sc.about.product_line_id, "embeddedEsx");
    assert_eq!(sc.about.api_version, "6.0");
    assert_eq!(sc.about.build, "2715440");
    let v = returnvals("Login", "esxi60_Login.response.xml");
    let us = UserSession::from_value(&v[0]).unwrap();
    assert_eq!(us.user_name, "root");
    assert_eq!(us.full_name, "Administrator");
    assert!(returnvals("Logout", "esxi60_Logout.response.xml").is_empty());
    let v = returnvals(
        "RetrievePropertiesEx",
        "esxi60_RetrievePropertiesEx_SessionManager_sessionList.response.xml",
    );
    let o = ObjectContent::from_value(v[0].get("objects").unwrap()).unwrap();
    let sessions = o.prop("sessionList").unwrap().items();
    assert!(sessions.len() >= 2);
    assert!(sessions
        .iter()
        .any(|s| s.str_field("userName") == Some("dcui")));
}

#[test]
fn vm_property_captures() {
    let v = returnvals(
        "RetrievePropertiesEx",
        "vc55_RetrievePropertiesEx_VM_config.response.xml",
    );
    let o = ObjectContent::from_value(v[0].get("objects").unwrap()).unwrap();
    assert_eq!(o.obj.value, "vm-722");
    let cfg = o.prop("config").unwrap();
    assert_eq!(
        cfg.path("files.vmPathName").and_then(Value::text),
        Some("[storage0] box/box.vmx")
    );
    assert_eq!(cfg.path("hardware.numCPU").and_then(Value::as_i64), Some(4));
    assert_eq!(
        cfg.path("hardware.memoryMB").and_then(Value::as_i64),
        Some(2048)
    );
    let devices: Vec<&Value> = cfg.get("hardware").unwrap().get_all("device").collect();
    assert!(devices.iter().any(|d| d.type_name() == Some("VirtualDisk")));
    assert!(cfg.get_all("extraConfig").count() > 3);

    let v = returnvals(
        "RetrievePropertiesEx",
        "vc67_RetrievePropertiesEx_VM_runtime.response.xml",
    );
    let o = ObjectContent::from_value(v[0].get("objects").unwrap()).unwrap();
    let rt = o.prop("runtime").unwrap();
    assert_eq!(rt.str_field("powerState"), Some("poweredOn"));
    assert!(rt.moref_field("host").is_some());

    let v = returnvals(
        "RetrievePropertiesEx",
        "vc67_RetrievePropertiesEx_VM_recentTask_empty.response.xml",
    );
    let o = ObjectContent::from_value(v[0].get("objects").unwrap()).unwrap();
    assert!(o.prop("recentTask").unwrap().items().is_empty());

    let v = returnvals(
        "RetrievePropertiesEx",
        "vc67_RetrievePropertiesEx_VM_snapshot_unset.response.xml",
    );
    let o = ObjectContent::from_value(v[0].get("objects").unwrap()).unwrap();
    assert!(o.prop("snapshot").is_none(), "an unset property is absent");
    assert!(o.missing_set.is_empty());

    let v = returnvals(
        "RetrievePropertiesEx",
        "vc60_RetrievePropertiesEx_ContainerView_view_empty.response.xml",
    );
    let o = ObjectContent::from_value(v[0].get("objects").unwrap()).unwrap();
    assert!(o.prop("view").unwrap().items().is_empty());
}

/// Fragments stored without an envelope (govmomi fixtures).
fn fragment(file: &str) -> Vec<Value> {
    let text = capture(file);
    let doc = roxmltree::Document::parse(&text).unwrap();
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name("returnval"))
        .map(Value::from_node)
        .collect()
}

#[test]
fn missing_set_not_authenticated() {
    let vals = fragment("vc_RetrieveProperties_missingSet_NotAuthenticated.response-body.xml");
    let o = ObjectContent::from_value(&vals[0]).unwrap();
    assert!(!o.missing_set.is_empty());
    assert!(o
        .missing_set
        .iter()
        .all(|m| m.fault.kind() == Fault::NotAuthenticated));
    let e = o.require(&o.missing_set[0].path).unwrap_err();
    assert_eq!(e.fault(), Some("NotAuthenticated"));
    assert!(e.is_fault(&Fault::NoPermission));
}

#[test]
fn task_and_update_captures() {
    let v = fragment_or_env(
        "vc50_RetrieveProperties_TaskInfo_success.response.xml",
        "RetrieveProperties",
    );
    let o = ObjectContent::from_value(&v[0]).unwrap();
    let info = esx_driver::vi::TaskInfo::from_value(o.prop("info").unwrap()).unwrap();
    assert_eq!(info.key, "task-518718");
    assert_eq!(info.state, esx_driver::vi::TaskInfoState::Success);
    assert_eq!(
        info.result
            .as_ref()
            .and_then(Value::as_moref)
            .map(|m| m.value.as_str()),
        Some("vm-58946")
    );
    let v = fragment_or_env(
        "vc50_WaitForUpdates_Task_state_success.response.xml",
        "WaitForUpdates",
    );
    let u = esx_driver::vi::types::UpdateSet::from_value(&v[0]).unwrap();
    let first = u.objects().next().unwrap();
    assert_eq!(first.change_set[0].name, "info.state");
    assert_eq!(
        first.change_set[0].val.as_ref().and_then(Value::text),
        Some("success")
    );
    let v = fragment_or_env(
        "vc_WaitForUpdatesEx_modify.response.xml",
        "WaitForUpdatesEx",
    );
    let u = esx_driver::vi::types::UpdateSet::from_value(&v[0]).unwrap();
    assert_eq!(u.version, "3");
    assert_eq!(
        u.objects().next().unwrap().kind,
        esx_driver::vi::types::ObjectUpdateKind::Modify
    );
    let v = fragment_or_env(
        "vc65_WaitForUpdatesEx_enter_empty_array.response.xml",
        "WaitForUpdatesEx",
    );
    let u = esx_driver::vi::types::UpdateSet::from_value(&v[0]).unwrap();
    assert_eq!(
        u.objects().next().unwrap().kind,
        esx_driver::vi::types::ObjectUpdateKind::Enter
    );
}

/// A capture stored either as a full envelope or as a bare response.
fn fragment_or_env(file: &str, method: &str) -> Vec<Value> {
    match parse_reply(method, &capture(file)) {
        Ok(Reply::Return(v)) => v,
        _ => fragment(file),
    }
}
