// SPDX-License-Identifier: LGPL-2.1-or-later
//! The thread-local last error and libvirt's error API (virterror.h):
//! every failing call records its error here, then dispatches it as
//! libvirt's virDispatchError does: a copy goes to the connection the call
//! was about (esxConnGetLastError), and the error goes to that
//! connection's handler (esxConnSetErrorFunc), else the global one
//! (esxSetErrorFunc), else to esxDefaultErrorFunc, which prints it on
//! standard error.
//!
//! Each error carries libvirt's error domain: the driver's (ESX_FROM_ESX,
//! as libvirt's ESX driver reports), or for the checks libvirt's public
//! functions make before any driver the domain of the source file that
//! defines the function (generated::origins) or of the handle's kind;
//! a few parts name their own (typed parameters ESX_FROM_NONE, ...).

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::ptr;
use std::sync::{Arc, Mutex};

use super::export::export;
use super::handles::esxConnect;
use super::strings::malloc_str;
use super::types::{esxConnectPtr, esxError, esxErrorFunc, esxErrorPtr};
use crate::error::{Code, Error, Origin};

/// ESX_FROM_ESX
const FROM_ESX: c_int = 28;
/// ESX_ERR_ERROR
const LEVEL_ERROR: c_int = 2;

/// The last error of a thread: the strings and the struct pointing at
/// them. One per thread, at one address for the thread's life, so that a
/// pointer to it (esxGetLastError, an error handler's argument) stays
/// valid memory even when a later call replaces or resets it (as
/// libvirt's thread-local error does).
struct Record {
    message: Option<CString>,
    fault: Option<CString>,
    raw: esxError,
}

impl Record {
    fn new() -> Record {
        Record {
            message: None,
            fault: None,
            raw: empty(),
        }
    }

    fn clear(&mut self) {
        self.raw = empty();
        self.message = None;
        self.fault = None;
    }
}

thread_local! {
    static LAST: RefCell<Option<Box<Record>>> = const { RefCell::new(None) };
}

/// libvirt's words in front of each kind of error (virerror.c).
fn prefix(code: Code) -> &'static str {
    match code {
        Code::InternalError => "internal error",
        Code::NoSupport => "this function is not supported by the connection driver",
        Code::NoConnect => "no connection driver available for",
        Code::InvalidConn => "invalid connection pointer in",
        Code::InvalidDomain => "invalid domain pointer in",
        Code::InvalidArg => "invalid argument",
        Code::OperationFailed => "operation failed",
        Code::HttpError => "HTTP error",
        Code::XmlError => "XML error",
        Code::OperationDenied => "operation forbidden",
        Code::ConfSyntax => "configuration file syntax error",
        Code::Rpc => "RPC error",
        Code::NoDomain => "Domain not found",
        Code::NoNetwork => "Network not found",
        Code::AuthFailed => "authentication failed",
        Code::InvalidStoragePool => "invalid storage pool pointer in",
        Code::InvalidStorageVol => "invalid storage volume pointer in",
        Code::InvalidStream => "invalid stream pointer in",
        Code::NoStoragePool => "Storage pool not found",
        Code::NoStorageVol => "Storage volume not found",
        Code::OperationInvalid => "Requested operation is not valid",
        Code::NoInterface => "Interface not found",
        Code::InvalidInterface => "invalid interface pointer in",
        Code::ConfigUnsupported => "unsupported configuration",
        Code::OperationTimeout => "Timed out during operation",
        Code::InvalidDomainSnapshot => "Invalid snapshot",
        Code::NoDomainSnapshot => "Domain snapshot not found",
        Code::OperationAborted => "operation aborted",
        Code::OperationUnsupported => "Operation not supported",
        Code::ArgumentUnsupported => "argument unsupported",
        Code::AgentUnresponsive => "Guest agent is not responding",
        Code::NoHostname => "no hostname found",
        Code::InvalidNetwork => "invalid network pointer in",
        Code::NetworkExist => "this network exists already",
        Code::SystemError => "system call error",
        Code::InvalidNodeDevice => "invalid node device pointer in",
        Code::InvalidNWFilter => "Invalid network filter",
        Code::InvalidSecret => "Invalid secret",
        Code::Overflow => "numerical overflow",
        Code::InvalidNWFilterBinding => "Invalid network filter binding",
        Code::InvalidDomainCheckpoint => "Invalid domain checkpoint",
        Code::InvalidNetworkPort => "Invalid network port pointer",
    }
}

