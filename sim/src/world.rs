// SPDX-License-Identifier: LGPL-2.1-or-later
//! The simulated host: its managed objects, registered once by MoRef
//! ([`Registry`]; `objects/` makes them from the generated VI types), and
//! beside them what is no VI property: sessions, counters, the property
//! collector's state, the freedoms and faults a test sets.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use esx_vi::vim25::VirtualMachinePowerState as Power;
use esx_vi::MoRef;

use crate::fault::Fault;
use crate::objects::datastore::{Datastore, DsKind};
use crate::objects::vm::Vm;
use crate::registry::Registry;

pub const HOST: &str = "ha-host";
pub const DATACENTER: &str = "ha-datacenter";

pub fn vm_ref(id: &str) -> MoRef {
    MoRef::new("VirtualMachine", id)
}

pub fn task_ref(id: &str) -> MoRef {
    MoRef::new("Task", id)
}

#[derive(Debug, Clone)]
pub struct Session {
    pub key: String,
    pub user: String,
    pub login_time: SystemTime,
    pub last_active: Instant,
    pub last_active_time: SystemTime,
}

/// What a client was last told: (filter, object, path) -> XML of the value.
pub type Seen = BTreeMap<(String, String, String), Option<String>>;

/// The update state of a property collector for one session (the
/// session's default collector, or a private one).
#[derive(Debug, Clone, Default)]
pub struct Collector {
    pub session: String,
    pub version: u64,
    /// CancelWaitForUpdates calls so far: a wait that sees this change
    /// returns RequestCanceled.
    pub cancels: u64,
    /// What the client has seen, by version.
    pub seen: BTreeMap<u64, Seen>,
}

