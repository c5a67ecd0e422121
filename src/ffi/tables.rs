// SPDX-License-Identifier: LGPL-2.1-or-later
//! The driver tables: structs of function pointers whose field names are
//! libvirt's driver-table names (src/driver-hypervisor.h), pointing at this
//! library's exports. A field the driver does not implement is NULL, as in
//! libvirt. A daemon can dlopen the library and use only the tables.
//!
//! libvirt's migration entries (domainMigratePrepare/Perform/Finish) are not
//! listed: they take libvirt's internal driver signatures, and migration
//! (which needs a vCenter) is not offered.

#![allow(non_snake_case, non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_uchar, c_uint, c_ulong, c_ulonglong, c_void};

use super::config::*;
use super::connect::*;
use super::domain::*;
use super::events::*;
use super::export::export;
use super::generated::types::esxConnectNetworkEventGenericCallback;
use super::interface::*;
use super::job::*;
use super::lifecycle::*;
use super::network::*;
use super::snapshot::*;
use super::stats::*;
use super::storage::*;
use super::types::*;
use super::xml::*;

/// The hypervisor driver table (virHypervisorDriver).
#[repr(C)]
pub struct esxHypervisorDriver {
    /// "ESX"
    pub name: *const c_char,
    pub connectOpen:
        Option<unsafe extern "C" fn(*const c_char, esxConnectAuthPtr, c_uint) -> esxConnectPtr>,
    pub connectClose: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectSupportsFeature: Option<unsafe extern "C" fn(esxConnectPtr, c_int) -> c_int>,
    pub connectGetType: Option<unsafe extern "C" fn(esxConnectPtr) -> *const c_char>,
    pub connectGetVersion: Option<unsafe extern "C" fn(esxConnectPtr, *mut c_ulong) -> c_int>,
    pub connectGetLibVersion: Option<unsafe extern "C" fn(esxConnectPtr, *mut c_ulong) -> c_int>,
    pub connectGetHostname: Option<unsafe extern "C" fn(esxConnectPtr) -> *mut c_char>,
    pub connectGetURI: Option<unsafe extern "C" fn(esxConnectPtr) -> *mut c_char>,
    pub connectGetMaxVcpus: Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> c_int>,
    pub nodeGetInfo: Option<unsafe extern "C" fn(esxConnectPtr, esxNodeInfoPtr) -> c_int>,
    pub connectGetCapabilities: Option<unsafe extern "C" fn(esxConnectPtr) -> *mut c_char>,
    pub connectListDomains: Option<unsafe extern "C" fn(esxConnectPtr, *mut c_int, c_int) -> c_int>,
    pub connectNumOfDomains: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListAllDomains:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut esxDomainPtr, c_uint) -> c_int>,
    pub domainLookupByID: Option<unsafe extern "C" fn(esxConnectPtr, c_int) -> esxDomainPtr>,
    pub domainLookupByUUID:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_uchar) -> esxDomainPtr>,
    pub domainLookupByName:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxDomainPtr>,
    pub domainSuspend: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainResume: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainShutdown: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainShutdownFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainReboot: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainDestroy: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainDestroyFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainGetOSType: Option<unsafe extern "C" fn(esxDomainPtr) -> *mut c_char>,
    pub domainGetMaxMemory: Option<unsafe extern "C" fn(esxDomainPtr) -> c_ulong>,
    pub domainSetMaxMemory: Option<unsafe extern "C" fn(esxDomainPtr, c_ulong) -> c_int>,
    pub domainSetMemory: Option<unsafe extern "C" fn(esxDomainPtr, c_ulong) -> c_int>,
    pub domainSetMemoryFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_ulong, c_uint) -> c_int>,
    pub domainSetMemoryParameters:
        Option<unsafe extern "C" fn(esxDomainPtr, esxTypedParameterPtr, c_int, c_uint) -> c_int>,
    pub domainGetMemoryParameters: Option<
        unsafe extern "C" fn(esxDomainPtr, esxTypedParameterPtr, *mut c_int, c_uint) -> c_int,
    >,
    pub domainGetInfo: Option<unsafe extern "C" fn(esxDomainPtr, esxDomainInfoPtr) -> c_int>,
    pub domainGetState:
        Option<unsafe extern "C" fn(esxDomainPtr, *mut c_int, *mut c_int, c_uint) -> c_int>,
    pub domainScreenshot:
        Option<unsafe extern "C" fn(esxDomainPtr, esxStreamPtr, c_uint, c_uint) -> *mut c_char>,
    pub domainSetVcpus: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainSetVcpusFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_uint, c_uint) -> c_int>,
    pub domainGetVcpusFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainGetMaxVcpus: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainGetXMLDesc: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> *mut c_char>,
    pub connectDomainXMLFromNative: Option<
        unsafe extern "C" fn(esxConnectPtr, *const c_char, *const c_char, c_uint) -> *mut c_char,
    >,
    pub connectDomainXMLToNative: Option<
        unsafe extern "C" fn(esxConnectPtr, *const c_char, *const c_char, c_uint) -> *mut c_char,
    >,
    pub connectListDefinedDomains:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectNumOfDefinedDomains: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub domainCreate: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainCreateWithFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainDefineXML: Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxDomainPtr>,
    pub domainDefineXMLFlags:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char, c_uint) -> esxDomainPtr>,
    pub domainUndefine: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainUndefineFlags: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainGetAutostart: Option<unsafe extern "C" fn(esxDomainPtr, *mut c_int) -> c_int>,
    pub domainSetAutostart: Option<unsafe extern "C" fn(esxDomainPtr, c_int) -> c_int>,
    pub domainGetSchedulerType:
        Option<unsafe extern "C" fn(esxDomainPtr, *mut c_int) -> *mut c_char>,
    pub domainGetSchedulerParameters:
        Option<unsafe extern "C" fn(esxDomainPtr, esxTypedParameterPtr, *mut c_int) -> c_int>,
    pub domainGetSchedulerParametersFlags: Option<
        unsafe extern "C" fn(esxDomainPtr, esxTypedParameterPtr, *mut c_int, c_uint) -> c_int,
    >,
    pub domainSetSchedulerParameters:
        Option<unsafe extern "C" fn(esxDomainPtr, esxTypedParameterPtr, c_int) -> c_int>,
    pub domainSetSchedulerParametersFlags:
        Option<unsafe extern "C" fn(esxDomainPtr, esxTypedParameterPtr, c_int, c_uint) -> c_int>,
    pub nodeGetFreeMemory: Option<unsafe extern "C" fn(esxConnectPtr) -> c_ulonglong>,
    pub connectIsEncrypted: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectIsSecure: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub domainIsActive: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainIsPersistent: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainIsUpdated: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainGetJobInfo: Option<unsafe extern "C" fn(esxDomainPtr, esxDomainJobInfoPtr) -> c_int>,
    pub domainAbortJob: Option<unsafe extern "C" fn(esxDomainPtr) -> c_int>,
    pub domainSnapshotCreateXML:
        Option<unsafe extern "C" fn(esxDomainPtr, *const c_char, c_uint) -> esxDomainSnapshotPtr>,
    pub domainSnapshotGetXMLDesc:
        Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> *mut c_char>,
    pub domainSnapshotNum: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainSnapshotListNames:
        Option<unsafe extern "C" fn(esxDomainPtr, *mut *mut c_char, c_int, c_uint) -> c_int>,
    pub domainListAllSnapshots:
        Option<unsafe extern "C" fn(esxDomainPtr, *mut *mut esxDomainSnapshotPtr, c_uint) -> c_int>,
    pub domainSnapshotNumChildren:
        Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> c_int>,
    pub domainSnapshotListChildrenNames: Option<
        unsafe extern "C" fn(esxDomainSnapshotPtr, *mut *mut c_char, c_int, c_uint) -> c_int,
    >,
    pub domainSnapshotListAllChildren: Option<
        unsafe extern "C" fn(esxDomainSnapshotPtr, *mut *mut esxDomainSnapshotPtr, c_uint) -> c_int,
    >,
    pub domainSnapshotLookupByName:
        Option<unsafe extern "C" fn(esxDomainPtr, *const c_char, c_uint) -> esxDomainSnapshotPtr>,
    pub domainHasCurrentSnapshot: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainSnapshotGetParent:
        Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> esxDomainSnapshotPtr>,
    pub domainSnapshotCurrent:
        Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> esxDomainSnapshotPtr>,
    pub domainRevertToSnapshot: Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> c_int>,
    pub domainSnapshotIsCurrent:
        Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> c_int>,
    pub domainSnapshotHasMetadata:
        Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> c_int>,
    pub domainSnapshotDelete: Option<unsafe extern "C" fn(esxDomainSnapshotPtr, c_uint) -> c_int>,
    pub connectIsAlive: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub domainHasManagedSaveImage: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> c_int>,
    pub domainGetHostname: Option<unsafe extern "C" fn(esxDomainPtr, c_uint) -> *mut c_char>,
    pub domainInterfaceAddresses: Option<
        unsafe extern "C" fn(
            esxDomainPtr,
            *mut *mut esxDomainInterfacePtr,
            c_uint,
            c_uint,
        ) -> c_int,
    >,
    pub connectDomainEventRegister: Option<
        unsafe extern "C" fn(
            esxConnectPtr,
            esxConnectDomainEventCallback,
            *mut c_void,
            esxFreeCallback,
        ) -> c_int,
    >,
    pub connectDomainEventDeregister:
        Option<unsafe extern "C" fn(esxConnectPtr, esxConnectDomainEventCallback) -> c_int>,
    pub connectDomainEventRegisterAny: Option<
        unsafe extern "C" fn(
            esxConnectPtr,
            esxDomainPtr,
            c_int,
            esxConnectDomainEventGenericCallback,
            *mut c_void,
            esxFreeCallback,
        ) -> c_int,
    >,
    pub connectDomainEventDeregisterAny:
        Option<unsafe extern "C" fn(esxConnectPtr, c_int) -> c_int>,
    /// libvirt's one entry for both statistics calls; here the connection's
    /// (esxDomainListGetStats has no table entry in libvirt either).
    pub connectGetAllDomainStats: Option<
        unsafe extern "C" fn(
            esxConnectPtr,
            c_uint,
            *mut *mut esxDomainStatsRecordPtr,
            c_uint,
        ) -> c_int,
    >,
}

