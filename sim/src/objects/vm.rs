//! A virtual machine: its VI properties as ESX keeps them (the generated
//! `VirtualMachine`: name, configuration with its devices, runtime), the
//! properties ESX computes from them at each read (summary, guest, the
//! snapshot tree, the recent tasks, datastores and networks), and beside
//! them what is no VI property (its files, the guest's tools and
//! addresses, questions armed for tasks, snapshots' saved state).

use std::collections::BTreeMap;
use std::time::SystemTime;

use esx_vi::vim25::{
    self, AnyElementDescription, AnyOptionValue, AnyVirtualDevice, AnyVirtualDeviceBackingInfo,
    ChoiceOption, Description, ElementDescription, GuestInfo, GuestNicInfo, ManagedEntityStatus,
    NetIpConfigInfo, NetIpConfigInfoIpAddress, OptionValue, ParaVirtualSCSIController,
    ResourceAllocationInfo, SharesInfo, SharesLevel, ToolsConfigInfo, VirtualDeviceConnectInfo,
    VirtualDisk, VirtualDiskFlatVer2BackingInfo, VirtualEthernetCard,
    VirtualEthernetCardNetworkBackingInfo, VirtualHardware, VirtualMachineConfigInfo,
    VirtualMachineConfigInfoDatastoreUrlPair, VirtualMachineConfigSummary,
    VirtualMachineConnectionState, VirtualMachineDefaultPowerOpInfo,
    VirtualMachineFaultToleranceState, VirtualMachineFileInfo, VirtualMachineFlagInfo,
    VirtualMachineGuestSummary, VirtualMachineMessage, VirtualMachinePowerState as Power,
    VirtualMachineQuestionInfo, VirtualMachineQuickStats, VirtualMachineRuntimeInfo,
    VirtualMachineSnapshotInfo, VirtualMachineSnapshotTree, VirtualMachineStorageSummary,
    VirtualMachineSummary, VirtualMachineToolsStatus, VirtualMachineVMCIDevice,
    VirtualMachineVideoCard, VirtualSCSISharing, VirtualSerialPort,
    VirtualSerialPortFileBackingInfo,
};
use esx_vi::wire::{Keep, NoSuchProperty};
use esx_vi::{MoRef, Value};
use once_cell::sync::Lazy;

use crate::clock::format_datetime;
use crate::registry::{read_typed, Object, Sink};
use crate::world::{vm_ref, VmSpec, World, HOST};

/// A question a VM asks, and what each answer does (the VI part is its
/// `VirtualMachineQuestionInfo`; the task it blocks is esx-sim's).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub message_id: String,
    pub text: String,
    pub choices: Vec<Choice>,
    pub default_index: Option<i32>,
    /// The task that waits for the answer.
    pub task: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub key: String,
    pub label: String,
    pub summary: String,
}

impl Question {
    /// As `runtime.question` shows it.
    pub fn info(&self) -> VirtualMachineQuestionInfo {
        VirtualMachineQuestionInfo {
            id: self.id.clone(),
            text: self.text.clone(),
            choice: ChoiceOption {
                choice_info: self
                    .choices
                    .iter()
                    .map(|c| {
                        AnyElementDescription::ElementDescription(ElementDescription {
                            label: c.label.clone(),
                            summary: c.summary.clone(),
                            key: c.key.clone(),
                        })
                    })
                    .collect(),
                default_index: self.default_index,
            },
            // No message id: no message (the array is optional).
            message: if self.message_id.is_empty() {
                Vec::new()
            } else {
                vec![VirtualMachineMessage {
                    id: self.message_id.clone(),
                    text: Some(self.text.clone()),
                }]
            },
        }
    }
}

/// A snapshot: its place in the tree, and the state reverting restores.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub moid: String,
    pub id: i32,
    pub name: String,
    pub description: String,
    pub create_time: SystemTime,
    pub state: Power,
    pub quiesced: bool,
    pub parent: Option<String>,
    pub memory_mb: i32,
    pub num_cpu: i32,
}

/// The guest's view of a network adapter (reported by VMware Tools).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GuestNic {
    pub ips: Vec<String>,
}

/// A NIC as the host models it (what the .vmx and the device list say).
#[derive(Debug, Clone, PartialEq)]
pub struct Nic {
    pub key: i32,
    pub mac: String,
    pub network: String,
    pub model: String,
}

/// Where a VM's files live: a datastore's name, MoRef and URL.
#[derive(Debug, Clone)]
pub struct DsRef {
    pub name: String,
    pub moref: Option<MoRef>,
    pub uuid: String,
}

