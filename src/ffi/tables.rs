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
use super::export::export;
use super::lifecycle::*;
use super::snapshot::*;
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
        Option<unsafe extern "C" fn(esxDomainPtr, *mut c_void, c_uint, c_uint) -> *mut c_char>,
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
    domainScreenshot: None,
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
});

/// The hypervisor driver table (static; do not free).
#[no_mangle]
pub extern "C" fn esxGetHypervisorDriver() -> *const esxHypervisorDriver {
    export!(esxGetHypervisorDriver() {
        Ok(&HYPERVISOR.0 as *const esxHypervisorDriver)
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
