// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host (a standalone ESX: one HostSystem) and its autostart manager.
//! Its hardware, capabilities and configuration are kept as ESX reports
//! them; its VMs, datastores and networks, and its quick statistics, are
//! read from the rest of the world at each read.

use std::time::{Duration, SystemTime};

use esx_vi::vim25::{
    self, AnyHostDnsConfig, AutoStartDefaults, HostAutoStartManagerConfig, HostCapability,
    HostConfigInfo, HostConfigManager, HostConfigSummary, HostCpuIdInfo, HostCpuInfo,
    HostDnsConfig, HostHardwareInfo, HostHardwareSummary, HostListSummary,
    HostListSummaryQuickStats, HostNetworkInfo, HostNumaInfo, HostRuntimeInfo,
    HostSystemConnectionState, HostSystemInfo, HostSystemPowerState, ManagedEntityStatus,
    VirtualMachinePowerState as Power,
};
use esx_vi::wire::NoSuchProperty;
use esx_vi::MoRef;

use super::service::about;
use crate::clock::format_datetime;
use crate::registry::{Object, Read};
use crate::world::{World, HOST};

pub const HOST_NAME: &str = "esx-sim";
pub const HOST_DOMAIN: &str = "lab.example";
pub const HOST_UUID: &str = "4c4c4544-0042-3810-8052-b7c04f4d3332";
pub const MEMORY_BYTES: i64 = 256 * 1024 * 1024 * 1024;

pub struct Host {
    pub moref: MoRef,
    /// The properties ESX keeps; the ones read from the world are filled
    /// in at each read (see `read`).
    pub mo: vim25::HostSystem,
    /// When it booted (for its uptime).
    pub booted: SystemTime,
}

fn cpuid(level: i32, eax: &str, ebx: &str, ecx: &str, edx: &str) -> HostCpuIdInfo {
    HostCpuIdInfo {
        level,
        vendor: Some("intel".into()),
        eax: Some(eax.into()),
        ebx: Some(ebx.into()),
        ecx: Some(ecx.into()),
        edx: Some(edx.into()),
    }
}