struct Table<T>(T);
// SAFETY: the tables are immutable and only hold pointers to static data
// and functions.
unsafe impl<T> Sync for Table<T> {}

static HYPERVISOR: Table<esxHypervisorDriver> = Table(esxHypervisorDriver {
    name: c"ESX".as_ptr(),
    connectOpen: Some(esxConnectOpenAuth),
    connectClose: Some(esxConnectClose),
    connectSupportsFeature: None,
    connectGetType: Some(esxConnectGetType),
    connectGetVersion: Some(esxConnectGetVersion),
    connectGetLibVersion: Some(esxConnectGetLibVersion),
    connectGetHostname: Some(esxConnectGetHostname),
    connectGetURI: Some(esxConnectGetURI),
    connectGetMaxVcpus: Some(esxConnectGetMaxVcpus),
    nodeGetInfo: Some(esxNodeGetInfo),
    connectGetCapabilities: Some(esxConnectGetCapabilities),
    connectListDomains: Some(esxConnectListDomains),
    connectNumOfDomains: Some(esxConnectNumOfDomains),
    connectListAllDomains: Some(esxConnectListAllDomains),
    domainLookupByID: Some(esxDomainLookupByID),
    domainLookupByUUID: Some(esxDomainLookupByUUID),
    domainLookupByName: Some(esxDomainLookupByName),
    domainSuspend: Some(esxDomainSuspend),
    domainResume: Some(esxDomainResume),
    domainShutdown: Some(esxDomainShutdown),
    domainShutdownFlags: Some(esxDomainShutdownFlags),
    domainReboot: Some(esxDomainReboot),
    domainDestroy: Some(esxDomainDestroy),
    domainDestroyFlags: Some(esxDomainDestroyFlags),
    domainGetOSType: Some(esxDomainGetOSType),
    domainGetMaxMemory: Some(esxDomainGetMaxMemory),
    domainSetMaxMemory: Some(esxDomainSetMaxMemory),
    domainSetMemory: Some(esxDomainSetMemory),
    domainSetMemoryFlags: Some(esxDomainSetMemoryFlags),
    domainSetMemoryParameters: Some(esxDomainSetMemoryParameters),
    domainGetMemoryParameters: Some(esxDomainGetMemoryParameters),
    domainGetInfo: Some(esxDomainGetInfo),
    domainGetState: Some(esxDomainGetState),
    domainScreenshot: Some(esxDomainScreenshot),
    domainSetVcpus: Some(esxDomainSetVcpus),
    domainSetVcpusFlags: Some(esxDomainSetVcpusFlags),
    domainGetVcpusFlags: Some(esxDomainGetVcpusFlags),
    domainGetMaxVcpus: Some(esxDomainGetMaxVcpus),
    domainGetXMLDesc: Some(esxDomainGetXMLDesc),
    connectDomainXMLFromNative: Some(esxConnectDomainXMLFromNative),
    connectDomainXMLToNative: Some(esxConnectDomainXMLToNative),
    connectListDefinedDomains: Some(esxConnectListDefinedDomains),
    connectNumOfDefinedDomains: Some(esxConnectNumOfDefinedDomains),
    domainCreate: Some(esxDomainCreate),
    domainCreateWithFlags: Some(esxDomainCreateWithFlags),
    domainDefineXML: Some(esxDomainDefineXML),
    domainDefineXMLFlags: Some(esxDomainDefineXMLFlags),
    domainUndefine: Some(esxDomainUndefine),
    domainUndefineFlags: Some(esxDomainUndefineFlags),
    domainGetAutostart: Some(esxDomainGetAutostart),
    domainSetAutostart: Some(esxDomainSetAutostart),
    domainGetSchedulerType: Some(esxDomainGetSchedulerType),
    domainGetSchedulerParameters: Some(esxDomainGetSchedulerParameters),
    domainGetSchedulerParametersFlags: Some(esxDomainGetSchedulerParametersFlags),
    domainSetSchedulerParameters: Some(esxDomainSetSchedulerParameters),
    domainSetSchedulerParametersFlags: Some(esxDomainSetSchedulerParametersFlags),
    nodeGetFreeMemory: Some(esxNodeGetFreeMemory),
    connectIsEncrypted: Some(esxConnectIsEncrypted),
    connectIsSecure: Some(esxConnectIsSecure),
    domainIsActive: Some(esxDomainIsActive),
    domainIsPersistent: Some(esxDomainIsPersistent),
    domainIsUpdated: Some(esxDomainIsUpdated),
    domainGetJobInfo: Some(esxDomainGetJobInfo),
    domainAbortJob: Some(esxDomainAbortJob),
    domainSnapshotCreateXML: Some(esxDomainSnapshotCreateXML),
    domainSnapshotGetXMLDesc: Some(esxDomainSnapshotGetXMLDesc),
    domainSnapshotNum: Some(esxDomainSnapshotNum),
    domainSnapshotListNames: Some(esxDomainSnapshotListNames),
    domainListAllSnapshots: Some(esxDomainListAllSnapshots),
    domainSnapshotNumChildren: Some(esxDomainSnapshotNumChildren),
    domainSnapshotListChildrenNames: Some(esxDomainSnapshotListChildrenNames),
    domainSnapshotListAllChildren: Some(esxDomainSnapshotListAllChildren),
    domainSnapshotLookupByName: Some(esxDomainSnapshotLookupByName),
    domainHasCurrentSnapshot: Some(esxDomainHasCurrentSnapshot),
    domainSnapshotGetParent: Some(esxDomainSnapshotGetParent),
    domainSnapshotCurrent: Some(esxDomainSnapshotCurrent),
    domainRevertToSnapshot: Some(esxDomainRevertToSnapshot),
    domainSnapshotIsCurrent: Some(esxDomainSnapshotIsCurrent),
    domainSnapshotHasMetadata: Some(esxDomainSnapshotHasMetadata),
    domainSnapshotDelete: Some(esxDomainSnapshotDelete),
    connectIsAlive: Some(esxConnectIsAlive),
    domainHasManagedSaveImage: Some(esxDomainHasManagedSaveImage),
    domainGetHostname: Some(esxDomainGetHostname),
    domainInterfaceAddresses: Some(esxDomainInterfaceAddresses),
    connectDomainEventRegister: Some(esxConnectDomainEventRegister),
    connectDomainEventDeregister: Some(esxConnectDomainEventDeregister),
    connectDomainEventRegisterAny: Some(esxConnectDomainEventRegisterAny),
    connectDomainEventDeregisterAny: Some(esxConnectDomainEventDeregisterAny),
    connectGetAllDomainStats: Some(esxConnectGetAllDomainStats),
});

