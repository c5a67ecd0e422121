// SPDX-License-Identifier: LGPL-2.1-or-later
//! The header's flag enums (libvirt's values, vir renamed esx) and, next
//! to each, the flags every entry point that takes it accepts: the one place
//! both are declared. cbindgen writes the enums into include/esx_driver.h;
//! the driver checks each call's flags against the constant here, as
//! libvirt's virCheckFlags does, so an unknown bit is INVALID_ARG.

#![allow(non_camel_case_types)]

/// virConnectFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectFlags {
    ESX_CONNECT_RO = 1,
    ESX_CONNECT_NO_ALIASES = 2,
}

use esxConnectFlags::*;
/// connectOpenAuth: read-only, and no aliases (this driver has none).
pub const CONNECT_OPEN_AUTH: u32 = ESX_CONNECT_RO as u32 | ESX_CONNECT_NO_ALIASES as u32;

/// virConnectListAllDomainsFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectListAllDomainsFlags {
    ESX_CONNECT_LIST_DOMAINS_ACTIVE = 1,
    ESX_CONNECT_LIST_DOMAINS_INACTIVE = 2,
    ESX_CONNECT_LIST_DOMAINS_PERSISTENT = 4,
    ESX_CONNECT_LIST_DOMAINS_TRANSIENT = 8,
    ESX_CONNECT_LIST_DOMAINS_RUNNING = 16,
    ESX_CONNECT_LIST_DOMAINS_PAUSED = 32,
    ESX_CONNECT_LIST_DOMAINS_SHUTOFF = 64,
    ESX_CONNECT_LIST_DOMAINS_OTHER = 128,
    ESX_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 256,
    ESX_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 512,
    ESX_CONNECT_LIST_DOMAINS_AUTOSTART = 1024,
    ESX_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 2048,
    ESX_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 4096,
    ESX_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 8192,
    ESX_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 16384,
    ESX_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 32768,
}

use esxConnectListAllDomainsFlags::*;
/// connectListAllDomains: every filter (ESX answers each; checkpoint and
/// managed-save filters match what ESX has: none).
pub const CONNECT_LIST_ALL_DOMAINS: u32 = (ESX_CONNECT_LIST_DOMAINS_NO_CHECKPOINT as u32) * 2 - 1;

/// virTypedParameterFlags: flags of the Get*Parameters calls.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxTypedParameterFlags {
    /// The caller accepts string parameters (virsh always sets it).
    ESX_TYPED_PARAM_STRING_OKAY = 4,
}

/// virDomainCreateFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainCreateFlags {
    ESX_DOMAIN_NONE = 0,
    ESX_DOMAIN_START_PAUSED = 1,
    ESX_DOMAIN_START_AUTODESTROY = 2,
    ESX_DOMAIN_START_BYPASS_CACHE = 4,
    ESX_DOMAIN_START_FORCE_BOOT = 8,
    ESX_DOMAIN_START_VALIDATE = 16,
    ESX_DOMAIN_START_RESET_NVRAM = 32,
}

/// domainCreateWithFlags: none (ESX has no paused start).
pub const DOMAIN_CREATE_WITH_FLAGS: u32 = 0;

/// virDomainShutdownFlagValues.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainShutdownFlagValues {
    ESX_DOMAIN_SHUTDOWN_DEFAULT = 0,
    ESX_DOMAIN_SHUTDOWN_ACPI_POWER_BTN = 1,
    ESX_DOMAIN_SHUTDOWN_GUEST_AGENT = 2,
    ESX_DOMAIN_SHUTDOWN_INITCTL = 4,
    ESX_DOMAIN_SHUTDOWN_SIGNAL = 8,
    ESX_DOMAIN_SHUTDOWN_PARAVIRT = 16,
}

use esxDomainShutdownFlagValues::*;
/// domainShutdownFlags: the guest agent (VMware Tools) is the only way.
pub const DOMAIN_SHUTDOWN_FLAGS: u32 = ESX_DOMAIN_SHUTDOWN_GUEST_AGENT as u32;

