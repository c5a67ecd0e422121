// SPDX-License-Identifier: LGPL-2.1-or-later
//! Property values of the simulated managed objects, in the shapes and
//! field order of the vSphere WSDL (the subset clients read).

use esx_vi::vim25::{
    AboutInfo, AnyDatastoreInfo, AutoStartDefaults, AutoStartPowerInfo, DatastoreInfo,
    HostAutoStartManagerConfig, HostNasVolume, HostScsiDiskPartition, HostVmfsVolume,
    NasDatastoreInfo, ResourceAllocationInfo, SharesInfo, UserSession, VirtualMachineSnapshotTree,
    VmfsDatastoreInfo, VsanDatastoreInfo, VvolDatastoreInfo,
};
use std::time::{Duration, SystemTime};

use crate::model::*;
use crate::world::{Datastore, DsKind, Fault, Task, Vm, World, DATACENTER, HOST};

pub const PRODUCT_VERSION: &str = "7.0.3";
pub const API_VERSION: &str = "7.0.3.0";
pub const BUILD: &str = "21930508";
pub const HOST_NAME: &str = "esx-sim";
pub const HOST_DOMAIN: &str = "lab.example";
pub const HOST_UUID: &str = "4c4c4544-0042-3810-8052-b7c04f4d3332";
pub const MEMORY_BYTES: i64 = 256 * 1024 * 1024 * 1024;

/// Names as the API writes them: `%`, `/` and `\` escaped.
pub fn api_name(name: &str) -> String {
    name.replace('%', "%25")
        .replace('/', "%2f")
        .replace('\\', "%5c")
}

/// The host's AboutInfo, written from the type the client reads.
pub fn about() -> SVal {
    crate::typed::sval(
        "AboutInfo",
        &AboutInfo {
            name: "VMware ESXi".into(),
            full_name: format!("VMware ESXi {PRODUCT_VERSION} build-{BUILD} (esx-sim)"),
            vendor: "VMware, Inc.".into(),
            version: PRODUCT_VERSION.into(),
            build: BUILD.into(),
            locale_version: Some("INTL".into()),
            locale_build: Some("000".into()),
            os_type: "vmnix-x86".into(),
            product_line_id: "embeddedEsx".into(),
            api_type: "HostAgent".into(),
            api_version: API_VERSION.into(),
            instance_uuid: Some("52a0f3b1-6c1d-4e2f-9a8b-7c6d5e4f3a2b".into()),
            license_product_name: Some("VMware ESX Server".into()),
            license_product_version: Some("7.0".into()),
        },
    )
}

pub fn service_content() -> SVal {
    let m = |k: &str, id: &str| moref(k, id);
    obj(
        "ServiceContent",
        vec![
            ("rootFolder", m("Folder", "ha-folder-root")),
            (
                "propertyCollector",
                m("PropertyCollector", "ha-property-collector"),
            ),
            ("viewManager", m("ViewManager", "ViewManager")),
            ("about", about()),
            ("setting", m("OptionManager", "HostAgentSettings")),
            ("userDirectory", m("UserDirectory", "ha-user-directory")),
            ("sessionManager", m("SessionManager", "ha-sessionmgr")),
            (
                "authorizationManager",
                m("AuthorizationManager", "ha-authmgr"),
            ),
            ("perfManager", m("PerformanceManager", "ha-perfmgr")),
            ("eventManager", m("EventManager", "ha-eventmgr")),
            ("taskManager", m("TaskManager", "ha-taskmgr")),
            (
                "accountManager",
                m("HostLocalAccountManager", "ha-localacctmgr"),
            ),
            (
                "diagnosticManager",
                m("DiagnosticManager", "ha-diagnosticmgr"),
            ),
            ("licenseManager", m("LicenseManager", "ha-license-manager")),
            ("searchIndex", m("SearchIndex", "ha-searchindex")),
            ("fileManager", m("FileManager", "ha-nfc-file-manager")),
            (
                "virtualDiskManager",
                m("VirtualDiskManager", "ha-vdiskmanager"),
            ),
            ("ovfManager", m("OvfManager", "ha-ovf-manager")),
            (
                "dvSwitchManager",
                m("DistributedVirtualSwitchManager", "ha-dvsmanager"),
            ),
            (
                "localizationManager",
                m("LocalizationManager", "ha-l10n-manager"),
            ),
            (
                "storageResourceManager",
                m("StorageResourceManager", "ha-storage-resource-manager"),
            ),
        ],
    )
}

/// A session's UserSession, written from the type the client reads.
pub fn user_session(sess: &crate::world::Session) -> SVal {
    crate::typed::sval(
        "UserSession",
        &UserSession {
            key: sess.key.clone(),
            user_name: sess.user.clone(),
            full_name: if sess.user == "root" {
                "Administrator".to_string()
            } else {
                sess.user.clone()
            },
            login_time: format_datetime(sess.login_time),
            last_active_time: format_datetime(sess.last_active_time),
            locale: "en".into(),
            message_locale: "en".into(),
        },
    )
}

fn description(label: &str, summary: &str) -> SVal {
    obj(
        "Description",
        vec![("label", s(label)), ("summary", s(summary))],
    )
}

fn connectable(connected: bool) -> SVal {
    obj(
        "VirtualDeviceConnectInfo",
        vec![
            ("startConnected", boolean(true)),
            ("allowGuestControl", boolean(true)),
            ("connected", boolean(connected)),
            ("status", s("ok")),
        ],
    )
}

fn controller(ty: &str, key: i64, label: &str, summary: &str, bus: i64, devices: &[i64]) -> SVal {
    let mut f = vec![
        ("key", int(key)),
        ("deviceInfo", description(label, summary)),
        ("busNumber", int(bus)),
    ];
    if !devices.is_empty() {
        f.push((
            "device",
            list("int", devices.iter().map(|d| int(*d)).collect()),
        ));
    }
    pobj(ty, f)
}