pub struct Vm {
    pub id: u64,
    pub moref: MoRef,
    /// The VI properties ESX keeps. Those computed at each read (see
    /// [`Vm::computed`]) are left at their defaults here.
    pub mo: vim25::VirtualMachine,
    /// The name as given (the API writes it escaped, in `mo.name`).
    pub name: String,
    pub datastore: String,
    pub directory: String,
    pub vmx_name: String,
    pub tools_installed: bool,
    pub tools_running: bool,
    pub guest_hostname: Option<String>,
    /// The guest's addresses, by NIC device key.
    pub guest_nics: BTreeMap<i32, GuestNic>,
    /// The question asked now, if any (shown in `runtime.question`).
    pub question: Option<Question>,
    /// A question to ask on the next task of a method (set by tests), and
    /// whether that task is cancelable.
    pub armed_question: Option<Question>,
    pub armed_cancelable: bool,
    pub recent_tasks: Vec<String>,
    pub snapshots: Vec<Snapshot>,
    pub current_snapshot: Option<String>,
    /// Serial port output file (datastore-relative) that makes power-on ask.
    pub serial_file: Option<String>,
    /// Marked as moved or copied: power-on asks msg.uuid.altered.
    pub uuid_altered: bool,
    /// When it booted (for the uptime quickStats report).
    pub booted: Option<SystemTime>,
    /// Values a hostile host sends in place of the typed ones.
    pub hostile: Vec<(String, String)>,
}