/// The hypervisor driver table (static; do not free).
#[no_mangle]
pub extern "C" fn esxGetHypervisorDriver() -> *const esxHypervisorDriver {
    export!(esxGetHypervisorDriver() {
        Ok(&HYPERVISOR.0 as *const esxHypervisorDriver)
    })
}

/// The storage driver table (virStorageDriver): libvirt's field names, in
/// its order. Entries this driver does not offer (defining, building or
/// destroying pools, pool events, pattern wipes) are NULL; their fields are
/// typed as plain function pointers.
#[repr(C)]
pub struct esxStorageDriver {
    /// "ESX"
    pub name: *const c_char,
    pub connectNumOfStoragePools: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListStoragePools:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectNumOfDefinedStoragePools: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListDefinedStoragePools:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectListAllStoragePools:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut esxStoragePoolPtr, c_uint) -> c_int>,
    /// Not offered: always NULL.
    pub connectFindStoragePoolSources: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub connectStoragePoolEventRegisterAny: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub connectStoragePoolEventDeregisterAny: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub connectGetStoragePoolCapabilities: Option<unsafe extern "C" fn()>,
    pub storagePoolLookupByName:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxStoragePoolPtr>,
    pub storagePoolLookupByUUID:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_uchar) -> esxStoragePoolPtr>,
    pub storagePoolLookupByVolume:
        Option<unsafe extern "C" fn(esxStorageVolPtr) -> esxStoragePoolPtr>,
    /// Not offered: always NULL.
    pub storagePoolLookupByTargetPath: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolCreateXML: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolDefineXML: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolBuild: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolUndefine: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolCreate: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolDestroy: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub storagePoolDelete: Option<unsafe extern "C" fn()>,
    pub storagePoolRefresh: Option<unsafe extern "C" fn(esxStoragePoolPtr, c_uint) -> c_int>,
    pub storagePoolGetInfo:
        Option<unsafe extern "C" fn(esxStoragePoolPtr, esxStoragePoolInfoPtr) -> c_int>,
    pub storagePoolGetXMLDesc:
        Option<unsafe extern "C" fn(esxStoragePoolPtr, c_uint) -> *mut c_char>,
    pub storagePoolGetAutostart:
        Option<unsafe extern "C" fn(esxStoragePoolPtr, *mut c_int) -> c_int>,
    pub storagePoolSetAutostart: Option<unsafe extern "C" fn(esxStoragePoolPtr, c_int) -> c_int>,
    pub storagePoolNumOfVolumes: Option<unsafe extern "C" fn(esxStoragePoolPtr) -> c_int>,
    pub storagePoolListVolumes:
        Option<unsafe extern "C" fn(esxStoragePoolPtr, *mut *mut c_char, c_int) -> c_int>,
    pub storagePoolListAllVolumes: Option<
        unsafe extern "C" fn(esxStoragePoolPtr, *mut *mut esxStorageVolPtr, c_uint) -> c_int,
    >,
    pub storageVolLookupByName:
        Option<unsafe extern "C" fn(esxStoragePoolPtr, *const c_char) -> esxStorageVolPtr>,
    pub storageVolLookupByKey:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxStorageVolPtr>,
    pub storageVolLookupByPath:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxStorageVolPtr>,
    pub storageVolCreateXML:
        Option<unsafe extern "C" fn(esxStoragePoolPtr, *const c_char, c_uint) -> esxStorageVolPtr>,
    pub storageVolCreateXMLFrom: Option<
        unsafe extern "C" fn(
            esxStoragePoolPtr,
            *const c_char,
            esxStorageVolPtr,
            c_uint,
        ) -> esxStorageVolPtr,
    >,
    pub storageVolDownload: Option<
        unsafe extern "C" fn(
            esxStorageVolPtr,
            esxStreamPtr,
            c_ulonglong,
            c_ulonglong,
            c_uint,
        ) -> c_int,
    >,
    pub storageVolUpload: Option<
        unsafe extern "C" fn(
            esxStorageVolPtr,
            esxStreamPtr,
            c_ulonglong,
            c_ulonglong,
            c_uint,
        ) -> c_int,
    >,
    pub storageVolDelete: Option<unsafe extern "C" fn(esxStorageVolPtr, c_uint) -> c_int>,
    pub storageVolWipe: Option<unsafe extern "C" fn(esxStorageVolPtr, c_uint) -> c_int>,
    /// Not offered: always NULL.
    pub storageVolWipePattern: Option<unsafe extern "C" fn()>,
    pub storageVolGetInfo:
        Option<unsafe extern "C" fn(esxStorageVolPtr, esxStorageVolInfoPtr) -> c_int>,
    /// Not offered: always NULL.
    pub storageVolGetInfoFlags: Option<unsafe extern "C" fn()>,
    pub storageVolGetXMLDesc: Option<unsafe extern "C" fn(esxStorageVolPtr, c_uint) -> *mut c_char>,
    pub storageVolGetPath: Option<unsafe extern "C" fn(esxStorageVolPtr) -> *mut c_char>,
    pub storageVolResize:
        Option<unsafe extern "C" fn(esxStorageVolPtr, c_ulonglong, c_uint) -> c_int>,
    pub storagePoolIsActive: Option<unsafe extern "C" fn(esxStoragePoolPtr) -> c_int>,
    pub storagePoolIsPersistent: Option<unsafe extern "C" fn(esxStoragePoolPtr) -> c_int>,
}