fn devices(w: &World, vm: &Vm) -> SVal {
    let on = vm.power == crate::world::Power::On;
    let ds = w.ds(&vm.datastore);
    let ds_ref = ds.map(|d| moref("Datastore", d.moid.clone()));
    let mut out = vec![
        controller("VirtualIDEController", 200, "IDE 0", "IDE 0", 0, &[]),
        controller("VirtualIDEController", 201, "IDE 1", "IDE 1", 1, &[]),
        controller("VirtualPS2Controller", 300, "PS2 controller 0", "PS2 controller 0", 0, &[600, 700]),
        controller("VirtualPCIController", 100, "PCI controller 0", "PCI controller 0", 0, &[500, 12000, 1000, 4000]),
        controller("VirtualSIOController", 400, "SIO controller 0", "SIO controller 0", 0, &[]),
        pobj(
            "VirtualKeyboard",
            vec![
                ("key", int(600)),
                ("deviceInfo", description("Keyboard", "Keyboard")),
                ("controllerKey", int(300)),
                ("unitNumber", int(0)),
            ],
        ),
        pobj(
            "VirtualMachineVideoCard",
            vec![
                ("key", int(500)),
                ("deviceInfo", description("Video card ", "Video card")),
                ("controllerKey", int(100)),
                ("unitNumber", int(0)),
                ("videoRamSizeInKB", long(4096)),
                ("numDisplays", int(1)),
                ("useAutoDetect", boolean(false)),
                ("enable3DSupport", boolean(false)),
                ("use3dRenderer", s("automatic")),
                ("graphicsMemorySizeInKB", long(262144)),
            ],
        ),
        pobj(
            "VirtualMachineVMCIDevice",
            vec![
                ("key", int(12000)),
                (
                    "deviceInfo",
                    description(
                        "VMCI device",
                        "Device on the virtual machine PCI bus that provides support for the virtual machine communication interface",
                    ),
                ),
                ("controllerKey", int(100)),
                ("unitNumber", int(17)),
                ("id", long(-1)),
                ("allowUnrestrictedCommunication", boolean(false)),
                ("filterEnable", boolean(true)),
            ],
        ),
        pobj(
            "ParaVirtualSCSIController",
            vec![
                ("key", int(1000)),
                ("deviceInfo", description("SCSI controller 0", "VMware paravirtual SCSI")),
                ("controllerKey", int(100)),
                ("unitNumber", int(3)),
                ("busNumber", int(0)),
                ("device", list("int", vec![int(2000)])),
                ("hotAddRemove", boolean(true)),
                ("sharedBus", en("VirtualSCSISharing", "noSharing")),
                ("scsiCtlrUnitNumber", int(7)),
            ],
        ),
    ];
    let mut disk_backing = vec![(
        "fileName",
        s(format!(
            "[{}] {}/{}.vmdk",
            vm.datastore, vm.directory, vm.directory
        )),
    )];
    if let Some(d) = ds_ref.clone() {
        disk_backing.push(("datastore", d));
    }
    disk_backing.extend([
        ("diskMode", s("persistent")),
        ("split", boolean(false)),
        ("writeThrough", boolean(false)),
        ("thinProvisioned", boolean(true)),
        (
            "uuid",
            s(format!("6000C29{}", &vm.uuid.replace('-', "")[7..])),
        ),
        ("contentId", s("0c4f3b2a1e9d8c7b6a5f4e3d2c1b0a99")),
        ("digestEnabled", boolean(false)),
        ("sharing", s("sharingNone")),
    ]);
    out.push(pobj(
        "VirtualDisk",
        vec![
            ("key", int(2000)),
            (
                "deviceInfo",
                description("Hard disk 1", &format!("{} KB", vm.disk_kb)),
            ),
            (
                "backing",
                pobj("VirtualDiskFlatVer2BackingInfo", disk_backing),
            ),
            ("controllerKey", int(1000)),
            ("unitNumber", int(0)),
            ("capacityInKB", long(vm.disk_kb)),
            ("capacityInBytes", long(vm.disk_kb * 1024)),
        ],
    ));
    for nic in &vm.nics {
        let ty = match nic.model.as_str() {
            "e1000" => "VirtualE1000",
            "e1000e" => "VirtualE1000e",
            "vmxnet2" => "VirtualVmxnet2",
            _ => "VirtualVmxnet3",
        };
        out.push(pobj(
            ty,
            vec![
                ("key", int(nic.key)),
                ("deviceInfo", description("Network adapter 1", &nic.network)),
                (
                    "backing",
                    pobj(
                        "VirtualEthernetCardNetworkBackingInfo",
                        vec![
                            ("deviceName", s(nic.network.clone())),
                            ("useAutoDetect", boolean(false)),
                            (
                                "network",
                                moref("Network", format!("HaNetwork-{}", nic.network)),
                            ),
                        ],
                    ),
                ),
                ("connectable", connectable(on)),
                ("controllerKey", int(100)),
                ("unitNumber", int(7)),
                ("addressType", s("generated")),
                ("macAddress", s(nic.mac.clone())),
                ("wakeOnLanEnabled", boolean(true)),
                ("uptCompatibilityEnabled", boolean(true)),
            ],
        ));
    }
    if let Some(serial) = &vm.serial_file {
        out.push(pobj(
            "VirtualSerialPort",
            vec![
                ("key", int(9000)),
                (
                    "deviceInfo",
                    description(
                        "Serial port 1",
                        &format!("File [{}] {}/{serial}", vm.datastore, vm.directory),
                    ),
                ),
                (
                    "backing",
                    pobj(
                        "VirtualSerialPortFileBackingInfo",
                        vec![(
                            "fileName",
                            s(format!("[{}] {}/{serial}", vm.datastore, vm.directory)),
                        )],
                    ),
                ),
                ("connectable", connectable(on)),
                ("controllerKey", int(400)),
                ("unitNumber", int(0)),
                ("yieldOnPoll", boolean(true)),
            ],
        ));
    }
    list("VirtualDevice", out)
}

fn vm_files(vm: &Vm) -> SVal {
    let dir = format!("[{}] {}/", vm.datastore, vm.directory);
    obj(
        "VirtualMachineFileInfo",
        vec![
            ("vmPathName", s(vm.vmx_path())),
            ("snapshotDirectory", s(dir.clone())),
            ("suspendDirectory", s(dir.clone())),
            ("logDirectory", s(dir)),
        ],
    )
}

fn vm_config(w: &World, vm: &Vm) -> SVal {
    let mut extra = vec![
        pobj(
            "OptionValue",
            vec![
                ("key", s("nvram")),
                ("value", any(s(format!("{}.nvram", vm.directory)))),
            ],
        ),
        pobj(
            "OptionValue",
            vec![("key", s("svga.present")), ("value", any(s("TRUE")))],
        ),
    ];
    if vm.uuid_altered {
        extra.push(pobj(
            "OptionValue",
            vec![
                ("key", s("uuid.location")),
                (
                    "value",
                    any(s("56 4d 00 00 00 00 00 00-00 00 00 00 00 00 00 01")),
                ),
            ],
        ));
    }
    obj(
        "VirtualMachineConfigInfo",
        vec![
            ("changeVersion", s(format_datetime(vm.config_change))),
            ("modified", s("1970-01-01T00:00:00Z")),
            ("name", s(api_name(&vm.name))),
            ("guestFullName", s(vm.guest_full_name.clone())),
            ("version", s(vm.hw_version.clone())),
            ("uuid", s(vm.uuid.clone())),
            ("instanceUuid", s(vm.instance_uuid.clone())),
            ("locationId", s(vm.uuid.clone())),
            ("template", boolean(false)),
            ("guestId", s(vm.guest_id.clone())),
            ("alternateGuestName", s("")),
            ("annotation", s(vm.annotation.clone())),
            ("files", vm_files(vm)),
            (
                "tools",
                obj(
                    "ToolsConfigInfo",
                    vec![
                        (
                            "toolsVersion",
                            int(if vm.tools_running { 11333 } else { 0 }),
                        ),
                        ("afterPowerOn", boolean(true)),
                        ("afterResume", boolean(true)),
                        ("beforeGuestStandby", boolean(true)),
                        ("beforeGuestShutdown", boolean(true)),
                        ("toolsUpgradePolicy", s("manual")),
                        ("syncTimeWithHost", boolean(false)),
                    ],
                ),
            ),
            (
                "flags",
                obj(
                    "VirtualMachineFlagInfo",
                    vec![
                        ("enableLogging", boolean(true)),
                        ("monitorType", s("release")),
                        ("virtualMmuUsage", s("automatic")),
                        ("virtualExecUsage", s("hvAuto")),
                        ("snapshotPowerOffBehavior", s("powerOff")),
                    ],
                ),
            ),
            (
                "defaultPowerOps",
                obj(
                    "VirtualMachineDefaultPowerOpInfo",
                    vec![
                        ("powerOffType", s("soft")),
                        ("suspendType", s("hard")),
                        ("resetType", s("soft")),
                        ("defaultPowerOffType", s("soft")),
                        ("defaultSuspendType", s("hard")),
                        ("defaultResetType", s("soft")),
                        ("standbyAction", s("checkpoint")),
                    ],
                ),
            ),
            (
                "hardware",
                obj(
                    "VirtualHardware",
                    vec![
                        ("numCPU", int(vm.num_cpu)),
                        ("numCoresPerSocket", int(vm.cores_per_socket)),
                        ("memoryMB", int(vm.memory_mb)),
                        ("virtualICH7MPresent", boolean(false)),
                        ("virtualSMCPresent", boolean(false)),
                        ("device", devices(w, vm)),
                    ],
                ),
            ),
            ("cpuAllocation", vm.cpu_alloc_sval()),
            ("memoryAllocation", vm.mem_alloc_sval()),
            ("memoryHotAddEnabled", boolean(false)),
            ("cpuHotAddEnabled", boolean(false)),
            ("cpuHotRemoveEnabled", boolean(false)),
            ("extraConfig", list("OptionValue", extra)),
            (
                "datastoreUrl",
                list(
                    "VirtualMachineConfigInfoDatastoreUrlPair",
                    w.ds(&vm.datastore)
                        .map(|d| {
                            vec![obj(
                                "VirtualMachineConfigInfoDatastoreUrlPair",
                                vec![
                                    ("name", s(d.name.clone())),
                                    ("url", s(format!("/vmfs/volumes/{}", d.uuid))),
                                ],
                            )]
                        })
                        .unwrap_or_default(),
                ),
            ),
            ("swapPlacement", s("inherit")),
            ("firmware", s(vm.firmware.clone())),
            ("maxMksConnections", int(40)),
        ],
    )
}

