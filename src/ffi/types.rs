// SPDX-License-Identifier: LGPL-2.1-or-later
//! C types with libvirt's layouts and values (libvirt-host.h,
//! libvirt-domain.h, virterror.h), renamed vir -> esx. The C test
//! `ffi-examples/abi_check.c` asserts every size, offset and value against
//! Debian's libvirt headers.

#![allow(non_camel_case_types, non_snake_case)]

use std::os::raw::{
    c_char, c_double, c_int, c_longlong, c_uchar, c_uint, c_ulong, c_ulonglong, c_ushort, c_void,
};

pub use super::handles::{
    esxConnect, esxDomain, esxDomainCheckpoint, esxDomainSnapshot, esxInterface, esxNWFilter,
    esxNWFilterBinding, esxNetwork, esxNetworkPort, esxNodeDevice, esxSecret, esxStoragePool,
    esxStorageVol, esxStream, get, pointer,
};

/// A connection handle (opaque, reference counted).
pub type esxConnectPtr = *mut esxConnect;
/// A domain handle (opaque, reference counted).
pub type esxDomainPtr = *mut esxDomain;
/// A domain snapshot handle (opaque, reference counted).
pub type esxDomainSnapshotPtr = *mut esxDomainSnapshot;
/// A storage pool handle (opaque, reference counted).
pub type esxStoragePoolPtr = *mut esxStoragePool;
/// A network handle (opaque; see docs/porting.md: none is made yet).
pub type esxNetworkPtr = *mut esxNetwork;
/// A host interface handle (opaque; none is made yet).
pub type esxInterfacePtr = *mut esxInterface;
/// A secret handle (opaque; none is made).
pub type esxSecretPtr = *mut esxSecret;
/// A node device handle (opaque; none is made).
pub type esxNodeDevicePtr = *mut esxNodeDevice;
/// A network filter handle (opaque; none is made).
pub type esxNWFilterPtr = *mut esxNWFilter;
/// A network filter binding handle (opaque; none is made).
pub type esxNWFilterBindingPtr = *mut esxNWFilterBinding;
/// A domain checkpoint handle (opaque; none is made).
pub type esxDomainCheckpointPtr = *mut esxDomainCheckpoint;
/// A network port handle (opaque; none is made).
pub type esxNetworkPortPtr = *mut esxNetworkPort;

/// virStoragePoolInfo.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct esxStoragePoolInfo {
    /// An esxStoragePoolState.
    pub state: c_int,
    /// Logical size in bytes.
    pub capacity: c_ulonglong,
    /// Current allocation in bytes.
    pub allocation: c_ulonglong,
    /// Remaining free space in bytes.
    pub available: c_ulonglong,
}
pub type esxStoragePoolInfoPtr = *mut esxStoragePoolInfo;
/// A stream handle (opaque, reference counted): volume contents in or out.
pub type esxStreamPtr = *mut esxStream;
/// A storage volume handle (opaque, reference counted).
pub type esxStorageVolPtr = *mut esxStorageVol;

/// virStorageVolInfo.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct esxStorageVolInfo {
    /// An esxStorageVolType (ESX_STORAGE_VOL_FILE).
    pub r#type: c_int,
    /// Logical size in bytes.
    pub capacity: c_ulonglong,
    /// Current allocation in bytes.
    pub allocation: c_ulonglong,
}
pub type esxStorageVolInfoPtr = *mut esxStorageVolInfo;

/// virDomainInfo.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct esxDomainInfo {
    /// The running state, an esxDomainState.
    pub state: c_uchar,
    /// The maximum memory in KiB allowed.
    pub maxMem: c_ulong,
    /// The memory in KiB used by the domain.
    pub memory: c_ulong,
    /// The number of virtual CPUs for the domain.
    pub nrVirtCpu: c_ushort,
    /// The CPU time used in nanoseconds.
    pub cpuTime: c_ulonglong,
}
pub type esxDomainInfoPtr = *mut esxDomainInfo;

/// virNodeInfo.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct esxNodeInfo {
    /// The CPU model, NUL-terminated.
    pub model: [c_char; 32],
    /// Memory size in KiB.
    pub memory: c_ulong,
    /// The number of active CPUs.
    pub cpus: c_uint,
    /// Expected CPU frequency in MHz.
    pub mhz: c_uint,
    /// The number of NUMA cells.
    pub nodes: c_uint,
    /// The number of CPU sockets per node.
    pub sockets: c_uint,
    /// The number of cores per socket.
    pub cores: c_uint,
    /// The number of threads per core.
    pub threads: c_uint,
}
pub type esxNodeInfoPtr = *mut esxNodeInfo;