static STORAGE: Table<esxStorageDriver> = Table(esxStorageDriver {
    name: c"ESX".as_ptr(),
    connectNumOfStoragePools: Some(esxConnectNumOfStoragePools),
    connectListStoragePools: Some(esxConnectListStoragePools),
    connectNumOfDefinedStoragePools: Some(esxConnectNumOfDefinedStoragePools),
    connectListDefinedStoragePools: Some(esxConnectListDefinedStoragePools),
    connectListAllStoragePools: Some(esxConnectListAllStoragePools),
    connectFindStoragePoolSources: None,
    connectStoragePoolEventRegisterAny: None,
    connectStoragePoolEventDeregisterAny: None,
    connectGetStoragePoolCapabilities: None,
    storagePoolLookupByName: Some(esxStoragePoolLookupByName),
    storagePoolLookupByUUID: Some(esxStoragePoolLookupByUUID),
    storagePoolLookupByVolume: Some(esxStoragePoolLookupByVolume),
    storagePoolLookupByTargetPath: None,
    storagePoolCreateXML: None,
    storagePoolDefineXML: None,
    storagePoolBuild: None,
    storagePoolUndefine: None,
    storagePoolCreate: None,
    storagePoolDestroy: None,
    storagePoolDelete: None,
    storagePoolRefresh: Some(esxStoragePoolRefresh),
    storagePoolGetInfo: Some(esxStoragePoolGetInfo),
    storagePoolGetXMLDesc: Some(esxStoragePoolGetXMLDesc),
    storagePoolGetAutostart: Some(esxStoragePoolGetAutostart),
    storagePoolSetAutostart: Some(esxStoragePoolSetAutostart),
    storagePoolNumOfVolumes: Some(esxStoragePoolNumOfVolumes),
    storagePoolListVolumes: Some(esxStoragePoolListVolumes),
    storagePoolListAllVolumes: Some(esxStoragePoolListAllVolumes),
    storageVolLookupByName: Some(esxStorageVolLookupByName),
    storageVolLookupByKey: Some(esxStorageVolLookupByKey),
    storageVolLookupByPath: Some(esxStorageVolLookupByPath),
    storageVolCreateXML: Some(esxStorageVolCreateXML),
    storageVolCreateXMLFrom: Some(esxStorageVolCreateXMLFrom),
    storageVolDownload: Some(esxStorageVolDownload),
    storageVolUpload: Some(esxStorageVolUpload),
    storageVolDelete: Some(esxStorageVolDelete),
    storageVolWipe: Some(esxStorageVolWipe),
    storageVolWipePattern: None,
    storageVolGetInfo: Some(esxStorageVolGetInfo),
    storageVolGetInfoFlags: None,
    storageVolGetXMLDesc: Some(esxStorageVolGetXMLDesc),
    storageVolGetPath: Some(esxStorageVolGetPath),
    storageVolResize: Some(esxStorageVolResize),
    storagePoolIsActive: Some(esxStoragePoolIsActive),
    storagePoolIsPersistent: Some(esxStoragePoolIsPersistent),
});