impl Vm {
    pub fn cpu_alloc_sval(&self) -> SVal {
        crate::props::alloc_sval(&self.cpu_alloc)
    }
    pub fn mem_alloc_sval(&self) -> SVal {
        crate::props::alloc_sval(&self.mem_alloc)
    }
}

/// A ResourceAllocationInfo, written from the type the client reads.
pub fn alloc_sval(a: &crate::world::Alloc) -> SVal {
    crate::typed::sval(
        "ResourceAllocationInfo",
        &ResourceAllocationInfo {
            reservation: Some(a.reservation),
            expandable_reservation: Some(false),
            limit: Some(a.limit),
            shares: Some(SharesInfo {
                shares: a.shares as i32,
                level: a.shares_level.clone(),
            }),
            overhead_limit: Some(-1),
        },
    )
}

pub fn question_sval(q: &crate::world::Question) -> SVal {
    let mut choice = vec![(
        "choiceInfo",
        list(
            "ElementDescription",
            q.choices
                .iter()
                .map(|c| {
                    pobj(
                        "ElementDescription",
                        vec![
                            ("label", s(c.label.clone())),
                            ("summary", s(c.summary.clone())),
                            ("key", s(c.key.clone())),
                        ],
                    )
                })
                .collect(),
        ),
    )];
    if let Some(d) = q.default_index {
        choice.push(("defaultIndex", int(d)));
    }
    obj(
        "VirtualMachineQuestionInfo",
        vec![
            ("id", s(q.id.clone())),
            ("text", s(q.text.clone())),
            ("choice", obj("ChoiceOption", choice)),
            (
                "message",
                list(
                    "VirtualMachineMessage",
                    // No message id: no message (the array is optional).
                    if q.message_id.is_empty() {
                        vec![]
                    } else {
                        vec![obj(
                            "VirtualMachineMessage",
                            vec![("id", s(q.message_id.clone())), ("text", s(q.text.clone()))],
                        )]
                    },
                ),
            ),
        ],
    )
}

fn vm_runtime(vm: &Vm) -> SVal {
    let mut f = vec![
        ("host", moref("HostSystem", HOST)),
        (
            "connectionState",
            en("VirtualMachineConnectionState", "connected"),
        ),
        (
            "powerState",
            en("VirtualMachinePowerState", vm.power.as_str()),
        ),
        (
            "faultToleranceState",
            en("VirtualMachineFaultToleranceState", "notConfigured"),
        ),
        ("toolsInstallerMounted", boolean(false)),
    ];
    if let Some(b) = vm.boot_time {
        f.push(("bootTime", datetime(b)));
    }
    if let Some(q) = &vm.question {
        f.push(("question", question_sval(q)));
    }
    f.extend([
        ("maxCpuUsage", int(2100 * vm.num_cpu)),
        ("maxMemoryUsage", int(vm.memory_mb)),
        ("numMksConnections", int(0)),
        ("onlineStandby", boolean(false)),
        ("consolidationNeeded", boolean(false)),
        ("paused", boolean(false)),
        ("snapshotInBackground", boolean(false)),
    ]);
    obj("VirtualMachineRuntimeInfo", f)
}

fn vm_guest(vm: &Vm) -> SVal {
    let running = vm.tools_running && vm.power == crate::world::Power::On;
    let mut f = vec![
        (
            "toolsStatus",
            en(
                "VirtualMachineToolsStatus",
                if running {
                    "toolsOk"
                } else {
                    "toolsNotRunning"
                },
            ),
        ),
        (
            "toolsVersionStatus",
            s(if running {
                "guestToolsCurrent"
            } else {
                "guestToolsNotInstalled"
            }),
        ),
        (
            "toolsVersionStatus2",
            s(if running {
                "guestToolsCurrent"
            } else {
                "guestToolsNotInstalled"
            }),
        ),
        (
            "toolsRunningStatus",
            s(if running {
                "guestToolsRunning"
            } else {
                "guestToolsNotRunning"
            }),
        ),
        ("toolsVersion", s(if running { "11333" } else { "0" })),
    ];
    if running {
        f.push(("guestId", s(vm.guest_id.clone())));
        f.push((
            "guestFamily",
            s(if vm.guest_id.starts_with("windows") {
                "windowsGuest"
            } else {
                "linuxGuest"
            }),
        ));
        f.push(("guestFullName", s(vm.guest_full_name.clone())));
        if let Some(h) = &vm.guest_hostname {
            f.push(("hostName", s(h.clone())));
        }
        if let Some(ip) = vm.nics.iter().flat_map(|n| n.ips.iter()).next() {
            f.push(("ipAddress", s(ip.clone())));
        }
        f.push((
            "net",
            list(
                "GuestNicInfo",
                vm.nics
                    .iter()
                    .map(|n| {
                        obj(
                            "GuestNicInfo",
                            vec![
                                ("network", s(n.network.clone())),
                                (
                                    "ipAddress",
                                    list("string", n.ips.iter().map(|i| s(i.clone())).collect()),
                                ),
                                ("macAddress", s(n.mac.clone())),
                                ("connected", boolean(true)),
                                ("deviceConfigId", int(n.key)),
                                (
                                    "ipConfig",
                                    obj(
                                        "NetIpConfigInfo",
                                        vec![(
                                            "ipAddress",
                                            list(
                                                "NetIpConfigInfoIpAddress",
                                                n.ips
                                                    .iter()
                                                    .map(|ip| {
                                                        obj(
                                                            "NetIpConfigInfoIpAddress",
                                                            vec![
                                                                ("ipAddress", s(ip.clone())),
                                                                (
                                                                    "prefixLength",
                                                                    int(if ip.contains(':') {
                                                                        64
                                                                    } else {
                                                                        24
                                                                    }),
                                                                ),
                                                                ("state", s("preferred")),
                                                            ],
                                                        )
                                                    })
                                                    .collect(),
                                            ),
                                        )],
                                    ),
                                ),
                            ],
                        )
                    })
                    .collect(),
            ),
        ));
    }
    f.push((
        "guestState",
        s(if running { "running" } else { "notRunning" }),
    ));
    f.push(("guestOperationsReady", boolean(running)));
    f.push(("interactiveGuestOperationsReady", boolean(false)));
    f.push(("guestStateChangeSupported", boolean(running)));
    obj("GuestInfo", f)
}