/// virConnectCredential: one question of the auth callback.
#[repr(C)]
#[derive(Debug)]
pub struct esxConnectCredential {
    /// One of esxConnectCredentialType.
    pub r#type: c_int,
    /// Prompt to show to the user.
    pub prompt: *const c_char,
    /// Additional challenge to show (the host name).
    pub challenge: *const c_char,
    /// Optional default result.
    pub defresult: *const c_char,
    /// The answer, malloc'd by the callback; the library frees it.
    pub result: *mut c_char,
    /// Length of the answer.
    pub resultlen: c_uint,
}
pub type esxConnectCredentialPtr = *mut esxConnectCredential;

/// virConnectAuthCallbackPtr: returns 0 when every credential got an answer.
pub type esxConnectAuthCallbackPtr = Option<
    unsafe extern "C" fn(
        cred: esxConnectCredentialPtr,
        ncred: c_uint,
        cbdata: *mut c_void,
    ) -> c_int,
>;

/// virConnectAuth.
#[repr(C)]
#[derive(Debug)]
pub struct esxConnectAuth {
    /// The credential types the callback supports.
    pub credtype: *mut c_int,
    pub ncredtype: c_uint,
    /// The callback used to collect credentials.
    pub cb: esxConnectAuthCallbackPtr,
    pub cbdata: *mut c_void,
}
pub type esxConnectAuthPtr = *mut esxConnectAuth;

/// The value part of esxTypedParameter.
#[repr(C)]
#[derive(Clone, Copy)]
pub union esxTypedParameterValue {
    pub i: c_int,
    pub ui: c_uint,
    pub l: c_longlong,
    pub ul: c_ulonglong,
    pub d: c_double,
    pub b: c_char,
    pub s: *mut c_char,
}

/// virTypedParameter.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct esxTypedParameter {
    /// Parameter name, NUL-terminated.
    pub field: [c_char; 80],
    /// One of esxTypedParameterType.
    pub r#type: c_int,
    pub value: esxTypedParameterValue,
}
pub type esxTypedParameterPtr = *mut esxTypedParameter;

/// virError: the details of the last error of this thread.
#[repr(C)]
#[derive(Debug)]
pub struct esxError {
    /// The error code, an esxErrorNumber.
    pub code: c_int,
    /// What part of the library raised it (ESX_FROM_ESX).
    pub domain: c_int,
    /// Human-readable message.
    pub message: *mut c_char,
    /// An esxErrorLevel.
    pub level: c_int,
    /// Always NULL (deprecated in libvirt).
    pub conn: esxConnectPtr,
    /// Always NULL (deprecated in libvirt).
    pub dom: esxDomainPtr,
    /// Extra string information: the VI fault type, when the host sent one.
    pub str1: *mut c_char,
    pub str2: *mut c_char,
    pub str3: *mut c_char,
    pub int1: c_int,
    pub int2: c_int,
    /// Always NULL (deprecated in libvirt).
    pub net: esxNetworkPtr,
}
pub type esxErrorPtr = *mut esxError;

/// virErrorFunc: an error handler (esxSetErrorFunc, esxConnSetErrorFunc),
/// called with its data and the error, which is valid during the call.
pub type esxErrorFunc = Option<unsafe extern "C" fn(userData: *mut c_void, error: esxErrorPtr)>;

/// A free function for callback data (virFreeCallback).
pub type esxFreeCallback = Option<unsafe extern "C" fn(opaque: *mut c_void)>;

/// virConnectCloseFunc: told that a connection closed, and why (an
/// esxConnectCloseReason).
pub type esxConnectCloseFunc =
    Option<unsafe extern "C" fn(conn: esxConnectPtr, reason: c_int, opaque: *mut c_void)>;

/// virStreamSourceFunc: fills `data` (room for `nbytes`) with the next
/// bytes to send; returns their count, 0 at the end, -1 on error (errno).
pub type esxStreamSourceFunc = Option<
    unsafe extern "C" fn(
        st: esxStreamPtr,
        data: *mut c_char,
        nbytes: usize,
        opaque: *mut c_void,
    ) -> c_int,