/// Names as the API writes them: `%`, `/` and `\` escaped.
pub fn api_name(name: &str) -> String {
    name.replace('%', "%25")
        .replace('/', "%2f")
        .replace('\\', "%5c")
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

pub fn mac_for(id: u64, n: u64) -> String {
    format!(
        "00:0c:29:{:02x}:{:02x}:{:02x}",
        (id >> 8) & 0xff,
        id & 0xff,
        n & 0xff
    )
}

/// ESX's default allocation: no reservation, no limit, normal shares.
pub fn default_alloc(shares_per_unit: i64, units: i64) -> ResourceAllocationInfo {
    ResourceAllocationInfo {
        reservation: Some(0),
        expandable_reservation: Some(false),
        limit: Some(-1),
        shares: Some(SharesInfo {
            shares: (shares_per_unit * units) as i32,
            level: SharesLevel::Normal,
        }),
        overhead_limit: Some(-1),
    }
}

fn description(label: &str, summary: &str) -> Option<Description> {
    Some(Description {
        label: label.into(),
        summary: summary.into(),
    })
}

fn connectable(connected: bool) -> Option<VirtualDeviceConnectInfo> {
    Some(VirtualDeviceConnectInfo {
        start_connected: true,
        allow_guest_control: true,
        connected,
        status: Some("ok".into()),
    })
}

/// The devices every VM has (controllers, keyboard, video card, VMCI).
fn fixed_devices() -> Vec<AnyVirtualDevice> {
    use vim25::{
        VirtualIDEController, VirtualKeyboard, VirtualPCIController, VirtualPS2Controller,
        VirtualSIOController,
    };
    let ide = |key: i32, bus: i32, label: &str| {
        AnyVirtualDevice::VirtualIDEController(VirtualIDEController {
            key,
            device_info: description(label, label),
            bus_number: bus,
            ..Default::default()
        })
    };
    vec![
        ide(200, 0, "IDE 0"),
        ide(201, 1, "IDE 1"),
        AnyVirtualDevice::VirtualPS2Controller(VirtualPS2Controller {
            key: 300,
            device_info: description("PS2 controller 0", "PS2 controller 0"),
            bus_number: 0,
            device: vec![600, 700],
            ..Default::default()
        }),
        AnyVirtualDevice::VirtualPCIController(VirtualPCIController {
            key: 100,
            device_info: description("PCI controller 0", "PCI controller 0"),
            bus_number: 0,
            device: vec![500, 12000, 1000, 4000],
            ..Default::default()
        }),
        AnyVirtualDevice::VirtualSIOController(VirtualSIOController {
            key: 400,
            device_info: description("SIO controller 0", "SIO controller 0"),
            bus_number: 0,
            ..Default::default()
        }),
        AnyVirtualDevice::VirtualKeyboard(VirtualKeyboard {
            key: 600,
            device_info: description("Keyboard", "Keyboard"),
            controller_key: Some(300),
            unit_number: Some(0),
            ..Default::default()
        }),
        AnyVirtualDevice::VirtualMachineVideoCard(VirtualMachineVideoCard {
            key: 500,
            device_info: description("Video card ", "Video card"),
            controller_key: Some(100),
            unit_number: Some(0),
            video_ram_size_in_kb: Some(4096),
            num_displays: Some(1),
            use_auto_detect: Some(false),
            enable3d_support: Some(false),
            use3d_renderer: Some("automatic".into()),
            graphics_memory_size_in_kb: Some(262144),
            ..Default::default()
        }),
        AnyVirtualDevice::VirtualMachineVMCIDevice(VirtualMachineVMCIDevice {
            key: 12000,
            device_info: description(
                "VMCI device",
                "Device on the virtual machine PCI bus that provides support for the virtual machine communication interface",
            ),
            controller_key: Some(100),
            unit_number: Some(17),
            id: Some(-1),
            allow_unrestricted_communication: Some(false),
            filter_enable: Some(true),
            ..Default::default()
        }),
        AnyVirtualDevice::ParaVirtualSCSIController(ParaVirtualSCSIController {
            key: 1000,
            device_info: description("SCSI controller 0", "VMware paravirtual SCSI"),
            controller_key: Some(100),
            unit_number: Some(3),
            bus_number: 0,
            device: vec![2000],
            hot_add_remove: Some(true),
            shared_bus: VirtualSCSISharing::NoSharing,
            scsi_ctlr_unit_number: Some(7),
            ..Default::default()
        }),
    ]
}

/// A network adapter of the given model.
pub fn nic_device(nic: &Nic, connected: bool) -> AnyVirtualDevice {
    let card = VirtualEthernetCard {
        key: nic.key,
        device_info: description("Network adapter 1", &nic.network),
        backing: Some(
            AnyVirtualDeviceBackingInfo::VirtualEthernetCardNetworkBackingInfo(
                VirtualEthernetCardNetworkBackingInfo {
                    device_name: nic.network.clone(),
                    use_auto_detect: Some(false),
                    network: Some(MoRef::new("Network", format!("HaNetwork-{}", nic.network))),
                },
            ),
        ),
        connectable: connectable(connected),
        controller_key: Some(100),
        unit_number: Some(7),
        address_type: Some("generated".into()),
        mac_address: Some(nic.mac.clone()),
        wake_on_lan_enabled: Some(true),
        upt_compatibility_enabled: Some(true),
    };
    let VirtualEthernetCard {
        key,
        device_info,
        backing,
        connectable,
        controller_key,
        unit_number,
        address_type,
        mac_address,
        wake_on_lan_enabled,
        upt_compatibility_enabled,
    } = card;
    macro_rules! card {
        ($variant:ident) => {
            AnyVirtualDevice::$variant(vim25::$variant {
                key,
                device_info,
                backing,
                connectable,
                controller_key,
                unit_number,
                address_type,
                mac_address,
                wake_on_lan_enabled,
                upt_compatibility_enabled,
            })
        };
    }
    match nic.model.as_str() {
        "e1000" => card!(VirtualE1000),
        "e1000e" => card!(VirtualE1000e),
        "vmxnet2" => card!(VirtualVmxnet2),
        _ => card!(VirtualVmxnet3),
    }
}

/// The MAC address and network of a network adapter (None for any other
/// device).
fn nic_of(d: &AnyVirtualDevice) -> Option<Nic> {
    let (mac, model) = match d {
        AnyVirtualDevice::VirtualE1000(x) => (&x.mac_address, "e1000"),
        AnyVirtualDevice::VirtualE1000e(x) => (&x.mac_address, "e1000e"),
        AnyVirtualDevice::VirtualVmxnet2(x) => (&x.mac_address, "vmxnet2"),
        AnyVirtualDevice::VirtualVmxnet3(x) => (&x.mac_address, "vmxnet3"),
        _ => return None,
    };
    let network = match d.backing() {
        Some(AnyVirtualDeviceBackingInfo::VirtualEthernetCardNetworkBackingInfo(b)) => {
            b.device_name.clone()
        }
        _ => String::new(),
    };
    Some(Nic {
        key: *d.key(),
        mac: mac.clone().unwrap_or_default(),
        network,
        model: model.into(),
    })
}

fn mac_mut(d: &mut AnyVirtualDevice) -> Option<&mut Option<String>> {
    match d {
        AnyVirtualDevice::VirtualE1000(x) => Some(&mut x.mac_address),
        AnyVirtualDevice::VirtualE1000e(x) => Some(&mut x.mac_address),
        AnyVirtualDevice::VirtualVmxnet2(x) => Some(&mut x.mac_address),
        AnyVirtualDevice::VirtualVmxnet3(x) => Some(&mut x.mac_address),
        _ => None,
    }
}

fn disk_device(vm_uuid: &str, file: &str, ds: Option<&MoRef>, kb: i64) -> AnyVirtualDevice {
    AnyVirtualDevice::VirtualDisk(VirtualDisk {
        key: 2000,
        device_info: description("Hard disk 1", &format!("{kb} KB")),
        backing: Some(AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(
            VirtualDiskFlatVer2BackingInfo {
                file_name: file.to_string(),
                datastore: ds.cloned(),
                disk_mode: "persistent".into(),
                split: Some(false),
                write_through: Some(false),
                thin_provisioned: Some(true),
                uuid: Some(format!("6000C29{}", &vm_uuid.replace('-', "")[7..])),
                content_id: Some("0c4f3b2a1e9d8c7b6a5f4e3d2c1b0a99".into()),
                digest_enabled: Some(false),
                sharing: Some("sharingNone".into()),
            },
        )),
        controller_key: Some(1000),
        unit_number: Some(0),
        capacity_in_kb: kb,
        capacity_in_bytes: Some(kb * 1024),
        ..Default::default()
    })
}

fn serial_device(file: &str, connected: bool) -> AnyVirtualDevice {
    AnyVirtualDevice::VirtualSerialPort(VirtualSerialPort {
        key: 9000,
        device_info: description("Serial port 1", &format!("File {file}")),
        backing: Some(
            AnyVirtualDeviceBackingInfo::VirtualSerialPortFileBackingInfo(
                VirtualSerialPortFileBackingInfo {
                    file_name: file.to_string(),
                    datastore: None,
                },
            ),
        ),
        connectable: connectable(connected),
        controller_key: Some(400),
        unit_number: Some(0),
        yield_on_poll: true,
    })
}

fn option(key: &str, value: &str) -> AnyOptionValue {
    AnyOptionValue::OptionValue(OptionValue {
        key: key.into(),
        value: Some(Value::Text {
            ty: Some("xsd:string".into()),
            text: value.into(),
        }),
    })
}

/// A VM without configuration (never shown: every VM has one).
static NO_CONFIG: Lazy<VirtualMachineConfigInfo> = Lazy::new(VirtualMachineConfigInfo::default);

impl Vm {
    pub fn new(id: u64, prefix: &str, spec: VmSpec, ds_name: &str, ds: Option<DsRef>) -> Vm {
        let dir = crate::paths::vm_directory(&spec.name);
        let moid = format!("{prefix}{id}");
        let uuid = uuid_from(id, "564d");
        let instance_uuid = uuid_from(id + 1_000_000, "5200");
        let on = spec.power == Power::PoweredOn;
        let nics = vec![Nic {
            key: 4000,
            mac: mac_for(id, 0),
            network: "VM Network".into(),
            model: "vmxnet3".into(),
        }];
        let ips: Vec<String> = spec
            .ip
            .iter()
            .flat_map(|i| i.split(','))
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
        let mut extra = vec![
            option("nvram", &format!("{dir}.nvram")),
            option("svga.present", "TRUE"),
        ];
        if spec.uuid_question {
            extra.push(option(
                "uuid.location",
                "56 4d 00 00 00 00 00 00-00 00 00 00 00 00 00 01",
            ));
        }
        let booted = (spec.power != Power::PoweredOff).then(SystemTime::now);
        let config = VirtualMachineConfigInfo {
            change_version: format_datetime(SystemTime::now()),
            modified: "1970-01-01T00:00:00Z".into(),
            name: api_name(&spec.name),
            guest_full_name: guest_full_name(&spec.guest_id),
            version: "vmx-13".into(),
            uuid: uuid.clone(),
            instance_uuid: Some(instance_uuid),
            location_id: Some(uuid.clone()),
            template: false,
            guest_id: spec.guest_id.clone(),
            alternate_guest_name: String::new(),
            annotation: Some(spec.annotation.clone()),
            files: VirtualMachineFileInfo::default(),
            tools: Some(ToolsConfigInfo {
                tools_version: Some(0),
                after_power_on: Some(true),
                after_resume: Some(true),
                before_guest_standby: Some(true),
                before_guest_shutdown: Some(true),
                tools_upgrade_policy: Some("manual".into()),
                sync_time_with_host: Some(false),
            }),
            flags: VirtualMachineFlagInfo {
                enable_logging: Some(true),
                monitor_type: Some("release".into()),
                virtual_mmu_usage: Some("automatic".into()),
                virtual_exec_usage: Some("hvAuto".into()),
                snapshot_power_off_behavior: Some("powerOff".into()),
            },
            default_power_ops: VirtualMachineDefaultPowerOpInfo {
                power_off_type: Some("soft".into()),
                suspend_type: Some("hard".into()),
                reset_type: Some("soft".into()),
                default_power_off_type: Some("soft".into()),
                default_suspend_type: Some("hard".into()),
                default_reset_type: Some("soft".into()),
                standby_action: Some("checkpoint".into()),
            },
            hardware: VirtualHardware {
                num_cpu: spec.num_cpu as i32,
                num_cores_per_socket: Some(spec.cores_per_socket as i32),
                memory_mb: spec.memory_mb as i32,
                virtual_ich7m_present: Some(false),
                virtual_smc_present: Some(false),
                device: Vec::new(),
            },
            cpu_allocation: Some(default_alloc(1000, spec.num_cpu)),
            memory_allocation: Some(default_alloc(10, spec.memory_mb)),
            memory_hot_add_enabled: Some(false),
            cpu_hot_add_enabled: Some(false),
            cpu_hot_remove_enabled: Some(false),
            extra_config: extra,
            datastore_url: Vec::new(),
            swap_placement: Some("inherit".into()),
            firmware: Some(spec.firmware.clone()),
            max_mks_connections: Some(40),
        };
        let mut vm = Vm {
            id,
            moref: vm_ref(&moid),
            mo: vim25::VirtualMachine {
                name: api_name(&spec.name),
                config: Some(config),
                resource_pool: Some(MoRef::new("ResourcePool", "ha-root-pool")),
                parent: Some(MoRef::new("Folder", "ha-folder-vm")),
                overall_status: ManagedEntityStatus::Green,
                config_status: ManagedEntityStatus::Green,
                effective_role: vec![-1],
                alarm_actions_enabled: Some(false),
                runtime: VirtualMachineRuntimeInfo {
                    host: Some(MoRef::new("HostSystem", HOST)),
                    connection_state: VirtualMachineConnectionState::Connected,
                    power_state: spec.power.clone(),
                    fault_tolerance_state: Some(VirtualMachineFaultToleranceState::NotConfigured),
                    tools_installer_mounted: false,
                    boot_time: booted.map(format_datetime),
                    question: None,
                    max_cpu_usage: Some(2100 * spec.num_cpu as i32),
                    max_memory_usage: Some(spec.memory_mb as i32),
                    num_mks_connections: 0,
                    online_standby: Some(false),
                    consolidation_needed: Some(false),
                    paused: Some(false),
                    snapshot_in_background: Some(false),
                },
                ..Default::default()
            },
            name: spec.name.clone(),
            datastore: String::new(),
            directory: dir.clone(),
            vmx_name: format!("{dir}.vmx"),
            tools_installed: spec.tools,
            tools_running: spec.tools && on,
            guest_hostname: spec.hostname,
            guest_nics: BTreeMap::from([(4000, GuestNic { ips })]),
            question: None,
            armed_question: None,
            armed_cancelable: false,
            recent_tasks: Vec::new(),
            snapshots: Vec::new(),
            current_snapshot: None,
            serial_file: spec.serial_file.then(|| "serial.log".to_string()),
            uuid_altered: spec.uuid_question,
            booted,
            hostile: Vec::new(),
        };
        vm.relocate(
            ds_name,
            ds,
            &dir,
            &format!("{dir}.vmx"),
            &nics,
            8 * 1024 * 1024,
        );
        vm.set_tools_running(spec.tools && on);
        vm
    }

    /// Puts the VM's files in `[ds] dir/vmx` (its file paths, its disk's
    /// backing, its serial port), with these NICs and a disk of `disk_kb`.
    pub fn relocate(
        &mut self,
        ds_name: &str,
        ds: Option<DsRef>,
        dir: &str,
        vmx: &str,
        nics: &[Nic],
        disk_kb: i64,
    ) {
        self.datastore = ds_name.to_string();
        self.directory = dir.to_string();
        self.vmx_name = vmx.to_string();
        let on = self.power() == Power::PoweredOn;
        let base = format!("[{ds_name}] {dir}/");
        let uuid = self.uuid().to_string();
        let ds_moref = ds.as_ref().and_then(|d| d.moref.clone());
        let mut devices = fixed_devices();
        devices.push(disk_device(
            &uuid,
            &format!("[{ds_name}] {dir}/{dir}.vmdk"),
            ds_moref.as_ref(),
            disk_kb,
        ));
        for nic in nics {
            devices.push(nic_device(nic, on));
        }
        if let Some(serial) = &self.serial_file {
            devices.push(serial_device(&format!("[{ds_name}] {dir}/{serial}"), on));
        }
        let config = self.config_mut();
        for o in &mut config.extra_config {
            if o.key() == "nvram" {
                *o.value_mut() = option("nvram", &format!("{dir}.nvram")).value().clone();
            }
        }
        config.files = VirtualMachineFileInfo {
            vm_path_name: Some(format!("{base}{vmx}")),
            snapshot_directory: Some(base.clone()),
            suspend_directory: Some(base.clone()),
            log_directory: Some(base),
        };
        config.hardware.device = devices;
        config.datastore_url = ds
            .map(|d| VirtualMachineConfigInfoDatastoreUrlPair {
                name: d.name,
                url: format!("/vmfs/volumes/{}", d.uuid),
            })
            .into_iter()
            .collect();
    }

    pub fn moid(&self) -> &str {
        &self.moref.value
    }

    pub fn vmx_path(&self) -> String {
        format!("[{}] {}/{}", self.datastore, self.directory, self.vmx_name)
    }

    pub fn config(&self) -> &VirtualMachineConfigInfo {
        self.mo.config.as_ref().unwrap_or(&NO_CONFIG)
    }

    pub fn config_mut(&mut self) -> &mut VirtualMachineConfigInfo {
        self.mo.config.get_or_insert_with(Default::default)
    }

    pub fn power(&self) -> Power {
        self.mo.runtime.power_state.clone()
    }

    pub fn uuid(&self) -> &str {
        &self.config().uuid
    }

    pub fn memory_mb(&self) -> i32 {
        self.config().hardware.memory_mb
    }

    pub fn num_cpu(&self) -> i32 {
        self.config().hardware.num_cpu
    }

    pub fn cores_per_socket(&self) -> i32 {
        self.config().hardware.num_cores_per_socket.unwrap_or(1)
    }

    pub fn cpu_alloc(&self) -> ResourceAllocationInfo {
        self.config().cpu_allocation.clone().unwrap_or_default()
    }

    pub fn mem_alloc(&self) -> ResourceAllocationInfo {
        self.config().memory_allocation.clone().unwrap_or_default()
    }

    /// The NICs of its device list.
    pub fn nics(&self) -> Vec<Nic> {
        self.config()
            .hardware
            .device
            .iter()
            .filter_map(nic_of)
            .collect()
    }

    /// The capacity of its disk (KiB).
    pub fn disk_kb(&self) -> i64 {
        self.config()
            .hardware
            .device
            .iter()
            .find_map(|d| match d {
                AnyVirtualDevice::VirtualDisk(x) => Some(x.capacity_in_kb),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// Its disks' backing files (`[ds] dir/name.vmdk`).
    pub fn disk_files(&self) -> Vec<String> {
        self.config()
            .hardware
            .device
            .iter()
            .filter_map(|d| match d.backing() {
                Some(AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(b)) => {
                    Some(b.file_name.clone())
                }
                _ => None,
            })
            .collect()
    }

    /// Powers the VM on, off or suspends it: its runtime state, its boot
    /// time, its devices' connections, its guest's tools.
    pub fn set_power(&mut self, power: Power) {
        match power {
            Power::PoweredOn => self.set_booted(Some(SystemTime::now())),
            Power::PoweredOff => self.set_booted(None),
            _ => {}
        }
        self.set_control_power(power);
    }

    /// The power state a test sets (no boot: the boot time stays).
    pub fn set_control_power(&mut self, power: Power) {
        let on = power == Power::PoweredOn;
        self.set_tools_running(on && self.tools_installed);
        self.mo.runtime.power_state = power;
        for d in &mut self.config_mut().hardware.device {
            if let Some(c) = d.connectable_mut() {
                c.connected = on;
            }
        }
    }

    /// An integer the host reports at `paths`: typed when it is an xsd:int
    /// (`apply` sets it), else sent as a hostile host would, in place of
    /// the typed value.
    pub fn set_hostile_int(&mut self, value: i64, paths: &[&str], apply: fn(&mut Vm, i32)) {
        self.hostile.retain(|(p, _)| !paths.contains(&p.as_str()));
        match i32::try_from(value) {
            Ok(v) => apply(self, v),
            Err(_) => self
                .hostile
                .extend(paths.iter().map(|p| (p.to_string(), value.to_string()))),
        }
    }

    /// VMware Tools runs (its version shows in the configuration) or not.
    pub fn set_tools_running(&mut self, running: bool) {
        self.tools_running = running;
        if let Some(t) = self.config_mut().tools.as_mut() {
            t.tools_version = Some(if running { 11333 } else { 0 });
        }
    }

    /// A new boot time (a reboot), or none (powered off).
    pub fn set_booted(&mut self, at: Option<SystemTime>) {
        self.booted = at;
        self.mo.runtime.boot_time = at.map(format_datetime);
    }

    /// Shows or clears the question asked now.
    pub fn set_question(&mut self, q: Option<Question>) {
        self.mo.runtime.question = q.as_ref().map(Question::info);
        self.question = q;
    }

    /// New MAC addresses (the VM was copied).
    pub fn set_macs(&mut self, mac: impl Fn(usize) -> String) {
        let mut i = 0;
        for d in &mut self.config_mut().hardware.device {
            if let Some(m) = mac_mut(d) {
                *m = Some(mac(i));
                i += 1;
            }
        }
    }

    /// A new BIOS UUID (the VM was copied): its configuration's, and its
    /// disk's, which ESX derives from it.
    pub fn set_uuid(&mut self, uuid: &str) {
        let disk_uuid = format!("6000C29{}", uuid.replace('-', "").get(7..).unwrap_or(""));
        let c = self.config_mut();
        c.uuid = uuid.to_string();
        c.location_id = Some(uuid.to_string());
        for d in &mut c.hardware.device {
            if let Some(AnyVirtualDeviceBackingInfo::VirtualDiskFlatVer2BackingInfo(b)) =
                d.backing_mut()
            {
                b.uuid = Some(disk_uuid.clone());
            }
        }
    }

    /// No longer marked as moved or copied.
    pub fn clear_uuid_altered(&mut self) {
        self.uuid_altered = false;
        self.config_mut()
            .extra_config
            .retain(|o| o.key() != "uuid.location");
    }

    /// The memory and CPUs ESX derives its runtime limits from.
    pub fn set_hardware(&mut self, memory_mb: i32, num_cpu: i32) {
        let hw = &mut self.config_mut().hardware;
        hw.memory_mb = memory_mb;
        hw.num_cpu = num_cpu;
        self.mo.runtime.max_cpu_usage = Some(2100i32.saturating_mul(num_cpu));
        self.mo.runtime.max_memory_usage = Some(memory_mb);
    }

    fn snapshot_trees(&self, parent: Option<&str>) -> Vec<VirtualMachineSnapshotTree> {
        self.snapshots
            .iter()
            .filter(|s| s.parent.as_deref() == parent)
            .map(|snap| VirtualMachineSnapshotTree {
                snapshot: MoRef::new("VirtualMachineSnapshot", snap.moid.clone()),
                vm: self.moref.clone(),
                name: snap.name.clone(),
                description: snap.description.clone(),
                id: Some(snap.id),
                create_time: format_datetime(snap.create_time),
                state: snap.state.clone(),
                quiesced: snap.quiesced,
                backup_manifest: None,
                child_snapshot_list: self.snapshot_trees(Some(&snap.moid)),
                replay_supported: Some(false),
            })
            .collect()
    }

    fn guest(&self) -> GuestInfo {
        let running = self.tools_running && self.power() == Power::PoweredOn;
        let pick = |a: &str, b: &str| Some(if running { a } else { b }.to_string());
        let mut g = GuestInfo {
            tools_status: Some(if running {
                VirtualMachineToolsStatus::ToolsOk
            } else {
                VirtualMachineToolsStatus::ToolsNotRunning
            }),
            tools_version_status: pick("guestToolsCurrent", "guestToolsNotInstalled"),
            tools_version_status2: pick("guestToolsCurrent", "guestToolsNotInstalled"),
            tools_running_status: pick("guestToolsRunning", "guestToolsNotRunning"),
            tools_version: pick("11333", "0"),
            guest_state: if running { "running" } else { "notRunning" }.into(),
            guest_operations_ready: Some(running),
            interactive_guest_operations_ready: Some(false),
            guest_state_change_supported: Some(running),
            ..Default::default()
        };
        if running {
            let cfg = self.config();
            g.guest_id = Some(cfg.guest_id.clone());
            g.guest_family = Some(
                if cfg.guest_id.starts_with("windows") {
                    "windowsGuest"
                } else {
                    "linuxGuest"
                }
                .into(),
            );
            g.guest_full_name = Some(cfg.guest_full_name.clone());
            g.host_name = self.guest_hostname.clone();
            g.ip_address = self
                .guest_nics
                .values()
                .flat_map(|n| n.ips.iter())
                .next()
                .cloned();
            g.net = self
                .nics()
                .into_iter()
                .map(|n| {
                    let ips = self
                        .guest_nics
                        .get(&n.key)
                        .map(|g| g.ips.clone())
                        .unwrap_or_default();
                    GuestNicInfo {
                        network: Some(n.network.clone()),
                        ip_address: ips.clone(),
                        mac_address: Some(n.mac.clone()),
                        connected: true,
                        device_config_id: n.key,
                        ip_config: Some(NetIpConfigInfo {
                            ip_address: ips
                                .iter()
                                .map(|ip| NetIpConfigInfoIpAddress {
                                    ip_address: ip.clone(),
                                    prefix_length: if ip.contains(':') { 64 } else { 24 },
                                    origin: None,
                                    state: Some("preferred".into()),
                                })
                                .collect(),
                        }),
                    }
                })
                .collect();
        }
        g
    }

    fn summary(&self) -> VirtualMachineSummary {
        let on = self.power() == Power::PoweredOn;
        let cfg = self.config();
        let mb = cfg.hardware.memory_mb;
        let since_boot = self
            .booted
            .and_then(|b| b.elapsed().ok())
            .map_or(0, |d| d.as_secs());
        let tools = |a: &str, b: &str| Some(if self.tools_running { a } else { b }.to_string());
        let disk_kb = self.disk_kb();
        VirtualMachineSummary {
            vm: Some(self.moref.clone()),
            runtime: self.mo.runtime.clone(),
            guest: Some(VirtualMachineGuestSummary {
                guest_id: Some(cfg.guest_id.clone()),
                guest_full_name: Some(cfg.guest_full_name.clone()),
                tools_status: Some(if self.tools_running {
                    VirtualMachineToolsStatus::ToolsOk
                } else {
                    VirtualMachineToolsStatus::ToolsNotRunning
                }),
                tools_version_status: tools("guestToolsCurrent", "guestToolsNotInstalled"),
                tools_running_status: tools("guestToolsRunning", "guestToolsNotRunning"),
            }),
            config: VirtualMachineConfigSummary {
                name: cfg.name.clone(),
                template: false,
                vm_path_name: self.vmx_path(),
                memory_size_mb: Some(mb),
                cpu_reservation: cfg
                    .cpu_allocation
                    .as_ref()
                    .and_then(|a| a.reservation)
                    .map(|r| r as i32),
                memory_reservation: cfg
                    .memory_allocation
                    .as_ref()
                    .and_then(|a| a.reservation)
                    .map(|r| r as i32),
                num_cpu: Some(cfg.hardware.num_cpu),
                num_ethernet_cards: Some(self.nics().len() as i32),
                num_virtual_disks: Some(1),
                uuid: Some(cfg.uuid.clone()),
                instance_uuid: cfg.instance_uuid.clone(),
                guest_id: Some(cfg.guest_id.clone()),
                guest_full_name: Some(cfg.guest_full_name.clone()),
                annotation: cfg.annotation.clone(),
                install_boot_required: Some(false),
                hw_version: Some(cfg.version.clone()),
            },
            storage: Some(VirtualMachineStorageSummary {
                committed: disk_kb * 256,
                uncommitted: disk_kb * 768,
                unshared: disk_kb * 256,
                timestamp: format_datetime(SystemTime::now()),
            }),
            quick_stats: VirtualMachineQuickStats {
                // Changes over time, as a real VM's does.
                overall_cpu_usage: Some(if on { 42 + (since_boot % 60) as i32 } else { 0 }),
                overall_cpu_demand: None,
                guest_memory_usage: Some(if on { mb / 4 } else { 0 }),
                host_memory_usage: Some(if on { mb / 2 + 30 } else { 0 }),
                guest_heartbeat_status: self.heartbeat(),
                // A running VM gives an eighth of its memory back to the
                // balloon.
                ballooned_memory: Some(if on { mb / 8 } else { 0 }),
                uptime_seconds: Some(since_boot as i32),
            },
            overall_status: ManagedEntityStatus::Green,
        }
    }

    fn heartbeat(&self) -> ManagedEntityStatus {
        if self.tools_running {
            ManagedEntityStatus::Green
        } else {
            ManagedEntityStatus::Gray
        }
    }

    /// The properties ESX computes at each read, in a VirtualMachine of
    /// their own; None for a property it keeps (in `mo`).
    fn computed(&self, w: &World, property: &str) -> Option<vim25::VirtualMachine> {
        const COMPUTED: &[&str] = &[
            "summary",
            "guest",
            "guestHeartbeatStatus",
            "snapshot",
            "rootSnapshot",
            "recentTask",
            "datastore",
            "network",
        ];
        if !COMPUTED.contains(&property) {
            return None;
        }
        let mut o = vim25::VirtualMachine::default();
        match property {
            "summary" => o.summary = self.summary(),
            "guest" => o.guest = Some(self.guest()),
            "guestHeartbeatStatus" => o.guest_heartbeat_status = self.heartbeat(),
            "snapshot" => {
                o.snapshot = (!self.snapshots.is_empty()).then(|| VirtualMachineSnapshotInfo {
                    current_snapshot: self
                        .current_snapshot
                        .as_ref()
                        .map(|c| MoRef::new("VirtualMachineSnapshot", c.clone())),
                    root_snapshot_list: self.snapshot_trees(None),
                })
            }
            "rootSnapshot" => {
                o.root_snapshot = self
                    .snapshots
                    .iter()
                    .filter(|s| s.parent.is_none())
                    .map(|s| MoRef::new("VirtualMachineSnapshot", s.moid.clone()))
                    .collect()
            }
            "recentTask" => {
                o.recent_task = self
                    .recent_tasks
                    .iter()
                    .map(|t| MoRef::new("Task", t.clone()))
                    .collect()
            }
            "datastore" => {
                o.datastore = w
                    .ds(&self.datastore)
                    .map(|d| d.moref.clone())
                    .into_iter()
                    .collect()
            }
            "network" => {
                o.network = self
                    .nics()
                    .iter()
                    .map(|n| MoRef::new("Network", format!("HaNetwork-{}", n.network)))
                    .collect()
            }
            _ => return None,
        }
        Some(o)
    }
}

impl Object for Vm {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        w: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        match path.first().and_then(|p| self.computed(w, p)) {
            Some(o) => read_typed(&o, path, keep, sink),
            None => read_typed(&self.mo, path, keep, sink),
        }
    }

    fn hostile(&self) -> &[(String, String)] {
        &self.hostile
    }
}

/// A snapshot as a managed object: found in the registry, its data kept
/// by its VM.
pub struct SnapshotObject {
    pub moref: MoRef,
    pub vm: MoRef,
}

impl Object for SnapshotObject {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        w: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        let children = w
            .vm(&self.vm.value)
            .map(|vm| {
                vm.snapshots
                    .iter()
                    .filter(|s| s.parent.as_deref() == Some(self.moref.value.as_str()))
                    .map(|s| MoRef::new("VirtualMachineSnapshot", s.moid.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let o = vim25::VirtualMachineSnapshot {
            child_snapshot: children,
            vm: self.vm.clone(),
            ..Default::default()
        };
        read_typed(&o, path, keep, sink)
    }
}