/// The snapshot trees below `parent`, written from the type the client
/// reads.
fn snapshot_tree(vm: &Vm, parent: Option<&str>) -> Vec<SVal> {
    snapshot_trees(vm, parent)
        .iter()
        .map(|t| crate::typed::sval("VirtualMachineSnapshotTree", t))
        .collect()
}

fn snapshot_trees(vm: &Vm, parent: Option<&str>) -> Vec<VirtualMachineSnapshotTree> {
    vm.snapshots
        .iter()
        .filter(|s| s.parent.as_deref() == parent)
        .map(|snap| VirtualMachineSnapshotTree {
            snapshot: esx_vi::MoRef::new("VirtualMachineSnapshot", snap.moid.clone()),
            vm: esx_vi::MoRef::new("VirtualMachine", vm.moid()),
            name: snap.name.clone(),
            description: snap.description.clone(),
            id: Some(snap.id as i32),
            create_time: format_datetime(snap.create_time),
            state: snap.state.as_str().into(),
            quiesced: snap.quiesced,
            backup_manifest: None,
            child_snapshot_list: snapshot_trees(vm, Some(&snap.moid)),
            replay_supported: Some(false),
        })
        .collect()
}

fn vm_summary(vm: &Vm) -> SVal {
    obj(
        "VirtualMachineSummary",
        vec![
            ("vm", moref("VirtualMachine", vm.moid())),
            ("runtime", vm_runtime(vm)),
            (
                "guest",
                obj(
                    "VirtualMachineGuestSummary",
                    vec![
                        ("guestId", s(vm.guest_id.clone())),
                        ("guestFullName", s(vm.guest_full_name.clone())),
                        (
                            "toolsStatus",
                            en(
                                "VirtualMachineToolsStatus",
                                if vm.tools_running {
                                    "toolsOk"
                                } else {
                                    "toolsNotRunning"
                                },
                            ),
                        ),
                        (
                            "toolsVersionStatus",
                            s(if vm.tools_running {
                                "guestToolsCurrent"
                            } else {
                                "guestToolsNotInstalled"
                            }),
                        ),
                        (
                            "toolsRunningStatus",
                            s(if vm.tools_running {
                                "guestToolsRunning"
                            } else {
                                "guestToolsNotRunning"
                            }),
                        ),
                    ],
                ),
            ),
            (
                "config",
                obj(
                    "VirtualMachineConfigSummary",
                    vec![
                        ("name", s(api_name(&vm.name))),
                        ("template", boolean(false)),
                        ("vmPathName", s(vm.vmx_path())),
                        ("memorySizeMB", int(vm.memory_mb)),
                        ("cpuReservation", int(vm.cpu_alloc.reservation)),
                        ("memoryReservation", int(vm.mem_alloc.reservation)),
                        ("numCpu", int(vm.num_cpu)),
                        ("numEthernetCards", int(vm.nics.len() as i64)),
                        ("numVirtualDisks", int(1)),
                        ("uuid", s(vm.uuid.clone())),
                        ("instanceUuid", s(vm.instance_uuid.clone())),
                        ("guestId", s(vm.guest_id.clone())),
                        ("guestFullName", s(vm.guest_full_name.clone())),
                        ("annotation", s(vm.annotation.clone())),
                        ("installBootRequired", boolean(false)),
                        ("hwVersion", s(vm.hw_version.clone())),
                    ],
                ),
            ),
            (
                "storage",
                obj(
                    "VirtualMachineStorageSummary",
                    vec![
                        ("committed", long(vm.disk_kb * 256)),
                        ("uncommitted", long(vm.disk_kb * 768)),
                        ("unshared", long(vm.disk_kb * 256)),
                        ("timestamp", datetime(SystemTime::now())),
                    ],
                ),
            ),
            (
                "quickStats",
                obj(
                    "VirtualMachineQuickStats",
                    vec![
                        (
                            // Changes over time, as a real VM's does.
                            "overallCpuUsage",
                            int(if vm.power == crate::world::Power::On {
                                42 + vm
                                    .boot_time
                                    .and_then(|b| b.elapsed().ok())
                                    .map_or(0, |d| (d.as_secs() % 60) as i64)
                            } else {
                                0
                            }),
                        ),
                        (
                            "guestMemoryUsage",
                            int(if vm.power == crate::world::Power::On {
                                vm.memory_mb / 4
                            } else {
                                0
                            }),
                        ),
                        (
                            "hostMemoryUsage",
                            int(if vm.power == crate::world::Power::On {
                                vm.memory_mb / 2 + 30
                            } else {
                                0
                            }),
                        ),
                        (
                            // A running VM gives an eighth of its memory
                            // back to the balloon.
                            "balloonedMemory",
                            int(if vm.power == crate::world::Power::On {
                                vm.memory_mb / 8
                            } else {
                                0
                            }),
                        ),
                        (
                            "uptimeSeconds",
                            int(vm
                                .boot_time
                                .and_then(|b| b.elapsed().ok())
                                .map(|d| d.as_secs() as i64)
                                .unwrap_or(0)),
                        ),
                        (
                            "guestHeartbeatStatus",
                            en(
                                "ManagedEntityStatus",
                                if vm.tools_running { "green" } else { "gray" },
                            ),
                        ),
                    ],
                ),
            ),
            ("overallStatus", en("ManagedEntityStatus", "green")),
        ],
    )
}

/// Fast answers for what listings read, so that a page of 1,000 VMs does
/// not build 1,000 full configurations. Some(value) when the path is one of
/// them (the value itself may be unset).
pub fn vm_fast(vm: &Vm, parts: &[&str]) -> Option<Option<SVal>> {
    Some(match parts {
        ["name"] => Some(s(api_name(&vm.name))),
        ["config", "uuid"] => Some(s(vm.uuid.clone())),
        ["config", "name"] => Some(s(api_name(&vm.name))),
        ["config", "hardware", "memoryMB"] => Some(int(vm.memory_mb)),
        ["config", "hardware", "numCPU"] => Some(int(vm.num_cpu)),
        ["config", "files", "vmPathName"] => Some(s(vm.vmx_path())),
        ["runtime", "powerState"] => Some(en("VirtualMachinePowerState", vm.power.as_str())),
        ["runtime", "question"] => vm.question.as_ref().map(question_sval),
        ["configStatus"] => Some(en("ManagedEntityStatus", "green")),
        _ => return None,
    })
}