>;

/// virStreamSourceHoleFunc: whether the source is at data (*inData 1) or
/// a hole (0), and the section's *length (a hole of 0 at the end).
pub type esxStreamSourceHoleFunc = Option<
    unsafe extern "C" fn(
        st: esxStreamPtr,
        inData: *mut c_int,
        length: *mut c_longlong,
        opaque: *mut c_void,
    ) -> c_int,
>;

/// virStreamSourceSkipFunc: moves the source `length` bytes on (past a
/// hole); 0, or -1 on error.
pub type esxStreamSourceSkipFunc = Option<
    unsafe extern "C" fn(st: esxStreamPtr, length: c_longlong, opaque: *mut c_void) -> c_int,
>;

/// virStreamSinkFunc: takes `nbytes` of `data`; returns how many it took,
/// -1 on error (errno).
pub type esxStreamSinkFunc = Option<
    unsafe extern "C" fn(
        st: esxStreamPtr,
        data: *const c_char,
        nbytes: usize,
        opaque: *mut c_void,
    ) -> c_int,
>;

/// virStreamSinkHoleFunc: makes a hole of `length` bytes in the target;
/// 0, or -1 on error.
pub type esxStreamSinkHoleFunc = Option<
    unsafe extern "C" fn(st: esxStreamPtr, length: c_longlong, opaque: *mut c_void) -> c_int,
>;

/// virStreamEventCallback: the stream is ready for `events`
/// (esxStreamEventType bits).
pub type esxStreamEventCallback =
    Option<unsafe extern "C" fn(stream: esxStreamPtr, events: c_int, opaque: *mut c_void)>;

/// virEventHandleType: what a watched descriptor is ready for.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxEventHandleType {
    ESX_EVENT_HANDLE_READABLE = 1,
    ESX_EVENT_HANDLE_WRITABLE = 2,
    ESX_EVENT_HANDLE_ERROR = 4,
    ESX_EVENT_HANDLE_HANGUP = 8,
}

/// virEventHandleCallback: `fd` (watch `watch`) is ready for `events`
/// (esxEventHandleType bits).
pub type esxEventHandleCallback =
    Option<unsafe extern "C" fn(watch: c_int, fd: c_int, events: c_int, opaque: *mut c_void)>;

/// virEventTimeoutCallback: timer `timer` is due.
pub type esxEventTimeoutCallback = Option<unsafe extern "C" fn(timer: c_int, opaque: *mut c_void)>;

/// virEventAddHandleFunc: a program's loop adds a watch (esxEventRegisterImpl).
pub type esxEventAddHandleFunc = Option<
    unsafe extern "C" fn(
        fd: c_int,
        event: c_int,
        cb: esxEventHandleCallback,
        opaque: *mut c_void,
        ff: esxFreeCallback,
    ) -> c_int,
>;

/// virEventUpdateHandleFunc: a program's loop changes a watch's events.
pub type esxEventUpdateHandleFunc = Option<unsafe extern "C" fn(watch: c_int, event: c_int)>;

/// virEventRemoveHandleFunc: a program's loop removes a watch.
pub type esxEventRemoveHandleFunc = Option<unsafe extern "C" fn(watch: c_int) -> c_int>;

/// virEventAddTimeoutFunc: a program's loop adds a timer.
pub type esxEventAddTimeoutFunc = Option<
    unsafe extern "C" fn(
        timeout: c_int,
        cb: esxEventTimeoutCallback,
        opaque: *mut c_void,
        ff: esxFreeCallback,
    ) -> c_int,
>;

/// virEventUpdateTimeoutFunc: a program's loop changes a timer's period.
pub type esxEventUpdateTimeoutFunc = Option<unsafe extern "C" fn(timer: c_int, timeout: c_int)>;

/// virEventRemoveTimeoutFunc: a program's loop removes a timer.
pub type esxEventRemoveTimeoutFunc = Option<unsafe extern "C" fn(timer: c_int) -> c_int>;

/// One answer of a VM question.
#[repr(C)]
#[derive(Debug)]
pub struct esxQuestionChoice {
    /// What is sent to the host to pick this answer.
    pub key: *const c_char,
    /// The answer's catalog label (e.g. "button.uuid.copiedTheVM").
    pub label: *const c_char,
    /// The answer's text (e.g. "I Copied It").
    pub summary: *const c_char,
}

