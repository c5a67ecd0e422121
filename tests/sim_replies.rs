//! esx-sim's replies, compared with the ones recorded in
//! tests/data/sim-replies/: one scripted, deterministic sequence of raw
//! SOAP requests (and `/folder` transfers) against a fresh simulator,
//! covering every method esx-sim answers, every property of every managed
//! object it serves (one by one, all at once, the paths the driver's views
//! read, sparse and with omissions), the property collector's traversals,
//! pages, updates and their freedoms (truncated sets, missingSet, waits at
//! once, CancelWaitForUpdates, held requests), tasks, questions, snapshots,
//! disks and datastore files, and the faults of each.
//!
//! Only what is dynamic by nature is normalised before comparing: times
//! (`DATETIME`), session keys (`SESSION`), VM and host uptimes and CPU
//! usage that grow with the clock (`#`) and disk UUIDs made from the clock
//! (`DISK-UUID`). Counters (task, question, filter and snapshot ids) are
//! deterministic and kept.
//!
//! `ESX_SIM_REPLIES_BLESS=1 cargo test --test sim_replies` writes the
//! replies instead of comparing them (see the directory's README for when
//! that is legitimate).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const NS: &str = "xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
                  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                  xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"";

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sim-replies")
}

/// A raw HTTP client for one simulator, with its session cookie, and the
/// replies recorded so far.
struct Script {
    sim: esx_sim::Sim,
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
    /// Session keys seen in Login replies (masked in every reply).
    keys: Vec<String>,
    replies: BTreeMap<String, String>,
    n: usize,
    prefix: &'static str,
}

fn envelope(method: &str, this: (&str, &str), params: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soapenv:Envelope {NS}><soapenv:Body>\
         <{method} xmlns=\"urn:vim25\"><_this type=\"{}\">{}</_this>{params}</{method}>\
         </soapenv:Body></soapenv:Envelope>",
        this.0, this.1
    )
}

fn tag_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(&body[start..end])
}

/// A data object the spec reads: `(type, id)` and its paths (empty: all).
fn spec_one(kind: &str, id: &str, paths: &[&str]) -> String {
    let props = if paths.is_empty() {
        "<all>true</all>".to_string()
    } else {
        paths
            .iter()
            .map(|p| format!("<pathSet>{p}</pathSet>"))
            .collect()
    };
    format!(
        "<specSet><propSet><type>{kind}</type>{props}</propSet><objectSet>\
         <obj type=\"{kind}\">{id}</obj><skip>false</skip></objectSet></specSet>"
    )
}

impl Script {
    fn new(sim: esx_sim::Sim, prefix: &'static str) -> Script {
        let base = format!("http://127.0.0.1:{}", sim.port());
        Script {
            sim,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(120))
                .build(),
            base,
            cookie: None,
            keys: Vec::new(),
            replies: BTreeMap::new(),
            n: 0,
            prefix,
        }
    }

    /// One HTTP request: (status, body, the cookie it sets). Never recorded.
    fn http(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        cookie: bool,
    ) -> (u16, String, Option<String>) {
        let mut req = self.agent.request(method, &format!("{}{path}", self.base));
        if cookie {
            if let Some(c) = &self.cookie {
                req = req.set("Cookie", &format!("vmware_soap_session=\"{c}\""));
            }
        }
        let r = if body.is_empty() && method != "PUT" && method != "POST" {
            req.call()
        } else {
            req.set("Content-Type", "text/xml; charset=utf-8")
                .send_bytes(body)
        };
        let resp = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        let set = resp
            .header("Set-Cookie")
            .and_then(|c| c.strip_prefix("vmware_soap_session=\""))
            .and_then(|c| c.split('"').next())
            .map(str::to_string);
        (status, resp.into_string().expect("body"), set)
    }

    /// A SOAP call: (status, body), the cookie kept when Login sets one.
    fn soap_raw(&mut self, method: &str, this: (&str, &str), params: &str) -> (u16, String) {
        let (status, body, set) = self.http(
            "POST",
            "/sdk",
            envelope(method, this, params).as_bytes(),
            true,
        );
        if set.is_some() {
            self.cookie = set;
        }
        if method == "Login" {
            if let Some(k) = tag_text(&body, "key") {
                self.keys.push(k.to_string());
            }
        }
        (status, body)
    }

    fn record(&mut self, label: &str, status: u16, body: &str) {
        self.n += 1;
        let name = format!("{}{:03}-{label}", self.prefix, self.n);
        let text = format!("HTTP {status}\n{}\n", self.normalise(body));
        self.replies.insert(name, text);
    }

    /// A recorded SOAP call.
    fn soap(&mut self, label: &str, method: &str, this: (&str, &str), params: &str) -> String {
        let (status, body) = self.soap_raw(method, this, params);
        self.record(label, status, &body);
        body
    }

    /// A recorded read of some properties of one object (all when none).
    fn read(&mut self, label: &str, kind: &str, id: &str, paths: &[&str]) -> String {
        self.soap(
            label,
            "RetrievePropertiesEx",
            ("PropertyCollector", "ha-property-collector"),
            &format!("{}<options/>", spec_one(kind, id, paths)),
        )
    }

    /// Unrecorded: the text of one property of one object.
    fn peek(&mut self, kind: &str, id: &str, path: &str) -> String {
        let (_, body) = self.soap_raw(
            "RetrievePropertiesEx",
            ("PropertyCollector", "ha-property-collector"),
            &format!("{}<options/>", spec_one(kind, id, &[path])),
        );
        body
    }

    /// Waits (polling, unrecorded) until a property's reply satisfies `f`.
    fn until(&mut self, kind: &str, id: &str, path: &str, f: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let body = self.peek(kind, id, path);
            if f(&body) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "never: {kind}:{id} {path}: {body}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until a task has ended, then records its info.
    fn task_done(&mut self, label: &str, body: &str) {
        let task = tag_text_attr(body).unwrap_or_else(|| panic!("no task in {body}"));
        self.until("Task", &task, "info.state", |b| {
            b.contains(">success<") || b.contains(">error<")
        });
        self.read(label, "Task", &task, &["info"]);
    }

    /// A recorded `/folder` request.
    fn folder(&mut self, label: &str, method: &str, path: &str, body: &[u8], cookie: bool) {
        let (status, text, _) = self.http(method, path, body, cookie);
        self.record(label, status, &text);
    }

    fn normalise(&self, body: &str) -> String {
        let mut out = body.to_string();
        for k in &self.keys {
            out = out.replace(k.as_str(), "SESSION");
        }
        out = datetimes(&out);
        for tag in ["uptimeSeconds", "uptime", "overallCpuUsage"] {
            out = element_values(&out, tag);
        }
        disk_uuids(&out)
    }
}

/// The MoRef value of the first `<returnval type="...">` of a reply.
fn tag_text_attr(body: &str) -> Option<String> {
    let start = body.find("<returnval type=\"")?;
    let rest = &body[start..];
    let gt = rest.find('>')? + 1;
    let end = rest.find("</returnval>")?;
    Some(rest[gt..end].to_string())
}