fn hardware() -> HostHardwareInfo {
    HostHardwareInfo {
        system_info: HostSystemInfo {
            vendor: "Dell Inc.".into(),
            model: "PowerEdge R640".into(),
            uuid: HOST_UUID.into(),
            serial_number: Some("8B2XQ23".into()),
        },
        cpu_info: HostCpuInfo {
            num_cpu_packages: 2,
            num_cpu_cores: 40,
            num_cpu_threads: 80,
            hz: 2_095_078_000,
        },
        memory_size: MEMORY_BYTES,
        numa_info: Some(HostNumaInfo {
            r#type: "NUMA".into(),
            num_nodes: 2,
        }),
        smc_present: Some(false),
        cpu_feature: vec![
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
    }
}

fn capability() -> HostCapability {
    HostCapability {
        recursive_resource_pools_supported: true,
        cpu_memory_resource_configuration_supported: true,
        reboot_supported: true,
        shutdown_supported: true,
        vmotion_supported: false,
        standby_supported: false,
        ipmi_supported: Some(false),
        max_supported_vms: Some(1024),
        max_running_vms: Some(1024),
        max_supported_vcpus: Some(64),
        max_registered_vms: Some(8192),
        datastore_principal_supported: false,
        san_supported: true,
        nfs_supported: true,
        iscsi_supported: true,
        vlan_tagging_supported: true,
        nic_teaming_supported: true,
        high_guest_mem_supported: true,
        maintenance_mode_supported: true,
        suspended_relocate_supported: true,
        restricted_snapshot_relocate_supported: true,
        per_vm_swap_files: true,
        local_swap_datastore_supported: true,
        unshared_swap_v_motion_supported: true,
        background_snapshots_supported: false,
        pre_assigned_pci_unit_numbers_supported: true,
        screenshot_supported: true,
        scaled_screenshot_supported: false,
        storage_v_motion_supported: Some(false),
        vmotion_with_storage_v_motion_supported: Some(false),
        hbr_nic_selection_supported: Some(true),
        record_replay_supported: Some(false),
        ft_supported: Some(false),
        virtual_exec_usage_supported: Some(true),
        storage_iorm_supported: Some(true),
        vm_direct_path_gen2supported: Some(false),
        v_storage_capable: Some(true),
        snapshot_relayout_supported: Some(true),
        firewall_ip_rules_supported: Some(true),
        service_package_info_supported: Some(true),
        max_host_running_vms: Some(1024),
        max_host_supported_vcpus: Some(4096),
    }
}

fn config_manager() -> HostConfigManager {
    let m = |k: &str, id: &str| Some(MoRef::new(k, id));
    HostConfigManager {
        cpu_scheduler: m("HostCpuSchedulerSystem", "cpuSchedulerSystem"),
        datastore_system: m("HostDatastoreSystem", "ha-datastoresystem"),
        memory_manager: m("HostMemorySystem", "memoryManagerSystem"),
        storage_system: m("HostStorageSystem", "storageSystem"),
        network_system: m("HostNetworkSystem", "networkSystem"),
        service_system: m("HostServiceSystem", "serviceSystem"),
        firewall_system: m("HostFirewallSystem", "firewallSystem"),
        advanced_option: m("OptionManager", "ha-adv-options"),
        diagnostic_system: m("HostDiagnosticSystem", "diagnosticsystem"),
        auto_start_manager: m("HostAutoStartManager", "ha-autostart-mgr"),
        snmp_system: m("HostSnmpSystem", "ha-snmp-agent"),
        date_time_system: m("HostDateTimeSystem", "dateTimeSystem"),
        patch_manager: m("HostPatchManager", "ha-host-patch-manager"),
        boot_device_system: m("HostBootDeviceSystem", "ha-bootDeviceSystem"),
        firmware_system: m("HostFirmwareSystem", "ha-firmwareSystem"),
        health_status_system: m("HostHealthStatusSystem", "healthStatusSystem"),
    }
}

impl Host {
    pub fn new() -> Host {
        let booted = SystemTime::now() - Duration::from_secs(86_400 * 12);
        let me = MoRef::new("HostSystem", HOST);
        Host {
            moref: me.clone(),
            mo: vim25::HostSystem {
                name: format!("{HOST_NAME}.{HOST_DOMAIN}"),
                parent: Some(MoRef::new("ComputeResource", "ha-compute-res")),
                overall_status: ManagedEntityStatus::Green,
                config_status: ManagedEntityStatus::Green,
                runtime: HostRuntimeInfo {
                    connection_state: HostSystemConnectionState::Connected,
                    power_state: HostSystemPowerState::PoweredOn,
                    standby_mode: Some("none".into()),
                    in_maintenance_mode: false,
                    in_quarantine_mode: Some(false),
                    boot_time: Some(format_datetime(booted)),
                },
                hardware: Some(hardware()),
                capability: Some(capability()),
                config_manager: config_manager(),
                config: Some(HostConfigInfo {
                    host: me,
                    product: about(),
                    storage_device: Some(crate::iscsi::storage_device()),
                    network: Some(HostNetworkInfo {
                        // Filled from the network system at each read.
                        vswitch: Vec::new(),
                        portgroup: Vec::new(),
                        pnic: Vec::new(),
                        dns_config: Some(AnyHostDnsConfig::HostDnsConfig(HostDnsConfig {
                            dhcp: false,
                            virtual_nic_device: None,
                            host_name: HOST_NAME.into(),
                            domain_name: HOST_DOMAIN.into(),
                            address: vec!["10.0.0.2".into()],
                            search_domain: vec![HOST_DOMAIN.into()],
                        })),
                    }),
                }),
                datastore_browser: MoRef::new("HostDatastoreBrowser", "ha-host-datastorebrowser"),
                ..Default::default()
            },
            booted,
        }
    }

    fn summary(&self, w: &World) -> HostListSummary {
        let used_mb: i64 = w
            .vms()
            .filter(|v| v.power() == Power::PoweredOn)
            .map(|v| i64::from(v.memory_mb()))
            .sum::<i64>()
            + 4096;
        let hw = &self.mo.hardware;
        let cpu = hw.as_ref().map(|h| h.cpu_info.clone()).unwrap_or_default();
        HostListSummary {
            host: Some(self.moref.clone()),
            hardware: Some(HostHardwareSummary {
                vendor: "Dell Inc.".into(),
                model: "PowerEdge R640".into(),
                uuid: HOST_UUID.into(),
                memory_size: MEMORY_BYTES,
                cpu_model: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz".into(),
                cpu_mhz: 2095,
                num_cpu_pkgs: cpu.num_cpu_packages,
                num_cpu_cores: cpu.num_cpu_cores,
                num_cpu_threads: cpu.num_cpu_threads,
                num_nics: 4,
                num_hbas: 3,
            }),
            runtime: Some(self.mo.runtime.clone()),
            config: HostConfigSummary {
                name: self.mo.name.clone(),
                port: 443,
                product: Some(about()),
                vmotion_enabled: false,
                fault_tolerance_enabled: false,
            },
            quick_stats: HostListSummaryQuickStats {
                overall_cpu_usage: Some(1234),
                overall_memory_usage: Some(used_mb as i32),
                distributed_cpu_fairness: Some(0),
                distributed_memory_fairness: Some(0),
                uptime: Some(self.booted.elapsed().unwrap_or(Duration::ZERO).as_secs() as i32),
            },
            overall_status: ManagedEntityStatus::Green,
            reboot_required: false,
            management_server_ip: None,
        }
    }
}

impl Object for Host {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(&self, w: &World, r: Read<'_, '_>) -> Result<(), NoSuchProperty> {
        let mut o = vim25::HostSystem::default();
        match r.first() {
            Some("summary") => o.summary = self.summary(w),
            Some("vm") => o.vm = w.vms().map(|v| v.moref.clone()).collect(),
            Some("datastore") => o.datastore = w.datastores().map(|d| d.moref.clone()).collect(),
            Some("network") => o.network = super::inventory::networks(w),
            // config.network shows the network system's switches, port
            // groups and NICs, as on ESX.
            Some("config") => {
                let mut config = self.mo.config.clone();
                if let (Some(c), Some(ns)) = (
                    config.as_mut().and_then(|c| c.network.as_mut()),
                    w.objects
                        .typed::<super::network::NetworkSystem>(&super::network::moref()),
                ) {
                    let info = ns.info(w);
                    c.vswitch = info.vswitch;
                    c.portgroup = info.portgroup;
                    c.pnic = info.pnic;
                }
                o.config = config;
            }
            _ => return r.typed(&self.mo),
        }
        r.typed(&o)
    }
}

/// The host's autostart manager: its configuration is what
/// ReconfigureAutostart changes.
pub struct AutoStartManager {
    pub moref: MoRef,
    pub mo: vim25::HostAutoStartManager,
}

impl AutoStartManager {
    pub fn new() -> AutoStartManager {
        AutoStartManager {
            moref: MoRef::new("HostAutoStartManager", "ha-autostart-mgr"),
            mo: vim25::HostAutoStartManager {
                config: HostAutoStartManagerConfig {
                    defaults: Some(AutoStartDefaults {
                        enabled: Some(false),
                        start_delay: Some(120),
                        stop_delay: Some(120),
                        wait_for_heartbeat: Some(false),
                        stop_action: Some("PowerOff".into()),
                    }),
                    power_info: Vec::new(),
                },
            },
        }
    }
}

impl Object for AutoStartManager {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(&self, _: &World, r: Read<'_, '_>) -> Result<(), NoSuchProperty> {
        r.typed(&self.mo)
    }
}