/// The storage driver table (static; do not free): the 26 entries of
/// libvirt's ESX storage driver, and volume resize, download and upload.
#[no_mangle]
pub extern "C" fn esxGetStorageDriver() -> *const esxStorageDriver {
    export!(esxGetStorageDriver() {
        Ok(&STORAGE.0 as *const esxStorageDriver)
    })
}

/// The network driver table (virNetworkDriver): libvirt's field names, in
/// its order. The 15 entries of libvirt's ESX network driver, the bridge
/// name and network events are filled; creating, starting or destroying a transient
/// network, updates, DHCP leases and network ports are not offered (NULL,
/// typed as plain function pointers).
#[repr(C)]
pub struct esxNetworkDriver {
    /// "ESX"
    pub name: *const c_char,
    pub connectNumOfNetworks: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListNetworks:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectNumOfDefinedNetworks: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListDefinedNetworks:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectListAllNetworks:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut esxNetworkPtr, c_uint) -> c_int>,
    pub connectNetworkEventRegisterAny: Option<
        unsafe extern "C" fn(
            esxConnectPtr,
            esxNetworkPtr,
            c_int,
            esxConnectNetworkEventGenericCallback,
            *mut c_void,
            esxFreeCallback,
        ) -> c_int,
    >,
    pub connectNetworkEventDeregisterAny:
        Option<unsafe extern "C" fn(esxConnectPtr, c_int) -> c_int>,
    pub networkLookupByUUID:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_uchar) -> esxNetworkPtr>,
    pub networkLookupByName:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxNetworkPtr>,
    /// Not offered: always NULL.
    pub networkCreateXML: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkCreateXMLFlags: Option<unsafe extern "C" fn()>,
    pub networkDefineXML:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxNetworkPtr>,
    pub networkDefineXMLFlags:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char, c_uint) -> esxNetworkPtr>,
    pub networkUndefine: Option<unsafe extern "C" fn(esxNetworkPtr) -> c_int>,
    /// Not offered: always NULL.
    pub networkUpdate: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkCreate: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkDestroy: Option<unsafe extern "C" fn()>,
    pub networkGetXMLDesc: Option<unsafe extern "C" fn(esxNetworkPtr, c_uint) -> *mut c_char>,
    pub networkGetBridgeName: Option<unsafe extern "C" fn(esxNetworkPtr) -> *mut c_char>,
    pub networkGetAutostart: Option<unsafe extern "C" fn(esxNetworkPtr, *mut c_int) -> c_int>,
    pub networkSetAutostart: Option<unsafe extern "C" fn(esxNetworkPtr, c_int) -> c_int>,
    pub networkIsActive: Option<unsafe extern "C" fn(esxNetworkPtr) -> c_int>,
    pub networkIsPersistent: Option<unsafe extern "C" fn(esxNetworkPtr) -> c_int>,
    /// Not offered: always NULL.
    pub networkGetDHCPLeases: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkPortLookupByUUID: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkPortCreateXML: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkPortGetXMLDesc: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkPortSetParameters: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkPortGetParameters: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkPortDelete: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub networkListAllPorts: Option<unsafe extern "C" fn()>,
}

