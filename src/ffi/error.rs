// SPDX-License-Identifier: LGPL-2.1-or-later
//! The thread-local last error and libvirt's error API (virterror.h).

use std::cell::RefCell;
use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::ptr;

use super::export::export;
use super::strings::malloc_str;
use super::types::{esxError, esxErrorPtr};
use crate::error::{Code, Error};

/// ESX_FROM_ESX
const FROM_ESX: c_int = 28;
/// ESX_ERR_ERROR
const LEVEL_ERROR: c_int = 2;

/// The last error of a thread: the strings and the struct pointing at them.
struct Record {
    _message: CString,
    _fault: Option<CString>,
    raw: esxError,
}

thread_local! {
    static LAST: RefCell<Option<Box<Record>>> = const { RefCell::new(None) };
}

/// libvirt's words in front of each kind of error (virerror.c).
fn prefix(code: Code) -> &'static str {
    match code {
        Code::InternalError => "internal error",
        Code::NoSupport => "this function is not supported by the connection driver",
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

fn c_string(text: String) -> CString {
    // Interior NULs cannot be represented; they never carry meaning here.
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

/// Records `e` as this thread's last error.
pub fn set(e: &Error) {
    // libvirt's templates: "invalid connection pointer in %s" takes the
    // function's name, the others ": %s" and the details.
    let p = prefix(e.code());
    let message = c_string(if p.ends_with(" in") {
        format!("{p} {}", e.message())
    } else {
        format!("{p}: {}", e.message())
    });
    let fault = e.fault().map(|f| c_string(f.to_string()));
    let mut rec = Box::new(Record {
        raw: esxError {
            code: e.code() as c_int,
            domain: FROM_ESX,
            message: ptr::null_mut(),
            level: LEVEL_ERROR,
            conn: ptr::null_mut(),
            dom: ptr::null_mut(),
            str1: ptr::null_mut(),
            str2: ptr::null_mut(),
            str3: ptr::null_mut(),
            int1: 0,
            int2: 0,
            net: ptr::null_mut(),
        },
        _message: message,
        _fault: fault,
    });
    rec.raw.message = rec._message.as_ptr() as *mut c_char;
    rec.raw.str1 = rec
        ._fault
        .as_ref()
        .map_or(ptr::null_mut(), |f| f.as_ptr() as *mut c_char);
    log::debug!("error {}: {}", e.code() as i32, e.message());
    // During thread teardown the slot may be gone: the error is then lost,
    // the call still fails with its return value.
    let _ = LAST.try_with(|l| {
        if let Ok(mut slot) = l.try_borrow_mut() {
            *slot = Some(rec);
        }
    });
}

/// Clears this thread's last error (every API call starts with this).
pub fn reset() {
    let _ = LAST.try_with(|l| {
        if let Ok(mut slot) = l.try_borrow_mut() {
            *slot = None;
        }
    });
}

/// The address of this thread's last error record, if there is one (None
/// also when this thread's storage is already torn down).
fn last_raw() -> Option<*const esxError> {
    LAST.try_with(|l| {
        l.try_borrow()
            .ok()
            .and_then(|slot| slot.as_ref().map(|r| &r.raw as *const esxError))
    })
    .ok()
    .flatten()
}

/// Runs `f` on the last error, or on None.
fn with_last<R>(f: impl FnOnce(Option<&esxError>) -> R) -> R {
    // SAFETY: the record is boxed in this thread's slot and stays there
    // until the next call into the library on this thread; `f` makes none.
    f(last_raw().map(|p| unsafe { &*p }))
}

fn copy_into(src: &esxError, to: &mut esxError) {
    // SAFETY: src's strings are NUL-terminated and live while we copy.
    unsafe {
        to.code = src.code;
        to.domain = src.domain;
        to.level = src.level;
        to.message = if src.message.is_null() {
            ptr::null_mut()
        } else {
            libc::strdup(src.message)
        };
        to.str1 = if src.str1.is_null() {
            ptr::null_mut()
        } else {
            libc::strdup(src.str1)
        };
    }
    to.conn = ptr::null_mut();
    to.dom = ptr::null_mut();
    to.str2 = ptr::null_mut();
    to.str3 = ptr::null_mut();
    to.int1 = 0;
    to.int2 = 0;
    to.net = ptr::null_mut();
}

/// The last error raised on this thread, or NULL. The pointer is valid
/// until the next call into the library on this thread.
#[no_mangle]
pub extern "C" fn esxGetLastError() -> esxErrorPtr {
    export!(keep_error esxGetLastError() {
        Ok(with_last(|e| match e {
            Some(r) => r as *const esxError as esxErrorPtr,
            None => ptr::null_mut(),
        }))
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
            Some(r) => r.message as *const c_char,
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

/// The domain of the last error (ESX_FROM_ESX), or 0 (ESX_FROM_NONE).
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
                copy_into(e, to);
                e.code
            }
            None => {
                *to = empty();
                0
            }
        }))
    })
}

/// Frees the strings of an error filled by copy_into and zeroes it.
///
/// # Safety
/// `err` must be NULL or an esxError filled by copy_into.
unsafe fn reset_error(err: esxErrorPtr) {
    if err.is_null() {
        return;
    }
    // SAFETY: the strings were allocated by strdup in copy_into.
    unsafe {
        let e = &mut *err;
        libc::free(e.message as *mut libc::c_void);
        libc::free(e.str1 as *mut libc::c_void);
        libc::free(e.str2 as *mut libc::c_void);
        libc::free(e.str3 as *mut libc::c_void);
        *e = empty();
    }
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

/// Frees the strings of an error filled by esxCopyLastError and zeroes it.
#[no_mangle]
pub unsafe extern "C" fn esxResetError(err: esxErrorPtr) {
    export!(keep_error esxResetError() {
        // SAFETY: NULL or filled by esxCopyLastError, per the contract.
        unsafe { reset_error(err) };
        Ok(())
    })
}

/// A malloc'd copy of the last error (NULL when there is none); free it
/// with esxFreeError.
#[no_mangle]
pub extern "C" fn esxSaveLastError() -> esxErrorPtr {
    export!(keep_error esxSaveLastError() {
        Ok(with_last(|e| match e {
            None => ptr::null_mut(),
            Some(e) => {
                // SAFETY: malloc of the struct size; checked for NULL below.
                let p = unsafe { libc::malloc(std::mem::size_of::<esxError>()) } as esxErrorPtr;
                if p.is_null() {
                    return p;
                }
                let mut copy = empty();
                copy_into(e, &mut copy);
                // SAFETY: p is a fresh allocation of the right size.
                unsafe { ptr::write(p, copy) };
                p
            }
        }))
    })
}

/// Frees an error returned by esxSaveLastError.
#[no_mangle]
pub unsafe extern "C" fn esxFreeError(err: esxErrorPtr) {
    export!(keep_error esxFreeError() {
        if !err.is_null() {
            // SAFETY: returned by esxSaveLastError, per the contract.
            unsafe {
                reset_error(err);
                libc::free(err as *mut libc::c_void);
            }
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
            unsafe { std::ffi::CStr::from_ptr(e.message) }
                .to_string_lossy()
                .into_owned()
        })
    })
}