/// virDomainRebootFlagValues.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainRebootFlagValues {
    ESX_DOMAIN_REBOOT_DEFAULT = 0,
    ESX_DOMAIN_REBOOT_ACPI_POWER_BTN = 1,
    ESX_DOMAIN_REBOOT_GUEST_AGENT = 2,
    ESX_DOMAIN_REBOOT_INITCTL = 4,
    ESX_DOMAIN_REBOOT_SIGNAL = 8,
    ESX_DOMAIN_REBOOT_PARAVIRT = 16,
}

use esxDomainRebootFlagValues::*;
/// domainReboot: the guest agent (VMware Tools) is the only way.
pub const DOMAIN_REBOOT: u32 = ESX_DOMAIN_REBOOT_GUEST_AGENT as u32;

/// virDomainDestroyFlagsValues.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainDestroyFlagsValues {
    ESX_DOMAIN_DESTROY_DEFAULT = 0,
    ESX_DOMAIN_DESTROY_GRACEFUL = 1,
    ESX_DOMAIN_DESTROY_REMOVE_LOGS = 2,
}

/// domainDestroyFlags: none.
pub const DOMAIN_DESTROY_FLAGS: u32 = 0;

/// virDomainModificationImpact.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainModificationImpact {
    ESX_DOMAIN_AFFECT_CURRENT = 0,
    ESX_DOMAIN_AFFECT_LIVE = 1,
    ESX_DOMAIN_AFFECT_CONFIG = 2,
}

use esxDomainModificationImpact::*;
/// Live and config are the same thing on ESX: both are accepted.
pub const AFFECT_LIVE_AND_CONFIG: u32 =
    ESX_DOMAIN_AFFECT_LIVE as u32 | ESX_DOMAIN_AFFECT_CONFIG as u32;
/// domainSetMemoryParameters, domainSetSchedulerParametersFlags.
pub const DOMAIN_SET_PARAMETERS: u32 = AFFECT_LIVE_AND_CONFIG;
/// domainGetMemoryParameters, domainGetSchedulerParametersFlags: and the
/// caller's acceptance of string parameters (virsh always sets it).
pub const DOMAIN_GET_PARAMETERS: u32 =
    AFFECT_LIVE_AND_CONFIG | esxTypedParameterFlags::ESX_TYPED_PARAM_STRING_OKAY as u32;

/// virDomainVcpuFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainVcpuFlags {
    ESX_DOMAIN_VCPU_CURRENT = 0,
    ESX_DOMAIN_VCPU_LIVE = 1,
    ESX_DOMAIN_VCPU_CONFIG = 2,
    ESX_DOMAIN_VCPU_MAXIMUM = 4,
    ESX_DOMAIN_VCPU_GUEST = 8,
    ESX_DOMAIN_VCPU_HOTPLUGGABLE = 16,
}

use esxDomainVcpuFlags::*;
/// domainSetVcpusFlags.
pub const DOMAIN_SET_VCPUS_FLAGS: u32 = ESX_DOMAIN_VCPU_LIVE as u32 | ESX_DOMAIN_VCPU_CONFIG as u32;
/// domainGetVcpusFlags: and the maximum.
pub const DOMAIN_GET_VCPUS_FLAGS: u32 = DOMAIN_SET_VCPUS_FLAGS | ESX_DOMAIN_VCPU_MAXIMUM as u32;

/// virDomainMemoryModFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainMemoryModFlags {
    ESX_DOMAIN_MEM_CURRENT = 0,
    ESX_DOMAIN_MEM_LIVE = 1,
    ESX_DOMAIN_MEM_CONFIG = 2,
    ESX_DOMAIN_MEM_MAXIMUM = 4,
}

use esxDomainMemoryModFlags::*;
/// domainSetMemoryFlags: and the maximum (domainSetMaxMemory).
pub const DOMAIN_SET_MEMORY_FLAGS: u32 =
    ESX_DOMAIN_MEM_LIVE as u32 | ESX_DOMAIN_MEM_CONFIG as u32 | ESX_DOMAIN_MEM_MAXIMUM as u32;

/// virDomainInterfaceAddressesSource.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainInterfaceAddressesSource {
    ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE = 0,
    ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT = 1,
    ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP = 2,
}

/// domainInterfaceAddresses: no flags; the source is checked on its own.
pub const DOMAIN_INTERFACE_ADDRESSES: u32 = 0;

/// virDomainGetHostnameFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainGetHostnameFlags {
    ESX_DOMAIN_GET_HOSTNAME_LEASE = 1,
    ESX_DOMAIN_GET_HOSTNAME_AGENT = 2,
}

use esxDomainGetHostnameFlags::*;
/// domainGetHostname: the agent (VMware Tools); LEASE is accepted and
/// answered from the agent too, as ESX has no DHCP leases to read.
pub const DOMAIN_GET_HOSTNAME: u32 =
    ESX_DOMAIN_GET_HOSTNAME_LEASE as u32 | ESX_DOMAIN_GET_HOSTNAME_AGENT as u32;

/// virDomainSnapshotCreateFlags (this driver honours DISK_ONLY and QUIESCE).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainSnapshotCreateFlags {
    ESX_DOMAIN_SNAPSHOT_CREATE_REDEFINE = 1,
    ESX_DOMAIN_SNAPSHOT_CREATE_CURRENT = 2,
    ESX_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = 4,
    ESX_DOMAIN_SNAPSHOT_CREATE_HALT = 8,
    ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = 16,
    ESX_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = 32,
    ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE = 64,
    ESX_DOMAIN_SNAPSHOT_CREATE_ATOMIC = 128,
    ESX_DOMAIN_SNAPSHOT_CREATE_LIVE = 256,
    ESX_DOMAIN_SNAPSHOT_CREATE_VALIDATE = 512,
}

use esxDomainSnapshotCreateFlags::*;
/// domainSnapshotCreateXML: disk-only (no memory image) and quiesce.
pub const DOMAIN_SNAPSHOT_CREATE_XML: u32 =
    ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY as u32 | ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE as u32;

/// virDomainSnapshotListFlags (ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS, the
/// same bit as _ROOTS, is a #define).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainSnapshotListFlags {
    ESX_DOMAIN_SNAPSHOT_LIST_ROOTS = 1,
    ESX_DOMAIN_SNAPSHOT_LIST_METADATA = 2,
    ESX_DOMAIN_SNAPSHOT_LIST_LEAVES = 4,
    ESX_DOMAIN_SNAPSHOT_LIST_NO_LEAVES = 8,
    ESX_DOMAIN_SNAPSHOT_LIST_NO_METADATA = 16,
    ESX_DOMAIN_SNAPSHOT_LIST_INACTIVE = 32,
    ESX_DOMAIN_SNAPSHOT_LIST_ACTIVE = 64,
    ESX_DOMAIN_SNAPSHOT_LIST_DISK_ONLY = 128,
    ESX_DOMAIN_SNAPSHOT_LIST_INTERNAL = 256,
    ESX_DOMAIN_SNAPSHOT_LIST_EXTERNAL = 512,
    ESX_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL = 1024,
}

use esxDomainSnapshotListFlags::*;
/// The snapshot listings (domainSnapshotNum, ...ListNames, ListAll,
/// ...NumChildren, ...ListChildrenNames, ...ListAllChildren): every filter.
pub const DOMAIN_SNAPSHOT_LIST: u32 = (ESX_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL as u32) * 2 - 1;
/// For the children listings: all descendants (the bit of _ROOTS; a
/// #define in the header).
pub const ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS: u32 = ESX_DOMAIN_SNAPSHOT_LIST_ROOTS as u32;
/// The snapshot calls that take flags for the future and accept none:
/// domainSnapshotLookupByName, domainHasCurrentSnapshot,
/// domainSnapshotCurrent, domainSnapshotGetParent, domainSnapshotIsCurrent,
/// domainSnapshotHasMetadata.
pub const DOMAIN_SNAPSHOT_NONE: u32 = 0;

/// virDomainSnapshotDeleteFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainSnapshotDeleteFlags {
    ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN = 1,
    ESX_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY = 2,
    ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY = 4,
}

use esxDomainSnapshotDeleteFlags::*;
/// domainSnapshotDelete: every flag.
pub const DOMAIN_SNAPSHOT_DELETE: u32 = ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN as u32
    | ESX_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY as u32
    | ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY as u32;

