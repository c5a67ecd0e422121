// SPDX-License-Identifier: LGPL-2.1-or-later
//! The simulated host: inventory, VMs, tasks, sessions, and the properties
//! of every managed object, built as ESX builds them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::model::*;

pub const HOST: &str = "ha-host";
pub const DATACENTER: &str = "ha-datacenter";

/// A fault to return: type, message, and extra detail fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub ty: String,
    pub message: String,
    pub fields: Vec<(String, SVal)>,
}

impl Fault {
    pub fn new(ty: &str, message: impl Into<String>) -> Fault {
        Fault {
            ty: ty.into(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, v: SVal) -> Fault {
        self.fields.push((name.to_string(), v));
        self
    }

    pub fn invalid_argument(prop: &str) -> Fault {
        Fault::new(
            "InvalidArgument",
            format!("A specified parameter was not correct: {prop}"),
        )
        .with("invalidProperty", s(prop))
    }

    pub fn not_found_obj(kind: &str, id: &str) -> Fault {
        Fault::new(
            "ManagedObjectNotFound",
            format!(
                "The object 'vim.{kind}:{id}' has already been deleted or has not been completely created"
            ),
        )
        .with("obj", moref(kind, id))
    }

    pub fn invalid_power_state(existing: &str, requested: Option<&str>) -> Fault {
        let pretty = match existing {
            "poweredOn" => "Powered on",
            "poweredOff" => "Powered off",
            _ => "Suspended",
        };
        let mut f = Fault::new(
            "InvalidPowerState",
            format!("The attempted operation cannot be performed in the current state ({pretty})."),
        );
        if let Some(r) = requested {
            f = f.with("requestedState", en("VirtualMachinePowerState", r));
        }
        f.with("existingState", en("VirtualMachinePowerState", existing))
    }

    /// The fault as an AnyType value (`TaskInfo.error.fault`).
    pub fn as_sval(&self) -> SVal {
        SVal::Obj {
            ty: self.ty.clone(),
            poly: true,
            fields: self.fields.clone(),
        }
    }

    pub fn localized(&self) -> SVal {
        obj(
            "LocalizedMethodFault",
            vec![
                ("fault", self.as_sval()),
                ("localizedMessage", s(self.message.clone())),
            ],
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    Off,
    On,
    Suspended,
}

impl Power {
    pub fn as_str(self) -> &'static str {
        match self {
            Power::Off => "poweredOff",
            Power::On => "poweredOn",
            Power::Suspended => "suspended",
        }
    }

    pub fn parse(t: &str) -> Option<Power> {
        match t {
            "poweredOff" | "off" => Some(Power::Off),
            "poweredOn" | "on" => Some(Power::On),
            "suspended" => Some(Power::Suspended),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alloc {
    pub reservation: i64,
    pub limit: i64,
    pub shares_level: String,
    pub shares: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub key: String,
    pub label: String,
    pub summary: String,
}

/// A question a VM asks, and what each answer does.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub message_id: String,
    pub text: String,
    pub choices: Vec<Choice>,
    pub default_index: Option<i64>,
    /// The task that waits for the answer.
    pub task: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Nic {
    pub key: i64,
    pub mac: String,
    pub network: String,
    pub model: String,
    pub ips: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub moid: String,
    pub id: i64,
    pub name: String,
    pub description: String,
    pub create_time: SystemTime,
    pub state: Power,
    pub quiesced: bool,
    pub parent: Option<String>,
    /// Memory, CPUs and power state to restore on revert.
    pub memory_mb: i64,
    pub num_cpu: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vm {
    pub id: u64,
    pub name: String,
    pub uuid: String,
    pub instance_uuid: String,
    pub guest_id: String,
    pub guest_full_name: String,
    pub annotation: String,
    pub memory_mb: i64,
    pub num_cpu: i64,
    pub cores_per_socket: i64,
    pub hw_version: String,
    pub firmware: String,
    pub power: Power,
    pub datastore: String,
    pub directory: String,
    pub vmx_name: String,
    pub disk_kb: i64,
    pub tools_installed: bool,
    pub tools_running: bool,
    pub guest_hostname: Option<String>,
    pub nics: Vec<Nic>,
    pub cpu_alloc: Alloc,
    pub mem_alloc: Alloc,
    pub question: Option<Question>,
    pub recent_tasks: Vec<String>,
    pub snapshots: Vec<Snapshot>,
    pub current_snapshot: Option<String>,
    /// Serial port output file (datastore-relative) that makes power-on ask.
    pub serial_file: Option<String>,
    /// Marked as moved or copied: power-on asks msg.uuid.altered.
    pub uuid_altered: bool,
    /// A question to ask on the next task of a method (set by tests), and
    /// whether that task is cancelable.
    pub armed_question: Option<Question>,
    pub armed_cancelable: bool,
    pub boot_time: Option<SystemTime>,
    pub config_change: SystemTime,
    /// `vm-` when the host names VMs as vCenter does (`vm-42`), else empty
    /// (ESX: `42`).
    pub moid_prefix: &'static str,
}

impl Vm {
    pub fn moid(&self) -> String {
        format!("{}{}", self.moid_prefix, self.id)
    }

    pub fn vmx_path(&self) -> String {
        format!("[{}] {}/{}", self.datastore, self.directory, self.vmx_name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Datastore {
    pub moid: String,
    pub name: String,
    pub uuid: String,
    pub capacity: i64,
    pub dir: PathBuf,
    pub kind: DsKind,
}

/// What backs a datastore, as its `summary.type` and `info` subtype say.
#[derive(Debug, Clone, PartialEq)]
pub enum DsKind {
    Vmfs,
    /// NFS 3 (`NFS`) or 4.1 (`NFS41`) from a NAS.
    Nfs {
        v41: bool,
        host: String,
        path: String,
    },
    Vsan,
    /// A vSphere Virtual Volumes container.
    Vvol,
}

impl DsKind {
    pub fn summary_type(&self) -> &'static str {
        match self {
            DsKind::Vmfs => "VMFS",
            DsKind::Nfs { v41: false, .. } => "NFS",
            DsKind::Nfs { v41: true, .. } => "NFS41",
            DsKind::Vsan => "vsan",
            DsKind::Vvol => "VVOL",
        }
    }

    /// Where ESX mounts it.
    pub fn mount_path(&self, uuid: &str) -> String {
        match self {
            DsKind::Vsan => format!("/vmfs/volumes/vsan:{uuid}"),
            DsKind::Vvol => format!("/vmfs/volumes/vvol:{uuid}"),
            _ => format!("/vmfs/volumes/{uuid}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    Queued,
    Running,
    Success,
    Error,
}

impl TaskState {
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Success => "success",
            TaskState::Error => "error",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Task {
    pub moid: String,
    pub key: String,
    pub name: String,
    pub description_id: String,
    pub entity: Option<(String, String)>,
    pub entity_name: Option<String>,
    pub state: TaskState,
    pub cancelled: bool,
    pub cancelable: bool,
    pub error: Option<Fault>,
    pub result: Option<SVal>,
    pub progress: Option<i64>,
    pub queue_time: SystemTime,
    pub start_time: Option<SystemTime>,
    pub complete_time: Option<SystemTime>,
    pub event_chain_id: i64,
    pub user: String,
    pub finished_at: Option<Instant>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub key: String,
    pub user: String,
    pub login_time: SystemTime,
    pub last_active: Instant,
    pub last_active_time: SystemTime,
}

/// Per-filter state of WaitForUpdatesEx.
#[derive(Debug, Clone)]
pub struct FilterState {
    pub moid: String,
    pub session: String,
    pub collector: String,
    pub spec: esx_vi::Value,
}

/// What a client was last told: (filter, object, path) -> XML of the value.
pub type Seen = BTreeMap<(String, String, String), Option<String>>;

/// A property collector (the session's default one or a private one).
#[derive(Debug, Clone, Default)]
pub struct Collector {
    pub session: String,
    pub version: u64,
    /// CancelWaitForUpdates calls so far: a wait that sees this change
    /// returns RequestCanceled.
    pub cancels: u64,
    /// What the client has seen, by version: (obj, path) -> XML of the value.
    pub seen: BTreeMap<u64, Seen>,
}

#[derive(Debug, Clone)]
pub struct PendingRetrieve {
    pub session: String,
    pub rest: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AutoStart {
    pub enabled: bool,
    pub start_delay: i64,
    pub stop_delay: i64,
    pub wait_for_heartbeat: bool,
    pub stop_action: String,
    pub power_info: Vec<PowerInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PowerInfo {
    pub vm: String,
    pub start_order: i64,
    pub start_delay: i64,
    pub wait_for_heartbeat: String,
    pub start_action: String,
    pub stop_delay: i64,
    pub stop_action: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub user: String,
    pub password: String,
    pub session_timeout: Option<Duration>,
    pub task_ms: u64,
    pub datastore_dir: PathBuf,
    /// VM MoRefs as `vm-N` (vCenter and some hosts) instead of `N`.
    pub vm_moref_prefix: bool,
}

/// Everything the simulated host knows, behind one mutex.
pub struct World {
    pub cfg: Config,
    pub vms: BTreeMap<u64, Vm>,
    pub next_vm: u64,
    pub datastores: Vec<Datastore>,
    pub networks: Vec<String>,
    pub tasks: HashMap<String, Task>,
    pub task_order: Vec<String>,
    pub next_task: u64,
    pub sessions: HashMap<String, Session>,
    pub collectors: HashMap<String, Collector>,
    pub filters: HashMap<String, FilterState>,
    pub views: HashMap<String, (String, Vec<String>, bool, String)>,
    pub pending: HashMap<String, PendingRetrieve>,
    pub next_id: u64,
    pub autostart: AutoStart,
    pub next_question: u64,

    pub max_vcpus: i64,
    /// Task kinds to fail on purpose: (vm moid, method) -> fault.
    pub fail_next: HashMap<(String, String), Fault>,
    /// Task methods whose tasks are cancelable (control `cancelable`).
    pub cancelable_methods: std::collections::HashSet<String>,
    pub host_boot: SystemTime,
    /// Sparse mode: property reads leave out every property the declared
    /// VI schema marks optional (a server may omit it).
    pub sparse: bool,
    /// Properties left out on purpose, as `Type.field` (`HostCapability.maxSupportedVcpus`).
    pub omit: std::collections::BTreeSet<String>,
    /// The work of tasks that wait (for their duration or an answer), by
    /// task: it runs when the task completes.
    pub continuations: HashMap<String, crate::tasks::Work>,
    /// The session key of the call being served (the world is locked for
    /// the whole call, so this is that call's).
    pub current_session: Option<String>,
    /// How WaitForUpdatesEx behaves (the freedoms a real server has).
    pub updates: UpdateModes,
    /// How `/folder` and the disk manager behave where real hosts differ.
    pub host_modes: HostModes,
}

/// Legal behaviours of real servers that esx-sim's defaults are kinder
/// than (`action=host_mode`): tests prove the driver against each.
#[derive(Debug, Clone, Default)]
pub struct HostModes {
    /// A PUT writes into the file as the body arrives (govmomi's
    /// simulator does), instead of beside it and renamed at the end.
    pub put_in_place: bool,
    /// GET ignores Range and answers 200 with the whole file.
    pub ignore_range: bool,
    /// GET bodies without Content-Length, ended by closing the connection.
    pub close_delimited: bool,
    /// GET bodies end (the connection closes) after this many bytes.
    pub cut_after: Option<u64>,
    /// GET bodies stall after this many bytes until `release_held`.
    pub stall_after: Option<u64>,
    /// CopyVirtualDisk_Task refuses a destSpec with NotImplemented, as
    /// vCenter does.
    pub copy_refuses_dest_spec: bool,
    /// Search results name their folder without the datastore (`dir/`),
    /// a form the VI reference does not promise against.
    pub plain_folder_paths: bool,
}

/// The freedoms of a real server's property collector, as modes, and what
/// its waits did (for tests).
#[derive(Debug, Clone, Default)]
pub struct UpdateModes {
    /// At most this many ObjectUpdates per UpdateSet; the rest follow on
    /// the next call (`truncated`).
    pub max_objects: Option<usize>,
    /// Properties the host cannot read, as (object id, path): reported in
    /// missingSet instead of a value.
    pub unreadable: std::collections::BTreeSet<(String, String)>,
    /// "No change" at once, whatever maxWaitSeconds asked.
    pub ignore_max_wait: bool,
    /// WaitForUpdatesEx calls waiting now.
    pub waiting: u64,
    /// Waits ended by CancelWaitForUpdates.
    pub canceled: u64,
    /// The maxWaitSeconds of the last WaitForUpdatesEx (-1: none given).
    pub last_max_wait: i64,
}

fn uuid_from(seed: u64, prefix: &str) -> String {
    // Deterministic, valid-looking UUIDs: `564d` prefix like VMware's.
    let a = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x1234_5678_9abc_def0;
    let b = seed.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ 0x0fed_cba9_8765_4321;
    let hex = format!("{prefix}{:016x}{:016x}", a, b);
    let h = &hex[..32];
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn mac_for(id: u64, n: u64) -> String {
    format!(
        "00:0c:29:{:02x}:{:02x}:{:02x}",
        (id >> 8) & 0xff,
        id & 0xff,
        n & 0xff
    )
}

pub fn default_alloc(shares_per_unit: i64, units: i64) -> Alloc {
    Alloc {
        reservation: 0,
        limit: -1,
        shares_level: "normal".into(),
        shares: shares_per_unit * units,
    }
}

/// A VM spec from flags or an inventory file.
#[derive(Debug, Clone)]
pub struct VmSpec {
    pub name: String,
    pub power: Power,
    pub memory_mb: i64,
    pub num_cpu: i64,
    pub cores_per_socket: i64,
    pub guest_id: String,
    pub tools: bool,
    pub serial_file: bool,
    pub uuid_question: bool,
    pub firmware: String,
    pub annotation: String,
    pub hostname: Option<String>,
    pub ip: Option<String>,
}

impl VmSpec {
    pub fn named(name: &str) -> VmSpec {
        VmSpec {
            name: name.into(),
            power: Power::Off,
            memory_mb: 1024,
            num_cpu: 1,
            cores_per_socket: 1,
            guest_id: "otherLinux64Guest".into(),
            tools: false,
            serial_file: false,
            uuid_question: false,
            firmware: "bios".into(),
            annotation: String::new(),
            hostname: None,
            ip: None,
        }
    }
}

/// The default inventory: five VMs, one of each interesting kind.
pub fn default_specs() -> Vec<VmSpec> {
    vec![
        VmSpec {
            power: Power::On,
            tools: true,
            hostname: Some("alpine-01.lab.example".into()),
            ip: Some("10.0.0.11,fe80::20c:29ff:fe00:101".into()),
            annotation: "Alpine test box".into(),
            ..VmSpec::named("alpine-01")
        },
        VmSpec {
            memory_mb: 2048,
            num_cpu: 2,
            guest_id: "debian11_64Guest".into(),
            ..VmSpec::named("debian-02")
        },
        VmSpec {
            power: Power::Suspended,
            memory_mb: 4096,
            num_cpu: 4,
            cores_per_socket: 2,
            guest_id: "windows2019srv_64Guest".into(),
            firmware: "efi".into(),
            ..VmSpec::named("win2019-03")
        },
        VmSpec {
            memory_mb: 512,
            serial_file: true,
            ..VmSpec::named("serial-04")
        },
        VmSpec {
            uuid_question: true,
            ..VmSpec::named("copied-05")
        },
    ]
}

/// `count` VMs named vm-0001..., every third powered on.
pub fn generated_specs(count: usize) -> Vec<VmSpec> {
    (1..=count)
        .map(|i| VmSpec {
            power: if i % 3 == 1 { Power::On } else { Power::Off },
            memory_mb: 512 * (1 + (i as i64 % 4)),
            num_cpu: 1 + (i as i64 % 2),
            tools: i % 3 == 1,
            ..VmSpec::named(&format!("vm-{i:04}"))
        })
        .collect()
}

/// An inventory file: `[vm NAME]` blocks of `key = value` lines.
pub fn parse_inventory(text: &str) -> Result<Vec<VmSpec>, String> {
    let mut out: Vec<VmSpec> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("[vm ").and_then(|l| l.strip_suffix(']')) {
            out.push(VmSpec::named(name.trim()));
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected key = value", n + 1))?;
        let (k, v) = (k.trim(), v.trim());
        let vm = out
            .last_mut()
            .ok_or_else(|| format!("line {}: '{k}' outside a [vm NAME] block", n + 1))?;
        let num = |v: &str| {
            v.parse::<i64>()
                .map_err(|_| format!("line {}: '{v}' is not a number", n + 1))
        };
        let flag = |v: &str| matches!(v, "1" | "true" | "yes");
        match k {
            "power" => {
                vm.power =
                    Power::parse(v).ok_or_else(|| format!("line {}: bad power '{v}'", n + 1))?
            }
            "memory_mb" => vm.memory_mb = num(v)?,
            "cpus" => vm.num_cpu = num(v)?,
            "cores_per_socket" => vm.cores_per_socket = num(v)?,
            "guest" => vm.guest_id = v.to_string(),
            "tools" => vm.tools = flag(v),
            "serial_file" => vm.serial_file = flag(v),
            "uuid_question" => vm.uuid_question = flag(v),
            "firmware" => vm.firmware = v.to_string(),
            "annotation" => vm.annotation = v.to_string(),
            "hostname" => vm.hostname = Some(v.to_string()),
            "ip" => vm.ip = Some(v.to_string()),
            _ => return Err(format!("line {}: unknown key '{k}'", n + 1)),
        }
    }
    Ok(out)
}

pub fn guest_full_name(id: &str) -> String {
    match id {
        "otherLinux64Guest" => "Other Linux (64-bit)",
        "debian11_64Guest" => "Debian GNU/Linux 11 (64-bit)",
        "windows2019srv_64Guest" => "Microsoft Windows Server 2019 (64-bit)",
        "ubuntu64Guest" => "Ubuntu Linux (64-bit)",
        "otherGuest" => "Other (32-bit)",
        _ => "Other (64-bit)",
    }
    .to_string()
}

impl World {
    pub fn new(cfg: Config, specs: Vec<VmSpec>) -> std::io::Result<World> {
        // One datastore of each kind the driver turns into a pool type.
        let stores = [
            (
                "datastore1",
                "5f1e2d3c-4b5a6978-1a2b-001b21aabbcc",
                DsKind::Vmfs,
                2i64 << 40,
            ),
            (
                "nfs-iso",
                "8c1d2e3f-77aa55bb",
                DsKind::Nfs {
                    v41: false,
                    host: "nas.example.com".into(),
                    path: "/export/iso".into(),
                },
                500 << 30,
            ),
            (
                "nfs41-backup",
                "4a5b6c7d-88cc99dd",
                DsKind::Nfs {
                    v41: true,
                    host: "nas41.example.com".into(),
                    path: "/backup".into(),
                },
                1 << 40,
            ),
            (
                "vsanDatastore",
                "52a1b2c3d4e5f607-8192a3b4c5d6e7f8",
                DsKind::Vsan,
                4 << 40,
            ),
            (
                "vvol-gold",
                "rfc4122.7c2a9d3e-5b4f-4e8a-9c1d-2f3e4a5b6c7d",
                DsKind::Vvol,
                8 << 40,
            ),
        ];
        let mut datastores = Vec::new();
        for (name, uuid, kind, capacity) in stores {
            let dir = cfg.datastore_dir.join(name);
            std::fs::create_dir_all(&dir)?;
            // Images other than disks, as volumes of their own formats.
            if name == "nfs-iso" {
                std::fs::create_dir_all(dir.join("iso"))?;
                std::fs::write(dir.join("iso/debian-12.iso"), vec![0u8; 64 * 1024])?;
                std::fs::create_dir_all(dir.join("floppies"))?;
                std::fs::write(dir.join("floppies/drivers.flp"), vec![0u8; 1474560])?;
            }
            datastores.push(Datastore {
                moid: if name == "datastore1" {
                    uuid.to_string()
                } else {
                    format!("ds-{name}")
                },
                name: name.into(),
                uuid: uuid.into(),
                capacity,
                dir,
                kind,
            });
        }
        let mut w = World {
            cfg,
            vms: BTreeMap::new(),
            next_vm: 1,
            datastores,
            networks: vec!["VM Network".into()],
            tasks: HashMap::new(),
            task_order: Vec::new(),
            next_task: 1,
            sessions: HashMap::new(),
            collectors: HashMap::new(),
            filters: HashMap::new(),
            views: HashMap::new(),
            pending: HashMap::new(),
            next_id: 1,
            autostart: AutoStart {
                enabled: false,
                start_delay: 120,
                stop_delay: 120,
                wait_for_heartbeat: false,
                stop_action: "PowerOff".into(),
                power_info: Vec::new(),
            },
            next_question: 1,

            max_vcpus: 64,
            fail_next: HashMap::new(),
            cancelable_methods: Default::default(),
            host_boot: SystemTime::now() - Duration::from_secs(86_400 * 12),
            sparse: false,
            omit: Default::default(),
            host_modes: HostModes::default(),
            continuations: HashMap::new(),
            current_session: None,
            updates: UpdateModes {
                last_max_wait: -1,
                ..Default::default()
            },
        };
        for spec in specs {
            w.add_vm(spec)?;
        }
        Ok(w)
    }

    pub fn ds(&self, name: &str) -> Option<&Datastore> {
        self.datastores.iter().find(|d| d.name == name)
    }

    /// The file on disk behind `[ds] rel/path`, refusing paths that climb out.
    pub fn ds_file(&self, ds: &str, rel: &str) -> Option<PathBuf> {
        let d = self.ds(ds)?;
        let rel = rel.trim_start_matches('/');
        if rel.split('/').any(|c| c == ".." || c.contains('\\')) {
            return None;
        }
        Some(d.dir.join(rel))
    }

    pub fn add_vm(&mut self, spec: VmSpec) -> std::io::Result<u64> {
        let vm = self.build_vm(spec);
        let id = vm.id;
        if let Some(d) = self.ds_file(&vm.datastore, &vm.directory) {
            std::fs::create_dir_all(&d)?;
            if let Some(serial) = &vm.serial_file {
                std::fs::write(d.join(serial), b"earlier serial console output\n")?;
            }
            // Large inventories get their .vmx written lazily, on first read
            // (and no disk files).
            if self.vms.len() < 200 {
                std::fs::write(d.join(&vm.vmx_name), crate::vmxgen::vmx_for(&vm))?;
                crate::disks::write_disk(
                    &d.join(format!("{}.vmdk", vm.directory)),
                    vm.disk_kb,
                    true,
                    "lsilogic",
                    id,
                )?;
            }
        }
        self.vms.insert(id, vm);
        Ok(id)
    }

    /// A new VM from a spec, with the next ID; no file is written.
    pub fn build_vm(&mut self, spec: VmSpec) -> Vm {
        let id = self.next_vm;
        self.next_vm += 1;
        let dir = esx_vi::datastore::escape_datastore_item(&spec.name);
        let nics = vec![Nic {
            key: 4000,
            mac: mac_for(id, 0),
            network: "VM Network".into(),
            model: "vmxnet3".into(),
            ips: spec
                .ip
                .iter()
                .flat_map(|i| i.split(','))
                .map(|i| i.trim().to_string())
                .filter(|i| !i.is_empty())
                .collect(),
        }];
        Vm {
            id,
            name: spec.name.clone(),
            uuid: uuid_from(id, "564d"),
            instance_uuid: uuid_from(id + 1_000_000, "5200"),
            guest_full_name: guest_full_name(&spec.guest_id),
            guest_id: spec.guest_id,
            annotation: spec.annotation,
            memory_mb: spec.memory_mb,
            num_cpu: spec.num_cpu,
            cores_per_socket: spec.cores_per_socket,
            hw_version: "vmx-13".into(),
            firmware: spec.firmware,
            power: spec.power,
            datastore: "datastore1".into(),
            vmx_name: format!("{dir}.vmx"),
            directory: dir,
            disk_kb: 8 * 1024 * 1024,
            tools_installed: spec.tools,
            tools_running: spec.tools && spec.power == Power::On,
            guest_hostname: spec.hostname,
            nics,
            cpu_alloc: default_alloc(1000, spec.num_cpu),
            mem_alloc: default_alloc(10, spec.memory_mb),
            question: None,
            recent_tasks: Vec::new(),
            snapshots: Vec::new(),
            current_snapshot: None,
            serial_file: spec.serial_file.then(|| "serial.log".to_string()),
            uuid_altered: spec.uuid_question,
            armed_question: None,
            armed_cancelable: false,
            boot_time: (spec.power != Power::Off).then(SystemTime::now),
            config_change: SystemTime::now(),
            moid_prefix: if self.cfg.vm_moref_prefix { "vm-" } else { "" },
        }
    }

    /// The numeric id of a VM MoRef in this host's style (`42` or `vm-42`;
    /// a host knows its VMs only by its own form).
    fn vm_key(&self, moid: &str) -> Option<u64> {
        let digits = if self.cfg.vm_moref_prefix {
            moid.strip_prefix("vm-")?
        } else {
            moid
        };
        if digits.starts_with('+') || digits.starts_with('0') {
            return None;
        }
        digits.parse::<u64>().ok()
    }

    pub fn vm(&self, moid: &str) -> Option<&Vm> {
        self.vm_key(moid).and_then(|id| self.vms.get(&id))
    }

    pub fn vm_mut(&mut self, moid: &str) -> Option<&mut Vm> {
        self.vm_key(moid).and_then(|id| self.vms.get_mut(&id))
    }

    pub fn vm_by_name(&self, name: &str) -> Option<&Vm> {
        self.vms.values().find(|v| v.name == name)
    }

    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    /// Makes sure the VM's .vmx exists on disk (written lazily for big
    /// inventories).
    pub fn ensure_vmx(&self, vm: &Vm) {
        if let Some(p) = self.ds_file(&vm.datastore, &format!("{}/{}", vm.directory, vm.vmx_name)) {
            if !p.exists() {
                if let Some(parent) = p.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                let _ = std::fs::write(&p, crate::vmxgen::vmx_for(vm));
            }
        }
    }

    // ---------------------------------------------------------------------
    // Types and traversal

    pub fn exists(&self, kind: &str, id: &str) -> bool {
        match kind {
            "VirtualMachine" => self.vm(id).is_some(),
            "Task" => self.tasks.contains_key(id),
            "PropertyFilter" => self.filters.contains_key(id),
            "PropertyCollector" => {
                id == "ha-property-collector" || self.collectors.contains_key(id)
            }
            "ContainerView" => self.views.contains_key(id),
            "Datastore" => self.datastores.iter().any(|d| d.moid == id),
            "Network" => self.networks.iter().any(|n| format!("HaNetwork-{n}") == id),
            "VirtualMachineSnapshot" => self.snapshot(id).is_some(),
            "Folder" => matches!(
                id,
                "ha-folder-root"
                    | "ha-folder-vm"
                    | "ha-folder-host"
                    | "ha-folder-datastore"
                    | "ha-folder-network"
            ),
            "Datacenter" => id == DATACENTER,
            "ComputeResource" => id == "ha-compute-res",
            "ResourcePool" => id == "ha-root-pool",
            "HostSystem" => id == HOST,
            "ServiceInstance" => id == "ServiceInstance",
            "SessionManager" => id == "ha-sessionmgr",
            "SearchIndex" => id == "ha-searchindex",
            "TaskManager" => id == "ha-taskmgr",
            "ViewManager" => id == "ViewManager",
            "HostAutoStartManager" => id == "ha-autostart-mgr",
            "FileManager" => id == "ha-nfc-file-manager",
            "HostDatastoreBrowser" => id == "ha-host-datastorebrowser",
            _ => false,
        }
    }

    pub fn snapshot(&self, moid: &str) -> Option<(&Vm, &Snapshot)> {
        self.vms.values().find_map(|vm| {
            vm.snapshots
                .iter()
                .find(|s| s.moid == moid)
                .map(|s| (vm, s))
        })
    }

    /// The value of `path` on an object; Ok(None) for an unset property,
    /// Err for a property the type does not have.
    pub fn property(&self, kind: &str, id: &str, path: &str) -> Result<Option<SVal>, Fault> {
        let parts: Vec<&str> = path.split('.').collect();
        let (top, rest) = parts
            .split_first()
            .ok_or_else(|| Fault::invalid_property(path))?;
        let thinning = self.sparse || !self.omit.is_empty();
        if kind == "VirtualMachine" && !thinning {
            if let Some(v) = self.vm(id).and_then(|vm| crate::props::vm_fast(vm, &parts)) {
                return Ok(v);
            }
        }
        let value = self.top_property(kind, id, top, &parts)?;
        if !thinning {
            return Ok(value.and_then(|v| v.at(rest)));
        }
        if self.omitted(kind, top) {
            return Ok(None);
        }
        Ok(value.map(|v| self.thin(v)).and_then(|v| v.at(rest)))
    }

    /// Whether the host cannot read `path` of object `id` (missingSet).
    pub fn unreadable(&self, id: &str, path: &str) -> bool {
        !self.updates.unreadable.is_empty()
            && self
                .updates
                .unreadable
                .contains(&(id.to_string(), path.to_string()))
    }

    /// Whether sparse mode or the omit list leaves out `field` of `ty` (a
    /// data object type, or a managed object type and its bases).
    pub fn omitted(&self, ty: &str, field: &str) -> bool {
        let schema = esx_vi::schema::schema();
        let mut t = Some(ty.to_string());
        while let Some(name) = t {
            if self.omit.contains(&format!("{name}.{field}")) {
                return true;
            }
            t = schema.type_def(&name).and_then(|d| d.base.clone());
        }
        self.sparse
            && schema
                .field(ty, field)
                .is_some_and(|f| f.occurs == esx_vi::schema::Occurs::Optional)
    }

    /// A value with the optional fields sparse mode and the omit list leave
    /// out removed, at every depth.
    pub fn thin(&self, v: SVal) -> SVal {
        match v {
            SVal::Obj { ty, poly, fields } => {
                let fields = fields
                    .into_iter()
                    .filter(|(name, _)| !self.omitted(&ty, name))
                    .map(|(name, v)| (name, self.thin(v)))
                    .collect();
                SVal::Obj { ty, poly, fields }
            }
            SVal::List(item, items) => {
                SVal::List(item, items.into_iter().map(|i| self.thin(i)).collect())
            }
            SVal::Any(inner) => SVal::Any(Box::new(self.thin(*inner))),
            other => other,
        }
    }

    fn top_property(
        &self,
        kind: &str,
        id: &str,
        top: &str,
        parts: &[&str],
    ) -> Result<Option<SVal>, Fault> {
        let bad = || Fault::invalid_property(&parts.join("."));
        let v = match kind {
            "VirtualMachine" => {
                let vm = self.vm(id).ok_or_else(|| Fault::not_found_obj(kind, id))?;
                return crate::props::vm_property(self, vm, top, parts);
            }
            "HostSystem" => return crate::props::host_property(self, top, parts),
            "Task" => {
                let t = self
                    .tasks
                    .get(id)
                    .ok_or_else(|| Fault::not_found_obj(kind, id))?;
                match top {
                    "info" => Some(crate::props::task_info(t)),
                    _ => return Err(bad()),
                }
            }
            "Datastore" => {
                let d = self
                    .datastores
                    .iter()
                    .find(|d| d.moid == id)
                    .ok_or_else(|| Fault::not_found_obj(kind, id))?;
                return crate::props::datastore_property(self, d, top, parts);
            }
            "VirtualMachineSnapshot" => {
                let (vm, snap) = self
                    .snapshot(id)
                    .ok_or_else(|| Fault::not_found_obj(kind, id))?;
                match top {
                    "vm" => Some(moref("VirtualMachine", vm.moid())),
                    "childSnapshot" => Some(morefs(
                        "VirtualMachineSnapshot",
                        vm.snapshots
                            .iter()
                            .filter(|s| s.parent.as_deref() == Some(&snap.moid))
                            .map(|s| s.moid.clone()),
                    )),
                    _ => return Err(bad()),
                }
            }
            _ => return crate::props::other_property(self, kind, id, top, parts),
        };
        Ok(v)
    }
}

impl Fault {
    pub fn invalid_property(path: &str) -> Fault {
        Fault::new("InvalidProperty", String::new()).with("name", s(path))
    }
}

/// True if `kind` is `base` or a subtype of it.
pub fn is_a(kind: &str, base: &str) -> bool {
    if kind == base {
        return true;
    }
    match base {
        "ManagedEntity" => matches!(
            kind,
            "Folder"
                | "Datacenter"
                | "ComputeResource"
                | "ClusterComputeResource"
                | "HostSystem"
                | "VirtualMachine"
                | "Datastore"
                | "Network"
                | "DistributedVirtualPortgroup"
                | "ResourcePool"
                | "VirtualApp"
        ),
        "ComputeResource" => kind == "ClusterComputeResource",
        "Network" => kind == "DistributedVirtualPortgroup",
        "ResourcePool" => kind == "VirtualApp",
        _ => false,
    }
}

/// Removes a directory tree created by the simulator.
pub fn remove_dir(p: &Path) {
    let _ = std::fs::remove_dir_all(p);
}