/// A question that blocks a task on a VM (VirtualMachineQuestionInfo).
#[repr(C)]
#[derive(Debug)]
pub struct esxQuestion {
    /// The question id the host gave it.
    pub id: *const c_char,
    /// The question text.
    pub text: *const c_char,
    /// The stable message id (e.g. "msg.uuid.altered"), or "".
    pub messageId: *const c_char,
    pub nchoices: c_uint,
    pub choices: *const esxQuestionChoice,
    /// Index of the default answer in choices, or -1 when there is none.
    pub defaultIndex: c_int,
}

/// Decides a question: returns the index of the choice to answer with, or -1
/// to refuse (the task is then cancelled when it can be, as with
/// auto_answer=0). `dom` is valid during the call only (esxDomainRef it to
/// keep it).
pub type esxQuestionCallback = Option<
    unsafe extern "C" fn(
        conn: esxConnectPtr,
        dom: esxDomainPtr,
        question: *const esxQuestion,
        opaque: *mut c_void,
    ) -> c_int,
>;

/// Receives the library's log records (see esxSetLogHandler).
pub type esxLogCallback = Option<
    unsafe extern "C" fn(
        priority: c_int,
        module: *const c_char,
        message: *const c_char,
        opaque: *mut c_void,
    ),
>;

/// virDomainState.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainState {
    ESX_DOMAIN_NOSTATE = 0,
    ESX_DOMAIN_RUNNING = 1,
    ESX_DOMAIN_BLOCKED = 2,
    ESX_DOMAIN_PAUSED = 3,
    ESX_DOMAIN_SHUTDOWN = 4,
    ESX_DOMAIN_SHUTOFF = 5,
    ESX_DOMAIN_CRASHED = 6,
    ESX_DOMAIN_PMSUSPENDED = 7,
}

/// virErrorLevel.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxErrorLevel {
    ESX_ERR_NONE = 0,
    ESX_ERR_WARNING = 1,
    ESX_ERR_ERROR = 2,
}

/// virErrorDomain: what raised an error. This library raises ESX_FROM_ESX
/// for the driver's errors and, for the checks libvirt's public functions
/// make, the domain libvirt gives them (ESX_FROM_DOM, ESX_FROM_DOMAIN,
/// ESX_FROM_STORAGE, ESX_FROM_STREAMS, ...; docs/decisions.md).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxErrorDomain {
    ESX_FROM_NONE = 0,
    ESX_FROM_XEN = 1,
    ESX_FROM_XEND = 2,
    ESX_FROM_XENSTORE = 3,
    ESX_FROM_SEXPR = 4,
    ESX_FROM_XML = 5,
    ESX_FROM_DOM = 6,
    ESX_FROM_RPC = 7,
    ESX_FROM_PROXY = 8,
    ESX_FROM_CONF = 9,
    ESX_FROM_QEMU = 10,
    ESX_FROM_NET = 11,
    ESX_FROM_TEST = 12,
    ESX_FROM_REMOTE = 13,
    ESX_FROM_OPENVZ = 14,
    ESX_FROM_XENXM = 15,
    ESX_FROM_STATS_LINUX = 16,
    ESX_FROM_LXC = 17,
    ESX_FROM_STORAGE = 18,
    ESX_FROM_NETWORK = 19,
    ESX_FROM_DOMAIN = 20,
    ESX_FROM_UML = 21,
    ESX_FROM_NODEDEV = 22,
    ESX_FROM_XEN_INOTIFY = 23,
    ESX_FROM_SECURITY = 24,
    ESX_FROM_VBOX = 25,
    ESX_FROM_INTERFACE = 26,
    ESX_FROM_ONE = 27,
    ESX_FROM_ESX = 28,
    ESX_FROM_PHYP = 29,
    ESX_FROM_SECRET = 30,
    ESX_FROM_CPU = 31,
    ESX_FROM_XENAPI = 32,
    ESX_FROM_NWFILTER = 33,
    ESX_FROM_HOOK = 34,
    ESX_FROM_DOMAIN_SNAPSHOT = 35,
    ESX_FROM_AUDIT = 36,
    ESX_FROM_SYSINFO = 37,
    ESX_FROM_STREAMS = 38,
    ESX_FROM_VMWARE = 39,
    ESX_FROM_EVENT = 40,
    ESX_FROM_LIBXL = 41,
    ESX_FROM_LOCKING = 42,
    ESX_FROM_HYPERV = 43,
    ESX_FROM_CAPABILITIES = 44,
    ESX_FROM_URI = 45,
    ESX_FROM_AUTH = 46,
    ESX_FROM_DBUS = 47,
    ESX_FROM_PARALLELS = 48,
    ESX_FROM_DEVICE = 49,
    ESX_FROM_SSH = 50,
    ESX_FROM_LOCKSPACE = 51,
    ESX_FROM_INITCTL = 52,
    ESX_FROM_IDENTITY = 53,
    ESX_FROM_CGROUP = 54,
    ESX_FROM_ACCESS = 55,
    ESX_FROM_SYSTEMD = 56,
    ESX_FROM_BHYVE = 57,
    ESX_FROM_CRYPTO = 58,
    ESX_FROM_FIREWALL = 59,
    ESX_FROM_POLKIT = 60,
    ESX_FROM_THREAD = 61,
    ESX_FROM_ADMIN = 62,
    ESX_FROM_LOGGING = 63,
    ESX_FROM_XENXL = 64,
    ESX_FROM_PERF = 65,
    ESX_FROM_LIBSSH = 66,
    ESX_FROM_RESCTRL = 67,
    ESX_FROM_FIREWALLD = 68,
    ESX_FROM_DOMAIN_CHECKPOINT = 69,
    ESX_FROM_TPM = 70,
    ESX_FROM_BPF = 71,
    ESX_FROM_CH = 72,
}

