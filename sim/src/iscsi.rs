// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host's storage adapters as ESX reports them under
//! `config.storageDevice`: a software iSCSI adapter with two static
//! targets and their disk LUNs, and a local disk on a block adapter (which
//! no iSCSI pool may show). Written from the generated types.

use esx_vi::vim25::{
    AnyHostHostBusAdapter, AnyHostTargetTransport, AnyScsiLun, HostDiskDimensionsLba,
    HostHostBusAdapter, HostInternetScsiHba, HostInternetScsiHbaAuthenticationCapabilities,
    HostInternetScsiHbaAuthenticationProperties, HostInternetScsiHbaDiscoveryCapabilities,
    HostInternetScsiHbaDiscoveryProperties, HostInternetScsiHbaIPCapabilities,
    HostInternetScsiHbaIPProperties, HostInternetScsiHbaStaticTarget,
    HostInternetScsiTargetTransport, HostScsiDisk, HostScsiTopology, HostScsiTopologyInterface,
    HostScsiTopologyLun, HostScsiTopologyTarget, HostStorageDeviceInfo,
};

/// The iSCSI adapter's device name (RescanHba's argument).
pub const HBA: &str = "vmhba65";
/// The local adapter.
pub const LOCAL_HBA: &str = "vmhba0";

/// A LUN: its NAA id and size in GiB.
type Lun = (&'static str, u64);

/// (target IQN, address, LUNs).
pub const TARGETS: [(&str, &str, &[Lun]); 2] = [
    (
        "iqn.2024-01.lab.example:storage.vmstore",
        "10.0.0.50",
        &[
            ("naa.6001405a1b2c3d4e5f60718293a4b5c6", 10),
            ("naa.6001405a1b2c3d4e5f60718293a4b5c7", 20),
        ],
    ),
    (
        "iqn.2024-01.lab.example:storage.backup",
        "10.0.0.51",
        &[("naa.6001405f0e1d2c3b4a5968778695a4b3", 100)],
    ),
];

const LOCAL_LUN: Lun = ("mpx.vmhba0:C0:T0:L0", 64);

fn disk(naa: &str, gib: u64) -> AnyScsiLun {
    let path = format!("/vmfs/devices/disks/{naa}");
    AnyScsiLun::HostScsiDisk(HostScsiDisk {
        device_name: path.clone(),
        device_type: "disk".into(),
        key: Some(lun_key(naa)),
        // ESX's LUN UUID: 02 00 00 00 + the NAA id's hex + the model's.
        uuid: format!("0200000000{}4c494f2d4f52", naa.trim_start_matches("naa.")),
        canonical_name: Some(naa.into()),
        display_name: Some(format!("LIO-ORG iSCSI Disk ({naa})")),
        lun_type: "disk".into(),
        vendor: Some("LIO-ORG ".into()),
        model: Some("vmstore         ".into()),
        operational_state: vec!["ok".into()],
        capacity: HostDiskDimensionsLba {
            block_size: 512,
            block: (gib << 30) as i64 / 512,
        },
        device_path: path,
    })
}

fn lun_key(id: &str) -> String {
    format!("key-vim.host.ScsiDisk-{id}")
}

/// `config.storageDevice`.
pub fn storage_device() -> HostStorageDeviceInfo {
    let mut luns = Vec::new();
    let mut targets = Vec::new();
    for (i, (iqn, address, disks)) in TARGETS.iter().enumerate() {
        let mut lun = Vec::new();
        for (n, (naa, gib)) in disks.iter().enumerate() {
            luns.push(disk(naa, *gib));
            lun.push(HostScsiTopologyLun {
                key: format!("key-vim.host.ScsiTopology.Lun-{naa}"),
                lun: n as i32,
                scsi_lun: lun_key(naa),
            });
        }
        targets.push(HostScsiTopologyTarget {
            key: format!("key-vim.host.ScsiTopology.Target-{HBA}:0:{i}"),
            target: i as i32,
            lun,
            transport: Some(AnyHostTargetTransport::HostInternetScsiTargetTransport(
                HostInternetScsiTargetTransport {
                    i_scsi_name: iqn.to_string(),
                    i_scsi_alias: String::new(),
                    address: vec![format!("{address}:3260")],
                },
            )),
        });
    }
    luns.push(disk(LOCAL_LUN.0, LOCAL_LUN.1));
    let info = HostStorageDeviceInfo {
        host_bus_adapter: vec![
            AnyHostHostBusAdapter::HostHostBusAdapter(HostHostBusAdapter {
                key: Some(format!("key-vim.host.BlockHba-{LOCAL_HBA}")),
                device: LOCAL_HBA.into(),
                bus: 3,
                status: "unknown".into(),
                model: "PVSCSI SCSI Controller".into(),
                driver: Some("pvscsi".into()),
                pci: Some("0000:03:00.0".into()),
            }),
            AnyHostHostBusAdapter::HostInternetScsiHba(HostInternetScsiHba {
                key: Some(format!("key-vim.host.InternetScsiHba-{HBA}")),
                device: HBA.into(),
                bus: 0,
                status: "online".into(),
                model: "iSCSI Software Adapter".into(),
                driver: Some("iscsi_vmk".into()),
                pci: None,
                is_software_based: true,
                discovery_capabilities: HostInternetScsiHbaDiscoveryCapabilities {
                    i_sns_discovery_settable: false,
                    slp_discovery_settable: false,
                    static_target_discovery_settable: true,
                    send_targets_discovery_settable: true,
                },
                discovery_properties: HostInternetScsiHbaDiscoveryProperties {
                    i_sns_discovery_enabled: false,
                    slp_discovery_enabled: false,
                    static_target_discovery_enabled: true,
                    send_targets_discovery_enabled: true,
                },
                authentication_capabilities: HostInternetScsiHbaAuthenticationCapabilities {
                    chap_auth_settable: true,
                    krb5auth_settable: false,
                    srp_auth_settable: false,
                    spkm_auth_settable: false,
                },
                authentication_properties: HostInternetScsiHbaAuthenticationProperties {
                    chap_auth_enabled: false,
                },
                ip_capabilities: HostInternetScsiHbaIPCapabilities {
                    address_settable: false,
                    ip_configuration_method_settable: false,
                    subnet_mask_settable: false,
                    default_gateway_settable: false,
                    primary_dns_server_address_settable: false,
                    alternate_dns_server_address_settable: false,
                },
                ip_properties: HostInternetScsiHbaIPProperties {
                    mac: None,
                    address: None,
                    dhcp_configuration_enabled: false,
                },
                i_scsi_name: "iqn.1998-01.com.vmware:esx-sim-4c4c4544".into(),
                i_scsi_alias: Some("esx-sim".into()),
                configured_static_target: TARGETS
                    .iter()
                    .map(|(iqn, address, _)| HostInternetScsiHbaStaticTarget {
                        address: address.to_string(),
                        port: Some(3260),
                        i_scsi_name: iqn.to_string(),
                    })
                    .collect(),
            }),
        ],
        scsi_lun: luns,
        scsi_topology: Some(HostScsiTopology {
            adapter: vec![
                HostScsiTopologyInterface {
                    key: format!("key-vim.host.ScsiTopology.Interface-{LOCAL_HBA}"),
                    adapter: format!("key-vim.host.BlockHba-{LOCAL_HBA}"),
                    target: vec![HostScsiTopologyTarget {
                        key: format!("key-vim.host.ScsiTopology.Target-{LOCAL_HBA}:0:0"),
                        target: 0,
                        lun: vec![HostScsiTopologyLun {
                            key: "key-vim.host.ScsiTopology.Lun-local".into(),
                            lun: 0,
                            scsi_lun: lun_key(LOCAL_LUN.0),
                        }],
                        transport: None,
                    }],
                },
                HostScsiTopologyInterface {
                    key: format!("key-vim.host.ScsiTopology.Interface-{HBA}"),
                    adapter: format!("key-vim.host.InternetScsiHba-{HBA}"),
                    target: targets,
                },
            ],
        }),
    };
    info
}
