// SPDX-License-Identifier: LGPL-2.1-or-later
//! The connection's close callback (esxConnectRegisterCloseCallback,
//! esxConnectUnregisterCloseCallback), with libvirt's rules for one: one
//! callback per connection, unregistered by naming it, its free callback
//! run when it is unregistered or the connection is freed.
//!
//! A VI connection is a series of HTTPS requests with a session cookie, not
//! a socket that can break: nothing tells the library that a host is gone
//! for good, and an expired session is logged in again. So the callback is
//! never called, as with libvirt's ESX driver (whose connections have no
//! close callback at all: libvirt accepts it and never calls it).

use std::os::raw::{c_int, c_void};
use std::sync::{Mutex, MutexGuard};

use super::checks as check;
use super::export::{export, Conn};
use super::types::{esxConnectCloseFunc, esxConnectPtr, esxFreeCallback};
use crate::error::Error;

/// A registered close callback with its data.
pub(crate) struct CloseHook {
    cb: unsafe extern "C" fn(esxConnectPtr, c_int, *mut c_void),
    opaque: *mut c_void,
    free: esxFreeCallback,
}

// SAFETY: the callback and its data are the caller's, who may unregister
// or free the connection from any thread (libvirt's contract).
unsafe impl Send for CloseHook {}

impl Drop for CloseHook {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            // SAFETY: the caller's free callback for its own data.
            unsafe { f(self.opaque) };
        }
    }
}

fn slot<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Registers `cb` to be told when the connection closes for a reason
/// other than esxConnectClose (see the module's note: a VI connection never
/// does). One callback per connection; `freecb(opaque)` runs when it is
/// unregistered or the connection is freed.
#[no_mangle]
pub unsafe extern "C" fn esxConnectRegisterCloseCallback(
    conn: esxConnectPtr,
    cb: esxConnectCloseFunc,
    opaque: *mut c_void,
    freecb: esxFreeCallback,
) -> c_int {
    export!(esxConnectRegisterCloseCallback(conn: Conn) {
        check::non_null(cb, "cb",
                        "esxConnectRegisterCloseCallback")?;
        let Some(cb) = cb else { return Ok(-1) };
        let mut s = slot(&conn.close);
        if s.is_some() {
            // The data stays the caller's: its free callback does not run.
            return Err(Error::operation_invalid("A close callback is already registered"));
        }
        *s = Some(CloseHook { cb, opaque, free: freecb });
        Ok(0)
    })
}

/// Unregisters the callback `cb` registered on the connection; its free
/// callback runs now.
#[no_mangle]
pub unsafe extern "C" fn esxConnectUnregisterCloseCallback(
    conn: esxConnectPtr,
    cb: esxConnectCloseFunc,
) -> c_int {
    export!(esxConnectUnregisterCloseCallback(conn: Conn) {
        check::non_null(cb, "cb",
                        "esxConnectUnregisterCloseCallback")?;
        let old = {
            let mut s = slot(&conn.close);
            match &*s {
                Some(h) if cb.is_some_and(|f| f as usize == h.cb as usize) => s.take(),
                _ => {
                    return Err(Error::operation_invalid(
                        "A different callback was requested",
                    ))
                }
            }
        };
        // Outside the lock: the free callback may call into the library.
        drop(old);
        Ok(0)
    })
}