/// virDomainSnapshotRevertFlags (none is supported on ESX).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainSnapshotRevertFlags {
    ESX_DOMAIN_SNAPSHOT_REVERT_RUNNING = 1,
    ESX_DOMAIN_SNAPSHOT_REVERT_PAUSED = 2,
    ESX_DOMAIN_SNAPSHOT_REVERT_FORCE = 4,
    ESX_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM = 8,
}

/// domainRevertToSnapshot: none (the VM takes the snapshot's power state).
pub const DOMAIN_REVERT_TO_SNAPSHOT: u32 = 0;

/// virDomainSnapshotXMLFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainSnapshotXMLFlags {
    ESX_DOMAIN_SNAPSHOT_XML_SECURE = 1,
}

use esxDomainSnapshotXMLFlags::*;
/// domainSnapshotGetXMLDesc.
pub const DOMAIN_SNAPSHOT_GET_XML_DESC: u32 = ESX_DOMAIN_SNAPSHOT_XML_SECURE as u32;

/// virDomainXMLFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainXMLFlags {
    ESX_DOMAIN_XML_SECURE = 1,
    ESX_DOMAIN_XML_INACTIVE = 2,
    ESX_DOMAIN_XML_UPDATE_CPU = 4,
    ESX_DOMAIN_XML_MIGRATABLE = 8,
}

use esxDomainXMLFlags::*;
/// domainGetXMLDesc: every flag (UPDATE_CPU and MIGRATABLE change nothing
/// on ESX).
pub const DOMAIN_GET_XML_DESC: u32 = ESX_DOMAIN_XML_SECURE as u32
    | ESX_DOMAIN_XML_INACTIVE as u32
    | ESX_DOMAIN_XML_UPDATE_CPU as u32
    | ESX_DOMAIN_XML_MIGRATABLE as u32;
/// connectDomainXMLFromNative, connectDomainXMLToNative: none.
pub const CONNECT_DOMAIN_XML_NATIVE: u32 = 0;

/// virDomainDefineFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainDefineFlags {
    ESX_DOMAIN_DEFINE_VALIDATE = 1,
}

use esxDomainDefineFlags::*;
/// domainDefineXMLFlags: validation (always done).
pub const DOMAIN_DEFINE_XML_FLAGS: u32 = ESX_DOMAIN_DEFINE_VALIDATE as u32;

/// virDomainUndefineFlagsValues (ESX has none of these things; the first
/// two are accepted as no-ops).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainUndefineFlagsValues {
    ESX_DOMAIN_UNDEFINE_MANAGED_SAVE = 1,
    ESX_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = 2,
    ESX_DOMAIN_UNDEFINE_NVRAM = 4,
    ESX_DOMAIN_UNDEFINE_KEEP_NVRAM = 8,
    ESX_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = 16,
    ESX_DOMAIN_UNDEFINE_TPM = 32,
    ESX_DOMAIN_UNDEFINE_KEEP_TPM = 64,
}

use esxDomainUndefineFlagsValues::*;
/// domainUndefineFlags: the two ESX has nothing for, accepted as no-ops.
pub const DOMAIN_UNDEFINE_FLAGS: u32 =
    ESX_DOMAIN_UNDEFINE_MANAGED_SAVE as u32 | ESX_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA as u32;

/// domainGetState, domainHasManagedSaveImage: none.
pub const DOMAIN_NONE: u32 = 0;

/// virConnectListAllStoragePoolsFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectListAllStoragePoolsFlags {
    ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE = 1,
    ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE = 2,
    ESX_CONNECT_LIST_STORAGE_POOLS_PERSISTENT = 4,
    ESX_CONNECT_LIST_STORAGE_POOLS_TRANSIENT = 8,
    ESX_CONNECT_LIST_STORAGE_POOLS_AUTOSTART = 16,
    ESX_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART = 32,
    ESX_CONNECT_LIST_STORAGE_POOLS_DIR = 64,
    ESX_CONNECT_LIST_STORAGE_POOLS_FS = 128,
    ESX_CONNECT_LIST_STORAGE_POOLS_NETFS = 256,
    ESX_CONNECT_LIST_STORAGE_POOLS_LOGICAL = 512,
    ESX_CONNECT_LIST_STORAGE_POOLS_DISK = 1024,
    ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI = 2048,
    ESX_CONNECT_LIST_STORAGE_POOLS_SCSI = 4096,
    ESX_CONNECT_LIST_STORAGE_POOLS_MPATH = 8192,
    ESX_CONNECT_LIST_STORAGE_POOLS_RBD = 16384,
    ESX_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG = 32768,
    ESX_CONNECT_LIST_STORAGE_POOLS_GLUSTER = 65536,
    ESX_CONNECT_LIST_STORAGE_POOLS_ZFS = 131072,
    ESX_CONNECT_LIST_STORAGE_POOLS_VSTORAGE = 262144,
    ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT = 524288,
}