/// libvirt's names of its error domains (virErrorDomainTypeToString), by
/// value: what esxDefaultErrorFunc prints.
const DOMAIN_NAMES: [&str; 73] = [
    "",
    "Xen Driver",
    "Xen Daemon",
    "Xen Store",
    "S-Expression",
    "XML Util",
    "Domain",
    "XML-RPC",
    "Proxy Daemon",
    "Config File",
    "QEMU Driver",
    "Network",
    "Test Driver",
    "Remote Driver",
    "OpenVZ Driver",
    "Xen XM Driver",
    "Linux Statistics",
    "LXC Driver",
    "Storage Driver",
    "Network Driver",
    "Domain Config",
    "User Mode Linux Driver",
    "Node Device Driver",
    "Xen Inotify Driver",
    "Security Driver",
    "VirtualBox Driver",
    "Network Interface Driver",
    "Open Nebula Driver",
    "ESX Driver",
    "Power Hypervisor Driver",
    "Secrets Driver",
    "CPU Driver",
    "XenAPI Driver",
    "Network Filter Driver",
    "Lifecycle Hook",
    "Domain Snapshot",
    "Audit Utils",
    "Sysinfo Utils",
    "I/O Stream Utils",
    "VMware Driver",
    "Event Loop",
    "Xen Light Driver",
    "Lock Driver",
    "Hyper-V Driver",
    "Capabilities Utils",
    "URI Utils",
    "Authentication Utils",
    "DBus Utils",
    "Parallels Cloud Server",
    "Device Config",
    "SSH transport layer",
    "Lock Space",
    "Init control",
    "Identity",
    "Cgroup",
    "Access Manager",
    "Systemd",
    "Bhyve",
    "Crypto",
    "Firewall",
    "Polkit",
    "Thread jobs",
    "Admin Interface",
    "Log Manager",
    "Xen XL Config",
    "Perf",
    "Libssh transport layer",
    "Resource control",
    "FirewallD",
    "Domain Checkpoint",
    "TPM",
    "BPF",
    "Cloud-Hypervisor Driver",
];

/// The error domain of `e`, raised in the call of `export` (see the
/// module).
fn domain_of(e: &Error, export: &str) -> c_int {
    match e.origin() {
        Origin::Driver => FROM_ESX,
        Origin::Domain(d) => d,
        // datatypes.h: a bad handle is reported in its kind's domain.
        Origin::Api => match e.code() {
            Code::InvalidDomain => 6,
            Code::InvalidStoragePool | Code::InvalidStorageVol => 18,
            Code::InvalidStream => 38,
            Code::InvalidDomainSnapshot => 35,
            Code::InvalidNetwork | Code::InvalidNetworkPort => 11,
            Code::InvalidInterface => 26,
            Code::InvalidNodeDevice => 22,
            Code::InvalidSecret => 30,
            Code::InvalidNWFilter | Code::InvalidNWFilterBinding => 33,
            Code::InvalidDomainCheckpoint => 69,
            _ => super::generated::origins::public_domain(export)
                .unwrap_or_else(|| own_export_domain(export)),
        },
    }
}

/// The exports libvirt has not (the question API, ...): the domain of the
/// libvirt functions they sit beside.
fn own_export_domain(export: &str) -> c_int {
    if export.starts_with("esxStream") {
        38
    } else if export.starts_with("esxStorage") {
        18
    } else if export.starts_with("esxEvent") {
        40
    } else if export.starts_with("esxDomain") || export.starts_with("esxConnect") {
        20
    } else {
        0
    }
}