/// virErrorNumber.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxErrorNumber {
    ESX_ERR_OK = 0,
    ESX_ERR_INTERNAL_ERROR = 1,
    ESX_ERR_NO_MEMORY = 2,
    ESX_ERR_NO_SUPPORT = 3,
    ESX_ERR_UNKNOWN_HOST = 4,
    ESX_ERR_NO_CONNECT = 5,
    ESX_ERR_INVALID_CONN = 6,
    ESX_ERR_INVALID_DOMAIN = 7,
    ESX_ERR_INVALID_ARG = 8,
    ESX_ERR_OPERATION_FAILED = 9,
    ESX_ERR_GET_FAILED = 10,
    ESX_ERR_POST_FAILED = 11,
    ESX_ERR_HTTP_ERROR = 12,
    ESX_ERR_SEXPR_SERIAL = 13,
    ESX_ERR_NO_XEN = 14,
    ESX_ERR_XEN_CALL = 15,
    ESX_ERR_OS_TYPE = 16,
    ESX_ERR_NO_KERNEL = 17,
    ESX_ERR_NO_ROOT = 18,
    ESX_ERR_NO_SOURCE = 19,
    ESX_ERR_NO_TARGET = 20,
    ESX_ERR_NO_NAME = 21,
    ESX_ERR_NO_OS = 22,
    ESX_ERR_NO_DEVICE = 23,
    ESX_ERR_NO_XENSTORE = 24,
    ESX_ERR_DRIVER_FULL = 25,
    ESX_ERR_CALL_FAILED = 26,
    ESX_ERR_XML_ERROR = 27,
    ESX_ERR_DOM_EXIST = 28,
    ESX_ERR_OPERATION_DENIED = 29,
    ESX_ERR_OPEN_FAILED = 30,
    ESX_ERR_READ_FAILED = 31,
    ESX_ERR_PARSE_FAILED = 32,
    ESX_ERR_CONF_SYNTAX = 33,
    ESX_ERR_WRITE_FAILED = 34,
    ESX_ERR_XML_DETAIL = 35,
    ESX_ERR_INVALID_NETWORK = 36,
    ESX_ERR_NETWORK_EXIST = 37,
    ESX_ERR_SYSTEM_ERROR = 38,
    ESX_ERR_RPC = 39,
    ESX_ERR_GNUTLS_ERROR = 40,
    ESX_WAR_NO_NETWORK = 41,
    ESX_ERR_NO_DOMAIN = 42,
    ESX_ERR_NO_NETWORK = 43,
    ESX_ERR_INVALID_MAC = 44,
    ESX_ERR_AUTH_FAILED = 45,
    ESX_ERR_INVALID_STORAGE_POOL = 46,
    ESX_ERR_INVALID_STORAGE_VOL = 47,
    ESX_WAR_NO_STORAGE = 48,
    ESX_ERR_NO_STORAGE_POOL = 49,
    ESX_ERR_NO_STORAGE_VOL = 50,
    ESX_WAR_NO_NODE = 51,
    ESX_ERR_INVALID_NODE_DEVICE = 52,
    ESX_ERR_NO_NODE_DEVICE = 53,
    ESX_ERR_NO_SECURITY_MODEL = 54,
    ESX_ERR_OPERATION_INVALID = 55,
    ESX_WAR_NO_INTERFACE = 56,
    ESX_ERR_NO_INTERFACE = 57,
    ESX_ERR_INVALID_INTERFACE = 58,
    ESX_ERR_MULTIPLE_INTERFACES = 59,
    ESX_WAR_NO_NWFILTER = 60,
    ESX_ERR_INVALID_NWFILTER = 61,
    ESX_ERR_NO_NWFILTER = 62,
    ESX_ERR_BUILD_FIREWALL = 63,
    ESX_WAR_NO_SECRET = 64,
    ESX_ERR_INVALID_SECRET = 65,
    ESX_ERR_NO_SECRET = 66,
    ESX_ERR_CONFIG_UNSUPPORTED = 67,
    ESX_ERR_OPERATION_TIMEOUT = 68,
    ESX_ERR_MIGRATE_PERSIST_FAILED = 69,
    ESX_ERR_HOOK_SCRIPT_FAILED = 70,
    ESX_ERR_INVALID_DOMAIN_SNAPSHOT = 71,
    ESX_ERR_NO_DOMAIN_SNAPSHOT = 72,
    ESX_ERR_INVALID_STREAM = 73,
    ESX_ERR_ARGUMENT_UNSUPPORTED = 74,
    ESX_ERR_STORAGE_PROBE_FAILED = 75,
    ESX_ERR_STORAGE_POOL_BUILT = 76,
    ESX_ERR_SNAPSHOT_REVERT_RISKY = 77,
    ESX_ERR_OPERATION_ABORTED = 78,
    ESX_ERR_AUTH_CANCELLED = 79,
    ESX_ERR_NO_DOMAIN_METADATA = 80,
    ESX_ERR_MIGRATE_UNSAFE = 81,
    ESX_ERR_OVERFLOW = 82,
    ESX_ERR_BLOCK_COPY_ACTIVE = 83,
    ESX_ERR_OPERATION_UNSUPPORTED = 84,
    ESX_ERR_SSH = 85,
    ESX_ERR_AGENT_UNRESPONSIVE = 86,
    ESX_ERR_RESOURCE_BUSY = 87,
    ESX_ERR_ACCESS_DENIED = 88,
    ESX_ERR_DBUS_SERVICE = 89,
    ESX_ERR_STORAGE_VOL_EXIST = 90,
    ESX_ERR_CPU_INCOMPATIBLE = 91,
    ESX_ERR_XML_INVALID_SCHEMA = 92,
    ESX_ERR_MIGRATE_FINISH_OK = 93,
    ESX_ERR_AUTH_UNAVAILABLE = 94,
    ESX_ERR_NO_SERVER = 95,
    ESX_ERR_NO_CLIENT = 96,
    ESX_ERR_AGENT_UNSYNCED = 97,
    ESX_ERR_LIBSSH = 98,
    ESX_ERR_DEVICE_MISSING = 99,
    ESX_ERR_INVALID_NWFILTER_BINDING = 100,
    ESX_ERR_NO_NWFILTER_BINDING = 101,
    ESX_ERR_INVALID_DOMAIN_CHECKPOINT = 102,
    ESX_ERR_NO_DOMAIN_CHECKPOINT = 103,
    ESX_ERR_NO_DOMAIN_BACKUP = 104,
    ESX_ERR_INVALID_NETWORK_PORT = 105,
    ESX_ERR_NETWORK_PORT_EXIST = 106,
    ESX_ERR_NO_NETWORK_PORT = 107,
    ESX_ERR_NO_HOSTNAME = 108,
    ESX_ERR_CHECKPOINT_INCONSISTENT = 109,
    ESX_ERR_MULTIPLE_DOMAINS = 110,
}