use esxConnectListAllStoragePoolsFlags::*;
/// connectListAllStoragePools: every filter (a pool type ESX has no
/// datastore of matches nothing).
pub const CONNECT_LIST_ALL_STORAGE_POOLS: u32 =
    (ESX_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT as u32) * 2 - 1;
/// The pool-type bits of connectListAllStoragePools.
pub const STORAGE_POOL_TYPES: u32 = CONNECT_LIST_ALL_STORAGE_POOLS
    & !(ESX_CONNECT_LIST_STORAGE_POOLS_INACTIVE as u32
        | ESX_CONNECT_LIST_STORAGE_POOLS_ACTIVE as u32
        | ESX_CONNECT_LIST_STORAGE_POOLS_PERSISTENT as u32
        | ESX_CONNECT_LIST_STORAGE_POOLS_TRANSIENT as u32
        | ESX_CONNECT_LIST_STORAGE_POOLS_AUTOSTART as u32
        | ESX_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART as u32);
/// storagePoolRefresh, storagePoolGetXMLDesc: none.
pub const STORAGE_NONE: u32 = 0;

/// virStoragePoolState.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStoragePoolState {
    ESX_STORAGE_POOL_INACTIVE = 0,
    ESX_STORAGE_POOL_BUILDING = 1,
    ESX_STORAGE_POOL_RUNNING = 2,
    ESX_STORAGE_POOL_DEGRADED = 3,
    ESX_STORAGE_POOL_INACCESSIBLE = 4,
}

/// virStorageVolResizeFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStorageVolResizeFlags {
    ESX_STORAGE_VOL_RESIZE_ALLOCATE = 1,
    ESX_STORAGE_VOL_RESIZE_DELTA = 2,
    ESX_STORAGE_VOL_RESIZE_SHRINK = 4,
}

use esxStorageVolResizeFlags::*;
/// storageVolResize: ALLOCATE (eager zeroing) and DELTA; SHRINK is
/// accepted and refused with a message (ESX cannot shrink a disk).
pub const STORAGE_VOL_RESIZE: u32 = ESX_STORAGE_VOL_RESIZE_ALLOCATE as u32
    | ESX_STORAGE_VOL_RESIZE_DELTA as u32
    | ESX_STORAGE_VOL_RESIZE_SHRINK as u32;

/// virStorageVolDownloadFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStorageVolDownloadFlags {
    /// The stream is sparse: runs of zero blocks come as holes.
    ESX_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM = 1,
}

/// storageVolDownload: a sparse stream.
pub const STORAGE_VOL_DOWNLOAD: u32 =
    esxStorageVolDownloadFlags::ESX_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM as u32;

/// virStorageVolUploadFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStorageVolUploadFlags {
    /// The stream is sparse: holes sent with esxStreamSendHole are taken
    /// (and written as zeros: the host takes whole files).
    ESX_STORAGE_VOL_UPLOAD_SPARSE_STREAM = 1,
}

/// storageVolUpload: a sparse stream.
pub const STORAGE_VOL_UPLOAD: u32 =
    esxStorageVolUploadFlags::ESX_STORAGE_VOL_UPLOAD_SPARSE_STREAM as u32;

/// virStreamFlags (esxStreamNew).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStreamFlags {
    ESX_STREAM_NONBLOCK = 1,
}

/// virStreamRecvFlagsValues (esxStreamRecvFlags).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStreamRecvFlagsValues {
    /// Stop at a hole: -3, then esxStreamRecvHole gives its length.
    ESX_STREAM_RECV_STOP_AT_HOLE = 1,
}

