// SPDX-License-Identifier: LGPL-2.1-or-later
//! The frees of libvirt's result structs that need no driver: a program
//! that got one (from libvirt's conventions: malloc'd, with malloc'd
//! members) releases it with these, as libvirt's do. No call of this
//! driver returns these structs yet; the frees work on any struct built
//! that way, and NULL is a no-op, as in libvirt.

use std::os::raw::c_void;

use super::export::export;
use super::generated::types::{
    esxDomainFSInfoPtr, esxDomainIOThreadInfoPtr, esxNetworkDHCPLeasePtr,
};

/// free() for what C allocated (NULL is a no-op).
fn free<T>(p: *mut T) {
    // SAFETY: p is NULL or malloc'd, by the contract of the frees below.
    unsafe { libc::free(p as *mut c_void) };
}

/// Frees a filesystem entry of esxDomainGetFSInfo: its strings, its
/// device aliases and itself (NULL is a no-op).
#[no_mangle]
pub unsafe extern "C" fn esxDomainFSInfoFree(info: esxDomainFSInfoPtr) {
    export!(keep_error esxDomainFSInfoFree() {
        if info.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL; a malloc'd entry with malloc'd members, by the
        // contract.
        let i = unsafe { &*info };
        free(i.mountpoint);
        free(i.name);
        free(i.fstype);
        if !i.devAlias.is_null() {
            for k in 0..i.ndevAlias {
                // SAFETY: devAlias holds ndevAlias entries.
                free(unsafe { *i.devAlias.add(k) });
            }
        }
        free(i.devAlias);
        free(info);
        Ok(())
    })
}

/// Frees an IOThread entry of esxDomainGetIOThreadInfo: its CPU map and
/// itself (NULL is a no-op).
#[no_mangle]
pub unsafe extern "C" fn esxDomainIOThreadInfoFree(info: esxDomainIOThreadInfoPtr) {
    export!(keep_error esxDomainIOThreadInfoFree() {
        if info.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL; a malloc'd entry, by the contract.
        free(unsafe { (*info).cpumap });
        free(info);
        Ok(())
    })
}

/// Frees a lease of esxNetworkGetDHCPLeases: its strings and itself (NULL
/// is a no-op).
#[no_mangle]
pub unsafe extern "C" fn esxNetworkDHCPLeaseFree(lease: esxNetworkDHCPLeasePtr) {
    export!(keep_error esxNetworkDHCPLeaseFree() {
        if lease.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL; a malloc'd lease with malloc'd strings.
        let l = unsafe { &*lease };
        for s in [l.iface, l.mac, l.iaid, l.ipaddr, l.hostname, l.clientid] {
            free(s);
        }
        free(lease);
        Ok(())
    })
}