static NETWORK: Table<esxNetworkDriver> = Table(esxNetworkDriver {
    name: c"ESX".as_ptr(),
    connectNumOfNetworks: Some(esxConnectNumOfNetworks),
    connectListNetworks: Some(esxConnectListNetworks),
    connectNumOfDefinedNetworks: Some(esxConnectNumOfDefinedNetworks),
    connectListDefinedNetworks: Some(esxConnectListDefinedNetworks),
    connectListAllNetworks: Some(esxConnectListAllNetworks),
    connectNetworkEventRegisterAny: Some(esxConnectNetworkEventRegisterAny),
    connectNetworkEventDeregisterAny: Some(esxConnectNetworkEventDeregisterAny),
    networkLookupByUUID: Some(esxNetworkLookupByUUID),
    networkLookupByName: Some(esxNetworkLookupByName),
    networkCreateXML: None,
    networkCreateXMLFlags: None,
    networkDefineXML: Some(esxNetworkDefineXML),
    networkDefineXMLFlags: Some(esxNetworkDefineXMLFlags),
    networkUndefine: Some(esxNetworkUndefine),
    networkUpdate: None,
    networkCreate: None,
    networkDestroy: None,
    networkGetXMLDesc: Some(esxNetworkGetXMLDesc),
    networkGetBridgeName: Some(esxNetworkGetBridgeName),
    networkGetAutostart: Some(esxNetworkGetAutostart),
    networkSetAutostart: Some(esxNetworkSetAutostart),
    networkIsActive: Some(esxNetworkIsActive),
    networkIsPersistent: Some(esxNetworkIsPersistent),
    networkGetDHCPLeases: None,
    networkPortLookupByUUID: None,
    networkPortCreateXML: None,
    networkPortGetXMLDesc: None,
    networkPortSetParameters: None,
    networkPortGetParameters: None,
    networkPortDelete: None,
    networkListAllPorts: None,
});