/// virStreamEventType: what a stream is ready for (its event callback).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStreamEventType {
    ESX_STREAM_EVENT_READABLE = 1,
    ESX_STREAM_EVENT_WRITABLE = 2,
    ESX_STREAM_EVENT_ERROR = 4,
    ESX_STREAM_EVENT_HANGUP = 8,
}

/// virStorageVolType.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxStorageVolType {
    ESX_STORAGE_VOL_FILE = 0,
    ESX_STORAGE_VOL_BLOCK = 1,
    ESX_STORAGE_VOL_DIR = 2,
    ESX_STORAGE_VOL_NETWORK = 3,
    ESX_STORAGE_VOL_NETDIR = 4,
    ESX_STORAGE_VOL_PLOOP = 5,
}

/// virDomainStatsTypes: the groups of esxConnectGetAllDomainStats.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainStatsTypes {
    ESX_DOMAIN_STATS_STATE = 1,
    ESX_DOMAIN_STATS_CPU_TOTAL = 2,
    ESX_DOMAIN_STATS_BALLOON = 4,
    ESX_DOMAIN_STATS_VCPU = 8,
    ESX_DOMAIN_STATS_INTERFACE = 16,
    ESX_DOMAIN_STATS_BLOCK = 32,
    ESX_DOMAIN_STATS_PERF = 64,
    ESX_DOMAIN_STATS_IOTHREAD = 128,
    ESX_DOMAIN_STATS_MEMORY = 256,
    ESX_DOMAIN_STATS_DIRTYRATE = 512,
    ESX_DOMAIN_STATS_VM = 1024,
}
// Filled: STATE, BALLOON, VCPU, INTERFACE, BLOCK (crate::stats says from
// what); CPU_TOTAL and the others have no source on ESX.

/// virConnectGetAllDomainStatsFlags (the selection bits are the listing
/// flags'). ENFORCE_STATS, 1U << 31, is past the range ISO C gives an
/// enumerator: it is the constant below, and a macro of the header.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectGetAllDomainStatsFlags {
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE = 1,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE = 2,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT = 4,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT = 8,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING = 16,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED = 32,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF = 64,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_OTHER = 128,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT = 1 << 29,
    ESX_CONNECT_GET_ALL_DOMAINS_STATS_BACKING = 1 << 30,
}
/// ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS (a macro in the header,
/// cbindgen.toml's).
pub const ESX_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS: u32 = 0x8000_0000;
// All accepted: NOWAIT has no effect (nothing here waits on a job),
// BACKING none (no backing chains are reported), ENFORCE_STATS refuses a
// group ESX cannot fill.

/// virDomainEventID: the events a callback can be registered for (all of
/// libvirt's); this driver emits LIFECYCLE, REBOOT and its own QUESTION
/// (past libvirt's), and accepts registrations for the others, which ESX
/// never raises.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainEventID {
    ESX_DOMAIN_EVENT_ID_LIFECYCLE = 0,
    ESX_DOMAIN_EVENT_ID_REBOOT = 1,
    ESX_DOMAIN_EVENT_ID_RTC_CHANGE = 2,
    ESX_DOMAIN_EVENT_ID_WATCHDOG = 3,
    ESX_DOMAIN_EVENT_ID_IO_ERROR = 4,
    ESX_DOMAIN_EVENT_ID_GRAPHICS = 5,
    ESX_DOMAIN_EVENT_ID_IO_ERROR_REASON = 6,
    ESX_DOMAIN_EVENT_ID_CONTROL_ERROR = 7,
    ESX_DOMAIN_EVENT_ID_BLOCK_JOB = 8,
    ESX_DOMAIN_EVENT_ID_DISK_CHANGE = 9,
    ESX_DOMAIN_EVENT_ID_TRAY_CHANGE = 10,
    ESX_DOMAIN_EVENT_ID_PMWAKEUP = 11,
    ESX_DOMAIN_EVENT_ID_PMSUSPEND = 12,
    ESX_DOMAIN_EVENT_ID_BALLOON_CHANGE = 13,
    ESX_DOMAIN_EVENT_ID_PMSUSPEND_DISK = 14,
    ESX_DOMAIN_EVENT_ID_DEVICE_REMOVED = 15,
    ESX_DOMAIN_EVENT_ID_BLOCK_JOB_2 = 16,
    ESX_DOMAIN_EVENT_ID_TUNABLE = 17,
    ESX_DOMAIN_EVENT_ID_AGENT_LIFECYCLE = 18,
    ESX_DOMAIN_EVENT_ID_DEVICE_ADDED = 19,
    ESX_DOMAIN_EVENT_ID_MIGRATION_ITERATION = 20,
    ESX_DOMAIN_EVENT_ID_JOB_COMPLETED = 21,
    ESX_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED = 22,
    ESX_DOMAIN_EVENT_ID_METADATA_CHANGE = 23,
    ESX_DOMAIN_EVENT_ID_BLOCK_THRESHOLD = 24,
    ESX_DOMAIN_EVENT_ID_MEMORY_FAILURE = 25,
    ESX_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE = 26,
    /// esxConnectDomainEventQuestionCallback: a VM question appeared (the
    /// question) or was answered (NULL).
    ESX_DOMAIN_EVENT_ID_QUESTION = 64,
}