pub fn vm_property(w: &World, vm: &Vm, top: &str, parts: &[&str]) -> Result<Option<SVal>, Fault> {
    let v = match top {
        "name" => Some(s(api_name(&vm.name))),
        "config" => Some(vm_config(w, vm)),
        "runtime" => Some(vm_runtime(vm)),
        "summary" => Some(vm_summary(vm)),
        "guest" => Some(vm_guest(vm)),
        "guestHeartbeatStatus" => Some(en(
            "ManagedEntityStatus",
            if vm.tools_running { "green" } else { "gray" },
        )),
        "snapshot" => {
            if vm.snapshots.is_empty() {
                None
            } else {
                let mut f = Vec::new();
                if let Some(c) = &vm.current_snapshot {
                    f.push((
                        "currentSnapshot",
                        moref("VirtualMachineSnapshot", c.clone()),
                    ));
                }
                f.push((
                    "rootSnapshotList",
                    list("VirtualMachineSnapshotTree", snapshot_tree(vm, None)),
                ));
                Some(obj("VirtualMachineSnapshotInfo", f))
            }
        }
        "rootSnapshot" => Some(morefs(
            "VirtualMachineSnapshot",
            vm.snapshots
                .iter()
                .filter(|s| s.parent.is_none())
                .map(|s| s.moid.clone()),
        )),
        "recentTask" => Some(morefs("Task", vm.recent_tasks.iter().cloned())),
        "resourcePool" => Some(moref("ResourcePool", "ha-root-pool")),
        "parent" => Some(moref("Folder", "ha-folder-vm")),
        "datastore" => Some(morefs(
            "Datastore",
            w.ds(&vm.datastore).map(|d| d.moid.clone()),
        )),
        "network" => Some(morefs(
            "Network",
            vm.nics.iter().map(|n| format!("HaNetwork-{}", n.network)),
        )),
        "configStatus" | "overallStatus" => Some(en("ManagedEntityStatus", "green")),
        "layoutEx" | "layout" | "storage" | "environmentBrowser" | "capability"
        | "resourceConfig" => None,
        "availableField" => Some(list("CustomFieldDef", vec![])),
        "customValue" | "value" => Some(list("CustomFieldValue", vec![])),
        "alarmActionsEnabled" => Some(boolean(false)),
        "tag" => Some(list("Tag", vec![])),
        "declaredAlarmState" | "triggeredAlarmState" => Some(list("AlarmState", vec![])),
        "disabledMethod" => Some(list("string", vec![])),
        "effectiveRole" => Some(list("int", vec![int(-1)])),
        "permission" => Some(list("Permission", vec![])),
        _ => return Err(Fault::invalid_property(&parts.join("."))),
    };
    Ok(v)
}

fn cpuid(level: i64, eax: &str, ebx: &str, ecx: &str, edx: &str) -> SVal {
    obj(
        "HostCpuIdInfo",
        vec![
            ("level", int(level)),
            ("vendor", s("intel")),
            ("eax", s(eax)),
            ("ebx", s(ebx)),
            ("ecx", s(ecx)),
            ("edx", s(edx)),
        ],
    )
}

fn host_hardware_summary() -> SVal {
    obj(
        "HostHardwareSummary",
        vec![
            ("vendor", s("Dell Inc.")),
            ("model", s("PowerEdge R640")),
            ("uuid", s(HOST_UUID)),
            ("memorySize", long(MEMORY_BYTES)),
            ("cpuModel", s("Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz")),
            ("cpuMhz", int(2095)),
            ("numCpuPkgs", short(2)),
            ("numCpuCores", short(40)),
            ("numCpuThreads", short(80)),
            ("numNics", int(4)),
            ("numHBAs", int(3)),
        ],
    )
}

fn host_hardware() -> SVal {
    obj(
        "HostHardwareInfo",
        vec![
            (
                "systemInfo",
                obj(
                    "HostSystemInfo",
                    vec![
                        ("vendor", s("Dell Inc.")),
                        ("model", s("PowerEdge R640")),
                        ("uuid", s(HOST_UUID)),
                        ("serialNumber", s("8B2XQ23")),
                    ],
                ),
            ),
            (
                "cpuInfo",
                obj(
                    "HostCpuInfo",
                    vec![
                        ("numCpuPackages", short(2)),
                        ("numCpuCores", short(40)),
                        ("numCpuThreads", short(80)),
                        ("hz", long(2_095_078_000)),
                    ],
                ),
            ),
            (
                "cpuFeature",
                list(
                    "HostCpuIdInfo",
                    vec![
                        cpuid(
                            0,
                            "0000:0000:0000:0000:0000:0000:0001:0110",
                            "0111:0101:0110:1110:0110:0101:0100:0111",
                            "0110:1100:0110:0101:0111:0100:0110:1110",
                            "0100:1001:0110:0101:0110:1110:0110:1001",
                        ),
                        cpuid(
                            1,
                            "0000:0000:0000:0101:0000:0110:0101:0111",
                            "0000:0000:0010:0000:0000:1000:0000:0000",
                            "0111:1111:1111:1110:1111:1011:1111:1111",
                            "1011:1111:1110:1011:1111:1011:1111:1111",
                        ),
                        cpuid(
                            -2147483648,
                            "1000:0000:0000:0000:0000:0000:0000:1000",
                            "0000:0000:0000:0000:0000:0000:0000:0000",
                            "0000:0000:0000:0000:0000:0000:0000:0000",
                            "0000:0000:0000:0000:0000:0000:0000:0000",
                        ),
                        cpuid(
                            -2147483647,
                            "0000:0000:0000:0000:0000:0000:0000:0000",
                            "0000:0000:0000:0000:0000:0000:0000:0000",
                            "0000:0000:0000:0000:0000:0001:0010:0001",
                            "0010:1100:0001:0000:0000:1000:0000:0000",
                        ),
                    ],
                ),
            ),
            ("memorySize", long(MEMORY_BYTES)),
            (
                "numaInfo",
                obj(
                    "HostNumaInfo",
                    vec![("type", s("NUMA")), ("numNodes", int(2))],
                ),
            ),
            ("smcPresent", boolean(false)),
        ],
    )
}

fn host_summary(w: &World) -> SVal {
    let used_mb: i64 = w
        .vms
        .values()
        .filter(|v| v.power == crate::world::Power::On)
        .map(|v| v.memory_mb)
        .sum::<i64>()
        + 4096;
    obj(
        "HostListSummary",
        vec![
            ("host", moref("HostSystem", HOST)),
            ("hardware", host_hardware_summary()),
            ("runtime", host_runtime(w)),
            (
                "config",
                obj(
                    "HostConfigSummary",
                    vec![
                        ("name", s(format!("{HOST_NAME}.{HOST_DOMAIN}"))),
                        ("port", int(443)),
                        ("product", about()),
                        ("vmotionEnabled", boolean(false)),
                        ("faultToleranceEnabled", boolean(false)),
                    ],
                ),
            ),
            (
                "quickStats",
                obj(
                    "HostListSummaryQuickStats",
                    vec![
                        ("overallCpuUsage", int(1234)),
                        ("overallMemoryUsage", int(used_mb)),
                        ("distributedCpuFairness", int(0)),
                        ("distributedMemoryFairness", int(0)),
                        (
                            "uptime",
                            int(w.host_boot.elapsed().unwrap_or(Duration::ZERO).as_secs() as i64),
                        ),
                    ],
                ),
            ),
            ("overallStatus", en("ManagedEntityStatus", "green")),
            ("rebootRequired", boolean(false)),
        ],
    )
}

