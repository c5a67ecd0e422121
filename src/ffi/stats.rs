// SPDX-License-Identifier: LGPL-2.1-or-later
//! Bulk statistics through the C ABI: esxConnectGetAllDomainStats,
//! esxDomainListGetStats and esxDomainStatsRecordListFree, with libvirt's
//! record layout (a domain handle and its typed parameters).

use std::os::raw::{c_int, c_uint, c_void};
use std::sync::Arc;

use super::config::{clear_params, write_params};
use super::export::{export, Conn};
use super::handles::{self, esxConnect, esxDomain, into_raw, release};
use super::types::*;
use crate::driver::stats::DomainStats;
use crate::error::Error;

/// Writes a NULL-terminated malloc'd array of malloc'd records.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn write_records(
    conn: &Arc<esxConnect>,
    recs: Vec<DomainStats>,
    out: *mut *mut esxDomainStatsRecordPtr,
) -> Result<c_int, Error> {
    let n = c_int::try_from(recs.len()).map_err(|_| Error::internal("too many records"))?;
    if out.is_null() {
        return Err(Error::invalid_arg("retStats must not be NULL"));
    }
    let oom = || Error::internal("out of memory");
    // SAFETY: calloc of n + 1 pointers; checked below.
    let arr = unsafe {
        libc::calloc(
            recs.len() + 1,
            std::mem::size_of::<esxDomainStatsRecordPtr>(),
        )
    } as *mut esxDomainStatsRecordPtr;
    if arr.is_null() {
        return Err(oom());
    }
    for (i, r) in recs.into_iter().enumerate() {
        // SAFETY: allocations checked; `params` has room for every entry
        // write_params writes; i < n, the array has n + 1 slots.
        unsafe {
            let rec = libc::calloc(1, std::mem::size_of::<esxDomainStatsRecord>())
                as esxDomainStatsRecordPtr;
            let params = libc::calloc(
                r.params.len().max(1),
                std::mem::size_of::<esxTypedParameter>(),
            ) as esxTypedParameterPtr;
            if rec.is_null() || params.is_null() {
                libc::free(rec as *mut c_void);
                libc::free(params as *mut c_void);
                free_records(arr);
                return Err(oom());
            }
            let nparams = write_params(&r.params, params);
            rec.write(esxDomainStatsRecord {
                dom: into_raw(esxDomain::new(conn.clone(), r.dom)),
                params,
                nparams,
            });
            *arr.add(i) = rec;
        }
    }
    // SAFETY: checked for NULL above.
    unsafe { *out = arr };
    Ok(n)
}

/// # Safety
/// `arr` is NULL or a NULL-terminated array from write_records.
unsafe fn free_records(arr: *mut esxDomainStatsRecordPtr) {
    if arr.is_null() {
        return;
    }
    let mut i = 0;
    // SAFETY: the array ends with NULL; each record and its parameters
    // were allocated by write_records.
    unsafe {
        loop {
            let rec = *arr.add(i);
            if rec.is_null() {
                break;
            }
            clear_params((*rec).params, (*rec).nparams);
            libc::free((*rec).params as *mut c_void);
            let _ = release((*rec).dom, "esxDomainStatsRecordListFree");
            libc::free(rec as *mut c_void);
            i += 1;
        }
        libc::free(arr as *mut c_void);
    }
}

/// Statistics of every domain `flags` selects (esxConnectGetAllDomainStatsFlags),
/// with the groups `stats` asks for (esxDomainStatsTypes; 0: every group
/// this driver fills: state, balloon, vcpu, interface, block). Returns the
/// number of records and a NULL-terminated array in `*retStats` (free it
/// with esxDomainStatsRecordListFree). One request per 1,000 VMs.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetAllDomainStats(
    c: esxConnectPtr,
    stats: c_uint,
    retStats: *mut *mut esxDomainStatsRecordPtr,
    flags: c_uint,
) -> c_int {
    export!(esxConnectGetAllDomainStats(c: Conn) {
        let recs = c.conn.domains().connect_get_all_domain_stats(stats, flags)?;
        // SAFETY: `retStats` is NULL (refused) or writable.
        unsafe { write_records(&c.arc(), recs, retStats) }
    })
}

/// As esxConnectGetAllDomainStats for the domains of the NULL-terminated
/// array `doms` (all of one connection), in their order.
#[no_mangle]
pub unsafe extern "C" fn esxDomainListGetStats(
    doms: *mut esxDomainPtr,
    stats: c_uint,
    retStats: *mut *mut esxDomainStatsRecordPtr,
    flags: c_uint,
) -> c_int {
    export!(esxDomainListGetStats() {
        if doms.is_null() {
            return Err(Error::invalid_arg("doms must not be NULL"));
        }
        let mut held = Vec::new();
        // SAFETY: a NULL-terminated array of domain handles, each checked.
        unsafe {
            let mut i = 0;
            while !(*doms.add(i)).is_null() {
                held.push(handles::get(*doms.add(i), "esxDomainListGetStats")?);
                i += 1;
            }
        }
        let Some(first) = held.first() else {
            return Err(Error::invalid_arg("doms must name at least one domain"));
        };
        let conn = first.conn.clone();
        if held.iter().any(|d| !Arc::ptr_eq(&d.conn, &conn)) {
            return Err(Error::invalid_arg(
                "domains from different connections in one esxDomainListGetStats call",
            ));
        }
        let wanted: Vec<_> = held.iter().map(|d| d.dom()).collect();
        let recs = conn.conn.domains().domain_list_get_stats(&wanted, stats, flags)?;
        // SAFETY: `retStats` is NULL (refused) or writable.
        unsafe { write_records(&conn, recs, retStats) }
    })
}

/// Frees what esxConnectGetAllDomainStats or esxDomainListGetStats gave
/// (NULL is ignored): the records, their parameters and domain handles.
#[no_mangle]
pub unsafe extern "C" fn esxDomainStatsRecordListFree(stats: *mut esxDomainStatsRecordPtr) {
    export!(keep_error esxDomainStatsRecordListFree() {
        // SAFETY: NULL or an array from this library, freed once.
        unsafe { free_records(stats) };
        Ok(())
    })
}