/// virDomainEventType (the lifecycle callback's `event`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainEventType {
    ESX_DOMAIN_EVENT_DEFINED = 0,
    ESX_DOMAIN_EVENT_UNDEFINED = 1,
    ESX_DOMAIN_EVENT_STARTED = 2,
    ESX_DOMAIN_EVENT_SUSPENDED = 3,
    ESX_DOMAIN_EVENT_RESUMED = 4,
    ESX_DOMAIN_EVENT_STOPPED = 5,
    ESX_DOMAIN_EVENT_SHUTDOWN = 6,
    ESX_DOMAIN_EVENT_PMSUSPENDED = 7,
    ESX_DOMAIN_EVENT_CRASHED = 8,
}

/// virConnectListAllNetworksFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectListAllNetworksFlags {
    ESX_CONNECT_LIST_NETWORKS_INACTIVE = 1,
    ESX_CONNECT_LIST_NETWORKS_ACTIVE = 2,
    ESX_CONNECT_LIST_NETWORKS_PERSISTENT = 4,
    ESX_CONNECT_LIST_NETWORKS_TRANSIENT = 8,
    ESX_CONNECT_LIST_NETWORKS_AUTOSTART = 16,
    ESX_CONNECT_LIST_NETWORKS_NO_AUTOSTART = 32,
}

/// connectListAllNetworks: every filter (a virtual switch is active,
/// persistent and autostarted).
pub const CONNECT_LIST_ALL_NETWORKS: u32 =
    esxConnectListAllNetworksFlags::ESX_CONNECT_LIST_NETWORKS_NO_AUTOSTART as u32 * 2 - 1;

/// virNetworkXMLFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxNetworkXMLFlags {
    ESX_NETWORK_XML_INACTIVE = 1,
}

/// networkGetXMLDesc: the inactive XML is the live one (a virtual switch
/// has no transient state).
pub const NETWORK_XML: u32 = esxNetworkXMLFlags::ESX_NETWORK_XML_INACTIVE as u32;

/// virNetworkDefineFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxNetworkDefineFlags {
    ESX_NETWORK_DEFINE_VALIDATE = 1,
}

/// networkDefineXMLFlags: validation is what the reader does anyway.
pub const NETWORK_DEFINE: u32 = esxNetworkDefineFlags::ESX_NETWORK_DEFINE_VALIDATE as u32;

/// virConnectListAllInterfacesFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectListAllInterfacesFlags {
    ESX_CONNECT_LIST_INTERFACES_INACTIVE = 1,
    ESX_CONNECT_LIST_INTERFACES_ACTIVE = 2,
}

/// connectListAllInterfaces: both filters (a physical NIC is active).
pub const CONNECT_LIST_ALL_INTERFACES: u32 = 3;

/// virInterfaceXMLFlags.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxInterfaceXMLFlags {
    ESX_INTERFACE_XML_INACTIVE = 1,
}

/// interfaceGetXMLDesc: the inactive XML leaves the link state out and,
/// for a DHCP-configured NIC, the address it leased (libvirt's rule).
pub const INTERFACE_XML: u32 = esxInterfaceXMLFlags::ESX_INTERFACE_XML_INACTIVE as u32;