/// The network driver table (static; do not free): the 15 entries of
/// libvirt's ESX network driver, the bridge name and network events.
#[no_mangle]
pub extern "C" fn esxGetNetworkDriver() -> *const esxNetworkDriver {
    export!(esxGetNetworkDriver() {
        Ok(&NETWORK.0 as *const esxNetworkDriver)
    })
}

/// The interface driver table (virInterfaceDriver): libvirt's field names,
/// in its order. The 8 entries of libvirt's ESX interface driver are
/// filled; defining, starting and stopping interfaces and change
/// transactions are not offered (NULL).
#[repr(C)]
pub struct esxInterfaceDriver {
    /// "ESX"
    pub name: *const c_char,
    pub connectNumOfInterfaces: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListInterfaces:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectNumOfDefinedInterfaces: Option<unsafe extern "C" fn(esxConnectPtr) -> c_int>,
    pub connectListDefinedInterfaces:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut c_char, c_int) -> c_int>,
    pub connectListAllInterfaces:
        Option<unsafe extern "C" fn(esxConnectPtr, *mut *mut esxInterfacePtr, c_uint) -> c_int>,
    pub interfaceLookupByName:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxInterfacePtr>,
    pub interfaceLookupByMACString:
        Option<unsafe extern "C" fn(esxConnectPtr, *const c_char) -> esxInterfacePtr>,
    pub interfaceGetXMLDesc: Option<unsafe extern "C" fn(esxInterfacePtr, c_uint) -> *mut c_char>,
    /// Not offered: always NULL.
    pub interfaceDefineXML: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub interfaceUndefine: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub interfaceCreate: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub interfaceDestroy: Option<unsafe extern "C" fn()>,
    pub interfaceIsActive: Option<unsafe extern "C" fn(esxInterfacePtr) -> c_int>,
    /// Not offered: always NULL.
    pub interfaceChangeBegin: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub interfaceChangeCommit: Option<unsafe extern "C" fn()>,
    /// Not offered: always NULL.
    pub interfaceChangeRollback: Option<unsafe extern "C" fn()>,
}

