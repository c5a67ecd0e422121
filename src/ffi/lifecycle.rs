//! Domain lifecycle exports: start, shutdown, reboot, destroy, suspend,
//! resume, and the state queries.

#![allow(non_snake_case)]

use std::os::raw::{c_int, c_uint};

use super::boundary::call;
use super::domain::dom;
use super::strings::out;
use super::types::esxDomainPtr;
use crate::error::Error;

fn with_dom<R>(
    d: esxDomainPtr,
    what: &str,
    f: impl FnOnce(&super::handles::esxDomain) -> Result<R, Error>,
) -> Result<R, Error> {
    let h = dom(d, what)?;
    f(&h)
}

/// Powers the domain on; its handle gets the new ID.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainCreate(d: esxDomainPtr) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { esxDomainCreateWithFlags(d, 0) }
}

/// Powers the domain on (`flags` must be 0: ESX has no paused start).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainCreateWithFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        with_dom(d, "esxDomainCreateWithFlags", |h| {
            let now = h.conn.conn.create(&h.dom(), flags)?;
            h.set_dom(now);
            Ok(0)
        })
    })
}

/// Asks the guest to shut down through VMware Tools.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainShutdown(d: esxDomainPtr) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { esxDomainShutdownFlags(d, 0) }
}

/// Asks the guest to shut down through VMware Tools (`flags`: 0 or
/// ESX_DOMAIN_SHUTDOWN_GUEST_AGENT). Fails with ESX_ERR_OPERATION_INVALID
/// when Tools is not running.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainShutdownFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        with_dom(d, "esxDomainShutdownFlags", |h| {
            h.conn.conn.shutdown(&h.dom(), flags).map(|_| 0)
        })
    })
}

/// Asks the guest to reboot through VMware Tools (`flags`: 0 or
/// ESX_DOMAIN_REBOOT_GUEST_AGENT).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainReboot(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        with_dom(d, "esxDomainReboot", |h| {
            h.conn.conn.reboot(&h.dom(), flags).map(|_| 0)
        })
    })
}

/// Powers the domain off at once.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainDestroy(d: esxDomainPtr) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { esxDomainDestroyFlags(d, 0) }
}

/// Powers the domain off at once (`flags` must be 0).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainDestroyFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        with_dom(d, "esxDomainDestroyFlags", |h| {
            h.conn.conn.destroy(&h.dom(), flags)?;
            h.set_id(-1);
            Ok(0)
        })
    })
}

/// Suspends the domain (ESX suspend: its state becomes ESX_DOMAIN_PAUSED).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSuspend(d: esxDomainPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSuspend", |h| {
            h.conn.conn.suspend(&h.dom()).map(|_| 0)
        })
    })
}

/// Resumes a suspended domain.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainResume(d: esxDomainPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainResume", |h| {
            h.conn.conn.resume(&h.dom()).map(|_| 0)
        })
    })
}

/// The domain's state (an esxDomainState) and reason (0: unknown).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `state` writable; `reason`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetState(
    d: esxDomainPtr,
    state: *mut c_int,
    reason: *mut c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetState", |h| {
            // SAFETY: the caller's out-pointer, per this export's contract.
            let s = unsafe { out(state, "state") }?;
            let (st, why) = h.conn.conn.state(&h.dom(), flags)?;
            *s = st;
            if !reason.is_null() {
                // SAFETY: non-NULL, the caller's writable int.
                unsafe { *reason = why };
            }
            Ok(0)
        })
    })
}

/// 1 if the domain is running or suspended, 0 if not, -1 on error.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainIsActive(d: esxDomainPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainIsActive", |h| {
            h.conn.conn.is_active(&h.dom()).map(c_int::from)
        })
    })
}

/// 1: every ESX domain is persistent (the domain's existence is checked).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainIsPersistent(d: esxDomainPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainIsPersistent", |h| {
            h.conn.conn.is_persistent(&h.dom()).map(c_int::from)
        })
    })
}

/// 0: ESX domains have no pending changes (the domain's existence is checked).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainIsUpdated(d: esxDomainPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainIsUpdated", |h| {
            h.conn.conn.is_updated(&h.dom()).map(c_int::from)
        })
    })
}

/// 0: ESX has no managed save (the domain's existence is checked).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainHasManagedSaveImage(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        with_dom(d, "esxDomainHasManagedSaveImage", |h| {
            h.conn
                .conn
                .has_managed_save_image(&h.dom(), flags)
                .map(c_int::from)
        })
    })
}