/// virConnectCredentialType.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxConnectCredentialType {
    ESX_CRED_USERNAME = 1,
    ESX_CRED_AUTHNAME = 2,
    ESX_CRED_LANGUAGE = 3,
    ESX_CRED_CNONCE = 4,
    ESX_CRED_PASSPHRASE = 5,
    ESX_CRED_ECHOPROMPT = 6,
    ESX_CRED_NOECHOPROMPT = 7,
    ESX_CRED_REALM = 8,
    ESX_CRED_EXTERNAL = 9,
}

/// virTypedParameterType.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxTypedParameterType {
    ESX_TYPED_PARAM_INT = 1,
    ESX_TYPED_PARAM_UINT = 2,
    ESX_TYPED_PARAM_LLONG = 3,
    ESX_TYPED_PARAM_ULLONG = 4,
    ESX_TYPED_PARAM_DOUBLE = 5,
    ESX_TYPED_PARAM_BOOLEAN = 6,
    ESX_TYPED_PARAM_STRING = 7,
}

/// Log priorities given to an esxLogCallback (libvirt's virLogPriority).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxLogPriority {
    ESX_LOG_DEBUG = 1,
    ESX_LOG_INFO = 2,
    ESX_LOG_WARN = 3,
    ESX_LOG_ERROR = 4,
}