fn c_string(text: String) -> CString {
    // Interior NULs cannot be represented; they never carry meaning here.
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

/// Runs `f` on this thread's record (made on first use); None during
/// thread teardown, when the storage is gone.
fn with_record<R>(f: impl FnOnce(&mut Record) -> R) -> Option<R> {
    LAST.try_with(|l| {
        l.try_borrow_mut()
            .ok()
            .map(|mut slot| f(slot.get_or_insert_with(|| Box::new(Record::new()))))
    })
    .ok()
    .flatten()
}

/// Records `e`, raised in the call of `export`, as this thread's last
/// error.
pub fn set(e: &Error, export: &str) {
    // libvirt's templates: "invalid connection pointer in %s" takes the
    // function's name, the others ": %s" and the details.
    let p = prefix(e.code());
    let message = c_string(if e.code() == Code::SystemError {
        // libvirt's system errors are their message alone ("%s").
        e.message().to_string()
    } else if p.ends_with(" in") || p.ends_with(" for") {
        format!("{p} {}", e.message())
    } else {
        format!("{p}: {}", e.message())
    });
    let fault = e.fault().map(|f| c_string(f.to_string()));
    let domain = domain_of(e, export);
    log::debug!(
        "error {} (domain {domain}): {}",
        e.code() as i32,
        e.message()
    );
    // During thread teardown the slot may be gone: the error is then lost,
    // the call still fails with its return value.
    let _ = with_record(|r| {
        r.message = Some(message);
        r.fault = fault;
        r.raw = esxError {
            code: e.code() as c_int,
            domain,
            message: r
                .message
                .as_ref()
                .map_or(ptr::null_mut(), |m| m.as_ptr() as *mut c_char),
            level: LEVEL_ERROR,
            str1: r
                .fault
                .as_ref()
                .map_or(ptr::null_mut(), |f| f.as_ptr() as *mut c_char),
            ..empty()
        };
    });
}

/// Clears this thread's last error (every API call starts with this).
pub fn reset() {
    let _ = LAST.try_with(|l| {
        if let Ok(mut slot) = l.try_borrow_mut() {
            if let Some(r) = slot.as_mut() {
                r.clear();
            }
        }
    });
}

/// The address of this thread's last error record when it holds an error
/// (None also when this thread's storage is already torn down).
fn last_raw() -> Option<*mut esxError> {
    LAST.try_with(|l| {
        l.try_borrow_mut().ok().and_then(|mut slot| {
            slot.as_mut()
                .filter(|r| r.raw.code != 0)
                .map(|r| &mut r.raw as *mut esxError)
        })
    })
    .ok()
    .flatten()
}

/// Runs `f` on the last error, or on None.
fn with_last<R>(f: impl FnOnce(Option<&esxError>) -> R) -> R {
    // SAFETY: the record is boxed in this thread's slot for the thread's
    // life, and changes only in calls into the library; `f` makes none.
    f(last_raw().map(|p| unsafe { &*p }))
}

fn dup(s: *const c_char) -> *mut c_char {
    if s.is_null() {
        ptr::null_mut()
    } else {
        // SAFETY: a NUL-terminated string of a record or of a copy.
        unsafe { libc::strdup(s) }
    }
}

/// A copy of `src` whose strings are malloc'd (freed by free_strings).
fn copy_of(src: &esxError) -> esxError {
    esxError {
        code: src.code,
        domain: src.domain,
        level: src.level,
        message: dup(src.message),
        str1: dup(src.str1),
        str2: dup(src.str2),
        str3: dup(src.str3),
        int1: src.int1,
        int2: src.int2,
        ..empty()
    }
}

/// Frees the strings of a copy made by copy_of and zeroes it.
///
/// # Safety
/// `e`'s strings are NULL or malloc'd.
unsafe fn free_strings(e: &mut esxError) {
    // SAFETY: per the contract.
    unsafe {
        libc::free(e.message as *mut c_void);
        libc::free(e.str1 as *mut c_void);
        libc::free(e.str2 as *mut c_void);
        libc::free(e.str3 as *mut c_void);
    }
    *e = empty();
}

fn empty() -> esxError {
    esxError {
        code: 0,
        domain: 0,
        message: ptr::null_mut(),
        level: 0,
        conn: ptr::null_mut(),
        dom: ptr::null_mut(),
        str1: ptr::null_mut(),
        str2: ptr::null_mut(),
        str3: ptr::null_mut(),
        int1: 0,
        int2: 0,
        net: ptr::null_mut(),
    }
}

// ------------------------------------------------------------ dispatching

/// A handler and its data.
#[derive(Clone, Copy)]
struct Handler {
    f: unsafe extern "C" fn(*mut c_void, esxErrorPtr),
    data: *mut c_void,
}

// SAFETY: the handler and its data are the caller's, who installs them for
// errors of any thread (libvirt's contract).
unsafe impl Send for Handler {}

static GLOBAL: Mutex<Option<Handler>> = Mutex::new(None);

/// A connection's copy of its last error and its handler.
pub struct ConnErrors {
    /// At one address for the connection's life (esxConnGetLastError).
    last: Box<esxError>,
    handler: Option<Handler>,
}

// SAFETY: the strings are owned by the struct (malloc'd copies); the
// handler as above.
unsafe impl Send for ConnErrors {}

impl ConnErrors {
    pub fn new() -> ConnErrors {
        ConnErrors {
            last: Box::new(empty()),
            handler: None,
        }
    }
}

impl Default for ConnErrors {
    fn default() -> Self {
        ConnErrors::new()
    }
}

impl Drop for ConnErrors {
    fn drop(&mut self) {
        // SAFETY: the copy's strings are malloc'd by copy_of.
        unsafe { free_strings(&mut self.last) };
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// libvirt's virDispatchError after a failed call about `conn` (None: no
/// valid connection): the connection keeps a copy, and the error goes to
/// its handler, the global one, or standard error. Handlers run under no
/// lock of this library.
pub fn dispatch(conn: Option<Arc<esxConnect>>) {
    let Some(err) = last_raw() else {
        return;
    };
    let mut handler = *lock(&GLOBAL);
    if let Some(c) = &conn {
        let mut ce = lock(&c.errors);
        // SAFETY: the copy's strings are malloc'd; err is this thread's
        // record.
        unsafe {
            free_strings(&mut ce.last);
            *ce.last = copy_of(&*err);
        }
        if ce.handler.is_some() {
            handler = ce.handler;
        }
    }
    match handler {
        // SAFETY: the caller's handler, given this thread's error (valid
        // during the call, as in libvirt).
        Some(h) => unsafe { (h.f)(h.data, err) },
        // SAFETY: this thread's record.
        None => print_default(unsafe { &*err }),
    }
}

/// What esxDefaultErrorFunc prints for `err`: libvirt's line, in the
/// name of this library.
fn default_line(err: &esxError) -> Option<String> {
    if err.code == 0 {
        return None;
    }
    let level = match err.level {
        1 => "warning",
        2 => "error",
        _ => "",
    };
    let domain = usize::try_from(err.domain)
        .ok()
        .and_then(|d| DOMAIN_NAMES.get(d))
        .copied()
        .unwrap_or("Unknown");
    let message = if err.message.is_null() {
        String::new()
    } else {
        // SAFETY: a NUL-terminated string, per the struct's contract.
        unsafe { CStr::from_ptr(err.message) }
            .to_string_lossy()
            .into_owned()
    };
    let nl = if message.ends_with('\n') { "" } else { "\n" };
    Some(format!("esx-driver: {domain} {level} : {message}{nl}"))
}

fn print_default(err: &esxError) {
    if let Some(line) = default_line(err) {
        use std::io::Write;
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

// ------------------------------------------------------------ the API

/// The last error raised on this thread, or NULL. The pointer is valid
/// until the next call into the library on this thread.
#[no_mangle]
pub extern "C" fn esxGetLastError() -> esxErrorPtr {
    export!(keep_error esxGetLastError() {
        Ok(last_raw().unwrap_or(ptr::null_mut()))
    })
}

/// Forgets the last error of this thread.
#[no_mangle]
pub extern "C" fn esxResetLastError() {
    export!(keep_error esxResetLastError() {
        reset();
        Ok(())
    })
}

/// The message of the last error, or "no error". Valid until the next call
/// into the library on this thread.
#[no_mangle]
pub extern "C" fn esxGetLastErrorMessage() -> *const c_char {
    export!(keep_error esxGetLastErrorMessage() {
        Ok(with_last(|e| match e {
            Some(r) if !r.message.is_null() => r.message as *const c_char,
            Some(_) => c"unknown error".as_ptr(),
            None => c"no error".as_ptr(),
        }))
    })
}

/// The code of the last error, or 0 (ESX_ERR_OK).
#[no_mangle]
pub extern "C" fn esxGetLastErrorCode() -> c_int {
    export!(keep_error esxGetLastErrorCode() {
        Ok(with_last(|e| e.map_or(0, |e| e.code)))
    })
}

/// The domain (an esxErrorDomain) of the last error, or 0 (ESX_FROM_NONE).
#[no_mangle]
pub extern "C" fn esxGetLastErrorDomain() -> c_int {
    export!(keep_error esxGetLastErrorDomain() {
        Ok(with_last(|e| e.map_or(0, |e| e.domain)))
    })
}

/// Copies the last error into `to` (strings are duplicated; release them
/// with esxResetError). Returns the error code, 0 when there is none, -1
/// when `to` is NULL.
#[no_mangle]
pub unsafe extern "C" fn esxCopyLastError(to: esxErrorPtr) -> c_int {
    export!(keep_error esxCopyLastError() {
        // NULL is -1 without an error of its own: the last error stays.
        if to.is_null() {
            return Ok(-1);
        }
        // SAFETY: checked non-NULL; the caller guarantees it is writable.
        let to = unsafe { &mut *to };
        Ok(with_last(|e| match e {
            Some(e) => {
                *to = copy_of(e);
                e.code
            }
            None => {
                *to = empty();
                0
            }
        }))
    })
}

/// Frees the strings of an error filled by esxCopyLastError (or
/// esxConnCopyLastError) and zeroes it; NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn esxResetError(err: esxErrorPtr) {
    export!(keep_error esxResetError() {
        if !err.is_null() {
            // SAFETY: filled by a copy of this library, per the contract.
            unsafe { free_strings(&mut *err) };
        }
        Ok(())
    })
}

/// A malloc'd copy of the last error (with code 0 when there is none, as
/// libvirt's); NULL only when memory runs out. Free it with esxFreeError.
#[no_mangle]
pub extern "C" fn esxSaveLastError() -> esxErrorPtr {
    export!(keep_error esxSaveLastError() {
        // SAFETY: calloc of the struct size; checked for NULL below.
        let p = unsafe { libc::calloc(1, std::mem::size_of::<esxError>()) } as esxErrorPtr;
        if !p.is_null() {
            let copy = with_last(|e| e.map_or_else(empty, copy_of));
            // SAFETY: p is a fresh allocation of the right size.
            unsafe { ptr::write(p, copy) };
        }
        Ok(p)
    })
}

/// Frees an error returned by esxSaveLastError (NULL is a no-op).
#[no_mangle]
pub unsafe extern "C" fn esxFreeError(err: esxErrorPtr) {
    export!(keep_error esxFreeError() {
        if !err.is_null() {
            // SAFETY: returned by esxSaveLastError, per the contract.
            unsafe {
                free_strings(&mut *err);
                libc::free(err as *mut c_void);
            }
        }
        Ok(())
    })
}

/// Installs the handler every failing call's error goes to (unless its
/// connection has one), with `userData` as its first argument; NULL
/// restores the default, esxDefaultErrorFunc (standard error). The handler
/// runs on the failing call's thread, under no lock of this library.
#[no_mangle]
pub unsafe extern "C" fn esxSetErrorFunc(userData: *mut c_void, handler: esxErrorFunc) {
    export!(keep_error esxSetErrorFunc() {
        *lock(&GLOBAL) = handler.map(|f| Handler { f, data: userData });
        Ok(())
    })
}

/// The connection's handler: the errors of calls on `conn` and its
/// objects go to it instead of the global handler; NULL passes them back
/// to the global one. A NULL or invalid `conn` is ignored, as in libvirt.
#[no_mangle]
pub unsafe extern "C" fn esxConnSetErrorFunc(
    conn: esxConnectPtr,
    userData: *mut c_void,
    handler: esxErrorFunc,
) {
    export!(keep_error esxConnSetErrorFunc() {
        if let Ok(c) = super::handles::get(conn, "esxConnSetErrorFunc") {
            lock(&c.errors).handler = handler.map(|f| Handler { f, data: userData });
        }
        Ok(())
    })
}

/// Prints `err` on standard error as libvirt's default does ("esx-driver:
/// DOMAIN error : MESSAGE"); NULL or an error of code 0 prints nothing.
#[no_mangle]
pub unsafe extern "C" fn esxDefaultErrorFunc(err: esxErrorPtr) {
    export!(keep_error esxDefaultErrorFunc() {
        if !err.is_null() {
            // SAFETY: the caller's error, per the contract.
            print_default(unsafe { &*err });
        }
        Ok(())
    })
}

/// The last error of a call on `conn` or its objects (a copy kept by the
/// connection; code 0 when there was none since the last reset), or NULL
/// for a NULL or invalid connection. libvirt keeps this for old programs:
/// it is shared by every thread using the connection, and valid while the
/// connection lives; esxGetLastError is the thread's own.
#[no_mangle]
pub unsafe extern "C" fn esxConnGetLastError(conn: esxConnectPtr) -> esxErrorPtr {
    export!(keep_error esxConnGetLastError() {
        Ok(match super::handles::get(conn, "esxConnGetLastError") {
            Ok(c) => &mut *lock(&c.errors).last as *mut esxError,
            Err(_) => ptr::null_mut(),
        })
    })
}

/// Copies the connection's last error into `to` (strings duplicated;
/// release them with esxResetError): its code, 0 when there is none, -1
/// for a NULL or invalid connection (or a NULL `to`).
#[no_mangle]
pub unsafe extern "C" fn esxConnCopyLastError(conn: esxConnectPtr, to: esxErrorPtr) -> c_int {
    export!(keep_error esxConnCopyLastError() {
        if to.is_null() {
            return Ok(-1);
        }
        // SAFETY: checked non-NULL; the caller guarantees it is writable
        // (libvirt zeroes it first whatever follows).
        let to = unsafe { &mut *to };
        *to = empty();
        let Ok(c) = super::handles::get(conn, "esxConnCopyLastError") else {
            return Ok(-1);
        };
        let ce = lock(&c.errors);
        if ce.last.code != 0 {
            *to = copy_of(&ce.last);
        }
        Ok(to.code)
    })
}

/// Forgets the connection's last error (a NULL or invalid connection is
/// ignored).
#[no_mangle]
pub unsafe extern "C" fn esxConnResetLastError(conn: esxConnectPtr) {
    export!(keep_error esxConnResetLastError() {
        if let Ok(c) = super::handles::get(conn, "esxConnResetLastError") {
            // SAFETY: the copy's strings are malloc'd by copy_of.
            unsafe { free_strings(&mut lock(&c.errors).last) };
        }
        Ok(())
    })
}

/// A malloc'd copy of `text` for callers that free() it; on failure an
/// error is recorded.
pub fn out_string(text: &str) -> Result<*mut c_char, Error> {
    let p = malloc_str(text);
    if p.is_null() {
        Err(Error::internal("out of memory"))
    } else {
        Ok(p)
    }
}

/// Used by tests: the message of the current error.
pub fn last_message() -> Option<String> {
    with_last(|e| {
        e.filter(|e| !e.message.is_null()).map(|e| {
            // SAFETY: the message is a NUL-terminated CString we own.
            unsafe { CStr::from_ptr(e.message) }
                .to_string_lossy()
                .into_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_follow_the_raiser() {
        let driver = Error::no_domain("x");
        assert_eq!(domain_of(&driver, "esxDomainLookupByName"), 28);
        let api = Error::invalid_arg("x").from_api();
        assert_eq!(domain_of(&api, "esxDomainGetXMLDesc"), 20);
        assert_eq!(domain_of(&api, "esxStorageVolGetInfo"), 18);
        assert_eq!(domain_of(&api, "esxStreamSend"), 38);
        assert_eq!(domain_of(&api, "esxDomainSnapshotGetName"), 35);
        assert_eq!(domain_of(&api, "esxConnectOpen"), 0);
        assert_eq!(domain_of(&api, "esxConnectGetType"), 20);
        let bad = Error::new(Code::InvalidDomain, "f").from_api();
        assert_eq!(domain_of(&bad, "esxDomainSnapshotNum"), 6);
        let fixed = Error::invalid_arg("x").in_domain(0);
        assert_eq!(domain_of(&fixed, "esxDomainGetXMLDesc"), 0);
    }

    #[test]
    fn the_default_line_is_libvirts() {
        let msg = c"Domain not found: no domain 'x'";
        let e = esxError {
            code: 42,
            domain: 28,
            level: 2,
            message: msg.as_ptr() as *mut c_char,
            ..empty()
        };
        assert_eq!(
            default_line(&e).unwrap(),
            "esx-driver: ESX Driver error : Domain not found: no domain 'x'\n"
        );
        assert_eq!(default_line(&empty()), None);
    }
}