#[derive(Debug, Clone)]
pub struct PendingRetrieve {
    pub session: String,
    pub rest: Vec<String>,
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
    /// The managed objects.
    pub objects: Registry,
    pub next_vm: u64,
    pub next_task: u64,
    pub next_id: u64,
    pub next_question: u64,
    pub sessions: HashMap<String, Session>,
    /// Update state by `session|collector`.
    pub collectors: HashMap<String, Collector>,
    pub pending: HashMap<String, PendingRetrieve>,
    /// The search index of VMs by BIOS UUID (FindByUuid).
    pub by_uuid: HashMap<String, String>,
    /// Task kinds to fail on purpose: (vm moid, method) -> fault.
    pub fail_next: HashMap<(String, String), Fault>,
    /// Task methods whose tasks are cancelable (control `cancelable`).
    pub cancelable_methods: std::collections::HashSet<String>,
    /// Sparse mode: property reads leave out every property the declared
    /// VI schema marks optional (a server may omit it).
    pub sparse: bool,
    /// Properties left out on purpose, as `Type.field`.
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
            power: Power::PoweredOff,
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

/// `poweredOn`, `on`... as a power state (control and inventory files).
pub fn parse_power(t: &str) -> Option<Power> {
    match t {
        "poweredOff" | "off" => Some(Power::PoweredOff),
        "poweredOn" | "on" => Some(Power::PoweredOn),
        "suspended" => Some(Power::Suspended),
        _ => None,
    }
}

/// The default inventory: five VMs, one of each interesting kind.
pub fn default_specs() -> Vec<VmSpec> {
    vec![
        VmSpec {
            power: Power::PoweredOn,
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
            power: if i % 3 == 1 {
                Power::PoweredOn
            } else {
                Power::PoweredOff
            },
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
                    parse_power(v).ok_or_else(|| format!("line {}: bad power '{v}'", n + 1))?
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

impl World {
    pub fn new(cfg: Config, specs: Vec<VmSpec>) -> std::io::Result<World> {
        let mut w = World {
            cfg,
            objects: Registry::default(),
            next_vm: 1,
            next_task: 1,
            next_id: 1,
            next_question: 1,
            sessions: HashMap::new(),
            collectors: HashMap::new(),
            pending: HashMap::new(),
            by_uuid: HashMap::new(),
            fail_next: HashMap::new(),
            cancelable_methods: Default::default(),
            sparse: false,
            omit: Default::default(),
            continuations: HashMap::new(),
            current_session: None,
            updates: UpdateModes {
                last_max_wait: -1,
                ..Default::default()
            },
            host_modes: HostModes::default(),
        };
        crate::objects::register_inventory(&mut w)?;
        for spec in specs {
            w.add_vm(spec)?;
        }
        Ok(w)
    }

    // -------------------------------------------------------------------
    // Objects by type

    pub fn vm(&self, moid: &str) -> Option<&Vm> {
        self.objects.typed::<Vm>(&vm_ref(moid))
    }

    pub fn vm_mut(&mut self, moid: &str) -> Option<&mut Vm> {
        self.objects.typed_mut::<Vm>(&vm_ref(moid))
    }

    /// Every VM, in the order registered (their ids').
    pub fn vms(&self) -> impl Iterator<Item = &Vm> {
        self.objects.all::<Vm>("VirtualMachine")
    }

    pub fn vm_by_name(&self, name: &str) -> Option<&Vm> {
        self.vms().find(|v| v.name == name)
    }

    pub fn datastores(&self) -> impl Iterator<Item = &Datastore> {
        self.objects.all::<Datastore>("Datastore")
    }

    pub fn ds(&self, name: &str) -> Option<&Datastore> {
        self.datastores().find(|d| d.name == name)
    }

    /// The file on disk behind `[ds] rel/path` (as the host resolves it),
    /// refusing paths that climb out.
    pub fn ds_file(&self, ds: &str, rel: &str) -> Option<PathBuf> {
        let d = self.ds(ds)?;
        crate::paths::DsPath {
            datastore: ds.to_string(),
            rel: rel.to_string(),
        }
        .local(&d.dir)
    }

    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    // -------------------------------------------------------------------
    // VMs

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
            if self.objects.count("VirtualMachine") < 200 {
                std::fs::write(d.join(&vm.vmx_name), crate::vmxgen::vmx_for(&vm))?;
                crate::disks::write_disk(
                    &d.join(format!("{}.vmdk", vm.directory)),
                    vm.disk_kb(),
                    true,
                    "lsilogic",
                    id,
                )?;
            }
        }
        self.register_vm(vm);
        Ok(id)
    }

    /// Adds a VM to the inventory (and to the search index).
    pub fn register_vm(&mut self, vm: Vm) {
        self.by_uuid
            .insert(vm.uuid().to_string(), vm.moid().to_string());
        self.objects.register(vm);
    }

    /// Takes a VM out of the inventory (and out of the search index).
    pub fn unregister_vm(&mut self, moid: &str) {
        self.by_uuid.retain(|_, m| m != moid);
        self.objects.remove(&vm_ref(moid));
    }

    /// A VM's new BIOS UUID, in the search index too.
    pub fn set_vm_uuid(&mut self, moid: &str, uuid: &str) {
        if let Some(vm) = self.vm_mut(moid) {
            vm.set_uuid(uuid);
            self.by_uuid.retain(|_, m| m != moid);
            self.by_uuid.insert(uuid.to_string(), moid.to_string());
        }
    }

    /// A new VM from a spec, with the next ID; no file is written, nothing
    /// registered.
    pub fn build_vm(&mut self, spec: VmSpec) -> Vm {
        let id = self.next_vm;
        self.next_vm += 1;
        let prefix = if self.cfg.vm_moref_prefix { "vm-" } else { "" };
        let ds = self.ds("datastore1").map(|d| crate::objects::vm::DsRef {
            name: d.name.clone(),
            moref: Some(d.moref.clone()),
            uuid: d.uuid.clone(),
        });
        Vm::new(id, prefix, spec, "datastore1", ds)
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

    /// The VM a snapshot belongs to, and the snapshot.
    pub fn snapshot(&self, moid: &str) -> Option<(&Vm, &crate::objects::vm::Snapshot)> {
        let proxy = self
            .objects
            .typed::<crate::objects::vm::SnapshotObject>(&MoRef::new(
                "VirtualMachineSnapshot",
                moid,
            ))?;
        let vm = self.vm(&proxy.vm.value)?;
        vm.snapshots
            .iter()
            .find(|s| s.moid == moid)
            .map(|s| (vm, s))
    }

    /// Whether the host cannot read `path` of object `id` (missingSet).
    pub fn unreadable(&self, id: &str, path: &str) -> bool {
        !self.updates.unreadable.is_empty()
            && self
                .updates
                .unreadable
                .contains(&(id.to_string(), path.to_string()))
    }
}

/// The datastores of every host: one of each kind the driver turns into a
/// pool type, with their files' directories.
pub fn default_datastores() -> Vec<(&'static str, &'static str, DsKind, i64)> {
    vec![
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
    ]
}

/// Removes a directory tree created by the simulator.
pub fn remove_dir(p: &Path) {
    let _ = std::fs::remove_dir_all(p);
}