/// virDomainIPAddress: one address of a guest interface.
#[repr(C)]
#[derive(Debug)]
pub struct esxDomainIPAddress {
    /// One of esxIPAddrType.
    pub r#type: c_int,
    /// The address in text form, malloc'd.
    pub addr: *mut c_char,
    /// The prefix length (netmask bits).
    pub prefix: c_uint,
}
pub type esxDomainIPAddressPtr = *mut esxDomainIPAddress;

/// virDomainInterface: one guest interface and its addresses; free with
/// esxDomainInterfaceFree.
#[repr(C)]
#[derive(Debug)]
pub struct esxDomainInterface {
    /// Interface name as the guest reports it (the VM's device key on ESX).
    pub name: *mut c_char,
    /// MAC address, or NULL.
    pub hwaddr: *mut c_char,
    /// Number of entries in addrs.
    pub naddrs: c_uint,
    /// Array of naddrs addresses.
    pub addrs: *mut esxDomainIPAddress,
}
pub type esxDomainInterfacePtr = *mut esxDomainInterface;

/// virIPAddrType.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxIPAddrType {
    ESX_IP_ADDR_TYPE_IPV4 = 0,
    ESX_IP_ADDR_TYPE_IPV6 = 1,
}

/// Size of a binary UUID (VIR_UUID_BUFLEN).
pub const ESX_UUID_BUFLEN: usize = 16;
/// Size of a UUID string with its NUL (VIR_UUID_STRING_BUFLEN).
pub const ESX_UUID_STRING_BUFLEN: usize = 37;

/// One domain's statistics (virDomainStatsRecord).
#[repr(C)]
#[derive(Debug)]
pub struct esxDomainStatsRecord {
    /// A domain handle the record owns (esxDomainRef it to keep it).
    pub dom: esxDomainPtr,
    pub params: esxTypedParameterPtr,
    pub nparams: c_int,
}

pub type esxDomainStatsRecordPtr = *mut esxDomainStatsRecord;

/// libvirt's generic event callback type; cast to the type the event ID
/// names (esxConnectDomainEventCallback for LIFECYCLE, ..._Reboot for
/// REBOOT, esxConnectDomainEventQuestionCallback for QUESTION).
pub type esxConnectDomainEventGenericCallback =
    Option<unsafe extern "C" fn(conn: esxConnectPtr, dom: esxDomainPtr, opaque: *mut c_void)>;

/// A lifecycle event: `event` an esxDomainEventType, `detail` its detail.
pub type esxConnectDomainEventCallback = Option<
    unsafe extern "C" fn(
        conn: esxConnectPtr,
        dom: esxDomainPtr,
        event: c_int,
        detail: c_int,
        opaque: *mut c_void,
    ) -> c_int,
>;

/// ESX_DOMAIN_EVENT_ID_QUESTION: `question` the VM's new question, or NULL
/// when it was answered or withdrawn (valid during the call).
pub type esxConnectDomainEventQuestionCallback = Option<
    unsafe extern "C" fn(
        conn: esxConnectPtr,
        dom: esxDomainPtr,
        question: *const esxQuestion,
        opaque: *mut c_void,
    ),
>;