fn host_runtime(w: &World) -> SVal {
    obj(
        "HostRuntimeInfo",
        vec![
            (
                "connectionState",
                en("HostSystemConnectionState", "connected"),
            ),
            ("powerState", en("HostSystemPowerState", "poweredOn")),
            ("standbyMode", s("none")),
            ("inMaintenanceMode", boolean(false)),
            ("inQuarantineMode", boolean(false)),
            ("bootTime", datetime(w.host_boot)),
        ],
    )
}

fn host_capability(w: &World) -> SVal {
    let b = boolean;
    obj(
        "HostCapability",
        vec![
            ("recursiveResourcePoolsSupported", b(true)),
            ("cpuMemoryResourceConfigurationSupported", b(true)),
            ("rebootSupported", b(true)),
            ("shutdownSupported", b(true)),
            ("vmotionSupported", b(false)),
            ("standbySupported", b(false)),
            ("ipmiSupported", b(false)),
            ("maxSupportedVMs", int(1024)),
            ("maxRunningVMs", int(1024)),
            ("maxSupportedVcpus", int(w.max_vcpus)),
            ("maxRegisteredVMs", int(8192)),
            ("datastorePrincipalSupported", b(false)),
            ("sanSupported", b(true)),
            ("nfsSupported", b(true)),
            ("iscsiSupported", b(true)),
            ("vlanTaggingSupported", b(true)),
            ("nicTeamingSupported", b(true)),
            ("highGuestMemSupported", b(true)),
            ("maintenanceModeSupported", b(true)),
            ("suspendedRelocateSupported", b(true)),
            ("restrictedSnapshotRelocateSupported", b(true)),
            ("perVmSwapFiles", b(true)),
            ("localSwapDatastoreSupported", b(true)),
            ("unsharedSwapVMotionSupported", b(true)),
            ("backgroundSnapshotsSupported", b(false)),
            ("preAssignedPCIUnitNumbersSupported", b(true)),
            ("screenshotSupported", b(true)),
            ("scaledScreenshotSupported", b(false)),
            ("storageVMotionSupported", b(false)),
            ("vmotionWithStorageVMotionSupported", b(false)),
            ("hbrNicSelectionSupported", b(true)),
            ("recordReplaySupported", b(false)),
            ("ftSupported", b(false)),
            ("virtualExecUsageSupported", b(true)),
            ("storageIORMSupported", b(true)),
            ("vmDirectPathGen2Supported", b(false)),
            ("vStorageCapable", b(true)),
            ("snapshotRelayoutSupported", b(true)),
            ("firewallIpRulesSupported", b(true)),
            ("servicePackageInfoSupported", b(true)),
            ("maxHostRunningVms", int(1024)),
            ("maxHostSupportedVcpus", int(4096)),
        ],
    )
}

fn host_config(w: &World) -> SVal {
    let _ = w;
    obj(
        "HostConfigInfo",
        vec![
            ("host", moref("HostSystem", HOST)),
            ("product", about()),
            ("storageDevice", crate::iscsi::storage_device()),
            (
                "network",
                obj(
                    "HostNetworkInfo",
                    vec![(
                        "dnsConfig",
                        pobj(
                            "HostDnsConfig",
                            vec![
                                ("dhcp", boolean(false)),
                                ("hostName", s(HOST_NAME)),
                                ("domainName", s(HOST_DOMAIN)),
                                ("address", list("string", vec![s("10.0.0.2")])),
                                ("searchDomain", list("string", vec![s(HOST_DOMAIN)])),
                            ],
                        ),
                    )],
                ),
            ),
        ],
    )
}

fn config_manager() -> SVal {
    let m = |k: &str, id: &str| moref(k, id);
    obj(
        "HostConfigManager",
        vec![
            (
                "cpuScheduler",
                m("HostCpuSchedulerSystem", "cpuSchedulerSystem"),
            ),
            (
                "datastoreSystem",
                m("HostDatastoreSystem", "ha-datastoresystem"),
            ),
            (
                "memoryManager",
                m("HostMemorySystem", "memoryManagerSystem"),
            ),
            ("storageSystem", m("HostStorageSystem", "storageSystem")),
            ("networkSystem", m("HostNetworkSystem", "networkSystem")),
            ("serviceSystem", m("HostServiceSystem", "serviceSystem")),
            ("firewallSystem", m("HostFirewallSystem", "firewallSystem")),
            ("advancedOption", m("OptionManager", "ha-adv-options")),
            (
                "diagnosticSystem",
                m("HostDiagnosticSystem", "diagnosticsystem"),
            ),
            (
                "autoStartManager",
                m("HostAutoStartManager", "ha-autostart-mgr"),
            ),
            ("snmpSystem", m("HostSnmpSystem", "ha-snmp-agent")),
            ("dateTimeSystem", m("HostDateTimeSystem", "dateTimeSystem")),
            (
                "patchManager",
                m("HostPatchManager", "ha-host-patch-manager"),
            ),
            (
                "bootDeviceSystem",
                m("HostBootDeviceSystem", "ha-bootDeviceSystem"),
            ),
            (
                "firmwareSystem",
                m("HostFirmwareSystem", "ha-firmwareSystem"),
            ),
            (
                "healthStatusSystem",
                m("HostHealthStatusSystem", "healthStatusSystem"),
            ),
        ],
    )
}

pub fn host_property(w: &World, top: &str, parts: &[&str]) -> Result<Option<SVal>, Fault> {
    let v = match top {
        "name" => Some(s(format!("{HOST_NAME}.{HOST_DOMAIN}"))),
        "hardware" => Some(host_hardware()),
        "summary" => Some(host_summary(w)),
        "runtime" => Some(host_runtime(w)),
        "capability" => Some(host_capability(w)),
        "config" => Some(host_config(w)),
        "configManager" => Some(config_manager()),
        "vm" => Some(morefs("VirtualMachine", w.vms.values().map(|v| v.moid()))),
        "datastore" => Some(morefs(
            "Datastore",
            w.datastores.iter().map(|d| d.moid.clone()),
        )),
        "network" => Some(morefs(
            "Network",
            w.networks.iter().map(|n| format!("HaNetwork-{n}")),
        )),
        "parent" => Some(moref("ComputeResource", "ha-compute-res")),
        "datastoreBrowser" => Some(moref("HostDatastoreBrowser", "ha-host-datastorebrowser")),
        "overallStatus" | "configStatus" => Some(en("ManagedEntityStatus", "green")),
        "availableField" => Some(list("CustomFieldDef", vec![])),
        _ => return Err(Fault::invalid_property(&parts.join("."))),
    };
    Ok(v)
}