/// `2024-01-02T03:04:05.123456Z` (and `+00:00` forms) -> `DATETIME`.
fn datetimes(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let digits = |from: usize, n: usize| -> bool {
        from + n <= b.len() && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    while i < b.len() {
        let is = digits(i, 4)
            && b.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && b.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2)
            && b.get(i + 10) == Some(&b'T')
            && digits(i + 11, 2)
            && b.get(i + 13) == Some(&b':')
            && digits(i + 14, 2)
            && b.get(i + 16) == Some(&b':')
            && digits(i + 17, 2);
        if !is {
            let ch = s[i..].chars().next().expect("char");
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let mut j = i + 19;
        if b.get(j) == Some(&b'.') {
            j += 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
        if b.get(j) == Some(&b'Z') {
            j += 1;
        } else if matches!(b.get(j), Some(b'+') | Some(b'-')) && digits(j + 1, 2) {
            j += 6;
        }
        out.push_str("DATETIME");
        i = j;
    }
    out
}

/// `<tag>123</tag>` -> `<tag>#</tag>`.
fn element_values(s: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find(&open) {
        let after = &rest[p + open.len()..];
        match after.find(&close) {
            Some(e) if after[..e].chars().all(|c| c.is_ascii_digit() || c == '-') => {
                out.push_str(&rest[..p + open.len()]);
                out.push('#');
                rest = &after[e..];
            }
            _ => {
                out.push_str(&rest[..p + open.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `60 00 c2 xx xx xx xx xx-xx xx xx xx xx xx xx xx` -> `DISK-UUID`.
fn disk_uuids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.to_ascii_lowercase().find("60 00 c2 ") {
        out.push_str(&rest[..p]);
        let cand = &rest[p..];
        let len = 47; // 16 bytes: 8 "xx " groups, '-', 8 more
        if cand.len() >= len
            && cand[..len]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ' ' || c == '-')
        {
            out.push_str("DISK-UUID");
            rest = &cand[len..];
        } else {
            out.push_str(&cand[..1]);
            rest = &cand[1..];
        }
    }
    out.push_str(rest);
    out
}

const PC: (&str, &str) = ("PropertyCollector", "ha-property-collector");
const DS1: &str = "5f1e2d3c-4b5a6978-1a2b-001b21aabbcc";

/// Every managed object of the default inventory, with the top-level
/// properties esx-sim answers for it.
fn objects() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let vm_props = vec![
        "name",
        "config",
        "runtime",
        "summary",
        "guest",
        "guestHeartbeatStatus",
        "snapshot",
        "rootSnapshot",
        "recentTask",
        "resourcePool",
        "parent",
        "datastore",
        "network",
        "configStatus",
        "overallStatus",
        "layoutEx",
        "layout",
        "storage",
        "environmentBrowser",
        "capability",
        "resourceConfig",
        "availableField",
        "customValue",
        "value",
        "alarmActionsEnabled",
        "tag",
        "declaredAlarmState",
        "triggeredAlarmState",
        "disabledMethod",
        "effectiveRole",
        "permission",
    ];
    let ds_props = vec![
        "name",
        "summary",
        "info",
        "host",
        "vm",
        "browser",
        "parent",
        "overallStatus",
        "configStatus",
        "capability",
    ];
    let folder = vec![
        "name",
        "childEntity",
        "parent",
        "childType",
        "overallStatus",
    ];
    let mut out = vec![
        (
            "ServiceInstance",
            "ServiceInstance",
            vec!["content", "serverClock", "capability"],
        ),
        ("Folder", "ha-folder-root", folder.clone()),
        ("Folder", "ha-folder-vm", folder.clone()),
        ("Folder", "ha-folder-host", folder.clone()),
        ("Folder", "ha-folder-datastore", folder.clone()),
        ("Folder", "ha-folder-network", folder),
        (
            "Datacenter",
            "ha-datacenter",
            vec![
                "name",
                "parent",
                "vmFolder",
                "hostFolder",
                "datastoreFolder",
                "networkFolder",
                "datastore",
                "network",
                "overallStatus",
            ],
        ),
        (
            "ComputeResource",
            "ha-compute-res",
            vec![
                "name",
                "parent",
                "resourcePool",
                "host",
                "datastore",
                "network",
                "summary",
                "overallStatus",
            ],
        ),
        (
            "ResourcePool",
            "ha-root-pool",
            vec![
                "name",
                "parent",
                "owner",
                "resourcePool",
                "vm",
                "overallStatus",
            ],
        ),
        (
            "HostSystem",
            "ha-host",
            vec![
                "name",
                "hardware",
                "summary",
                "runtime",
                "capability",
                "config",
                "configManager",
                "vm",
                "datastore",
                "network",
                "parent",
                "datastoreBrowser",
                "overallStatus",
                "configStatus",
                "availableField",
            ],
        ),
        ("Datastore", DS1, ds_props.clone()),
        ("Datastore", "ds-nfs-iso", ds_props.clone()),
        ("Datastore", "ds-nfs41-backup", ds_props.clone()),
        ("Datastore", "ds-vsanDatastore", ds_props.clone()),
        ("Datastore", "ds-vvol-gold", ds_props),
        (
            "Network",
            "HaNetwork-VM Network",
            vec!["name", "parent", "summary", "host", "vm", "overallStatus"],
        ),
    ];
    for id in ["1", "2", "3", "4", "5"] {
        out.push(("VirtualMachine", id, vm_props.clone()));
    }
    out.extend([
        (
            "SessionManager",
            "ha-sessionmgr",
            vec!["sessionList", "currentSession", "message", "defaultLocale"],
        ),
        ("TaskManager", "ha-taskmgr", vec!["recentTask"]),
        ("ViewManager", "ViewManager", vec!["viewList"]),
        ("HostAutoStartManager", "ha-autostart-mgr", vec!["config"]),
        ("PropertyCollector", "ha-property-collector", vec!["filter"]),
        (
            "HostDatastoreBrowser",
            "ha-host-datastorebrowser",
            vec!["datastore"],
        ),
        ("SearchIndex", "ha-searchindex", vec!["name"]),
        ("FileManager", "ha-nfc-file-manager", vec!["name"]),
        ("VirtualDiskManager", "ha-vdiskmanager", vec!["name"]),
    ]);
    out
}

/// The paths the driver's views (vim25.schema) read, by type, as of the
/// golden replies' recording.
fn view_paths(kind: &str) -> &'static [&'static str] {
    match kind {
        "HostSystem" => &[
            "capability.maxSupportedVcpus",
            "config.network.dnsConfig.domainName",
            "config.network.dnsConfig.hostName",
            "config.storageDevice.hostBusAdapter",
            "config.storageDevice.scsiLun",
            "config.storageDevice.scsiTopology",
            "configManager.storageSystem",
            "configManager.autoStartManager",
            "hardware.cpuFeature",
            "hardware.cpuInfo.hz",
            "hardware.cpuInfo.numCpuCores",
            "hardware.cpuInfo.numCpuPackages",
            "hardware.cpuInfo.numCpuThreads",
            "hardware.memorySize",
            "hardware.numaInfo.numNodes",
            "hardware.systemInfo.uuid",
            "summary.hardware.cpuModel",
            "summary.managementServerIp",
            "summary.quickStats.overallMemoryUsage",
        ],
        "Datastore" => &[
            "browser",
            "host",
            "info",
            "summary.accessible",
            "summary.capacity",
            "summary.freeSpace",
            "summary.name",
            "summary.type",
            "summary.url",
        ],
        "HostAutoStartManager" => &["config"],
        "VirtualMachine" => &[
            "config.cpuAllocation.limit",
            "config.cpuAllocation.reservation",
            "config.cpuAllocation.shares",
            "config.cpuHotAddEnabled",
            "config.files.vmPathName",
            "config.hardware.device",
            "config.hardware.memoryMB",
            "config.hardware.numCPU",
            "config.hardware.numCoresPerSocket",
            "config.memoryAllocation.limit",
            "config.memoryAllocation.reservation",
            "config.uuid",
            "config.version",
            "guest.hostName",
            "guest.net",
            "guest.toolsRunningStatus",
            "name",
            "runtime.bootTime",
            "runtime.host",
            "runtime.powerState",
            "runtime.question",
            "snapshot",
            "snapshot.rootSnapshotList",
            "summary.config.memorySizeMB",
            "summary.config.numCpu",
            "summary.config.numEthernetCards",
            "summary.config.numVirtualDisks",
            "summary.quickStats.balloonedMemory",
            "summary.quickStats.hostMemoryUsage",
        ],
        _ => &[],
    }
}

/// The driver's VM listing spec: the root folder, skipped, through folders
/// and datacenters' VM folders.
fn vm_list_spec(paths: &[&str]) -> String {
    let paths: String = paths
        .iter()
        .map(|p| format!("<pathSet>{p}</pathSet>"))
        .collect();
    format!(
        "<specSet><propSet><type>VirtualMachine</type>{paths}</propSet><objectSet>\
         <obj type=\"Folder\">ha-folder-root</obj><skip>true</skip>\
         <selectSet xsi:type=\"TraversalSpec\"><name>visitFolders</name><type>Folder</type>\
         <path>childEntity</path><skip>false</skip><selectSet><name>visitFolders</name></selectSet>\
         <selectSet><name>dcToVmFolder</name></selectSet></selectSet>\
         <selectSet xsi:type=\"TraversalSpec\"><name>dcToVmFolder</name><type>Datacenter</type>\
         <path>vmFolder</path><skip>false</skip><selectSet><name>visitFolders</name></selectSet>\
         </selectSet></objectSet></specSet>"
    )
}

/// libvirt's ESX driver's selection set (esx_vi.c), from the root folder.
fn libvirt_spec(kind: &str, paths: &[&str]) -> String {
    let paths: String = paths
        .iter()
        .map(|p| format!("<pathSet>{p}</pathSet>"))
        .collect();
    let ts = |name: &str, ty: &str, path: &str, then: &[&str]| {
        let then: String = then
            .iter()
            .map(|n| format!("<selectSet><name>{n}</name></selectSet>"))
            .collect();
        format!(
            "<selectSet xsi:type=\"TraversalSpec\"><name>{name}</name><type>{ty}</type>\
             <path>{path}</path><skip>false</skip>{then}</selectSet>"
        )
    };
    let all = [
        "folderToChildEntity",
        "datacenterToHostFolder",
        "computeResourceToHost",
        "hostSystemToVm",
        "hostSystemToDatastore",
        "datacenterToNetwork",
    ];
    format!(
        "<specSet><propSet><type>{kind}</type>{paths}</propSet><objectSet>\
         <obj type=\"Folder\">ha-folder-root</obj><skip>false</skip>{}{}{}{}{}{}{}{}</objectSet></specSet>",
        ts("folderToChildEntity", "Folder", "childEntity", &all),
        ts("datacenterToHostFolder", "Datacenter", "hostFolder", &all),
        ts("computeResourceToHost", "ComputeResource", "host", &all),
        ts("hostSystemToVm", "HostSystem", "vm", &[]),
        ts("hostSystemToDatastore", "HostSystem", "datastore", &[]),
        ts("hostSystemToParent", "HostSystem", "parent", &[]),
        ts("managedEntityToParent", "ManagedEntity", "parent", &["managedEntityToParent"]),
        ts("datacenterToNetwork", "Datacenter", "network", &[]),
    )
}

fn login(s: &mut Script, label: &str) {
    s.soap(
        label,
        "Login",
        ("SessionManager", "ha-sessionmgr"),
        "<userName>root</userName><password>esx-sim</password>",
    );
}

/// Everything read-only: every object's properties, views, traversals,
/// pages, searches.
fn script_reads(s: &mut Script) {
    for (kind, id, props) in objects() {
        let tag = format!("{kind}-{}", id.replace(' ', "_"));
        s.read(&format!("all-{tag}"), kind, id, &[]);
        for p in &props {
            s.read(&format!("prop-{tag}-{p}"), kind, id, &[p]);
        }
        let paths = view_paths(kind);
        if !paths.is_empty() {
            s.read(&format!("views-{tag}"), kind, id, paths);
        }
    }
    s.read(
        "bad-path-VirtualMachine",
        "VirtualMachine",
        "1",
        &["config.nonsense"],
    );
    s.read(
        "bad-top-VirtualMachine",
        "VirtualMachine",
        "1",
        &["nonsense"],
    );
    s.read(
        "into-array-VirtualMachine",
        "VirtualMachine",
        "1",
        &["config.hardware.device.key"],
    );
    s.read("missing-VirtualMachine", "VirtualMachine", "99", &["name"]);
    s.read("missing-Datastore", "Datastore", "ds-nothing", &["summary"]);
    s.soap(
        "Fetch-VirtualMachine-name",
        "Fetch",
        ("VirtualMachine", "1"),
        "<prop>name</prop>",
    );
    s.soap(
        "Fetch-HostSystem-hardware",
        "Fetch",
        ("HostSystem", "ha-host"),
        "<prop>hardware.cpuInfo</prop>",
    );
    // The legacy RetrieveProperties, two specs at once.
    s.soap(
        "RetrieveProperties-two-specs",
        "RetrieveProperties",
        PC,
        &format!(
            "{}{}",
            spec_one("VirtualMachine", "2", &["name", "runtime.powerState"]),
            spec_one("HostSystem", "ha-host", &["name"])
        ),
    );
    // Traversals.
    s.soap(
        "list-vms",
        "RetrievePropertiesEx",
        PC,
        &format!(
            "{}<options><maxObjects>1000</maxObjects></options>",
            vm_list_spec(&["name", "config.uuid", "runtime.powerState"])
        ),
    );
    let page = s.soap(
        "list-vms-page-1",
        "RetrievePropertiesEx",
        PC,
        &format!(
            "{}<options><maxObjects>2</maxObjects></options>",
            vm_list_spec(&["name"])
        ),
    );
    let token = tag_text(&page, "token").expect("token").to_string();
    let page = s.soap(
        "list-vms-page-2",
        "ContinueRetrievePropertiesEx",
        PC,
        &format!("<token>{token}</token>"),
    );
    if let Some(t) = tag_text(&page, "token").map(str::to_string) {
        s.soap(
            "list-vms-page-cancel",
            "CancelRetrievePropertiesEx",
            PC,
            &format!("<token>{t}</token>"),
        );
        s.soap(
            "list-vms-page-cancelled",
            "ContinueRetrievePropertiesEx",
            PC,
            &format!("<token>{t}</token>"),
        );
    }
    s.soap(
        "continue-bad-token",
        "ContinueRetrievePropertiesEx",
        PC,
        "<token>nonsense</token>",
    );
    s.soap(
        "host-to-vms",
        "RetrievePropertiesEx",
        PC,
        "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet>\
         <objectSet><obj type=\"HostSystem\">ha-host</obj><skip>true</skip>\
         <selectSet xsi:type=\"TraversalSpec\"><name>hostSystemToVm</name><type>HostSystem</type>\
         <path>vm</path><skip>false</skip></selectSet></objectSet></specSet><options/>",
    );
    s.soap(
        "host-to-autostart",
        "RetrievePropertiesEx",
        PC,
        "<specSet><propSet><type>HostAutoStartManager</type><pathSet>config</pathSet></propSet>\
         <propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>config.uuid</pathSet></propSet>\
         <objectSet><obj type=\"HostSystem\">ha-host</obj><skip>true</skip>\
         <selectSet xsi:type=\"TraversalSpec\"><name>hostToAutoStartManager</name><type>HostSystem</type>\
         <path>configManager.autoStartManager</path><skip>false</skip></selectSet></objectSet>\
         <objectSet><obj type=\"VirtualMachine\">1</obj><skip>false</skip></objectSet></specSet><options/>",
    );
    for (kind, paths) in [
        ("HostSystem", vec!["name", "configManager"]),
        ("Datastore", vec!["summary.name", "summary.type"]),
        ("Network", vec!["name"]),
        ("ComputeResource", vec!["name", "resourcePool"]),
        ("Datacenter", vec!["name", "vmFolder"]),
        ("VirtualMachine", vec!["name", "config.uuid"]),
        ("ManagedEntity", vec!["name"]),
    ] {
        s.soap(
            &format!("libvirt-traversal-{kind}"),
            "RetrieveProperties",
            PC,
            &libvirt_spec(kind, &paths),
        );
    }
    // Container views.
    let view = s.soap(
        "CreateContainerView",
        "CreateContainerView",
        ("ViewManager", "ViewManager"),
        "<container type=\"Folder\">ha-folder-root</container><type>VirtualMachine</type>\
         <recursive>true</recursive>",
    );
    let view = tag_text_attr(&view).expect("view");
    s.read("view-all", "ContainerView", &view, &[]);
    for p in ["container", "type", "recursive", "view"] {
        s.read(&format!("view-{p}"), "ContainerView", &view, &[p]);
    }
    s.read("viewList", "ViewManager", "ViewManager", &["viewList"]);
    s.soap(
        "traverse-view",
        "RetrievePropertiesEx",
        PC,
        &format!(
            "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet>\
             <pathSet>runtime.powerState</pathSet></propSet><objectSet>\
             <obj type=\"ContainerView\">{view}</obj><skip>true</skip>\
             <selectSet xsi:type=\"TraversalSpec\"><name>traverseView</name><type>ContainerView</type>\
             <path>view</path><skip>false</skip></selectSet></objectSet></specSet><options/>"
        ),
    );
    s.soap("DestroyView", "DestroyView", ("ContainerView", &view), "");
    let flat = s.soap(
        "CreateContainerView-flat",
        "CreateContainerView",
        ("ViewManager", "ViewManager"),
        "<container type=\"Datacenter\">ha-datacenter</container><recursive>false</recursive>",
    );
    let flat = tag_text_attr(&flat).expect("view");
    s.read("view-flat", "ContainerView", &flat, &["view"]);
    s.soap(
        "DestroyView-flat",
        "DestroyView",
        ("ContainerView", &flat),
        "",
    );
    s.soap(
        "CreateContainerView-missing",
        "CreateContainerView",
        ("ViewManager", "ViewManager"),
        "<container type=\"Folder\">nothing</container><type>VirtualMachine</type>\
         <recursive>true</recursive>",
    );
    // The search index.
    let si = ("SearchIndex", "ha-searchindex");
    let uuid = s.peek("VirtualMachine", "2", "config.uuid");
    let uuid = {
        let start = uuid.find("xsd:string\">").expect("uuid") + 12;
        uuid[start..start + 36].to_string()
    };
    s.soap(
        "FindByUuid-vm",
        "FindByUuid",
        si,
        &format!("<uuid>{uuid}</uuid><vmSearch>true</vmSearch>"),
    );
    s.soap(
        "FindByUuid-vm-upper",
        "FindByUuid",
        si,
        &format!(
            "<uuid>{}</uuid><vmSearch>true</vmSearch>",
            uuid.to_ascii_uppercase()
        ),
    );
    s.soap(
        "FindByUuid-host",
        "FindByUuid",
        si,
        "<uuid>4c4c4544-0042-3810-8052-b7c04f4d3332</uuid><vmSearch>false</vmSearch>",
    );
    s.soap(
        "FindByUuid-none",
        "FindByUuid",
        si,
        "<uuid>00000000-0000-0000-0000-000000000000</uuid><vmSearch>true</vmSearch>",
    );
    s.soap(
        "FindByUuid-no-uuid",
        "FindByUuid",
        si,
        "<vmSearch>true</vmSearch>",
    );
    for (label, path) in [
        ("dc", "ha-datacenter"),
        ("vm-folder", "ha-datacenter/vm"),
        ("host-folder", "ha-datacenter/host"),
        ("vm", "ha-datacenter/vm/alpine-01"),
        ("none", "ha-datacenter/vm/nothing"),
    ] {
        s.soap(
            &format!("FindByInventoryPath-{label}"),
            "FindByInventoryPath",
            si,
            &format!("<inventoryPath>{path}</inventoryPath>"),
        );
    }
    s.soap(
        "FindByIp",
        "FindByIp",
        si,
        "<ip>10.0.0.11</ip><vmSearch>true</vmSearch>",
    );
    s.soap(
        "RefreshDatastore",
        "RefreshDatastore",
        ("Datastore", DS1),
        "",
    );
    s.soap(
        "RefreshDatastore-missing",
        "RefreshDatastore",
        ("Datastore", "ds-nothing"),
        "",
    );
    s.soap(
        "RescanHba",
        "RescanHba",
        ("HostStorageSystem", "storageSystem"),
        "<hbaDevice>vmhba65</hbaDevice>",
    );
    s.soap(
        "RescanHba-unknown",
        "RescanHba",
        ("HostStorageSystem", "storageSystem"),
        "<hbaDevice>vmhba9</hbaDevice>",
    );
    s.soap(
        "RescanHba-no-device",
        "RescanHba",
        ("HostStorageSystem", "storageSystem"),
        "",
    );
}

/// A power-changing method, its task recorded to the end.
fn task(s: &mut Script, label: &str, method: &str, this: (&str, &str), params: &str) {
    let body = s.soap(label, method, this, params);
    if body.contains("<returnval type=\"Task\"") {
        s.task_done(&format!("{label}-info"), &body);
    }
}

fn script_tasks(s: &mut Script) {
    let vm2 = ("VirtualMachine", "2");
    task(s, "PowerOnVM_Task", "PowerOnVM_Task", vm2, "");
    s.read(
        "after-power-on",
        "VirtualMachine",
        "2",
        &["runtime", "summary", "guest"],
    );
    task(s, "PowerOnVM_Task-again", "PowerOnVM_Task", vm2, "");
    task(s, "SuspendVM_Task", "SuspendVM_Task", vm2, "");
    task(s, "ResetVM_Task-suspended", "ResetVM_Task", vm2, "");
    task(s, "PowerOnVM_Task-resume", "PowerOnVM_Task", vm2, "");
    task(s, "ResetVM_Task", "ResetVM_Task", vm2, "");
    task(s, "CreateScreenshot_Task", "CreateScreenshot_Task", vm2, "");
    task(s, "PowerOffVM_Task", "PowerOffVM_Task", vm2, "");
    task(
        s,
        "CreateScreenshot_Task-off",
        "CreateScreenshot_Task",
        vm2,
        "",
    );
    task(s, "PowerOffVM_Task-off", "PowerOffVM_Task", vm2, "");
    s.soap(
        "PowerOnVM_Task-not-a-vm",
        "PowerOnVM_Task",
        ("HostSystem", "ha-host"),
        "",
    );
    s.soap(
        "PowerOnVM_Task-missing",
        "PowerOnVM_Task",
        ("VirtualMachine", "99"),
        "",
    );
    s.read("recentTask-after", "VirtualMachine", "2", &["recentTask"]);
    // Guest operations (VMware Tools runs in alpine-01 only).
    s.soap("ShutdownGuest-no-tools", "ShutdownGuest", vm2, "");
    let vm1 = ("VirtualMachine", "1");
    s.soap("RebootGuest", "RebootGuest", vm1, "");
    s.soap(
        "StandbyGuest-off",
        "StandbyGuest",
        ("VirtualMachine", "4"),
        "",
    );
    s.soap("ShutdownGuest", "ShutdownGuest", vm1, "");
    s.until("VirtualMachine", "1", "runtime.powerState", |b| {
        b.contains(">poweredOff<")
    });
    s.read(
        "after-shutdown",
        "VirtualMachine",
        "1",
        &["runtime", "guest"],
    );
    // Questions: the moved-or-copied VM, answered; the serial file,
    // cancelled.
    let body = s.soap(
        "PowerOnVM_Task-question",
        "PowerOnVM_Task",
        ("VirtualMachine", "5"),
        "",
    );
    s.until("VirtualMachine", "5", "runtime.question", |b| {
        b.contains("<id>")
    });
    let q = s.read("question", "VirtualMachine", "5", &["runtime.question"]);
    let qid = tag_text(&q, "id").expect("question id").to_string();
    s.read("question-task", "VirtualMachine", "5", &["recentTask"]);
    s.soap(
        "AnswerVM-wrong-id",
        "AnswerVM",
        ("VirtualMachine", "5"),
        "<questionId>nothing</questionId><answerChoice>2</answerChoice>",
    );
    s.soap(
        "AnswerVM-wrong-choice",
        "AnswerVM",
        ("VirtualMachine", "5"),
        &format!("<questionId>{qid}</questionId><answerChoice>9</answerChoice>"),
    );
    s.soap(
        "AnswerVM",
        "AnswerVM",
        ("VirtualMachine", "5"),
        &format!("<questionId>{qid}</questionId><answerChoice>2</answerChoice>"),
    );
    s.task_done("PowerOnVM_Task-question-info", &body);
    s.read(
        "after-answer",
        "VirtualMachine",
        "5",
        &["config.uuid", "runtime"],
    );
    let body = s.soap(
        "PowerOnVM_Task-serial",
        "PowerOnVM_Task",
        ("VirtualMachine", "4"),
        "",
    );
    s.until("VirtualMachine", "4", "runtime.question", |b| {
        b.contains("<id>")
    });
    let q = s.read(
        "question-serial",
        "VirtualMachine",
        "4",
        &["runtime.question"],
    );
    let qid = tag_text(&q, "id").expect("question id").to_string();
    s.soap(
        "AnswerVM-cancel",
        "AnswerVM",
        ("VirtualMachine", "4"),
        &format!("<questionId>{qid}</questionId><answerChoice>2</answerChoice>"),
    );
    s.task_done("PowerOnVM_Task-serial-info", &body);
    // A question armed for a cancelable task, which is cancelled.
    s.sim
        .arm_question("debian-02", "cdrom", "PowerOnVM_Task", true)
        .expect("arm");
    let body = s.soap("PowerOnVM_Task-armed", "PowerOnVM_Task", vm2, "");
    s.until("VirtualMachine", "2", "runtime.question", |b| {
        b.contains("<id>")
    });
    s.read(
        "question-armed",
        "VirtualMachine",
        "2",
        &["runtime.question"],
    );
    let t = tag_text_attr(&body).expect("task");
    s.soap("CancelTask", "CancelTask", ("Task", &t), "");
    s.task_done("PowerOnVM_Task-armed-info", &body);
    s.soap("CancelTask-done", "CancelTask", ("Task", &t), "");
    s.soap(
        "CancelTask-missing",
        "CancelTask",
        ("Task", "haTask-nothing"),
        "",
    );
    // A task that fails on purpose, one that is busy, a question with no task.
    s.sim
        .fail_task(
            "debian-02",
            "PowerOnVM_Task",
            "GenericVmConfigFault",
            "Injected failure",
        )
        .expect("fail_task");
    task(s, "PowerOnVM_Task-failing", "PowerOnVM_Task", vm2, "");
    let busy = s.sim.busy("debian-02").expect("busy");
    task(s, "PowerOnVM_Task-busy", "PowerOnVM_Task", vm2, "");
    s.read("busy-task", "Task", &busy, &["info"]);
    s.soap(
        "CancelTask-not-cancelable",
        "CancelTask",
        ("Task", &busy),
        "",
    );
    s.sim.release(&busy).expect("release");
    s.until("Task", &busy, "info.state", |b| b.contains(">success<"));
    s.sim
        .raise_question("win2019-03", "badindex")
        .expect("raise");
    s.read(
        "raised-question",
        "VirtualMachine",
        "3",
        &["runtime.question"],
    );
    s.read(
        "TaskManager-recentTask",
        "TaskManager",
        "ha-taskmgr",
        &["recentTask"],
    );
}

fn script_config(s: &mut Script) {
    let vm2 = ("VirtualMachine", "2");
    task(
        s,
        "ReconfigVM_Task-memory",
        "ReconfigVM_Task",
        vm2,
        "<spec><memoryMB>4096</memoryMB><numCPUs>4</numCPUs></spec>",
    );
    task(
        s,
        "ReconfigVM_Task-allocation",
        "ReconfigVM_Task",
        vm2,
        "<spec><cpuAllocation><reservation>500</reservation><limit>2000</limit>\
         <shares><shares>1234</shares><level>custom</level></shares></cpuAllocation>\
         <memoryAllocation><reservation>1024</reservation><limit>-1</limit>\
         <shares><shares>0</shares><level>high</level></shares></memoryAllocation></spec>",
    );
    task(
        s,
        "ReconfigVM_Task-invalid",
        "ReconfigVM_Task",
        vm2,
        "<spec><memoryMB>5</memoryMB></spec>",
    );
    task(
        s,
        "ReconfigVM_Task-name",
        "ReconfigVM_Task",
        vm2,
        "<spec><name>debian-02</name><annotation>Reconfigured</annotation></spec>",
    );
    s.soap("ReconfigVM_Task-no-spec", "ReconfigVM_Task", vm2, "");
    s.read(
        "after-reconfig",
        "VirtualMachine",
        "2",
        &["config", "summary.config"],
    );
    let am = ("HostAutoStartManager", "ha-autostart-mgr");
    s.soap(
        "ReconfigureAutostart",
        "ReconfigureAutostart",
        am,
        "<spec><defaults><enabled>true</enabled><startDelay>30</startDelay><stopDelay>60</stopDelay>\
         <waitForHeartbeat>false</waitForHeartbeat><stopAction>GuestShutdown</stopAction></defaults>\
         <powerInfo><key type=\"VirtualMachine\">2</key><startOrder>1</startOrder><startDelay>-1</startDelay>\
         <waitForHeartbeat>systemDefault</waitForHeartbeat><startAction>powerOn</startAction>\
         <stopDelay>-1</stopDelay><stopAction>systemDefault</stopAction></powerInfo></spec>",
    );
    s.soap(
        "ReconfigureAutostart-missing-vm",
        "ReconfigureAutostart",
        am,
        "<spec><powerInfo><key type=\"VirtualMachine\">99</key><startOrder>1</startOrder>\
         <startDelay>-1</startDelay><waitForHeartbeat>systemDefault</waitForHeartbeat>\
         <startAction>powerOn</startAction><stopDelay>-1</stopDelay><stopAction>systemDefault</stopAction>\
         </powerInfo></spec>",
    );
    s.read(
        "autostart-config",
        "HostAutoStartManager",
        "ha-autostart-mgr",
        &["config"],
    );
    // Snapshots.
    let snap = |s: &mut Script, label: &str, name: &str| {
        let body = s.soap(
            label,
            "CreateSnapshot_Task",
            vm2,
            &format!(
                "<name>{name}</name><description>about {name}</description>\
                 <memory>false</memory><quiesce>false</quiesce>"
            ),
        );
        s.task_done(&format!("{label}-info"), &body);
    };
    snap(s, "CreateSnapshot_Task-1", "first");
    snap(s, "CreateSnapshot_Task-2", "second");
    snap(s, "CreateSnapshot_Task-3", "third");
    s.soap(
        "CreateSnapshot_Task-no-name",
        "CreateSnapshot_Task",
        vm2,
        "<name></name><memory>false</memory><quiesce>false</quiesce>",
    );
    s.soap(
        "CreateSnapshot_Task-no-memory",
        "CreateSnapshot_Task",
        vm2,
        "<name>x</name><quiesce>false</quiesce>",
    );
    s.read(
        "snapshots",
        "VirtualMachine",
        "2",
        &["snapshot", "rootSnapshot"],
    );
    let snap = s.peek("VirtualMachine", "2", "snapshot.currentSnapshot");
    let current = {
        let start = snap
            .find("type=\"VirtualMachineSnapshot\"")
            .expect("snapshot");
        let rest = &snap[start..];
        let gt = rest.find('>').expect(">") + 1;
        let end = rest.find('<').expect("<");
        rest[gt..end].to_string()
    };
    s.read("snapshot-all", "VirtualMachineSnapshot", &current, &[]);
    s.read(
        "snapshot-vm",
        "VirtualMachineSnapshot",
        &current,
        &["vm", "childSnapshot"],
    );
    s.read(
        "snapshot-bad",
        "VirtualMachineSnapshot",
        &current,
        &["name"],
    );
    let first = "snapshot-".to_string()
        + &current
            .trim_start_matches("snapshot-")
            .parse::<u64>()
            .map(|n| (n - 2).to_string())
            .expect("snapshot number");
    s.read(
        "snapshot-first",
        "VirtualMachineSnapshot",
        &first,
        &["childSnapshot"],
    );
    task(
        s,
        "RevertToSnapshot_Task",
        "RevertToSnapshot_Task",
        ("VirtualMachineSnapshot", &first),
        "",
    );
    s.read(
        "after-revert",
        "VirtualMachine",
        "2",
        &["snapshot", "runtime.powerState"],
    );
    task(
        s,
        "RemoveSnapshot_Task",
        "RemoveSnapshot_Task",
        ("VirtualMachineSnapshot", &first),
        "<removeChildren>false</removeChildren>",
    );
    s.read(
        "after-remove",
        "VirtualMachine",
        "2",
        &["snapshot", "rootSnapshot"],
    );
    s.soap(
        "RemoveSnapshot_Task-missing",
        "RemoveSnapshot_Task",
        ("VirtualMachineSnapshot", &first),
        "<removeChildren>true</removeChildren>",
    );
    s.soap(
        "RevertToSnapshot_Task-not-a-snapshot",
        "RevertToSnapshot_Task",
        vm2,
        "",
    );
}

fn script_files(s: &mut Script) {
    let browser = ("HostDatastoreBrowser", "ha-host-datastorebrowser");
    task(
        s,
        "SearchDatastore_Task",
        "SearchDatastore_Task",
        browser,
        "<datastorePath>[datastore1] debian-02</datastorePath><searchSpec>\
         <query xsi:type=\"VmDiskFileQuery\"><details><diskType>true</diskType>\
         <capacityKb>true</capacityKb><hardwareVersion>true</hardwareVersion>\
         <controllerType>true</controllerType><thin>true</thin></details></query>\
         <details><fileType>true</fileType><fileSize>true</fileSize><modification>false</modification>\
         <fileOwner>false</fileOwner></details></searchSpec>",
    );
    task(
        s,
        "SearchDatastore_Task-all",
        "SearchDatastore_Task",
        browser,
        "<datastorePath>[datastore1] debian-02/</datastorePath>",
    );
    task(
        s,
        "SearchDatastoreSubFolders_Task",
        "SearchDatastoreSubFolders_Task",
        browser,
        "<datastorePath>[nfs-iso]</datastorePath><searchSpec>\
         <query xsi:type=\"IsoImageFileQuery\"></query><query xsi:type=\"FloppyImageFileQuery\"></query>\
         <query xsi:type=\"FolderFileQuery\"></query><matchPattern>*</matchPattern></searchSpec>",
    );
    task(
        s,
        "SearchDatastore_Task-missing",
        "SearchDatastore_Task",
        browser,
        "<datastorePath>[datastore1] nothing</datastorePath>",
    );
    s.soap(
        "SearchDatastore_Task-bad-datastore",
        "SearchDatastore_Task",
        browser,
        "<datastorePath>[nothing] x</datastorePath>",
    );
    s.soap(
        "SearchDatastore_Task-bad-path",
        "SearchDatastore_Task",
        browser,
        "<datastorePath>no brackets</datastorePath>",
    );
    let fm = ("FileManager", "ha-nfc-file-manager");
    let vdm = ("VirtualDiskManager", "ha-vdiskmanager");
    s.soap(
        "MakeDirectory",
        "MakeDirectory",
        fm,
        "<name>[datastore1] disks</name>",
    );
    s.soap(
        "MakeDirectory-exists",
        "MakeDirectory",
        fm,
        "<name>[datastore1] disks</name>",
    );
    s.soap(
        "MakeDirectory-parents",
        "MakeDirectory",
        fm,
        "<name>[datastore1] a/b/c</name><createParentDirectories>true</createParentDirectories>",
    );
    s.soap(
        "MakeDirectory-no-parent",
        "MakeDirectory",
        fm,
        "<name>[datastore1] x/y</name>",
    );
    task(
        s,
        "CreateVirtualDisk_Task",
        "CreateVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/one.vmdk</name><spec xsi:type=\"FileBackedVirtualDiskSpec\">\
         <diskType>thin</diskType><adapterType>lsiLogic</adapterType><capacityKb>1048576</capacityKb></spec>",
    );
    task(
        s,
        "CreateVirtualDisk_Task-exists",
        "CreateVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/one.vmdk</name><spec xsi:type=\"FileBackedVirtualDiskSpec\">\
         <diskType>thin</diskType><adapterType>lsiLogic</adapterType><capacityKb>1048576</capacityKb></spec>",
    );
    task(
        s,
        "CreateVirtualDisk_Task-too-big",
        "CreateVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/big.vmdk</name><spec xsi:type=\"FileBackedVirtualDiskSpec\">\
         <diskType>preallocated</diskType><adapterType>lsiLogic</adapterType>\
         <capacityKb>999999999999</capacityKb></spec>",
    );
    s.soap(
        "CreateVirtualDisk_Task-no-spec",
        "CreateVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/two.vmdk</name>",
    );
    s.soap(
        "CreateVirtualDisk_Task-not-vmdk",
        "CreateVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/two.txt</name><spec xsi:type=\"FileBackedVirtualDiskSpec\">\
         <diskType>thin</diskType><adapterType>lsiLogic</adapterType><capacityKb>1024</capacityKb></spec>",
    );
    s.soap(
        "QueryVirtualDiskUuid",
        "QueryVirtualDiskUuid",
        vdm,
        "<name>[datastore1] disks/one.vmdk</name>",
    );
    s.soap(
        "QueryVirtualDiskUuid-missing",
        "QueryVirtualDiskUuid",
        vdm,
        "<name>[datastore1] disks/none.vmdk</name>",
    );
    task(
        s,
        "CopyVirtualDisk_Task",
        "CopyVirtualDisk_Task",
        vdm,
        "<sourceName>[datastore1] disks/one.vmdk</sourceName>\
         <destName>[datastore1] disks/copy.vmdk</destName>",
    );
    task(
        s,
        "CopyVirtualDisk_Task-exists",
        "CopyVirtualDisk_Task",
        vdm,
        "<sourceName>[datastore1] disks/one.vmdk</sourceName>\
         <destName>[datastore1] disks/copy.vmdk</destName>",
    );
    task(
        s,
        "CopyVirtualDisk_Task-spec",
        "CopyVirtualDisk_Task",
        vdm,
        "<sourceName>[datastore1] disks/one.vmdk</sourceName>\
         <destName>[datastore1] disks/thick.vmdk</destName>\
         <destSpec xsi:type=\"VirtualDiskSpec\"><diskType>thick</diskType><adapterType>lsiLogic</adapterType></destSpec>",
    );
    task(
        s,
        "ExtendVirtualDisk_Task",
        "ExtendVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/copy.vmdk</name><newCapacityKb>2097152</newCapacityKb>",
    );
    task(
        s,
        "ExtendVirtualDisk_Task-shrink",
        "ExtendVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/copy.vmdk</name><newCapacityKb>1024</newCapacityKb>",
    );
    task(
        s,
        "ZeroFillVirtualDisk_Task",
        "ZeroFillVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/copy.vmdk</name>",
    );
    task(
        s,
        "SearchDatastore_Task-disks",
        "SearchDatastore_Task",
        browser,
        "<datastorePath>[datastore1] disks</datastorePath><searchSpec>\
         <query xsi:type=\"VmDiskFileQuery\"><details><diskType>true</diskType>\
         <capacityKb>true</capacityKb><hardwareVersion>true</hardwareVersion>\
         <controllerType>true</controllerType><thin>true</thin></details></query>\
         <query xsi:type=\"FolderFileQuery\"/></searchSpec>",
    );
    task(
        s,
        "DeleteVirtualDisk_Task",
        "DeleteVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/copy.vmdk</name>",
    );
    task(
        s,
        "DeleteVirtualDisk_Task-missing",
        "DeleteVirtualDisk_Task",
        vdm,
        "<name>[datastore1] disks/copy.vmdk</name>",
    );
    s.soap(
        "DeleteVirtualDisk_Task-in-use",
        "DeleteVirtualDisk_Task",
        vdm,
        "<name>[datastore1] debian-02/debian-02.vmdk</name>",
    );
    s.soap(
        "DeleteVirtualDisk_Task-bad-datastore",
        "DeleteVirtualDisk_Task",
        vdm,
        "<name>[nothing] a.vmdk</name>",
    );
    task(
        s,
        "MoveDatastoreFile_Task",
        "MoveDatastoreFile_Task",
        fm,
        "<sourceName>[datastore1] disks/thick.vmdk</sourceName>\
         <destinationName>[datastore1] disks/moved.vmdk</destinationName>",
    );
    task(
        s,
        "MoveDatastoreFile_Task-exists",
        "MoveDatastoreFile_Task",
        fm,
        "<sourceName>[datastore1] disks/one.vmdk</sourceName>\
         <destinationName>[datastore1] disks/moved.vmdk</destinationName>",
    );
    task(
        s,
        "MoveDatastoreFile_Task-missing",
        "MoveDatastoreFile_Task",
        fm,
        "<sourceName>[datastore1] disks/none.vmdk</sourceName>\
         <destinationName>[datastore1] disks/other.vmdk</destinationName>",
    );
    task(
        s,
        "DeleteDatastoreFile_Task",
        "DeleteDatastoreFile_Task",
        fm,
        "<name>[datastore1] disks/moved.vmdk</name>",
    );
    task(
        s,
        "DeleteDatastoreFile_Task-dir",
        "DeleteDatastoreFile_Task",
        fm,
        "<name>[datastore1] a</name>",
    );
    task(
        s,
        "DeleteDatastoreFile_Task-missing",
        "DeleteDatastoreFile_Task",
        fm,
        "<name>[datastore1] a</name>",
    );
    s.soap(
        "DeleteDatastoreFile_Task-bad-path",
        "DeleteDatastoreFile_Task",
        fm,
        "<name>datastore1 a</name>",
    );
    s.soap(
        "DeleteDatastoreFile_Task-not-a-file-manager",
        "DeleteDatastoreFile_Task",
        vdm,
        "<name>[datastore1] a</name>",
    );
    // Registration: a VM out of the inventory and back.
    s.soap(
        "UnregisterVM-on",
        "UnregisterVM",
        ("VirtualMachine", "5"),
        "",
    );
    s.soap("UnregisterVM", "UnregisterVM", ("VirtualMachine", "3"), "");
    s.soap(
        "UnregisterVM-missing",
        "UnregisterVM",
        ("VirtualMachine", "3"),
        "",
    );
    let folder = ("Folder", "ha-folder-vm");
    task(
        s,
        "RegisterVM_Task",
        "RegisterVM_Task",
        folder,
        "<path>[datastore1] win2019-03/win2019-03.vmx</path><name>win2019-again</name>\
         <asTemplate>false</asTemplate><pool type=\"ResourcePool\">ha-root-pool</pool>",
    );
    task(
        s,
        "RegisterVM_Task-duplicate",
        "RegisterVM_Task",
        folder,
        "<path>[datastore1] win2019-03/win2019-03.vmx</path><name>win2019-again</name>\
         <asTemplate>false</asTemplate><pool type=\"ResourcePool\">ha-root-pool</pool>",
    );
    task(
        s,
        "RegisterVM_Task-missing",
        "RegisterVM_Task",
        folder,
        "<path>[datastore1] nothing/nothing.vmx</path><asTemplate>false</asTemplate>",
    );
    s.soap(
        "RegisterVM_Task-template",
        "RegisterVM_Task",
        folder,
        "<path>[datastore1] win2019-03/win2019-03.vmx</path><asTemplate>true</asTemplate>",
    );
    s.read(
        "registered",
        "VirtualMachine",
        "6",
        &[
            "name",
            "config",
            "runtime.powerState",
            "datastore",
            "network",
        ],
    );
    s.read(
        "vm-folder-after",
        "Folder",
        "ha-folder-vm",
        &["childEntity"],
    );
    // Datastore files over HTTP.
    let q = "?dcPath=ha-datacenter&dsName=datastore1";
    s.folder(
        "GET-vmx",
        "GET",
        &format!("/folder/debian-02/debian-02.vmx{q}"),
        b"",
        true,
    );
    s.folder(
        "GET-vmdk",
        "GET",
        &format!("/folder/disks/one.vmdk{q}"),
        b"",
        true,
    );
    s.folder(
        "HEAD-vmx",
        "HEAD",
        &format!("/folder/debian-02/debian-02.vmx{q}"),
        b"",
        true,
    );
    s.folder(
        "PUT-new",
        "PUT",
        &format!("/folder/disks/note.txt{q}"),
        b"hello, datastore\n",
        true,
    );
    s.folder(
        "PUT-again",
        "PUT",
        &format!("/folder/disks/note.txt{q}"),
        b"hello again\n",
        true,
    );
    s.folder(
        "GET-new",
        "GET",
        &format!("/folder/disks/note.txt{q}"),
        b"",
        true,
    );
    s.folder(
        "DELETE",
        "DELETE",
        &format!("/folder/disks/note.txt{q}"),
        b"",
        true,
    );
    s.folder(
        "GET-missing",
        "GET",
        &format!("/folder/disks/note.txt{q}"),
        b"",
        true,
    );
    s.folder(
        "GET-no-session",
        "GET",
        &format!("/folder/debian-02/debian-02.vmx{q}"),
        b"",
        false,
    );
    s.folder(
        "GET-bad-dc",
        "GET",
        "/folder/debian-02/debian-02.vmx?dcPath=nothing&dsName=datastore1",
        b"",
        true,
    );
    s.folder(
        "GET-climb",
        "GET",
        &format!("/folder/../../etc/passwd{q}"),
        b"",
        true,
    );
    s.folder(
        "PUT-no-dir",
        "PUT",
        &format!("/folder/nothing/x.txt{q}"),
        b"x",
        true,
    );
    s.folder(
        "GET-double-slash",
        "GET",
        &format!("/folder/debian-02//debian-02.vmx{q}"),
        b"",
        true,
    );
}

/// The property collector's updates, with the freedoms a real one has.
fn script_updates(s: &mut Script) {
    let watch = |paths: &str| {
        format!(
            "<spec><propSet><type>VirtualMachine</type>{paths}</propSet><objectSet>\
             <obj type=\"Folder\">ha-folder-vm</obj><skip>true</skip>\
             <selectSet xsi:type=\"TraversalSpec\"><name>folderToVm</name><type>Folder</type>\
             <path>childEntity</path><skip>false</skip></selectSet></objectSet></spec>\
             <partialUpdates>false</partialUpdates>"
        )
    };
    let paths = "<pathSet>name</pathSet><pathSet>runtime.powerState</pathSet>\
                 <pathSet>runtime.question</pathSet>";
    let pc = s.soap("CreatePropertyCollector", "CreatePropertyCollector", PC, "");
    let pc = tag_text_attr(&pc).expect("collector");
    let collector = ("PropertyCollector", pc.as_str());
    let filter = s.soap("CreateFilter", "CreateFilter", collector, &watch(paths));
    let filter = tag_text_attr(&filter).expect("filter");
    s.read("collector-filter", "PropertyCollector", &pc, &["filter"]);
    s.read("filter-bad", "PropertyFilter", &filter, &["spec"]);
    let wait = |v: &str, secs: u32| {
        let version = if v.is_empty() {
            String::new()
        } else {
            format!("<version>{v}</version>")
        };
        format!("{version}<options><maxWaitSeconds>{secs}</maxWaitSeconds></options>")
    };
    let first = s.soap(
        "WaitForUpdatesEx-first",
        "WaitForUpdatesEx",
        collector,
        &wait("", 60),
    );
    let v1 = tag_text(&first, "version").expect("version").to_string();
    s.sim
        .set_power_many(&["alpine-01", "win2019-again"], esx_sim::Power::PoweredOn)
        .expect("power");
    let next = s.soap(
        "WaitForUpdatesEx-modify",
        "WaitForUpdatesEx",
        collector,
        &wait(&v1, 60),
    );
    let v2 = tag_text(&next, "version").expect("version").to_string();
    s.soap(
        "WaitForUpdatesEx-none",
        "WaitForUpdatesEx",
        collector,
        &wait(&v2, 0),
    );
    s.soap(
        "WaitForUpdatesEx-bad-version",
        "WaitForUpdatesEx",
        collector,
        &wait("nonsense", 0),
    );
    s.soap(
        "WaitForUpdatesEx-old-version",
        "WaitForUpdatesEx",
        collector,
        &wait("1000", 0),
    );
    // Truncated sets.
    s.sim.set_update_max_objects(1);
    s.sim
        .set_power_many(&["alpine-01", "win2019-again"], esx_sim::Power::PoweredOff)
        .expect("power");
    let t1 = s.soap(
        "WaitForUpdatesEx-truncated",
        "WaitForUpdatesEx",
        collector,
        &wait(&v2, 60),
    );
    let v3 = tag_text(&t1, "version").expect("version").to_string();
    let t2 = s.soap(
        "WaitForUpdatesEx-rest",
        "WaitForUpdatesEx",
        collector,
        &wait(&v3, 0),
    );
    let v4 = tag_text(&t2, "version").expect("version").to_string();
    s.sim.set_update_max_objects(0);
    // Unreadable properties: missingSet.
    s.sim
        .set_unreadable("alpine-01", &["runtime.powerState"])
        .expect("unreadable");
    let m = s.soap(
        "WaitForUpdatesEx-missing",
        "WaitForUpdatesEx",
        collector,
        &wait(&v4, 60),
    );
    let v5 = tag_text(&m, "version").expect("version").to_string();
    s.read(
        "missing-read",
        "VirtualMachine",
        "1",
        &["name", "runtime.powerState"],
    );
    s.sim.set_unreadable("alpine-01", &[]).expect("readable");
    let m = s.soap(
        "WaitForUpdatesEx-readable",
        "WaitForUpdatesEx",
        collector,
        &wait(&v5, 60),
    );
    let v6 = tag_text(&m, "version").expect("version").to_string();
    // Waits at once.
    s.sim.set_waits_at_once(true);
    s.soap(
        "WaitForUpdatesEx-at-once",
        "WaitForUpdatesEx",
        collector,
        &wait(&v6, 600),
    );
    s.sim.set_waits_at_once(false);
    // The older forms.
    s.soap(
        "CheckForUpdates",
        "CheckForUpdates",
        collector,
        &format!("<version>{v6}</version>"),
    );
    s.soap("CheckForUpdates-first", "CheckForUpdates", collector, "");
    s.sim
        .set_power("debian-02", esx_sim::Power::Suspended)
        .expect("power");
    s.soap(
        "WaitForUpdates",
        "WaitForUpdates",
        collector,
        &format!("<version>{v6}</version>"),
    );
    // CancelWaitForUpdates: a wait in progress ends with RequestCanceled.
    let cookie = s.cookie.clone();
    let base = s.base.clone();
    let sync = s.soap_raw("WaitForUpdatesEx", collector, &wait("", 0)).1;
    let vnow = tag_text(&sync, "version").expect("version").to_string();
    let wbody = envelope("WaitForUpdatesEx", collector, &wait(&vnow, 600));
    let waiter = std::thread::spawn(move || {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        let mut req = agent.post(&format!("{base}/sdk"));
        if let Some(c) = cookie {
            req = req.set("Cookie", &format!("vmware_soap_session=\"{c}\""));
        }
        match req.send_string(&wbody) {
            Ok(r) => (r.status(), r.into_string().expect("body")),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().expect("body")),
            Err(e) => panic!("wait: {e}"),
        }
    });
    let start = Instant::now();
    while s.sim.waits().0 != 1 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the wait never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    s.soap(
        "CancelWaitForUpdates",
        "CancelWaitForUpdates",
        collector,
        "",
    );
    let (status, body) = waiter.join().expect("waiter");
    s.record("WaitForUpdatesEx-cancelled", status, &body);
    // Filters and collectors go.
    s.soap(
        "DestroyPropertyFilter",
        "DestroyPropertyFilter",
        ("PropertyFilter", &filter),
        "",
    );
    s.soap(
        "DestroyPropertyFilter-again",
        "DestroyPropertyFilter",
        ("PropertyFilter", &filter),
        "",
    );
    s.soap(
        "DestroyPropertyCollector",
        "DestroyPropertyCollector",
        collector,
        "",
    );
    s.soap(
        "WaitForUpdatesEx-no-collector",
        "WaitForUpdatesEx",
        collector,
        &wait("", 0),
    );
    s.soap(
        "CreateFilter-no-collector",
        "CreateFilter",
        collector,
        &watch(paths),
    );
    // The session's default collector.
    let f = s.soap(
        "CreateFilter-default",
        "CreateFilter",
        PC,
        &watch("<pathSet>name</pathSet>"),
    );
    let f = tag_text_attr(&f).expect("filter");
    s.soap(
        "WaitForUpdatesEx-default",
        "WaitForUpdatesEx",
        PC,
        &wait("", 0),
    );
    s.soap(
        "DestroyPropertyFilter-default",
        "DestroyPropertyFilter",
        ("PropertyFilter", &f),
        "",
    );
    s.soap(
        "CreateFilter-bad-spec",
        "CreateFilter",
        PC,
        "<spec><propSet><type>VirtualMachine</type><pathSet>nonsense</pathSet></propSet>\
         <objectSet><obj type=\"VirtualMachine\">1</obj></objectSet></spec><partialUpdates>false</partialUpdates>",
    );
}

/// Sparse mode, omissions, injected faults, held requests.
fn script_modes(s: &mut Script) {
    s.sim.set_sparse(true);
    for (kind, id) in [
        ("VirtualMachine", "1"),
        ("VirtualMachine", "2"),
        ("HostSystem", "ha-host"),
        ("Datastore", DS1),
        ("Datastore", "ds-nfs-iso"),
        ("HostAutoStartManager", "ha-autostart-mgr"),
        ("ServiceInstance", "ServiceInstance"),
    ] {
        s.read(&format!("sparse-{kind}-{id}"), kind, id, &[]);
        let paths = view_paths(kind);
        if !paths.is_empty() {
            s.read(&format!("sparse-views-{kind}-{id}"), kind, id, paths);
        }
    }
    s.sim.set_sparse(false);
    s.sim.omit(&[
        "HostCapability.maxSupportedVcpus",
        "VirtualMachineConfigInfo.annotation",
        "ManagedEntity.name",
        "HostListSummary.managementServerIp",
    ]);
    s.read(
        "omit-host",
        "HostSystem",
        "ha-host",
        &["capability", "name", "summary"],
    );
    s.read(
        "omit-vm",
        "VirtualMachine",
        "2",
        &["config.annotation", "name", "config.uuid"],
    );
    s.sim.omit(&[]);
    s.sim.inject(
        "CurrentTime",
        esx_sim::FaultKind::Soap("SystemError".into(), "Injected & <escaped>".into()),
        1,
    );
    s.soap(
        "injected-fault",
        "CurrentTime",
        ("ServiceInstance", "ServiceInstance"),
        "",
    );
    s.sim.inject("CurrentTime", esx_sim::FaultKind::Hold, 1);
    let cookie = s.cookie.clone();
    let base = s.base.clone();
    let body = envelope("CurrentTime", ("ServiceInstance", "ServiceInstance"), "");
    let held = std::thread::spawn(move || {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .build();
        let mut req = agent.post(&format!("{base}/sdk"));
        if let Some(c) = cookie {
            req = req.set("Cookie", &format!("vmware_soap_session=\"{c}\""));
        }
        match req.send_string(&body) {
            Ok(r) => (r.status(), r.into_string().expect("body")),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().expect("body")),
            Err(e) => panic!("held: {e}"),
        }
    });
    let start = Instant::now();
    while s.sim.held() != 1 {
        assert!(start.elapsed() < Duration::from_secs(60), "never held");
        std::thread::sleep(Duration::from_millis(5));
    }
    s.sim.release_held();
    let (status, body) = held.join().expect("held");
    s.record("held-then-released", status, &body);
    s.sim.inject("CurrentTime", esx_sim::FaultKind::Junk, 1);
    s.soap(
        "injected-junk",
        "CurrentTime",
        ("ServiceInstance", "ServiceInstance"),
        "",
    );
    s.sim.inject("CurrentTime", esx_sim::FaultKind::Empty, 1);
    s.soap(
        "injected-empty",
        "CurrentTime",
        ("ServiceInstance", "ServiceInstance"),
        "",
    );
}

fn script_session_start(s: &mut Script) {
    let (status, body, _) = s.http("GET", "/sdk/vimServiceVersions.xml", b"", false);
    s.record("vimServiceVersions", status, &body);
    let si = ("ServiceInstance", "ServiceInstance");
    s.soap("RetrieveServiceContent", "RetrieveServiceContent", si, "");
    s.read(
        "unauthenticated-content",
        "ServiceInstance",
        "ServiceInstance",
        &["content"],
    );
    s.read(
        "unauthenticated-vm",
        "VirtualMachine",
        "1",
        &["name", "runtime.powerState"],
    );
    s.soap(
        "unauthenticated-legacy",
        "RetrieveProperties",
        PC,
        &spec_one("VirtualMachine", "1", &["name"]),
    );
    s.soap(
        "unauthenticated-power-on",
        "PowerOnVM_Task",
        ("VirtualMachine", "1"),
        "",
    );
    s.soap(
        "Login-bad-password",
        "Login",
        ("SessionManager", "ha-sessionmgr"),
        "<userName>root</userName><password>wrong</password>",
    );
    login(s, "Login");
    s.soap("CurrentTime", "CurrentTime", si, "");
    s.soap(
        "SessionIsActive",
        "SessionIsActive",
        ("SessionManager", "ha-sessionmgr"),
        "<sessionID>x</sessionID><userName>root</userName>",
    );
    s.soap("unknown-method", "NoSuchMethod", si, "<x>1</x>");
    let (status, body, _) = s.http("POST", "/sdk", b"<not-soap", true);
    s.record("unparsable", status, &body);
    let (status, body, _) = s.http(
        "POST",
        "/sdk",
        format!(
            "<soapenv:Envelope {NS}><soapenv:Body><CurrentTime xmlns=\"urn:vim25\"/></soapenv:Body></soapenv:Envelope>"
        )
        .as_bytes(),
        true,
    );
    s.record("no-this", status, &body);
}

fn script_session_end(s: &mut Script) {
    s.read(
        "sessions",
        "SessionManager",
        "ha-sessionmgr",
        &["sessionList", "currentSession"],
    );
    s.soap("Logout", "Logout", ("SessionManager", "ha-sessionmgr"), "");
    s.soap(
        "after-logout",
        "CurrentTime",
        ("ServiceInstance", "ServiceInstance"),
        "",
    );
    s.read("after-logout-read", "VirtualMachine", "1", &["name"]);
}

/// A host that names its VMs `vm-N`, as vCenter does.
fn script_vcenter_morefs(s: &mut Script) {
    login(s, "Login");
    s.soap(
        "list-vms",
        "RetrievePropertiesEx",
        PC,
        &format!("{}<options/>", vm_list_spec(&["name", "config.uuid"])),
    );
    s.read(
        "vm-1",
        "VirtualMachine",
        "vm-1",
        &["name", "runtime.powerState"],
    );
    s.read("plain-1", "VirtualMachine", "1", &["name"]);
    task(
        s,
        "PowerOnVM_Task",
        "PowerOnVM_Task",
        ("VirtualMachine", "vm-2"),
        "",
    );
    s.read("task-list", "TaskManager", "ha-taskmgr", &["recentTask"]);
}

fn compare(replies: &BTreeMap<String, String>) {
    let dir = golden_dir();
    if std::env::var("ESX_SIM_REPLIES_BLESS").as_deref() == Ok("1") {
        std::fs::create_dir_all(&dir).expect("golden dir");
        for e in std::fs::read_dir(&dir).expect("golden dir").flatten() {
            if e.path().extension().is_some_and(|x| x == "xml") {
                std::fs::remove_file(e.path()).expect("remove");
            }
        }
        for (name, text) in replies {
            std::fs::write(dir.join(format!("{name}.xml")), text).expect("write");
        }
        return;
    }
    let mut recorded = BTreeMap::new();
    for e in std::fs::read_dir(&dir)
        .expect("tests/data/sim-replies")
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "xml") {
            let name = p.file_stem().expect("name").to_string_lossy().into_owned();
            recorded.insert(name, std::fs::read_to_string(&p).expect("read"));
        }
    }
    let mut problems = Vec::new();
    for (name, want) in &recorded {
        match replies.get(name) {
            None => problems.push(format!(
                "{name}: recorded, but the script made no such reply"
            )),
            Some(got) if got != want => {
                let at = got
                    .bytes()
                    .zip(want.bytes())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(want.len()));
                let from = at.saturating_sub(120);
                let show = |s: &str| {
                    let mut a = from.min(s.len());
                    while !s.is_char_boundary(a) {
                        a -= 1;
                    }
                    let mut b = (at + 200).min(s.len());
                    while !s.is_char_boundary(b) {
                        b += 1;
                    }
                    s[a..b].to_string()
                };
                problems.push(format!(
                    "{name}: differs at byte {at}\n  recorded: ...{}\n  now:      ...{}",
                    show(want),
                    show(got)
                ));
            }
            Some(_) => {}
        }
    }
    for name in replies.keys() {
        if !recorded.contains_key(name) {
            problems.push(format!("{name}: a reply with no recording"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} replies differ from tests/data/sim-replies (see its README):\n{}",
        problems.len(),
        replies.len(),
        problems.join("\n")
    );
}

#[test]
fn replies_match_the_recorded_ones() {
    let dir = std::env::temp_dir().join(format!("esx-sim-replies-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sim = esx_sim::Sim::builder()
        .http()
        .task_ms(0)
        .datastore_dir(dir.join("a"))
        .start()
        .expect("esx-sim");
    let mut s = Script::new(sim, "");
    script_session_start(&mut s);
    script_reads(&mut s);
    script_tasks(&mut s);
    script_config(&mut s);
    script_files(&mut s);
    script_updates(&mut s);
    script_modes(&mut s);
    // Everything again, as the scenario left it.
    for (kind, id, _) in objects() {
        s.read(
            &format!("end-{kind}-{}", id.replace(' ', "_")),
            kind,
            id,
            &[],
        );
    }
    s.read("end-vm-6", "VirtualMachine", "6", &[]);
    script_session_end(&mut s);
    let mut replies = std::mem::take(&mut s.replies);
    drop(s);

    let sim = esx_sim::Sim::builder()
        .http()
        .task_ms(0)
        .vcenter_style_morefs()
        .datastore_dir(dir.join("b"))
        .start()
        .expect("esx-sim");
    let mut s = Script::new(sim, "vc-");
    script_vcenter_morefs(&mut s);
    replies.extend(std::mem::take(&mut s.replies));
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
    compare(&replies);
}