static INTERFACE: Table<esxInterfaceDriver> = Table(esxInterfaceDriver {
    name: c"ESX".as_ptr(),
    connectNumOfInterfaces: Some(esxConnectNumOfInterfaces),
    connectListInterfaces: Some(esxConnectListInterfaces),
    connectNumOfDefinedInterfaces: Some(esxConnectNumOfDefinedInterfaces),
    connectListDefinedInterfaces: Some(esxConnectListDefinedInterfaces),
    connectListAllInterfaces: Some(esxConnectListAllInterfaces),
    interfaceLookupByName: Some(esxInterfaceLookupByName),
    interfaceLookupByMACString: Some(esxInterfaceLookupByMACString),
    interfaceGetXMLDesc: Some(esxInterfaceGetXMLDesc),
    interfaceDefineXML: None,
    interfaceUndefine: None,
    interfaceCreate: None,
    interfaceDestroy: None,
    interfaceIsActive: Some(esxInterfaceIsActive),
    interfaceChangeBegin: None,
    interfaceChangeCommit: None,
    interfaceChangeRollback: None,
});

/// The interface driver table (static; do not free): the 8 entries of
/// libvirt's ESX interface driver.
#[no_mangle]
pub extern "C" fn esxGetInterfaceDriver() -> *const esxInterfaceDriver {
    export!(esxGetInterfaceDriver() {
        Ok(&INTERFACE.0 as *const esxInterfaceDriver)
    })
}

/// Test-only: makes the next call into the library panic inside its
/// boundary, to prove that the panic does not reach C.
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn esxTestPanicNextCall() {
    export!(esxTestPanicNextCall() {
        super::boundary::arm_test_panic();
        Ok(())
    })
}