pub fn task_info(t: &Task) -> SVal {
    let mut f = vec![
        ("key", s(t.key.clone())),
        ("task", moref("Task", t.moid.clone())),
        ("name", s(t.name.clone())),
        ("descriptionId", s(t.description_id.clone())),
    ];
    if let Some((k, id)) = &t.entity {
        f.push(("entity", moref(k.clone(), id.clone())));
    }
    if let Some(n) = &t.entity_name {
        f.push(("entityName", s(n.clone())));
    }
    f.push(("state", en("TaskInfoState", t.state.as_str())));
    f.push(("cancelled", boolean(t.cancelled)));
    f.push(("cancelable", boolean(t.cancelable)));
    if let Some(e) = &t.error {
        f.push(("error", e.localized()));
    }
    if let Some(r) = &t.result {
        f.push(("result", any(r.clone())));
    }
    if let Some(p) = t.progress {
        f.push(("progress", int(p)));
    }
    f.push((
        "reason",
        pobj("TaskReasonUser", vec![("userName", s(t.user.clone()))]),
    ));
    f.push(("queueTime", datetime(t.queue_time)));
    if let Some(st) = t.start_time {
        f.push(("startTime", datetime(st)));
    }
    if let Some(ct) = t.complete_time {
        f.push(("completeTime", datetime(ct)));
    }
    f.push(("eventChainId", int(t.event_chain_id)));
    obj("TaskInfo", f)
}

fn datastore_info(d: &Datastore, url: &str, free: i64) -> AnyDatastoreInfo {
    let base = |x: &mut DatastoreInfo| {
        x.name = d.name.clone();
        x.url = format!("ds://{url}/");
        x.free_space = free;
        x.max_file_size = 62 << 40;
        x.max_virtual_disk_capacity = Some(62 << 40);
        x.max_memory_file_size = Some(64 << 40);
        x.timestamp = Some(format_datetime(SystemTime::now()));
    };
    let mut b = DatastoreInfo::default();
    base(&mut b);
    let DatastoreInfo {
        name,
        url: u,
        free_space,
        max_file_size,
        max_virtual_disk_capacity,
        max_memory_file_size,
        timestamp,
        container_id,
    } = b;
    match &d.kind {
        DsKind::Vmfs => AnyDatastoreInfo::VmfsDatastoreInfo(VmfsDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
            max_physical_rdm_file_size: Some(64 << 40),
            max_virtual_rdm_file_size: Some(62 << 40),
            vmfs: Some(HostVmfsVolume {
                r#type: "VMFS".into(),
                name: d.name.clone(),
                capacity: d.capacity,
                block_size_mb: 1,
                max_blocks: 63963136,
                major_version: 6,
                version: "6.82".into(),
                uuid: d.uuid.clone(),
                extent: vec![HostScsiDiskPartition {
                    disk_name: "naa.6001405a1b2c3d4e5f60718293a4b5c6".into(),
                    partition: 3,
                }],
                vmfs_upgradable: false,
            }),
        }),
        DsKind::Nfs { v41, host, path } => AnyDatastoreInfo::NasDatastoreInfo(NasDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
            nas: Some(HostNasVolume {
                r#type: if *v41 { "NFS41" } else { "NFS" }.into(),
                name: d.name.clone(),
                capacity: d.capacity,
                remote_host: host.clone(),
                remote_path: path.clone(),
                user_name: None,
                remote_host_names: vec![host.clone()],
            }),
        }),
        DsKind::Vsan => AnyDatastoreInfo::VsanDatastoreInfo(VsanDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
            membership_uuid: Some(d.uuid.clone()),
        }),
        DsKind::Vvol => AnyDatastoreInfo::VvolDatastoreInfo(VvolDatastoreInfo {
            name,
            url: u,
            free_space,
            max_file_size,
            max_virtual_disk_capacity,
            max_memory_file_size,
            timestamp,
            container_id,
        }),
    }
}

pub fn datastore_property(
    w: &World,
    d: &Datastore,
    top: &str,
    parts: &[&str],
) -> Result<Option<SVal>, Fault> {
    let used: i64 = w
        .vms
        .values()
        .filter(|v| v.datastore == d.name)
        .map(|v| v.disk_kb * 256)
        .sum();
    let free = d.capacity - used;
    let url = d.kind.mount_path(&d.uuid);
    let v = match top {
        "name" => Some(s(d.name.clone())),
        "summary" => Some(obj(
            "DatastoreSummary",
            vec![
                ("datastore", moref("Datastore", d.moid.clone())),
                ("name", s(d.name.clone())),
                ("url", s(format!("ds://{url}/"))),
                ("capacity", long(d.capacity)),
                ("freeSpace", long(free)),
                ("uncommitted", long(used * 2)),
                ("accessible", boolean(true)),
                (
                    "multipleHostAccess",
                    boolean(!matches!(d.kind, DsKind::Vmfs)),
                ),
                ("type", s(d.kind.summary_type())),
                ("maintenanceMode", s("normal")),
            ],
        )),
        // The info subtype, written from the type the client reads.
        "info" => Some(crate::typed::sval(
            "DatastoreInfo",
            &datastore_info(d, &url, free),
        )),
        "host" => Some(list(
            "DatastoreHostMount",
            vec![obj(
                "DatastoreHostMount",
                vec![
                    ("key", moref("HostSystem", HOST)),
                    (
                        "mountInfo",
                        obj(
                            "HostMountInfo",
                            vec![
                                ("path", s(url)),
                                ("accessMode", s("readWrite")),
                                ("mounted", boolean(true)),
                                ("accessible", boolean(true)),
                            ],
                        ),
                    ),
                ],
            )],
        )),
        "vm" => Some(morefs(
            "VirtualMachine",
            w.vms
                .values()
                .filter(|v| v.datastore == d.name)
                .map(|v| v.moid()),
        )),
        "browser" => Some(moref("HostDatastoreBrowser", "ha-host-datastorebrowser")),
        "parent" => Some(moref("Folder", "ha-folder-datastore")),
        "overallStatus" | "configStatus" => Some(en("ManagedEntityStatus", "green")),
        "capability" => Some(obj(
            "DatastoreCapability",
            vec![
                ("directoryHierarchySupported", boolean(true)),
                ("rawDiskMappingsSupported", boolean(true)),
                ("perFileThinProvisioningSupported", boolean(true)),
            ],
        )),
        _ => return Err(Fault::invalid_property(&parts.join("."))),
    };
    Ok(v)
}

/// The host's HostAutoStartManagerConfig, written from the type the
/// client reads (and sends in ReconfigureAutostart).
fn autostart_config(w: &World) -> SVal {
    let a = &w.autostart;
    crate::typed::sval(
        "HostAutoStartManagerConfig",
        &HostAutoStartManagerConfig {
            defaults: Some(AutoStartDefaults {
                enabled: Some(a.enabled),
                start_delay: Some(a.start_delay as i32),
                stop_delay: Some(a.stop_delay as i32),
                wait_for_heartbeat: Some(a.wait_for_heartbeat),
                stop_action: Some(a.stop_action.clone()),
            }),
            power_info: a
                .power_info
                .iter()
                .map(|p| AutoStartPowerInfo {
                    key: esx_vi::MoRef::new("VirtualMachine", p.vm.clone()),
                    start_order: p.start_order as i32,
                    start_delay: p.start_delay as i32,
                    wait_for_heartbeat: p.wait_for_heartbeat.clone(),
                    start_action: p.start_action.clone(),
                    stop_delay: p.stop_delay as i32,
                    stop_action: p.stop_action.clone(),
                })
                .collect(),
        },
    )
}

fn folder(
    name: &str,
    parent: Option<SVal>,
    children: SVal,
    child_types: &[&str],
) -> Vec<(&'static str, SVal)> {
    let mut v = vec![("name", s(name)), ("childEntity", children)];
    if let Some(p) = parent {
        v.push(("parent", p));
    }
    v.push((
        "childType",
        list("string", child_types.iter().map(|t| s(*t)).collect()),
    ));
    v.push(("overallStatus", en("ManagedEntityStatus", "green")));
    v
}

