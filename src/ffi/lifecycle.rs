// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain lifecycle exports: start, shutdown, reboot, destroy, suspend,
//! resume, and the state queries.

use std::os::raw::{c_int, c_uint};

use super::export::{export, Dom, Out};
use super::types::esxDomainPtr;

/// Powers the domain on; its handle gets the new ID.
#[no_mangle]
pub unsafe extern "C" fn esxDomainCreate(d: esxDomainPtr) -> c_int {
    export!(esxDomainCreate(d: Dom) {
        d.set_dom(d.domains().domain_create(&d.dom())?);
        Ok(0)
    })
}

/// Powers the domain on (`flags` must be 0: ESX has no paused start).
#[no_mangle]
pub unsafe extern "C" fn esxDomainCreateWithFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainCreateWithFlags(d: Dom) {
        d.set_dom(d.domains().domain_create_with_flags(&d.dom(), flags)?);
        Ok(0)
    })
}

/// Asks the guest to shut down through VMware Tools.
#[no_mangle]
pub unsafe extern "C" fn esxDomainShutdown(d: esxDomainPtr) -> c_int {
    export!(esxDomainShutdown(d: Dom) {
        d.domains().domain_shutdown(&d.dom()).map(|_| 0)
    })
}

/// Asks the guest to shut down through VMware Tools (`flags`: 0 or
/// ESX_DOMAIN_SHUTDOWN_GUEST_AGENT). Fails with ESX_ERR_OPERATION_INVALID
/// when Tools is not running.
#[no_mangle]
pub unsafe extern "C" fn esxDomainShutdownFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainShutdownFlags(d: Dom) {
        d.domains().domain_shutdown_flags(&d.dom(), flags).map(|_| 0)
    })
}

/// Asks the guest to reboot through VMware Tools (`flags`: 0 or
/// ESX_DOMAIN_REBOOT_GUEST_AGENT).
#[no_mangle]
pub unsafe extern "C" fn esxDomainReboot(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainReboot(d: Dom) {
        d.domains().domain_reboot(&d.dom(), flags).map(|_| 0)
    })
}

/// Powers the domain off at once.
#[no_mangle]
pub unsafe extern "C" fn esxDomainDestroy(d: esxDomainPtr) -> c_int {
    export!(esxDomainDestroy(d: Dom) {
        d.set_dom(d.domains().domain_destroy(&d.dom())?);
        Ok(0)
    })
}

/// Powers the domain off at once (`flags` must be 0).
#[no_mangle]
pub unsafe extern "C" fn esxDomainDestroyFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainDestroyFlags(d: Dom) {
        d.set_dom(d.domains().domain_destroy_flags(&d.dom(), flags)?);
        Ok(0)
    })
}

/// Suspends the domain (ESX suspend: its state becomes ESX_DOMAIN_PAUSED).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSuspend(d: esxDomainPtr) -> c_int {
    export!(esxDomainSuspend(d: Dom) {
        d.domains().domain_suspend(&d.dom()).map(|_| 0)
    })
}

/// Resumes a suspended domain.
#[no_mangle]
pub unsafe extern "C" fn esxDomainResume(d: esxDomainPtr) -> c_int {
    export!(esxDomainResume(d: Dom) {
        d.domains().domain_resume(&d.dom()).map(|_| 0)
    })
}

/// The domain's state (an esxDomainState) and reason (0: unknown);
/// `reason` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetState(
    d: esxDomainPtr,
    state: *mut c_int,
    reason: *mut c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainGetState(d: Dom, state: Out<c_int>, reason: Option<Out<c_int>>) {
        let (st, why) = d.domains().domain_get_state(&d.dom(), flags)?;
        state.set(st);
        if let Some(r) = reason {
            r.set(why);
        }
        Ok(0)
    })
}

/// 1 if the domain is running or suspended, 0 if not, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn esxDomainIsActive(d: esxDomainPtr) -> c_int {
    export!(esxDomainIsActive(d: Dom) {
        d.domains().domain_is_active(&d.dom()).map(c_int::from)
    })
}

/// 1: every ESX domain is persistent (the domain's existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxDomainIsPersistent(d: esxDomainPtr) -> c_int {
    export!(esxDomainIsPersistent(d: Dom) {
        d.domains().domain_is_persistent(&d.dom()).map(c_int::from)
    })
}

/// 0: ESX domains have no pending changes (the domain's existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxDomainIsUpdated(d: esxDomainPtr) -> c_int {
    export!(esxDomainIsUpdated(d: Dom) {
        d.domains().domain_is_updated(&d.dom()).map(c_int::from)
    })
}

/// 0: ESX has no managed save (the domain's existence is checked).
#[no_mangle]
pub unsafe extern "C" fn esxDomainHasManagedSaveImage(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainHasManagedSaveImage(d: Dom) {
        d.domains().domain_has_managed_save_image(&d.dom(), flags).map(c_int::from)
    })
}