pub fn other_property(
    w: &World,
    kind: &str,
    id: &str,
    top: &str,
    parts: &[&str],
) -> Result<Option<SVal>, Fault> {
    if !w.exists(kind, id) {
        return Err(Fault::not_found_obj(kind, id));
    }
    let bad = || Fault::invalid_property(&parts.join("."));
    let fields: Vec<(&str, SVal)> = match (kind, id) {
        ("ServiceInstance", _) => vec![
            ("content", service_content()),
            ("serverClock", datetime(SystemTime::now())),
            (
                "capability",
                obj(
                    "Capability",
                    vec![
                        ("provisioningSupported", boolean(false)),
                        ("multiHostSupported", boolean(false)),
                        ("userShellAccessSupported", boolean(true)),
                    ],
                ),
            ),
        ],
        ("Folder", "ha-folder-root") => folder(
            "ha-folder-root",
            None,
            morefs("Datacenter", [DATACENTER.to_string()]),
            &["Datacenter"],
        ),
        ("Folder", "ha-folder-vm") => folder(
            "vm",
            Some(moref("Datacenter", DATACENTER)),
            morefs("VirtualMachine", w.vms.values().map(|v| v.moid())),
            &["VirtualMachine"],
        ),
        ("Folder", "ha-folder-host") => folder(
            "host",
            Some(moref("Datacenter", DATACENTER)),
            morefs("ComputeResource", ["ha-compute-res".to_string()]),
            &["ComputeResource"],
        ),
        ("Folder", "ha-folder-datastore") => folder(
            "datastore",
            Some(moref("Datacenter", DATACENTER)),
            morefs("Datastore", w.datastores.iter().map(|d| d.moid.clone())),
            &["Datastore"],
        ),
        ("Folder", _) => folder(
            "network",
            Some(moref("Datacenter", DATACENTER)),
            morefs(
                "Network",
                w.networks.iter().map(|n| format!("HaNetwork-{n}")),
            ),
            &["Network"],
        ),
        ("Datacenter", _) => vec![
            ("name", s(DATACENTER)),
            ("parent", moref("Folder", "ha-folder-root")),
            ("vmFolder", moref("Folder", "ha-folder-vm")),
            ("hostFolder", moref("Folder", "ha-folder-host")),
            ("datastoreFolder", moref("Folder", "ha-folder-datastore")),
            ("networkFolder", moref("Folder", "ha-folder-network")),
            (
                "datastore",
                morefs("Datastore", w.datastores.iter().map(|d| d.moid.clone())),
            ),
            (
                "network",
                morefs(
                    "Network",
                    w.networks.iter().map(|n| format!("HaNetwork-{n}")),
                ),
            ),
            ("overallStatus", en("ManagedEntityStatus", "green")),
        ],
        ("ComputeResource", _) => vec![
            ("name", s(format!("{HOST_NAME}.{HOST_DOMAIN}"))),
            ("parent", moref("Folder", "ha-folder-host")),
            ("resourcePool", moref("ResourcePool", "ha-root-pool")),
            ("host", morefs("HostSystem", [HOST.to_string()])),
            (
                "datastore",
                morefs("Datastore", w.datastores.iter().map(|d| d.moid.clone())),
            ),
            (
                "network",
                morefs(
                    "Network",
                    w.networks.iter().map(|n| format!("HaNetwork-{n}")),
                ),
            ),
            (
                "summary",
                obj(
                    "ComputeResourceSummary",
                    vec![
                        ("totalCpu", int(83800)),
                        ("totalMemory", long(MEMORY_BYTES)),
                        ("numCpuCores", short(40)),
                        ("numCpuThreads", short(80)),
                        ("effectiveCpu", int(80000)),
                        ("effectiveMemory", long(250 * 1024)),
                        ("numHosts", int(1)),
                        ("numEffectiveHosts", int(1)),
                        ("overallStatus", en("ManagedEntityStatus", "green")),
                    ],
                ),
            ),
            ("overallStatus", en("ManagedEntityStatus", "green")),
        ],
        ("ResourcePool", _) => vec![
            ("name", s("Resources")),
            ("parent", moref("ComputeResource", "ha-compute-res")),
            ("owner", moref("ComputeResource", "ha-compute-res")),
            ("resourcePool", morefs("ResourcePool", Vec::<String>::new())),
            (
                "vm",
                morefs("VirtualMachine", w.vms.values().map(|v| v.moid())),
            ),
            ("overallStatus", en("ManagedEntityStatus", "green")),
        ],
        ("Network", _) => {
            let name = id.trim_start_matches("HaNetwork-").to_string();
            vec![
                ("name", s(name.clone())),
                ("parent", moref("Folder", "ha-folder-network")),
                (
                    "summary",
                    obj(
                        "NetworkSummary",
                        vec![
                            ("network", moref("Network", id)),
                            ("name", s(name.clone())),
                            ("accessible", boolean(true)),
                        ],
                    ),
                ),
                ("host", morefs("HostSystem", [HOST.to_string()])),
                (
                    "vm",
                    morefs(
                        "VirtualMachine",
                        w.vms
                            .values()
                            .filter(|v| v.nics.iter().any(|n| n.network == name))
                            .map(|v| v.moid()),
                    ),
                ),
                ("overallStatus", en("ManagedEntityStatus", "green")),
            ]
        }
        ("SessionManager", _) => {
            let mut v = Vec::new();
            v.push((
                "sessionList",
                list(
                    "UserSession",
                    w.sessions.values().map(user_session).collect(),
                ),
            ));
            if let Some(cur) = w
                .current_session
                .as_ref()
                .and_then(|k| w.sessions.values().find(|s| &s.key == k))
            {
                v.push(("currentSession", user_session(cur)));
            }
            v.push(("message", s("")));
            v.push(("defaultLocale", s("en")));
            v
        }
        ("TaskManager", _) => vec![(
            "recentTask",
            morefs("Task", w.task_order.iter().rev().take(200).rev().cloned()),
        )],
        ("HostAutoStartManager", _) => vec![("config", autostart_config(w))],
        ("PropertyCollector", _) => vec![(
            "filter",
            morefs(
                "PropertyFilter",
                w.filters
                    .values()
                    .filter(|f| f.collector == id)
                    .map(|f| f.moid.clone()),
            ),
        )],
        ("ContainerView", _) => {
            let (container, types, recursive, ckind) = &w.views[id];
            vec![
                ("container", moref(ckind.clone(), container.clone())),
                (
                    "type",
                    list("string", types.iter().map(|t| s(t.clone())).collect()),
                ),
                ("recursive", boolean(*recursive)),
                ("view", crate::soap::view_contents(w, id)),
            ]
        }
        ("ViewManager", _) => vec![("viewList", morefs("ContainerView", w.views.keys().cloned()))],
        ("HostDatastoreBrowser", _) => vec![(
            "datastore",
            morefs("Datastore", w.datastores.iter().map(|d| d.moid.clone())),
        )],
        _ => return Err(bad()),
    };
    match fields.into_iter().find(|(n, _)| *n == top) {
        Some((_, v)) => Ok(Some(v)),
        None if kind == "SessionManager" && top == "currentSession" => Ok(None),
        None => Err(bad()),
    }
}
