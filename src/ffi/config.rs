// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain information and configuration exports: info, memory, vCPUs,
//! scheduler parameters, autostart, guest host name and addresses, and the
//! typed-parameter helpers.

// c_ulong is u32 on some targets, so the `as u64` casts are not no-ops there.
#![allow(clippy::unnecessary_cast)]

use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_void};
use std::ptr;

use super::error::out_string;
use super::export::{export, Conn, Dom, Out, OutArray};
use super::strings::{fill_buf, malloc_str, opt_str_arg};
use super::types::*;
use crate::driver::config::{ParamValue, Params, TypedParam};
use crate::error::Error;

pub(crate) const PARAM_INT: c_int = esxTypedParameterType::ESX_TYPED_PARAM_INT as c_int;
pub(crate) const PARAM_UINT: c_int = esxTypedParameterType::ESX_TYPED_PARAM_UINT as c_int;
pub(crate) const PARAM_LLONG: c_int = esxTypedParameterType::ESX_TYPED_PARAM_LLONG as c_int;
pub(crate) const PARAM_ULLONG: c_int = esxTypedParameterType::ESX_TYPED_PARAM_ULLONG as c_int;
pub(crate) const PARAM_DOUBLE: c_int = esxTypedParameterType::ESX_TYPED_PARAM_DOUBLE as c_int;
pub(crate) const PARAM_BOOLEAN: c_int = esxTypedParameterType::ESX_TYPED_PARAM_BOOLEAN as c_int;
pub(crate) const PARAM_STRING: c_int = esxTypedParameterType::ESX_TYPED_PARAM_STRING as c_int;

/// Reads `n` C typed parameters.
///
/// # Safety
/// `params` must point to `n` initialised esxTypedParameter values.
unsafe fn read_params(params: esxTypedParameterPtr, n: c_int) -> Result<Vec<TypedParam>, Error> {
    if n < 0 || (params.is_null() && n > 0) {
        return Err(Error::invalid_arg(
            "params must hold nparams (>= 0) entries",
        ));
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: i < n entries the caller provides.
        let p = unsafe { &*params.add(i) };
        let field = &p.field;
        let len = field.iter().position(|c| *c == 0).ok_or_else(|| {
            Error::invalid_arg(
                "a parameter name is not NUL-terminated within ESX_TYPED_PARAM_FIELD_LENGTH",
            )
        })?;
        let bytes: Vec<u8> = field[..len].iter().map(|c| *c as u8).collect();
        let name = String::from_utf8(bytes)
            .map_err(|_| Error::invalid_arg("a parameter name is not UTF-8"))?;
        if out.iter().any(|q: &TypedParam| q.name == name) {
            return Err(Error::invalid_arg(format!(
                "parameter '{name}' is given more than once"
            )));
        }
        // SAFETY: the union member read is the one `type` says is set.
        let value = unsafe {
            match p.r#type {
                PARAM_INT => ParamValue::Int(p.value.i),
                PARAM_UINT => ParamValue::UInt(p.value.ui),
                PARAM_LLONG => ParamValue::LLong(p.value.l),
                PARAM_ULLONG => ParamValue::ULLong(p.value.ul),
                PARAM_DOUBLE => ParamValue::Double(p.value.d),
                PARAM_BOOLEAN => ParamValue::Boolean(p.value.b != 0),
                PARAM_STRING => ParamValue::Str(
                    opt_str_arg(p.value.s, "a string parameter")?
                        .unwrap_or_default()
                        .to_string(),
                ),
                t => {
                    return Err(Error::invalid_arg(format!(
                        "parameter '{name}' has unknown type {t}"
                    )))
                }
            }
        };
        out.push(TypedParam { name, value });
    }
    Ok(out)
}

/// Writes typed parameters into the caller's array; returns how many.
///
/// # Safety
/// `params` must have room for `values.len()` entries.
pub(crate) unsafe fn write_params(values: &[TypedParam], params: esxTypedParameterPtr) -> c_int {
    for (i, v) in values.iter().enumerate() {
        let mut field = [0 as c_char; 80];
        fill_buf(&mut field, &v.name);
        let (t, value) = match &v.value {
            ParamValue::Int(x) => (PARAM_INT, esxTypedParameterValue { i: *x }),
            ParamValue::UInt(x) => (PARAM_UINT, esxTypedParameterValue { ui: *x }),
            ParamValue::LLong(x) => (PARAM_LLONG, esxTypedParameterValue { l: *x }),
            ParamValue::ULLong(x) => (PARAM_ULLONG, esxTypedParameterValue { ul: *x }),
            ParamValue::Double(x) => (PARAM_DOUBLE, esxTypedParameterValue { d: *x }),
            ParamValue::Boolean(x) => (PARAM_BOOLEAN, esxTypedParameterValue { b: *x as c_char }),
            ParamValue::Str(x) => (PARAM_STRING, esxTypedParameterValue { s: malloc_str(x) }),
        };
        // SAFETY: i < values.len() entries the caller provides.
        unsafe {
            ptr::write(
                params.add(i),
                esxTypedParameter {
                    field,
                    r#type: t,
                    value,
                },
            )
        };
    }
    c_int::try_from(values.len()).unwrap_or(c_int::MAX)
}

/// Fills `info` with state, maximum and current memory (KiB), vCPUs and CPU
/// time (0: ESX does not report it), in one request.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetInfo(d: esxDomainPtr, info: esxDomainInfoPtr) -> c_int {
    export!(esxDomainGetInfo(d: Dom, info: Out<esxDomainInfo>) {
        let i = d.domains().domain_get_info(&d.dom())?;
        info.set(esxDomainInfo {
            state: i.state as u8,
            maxMem: i.max_mem_kib as c_ulong,
            memory: i.memory_kib as c_ulong,
            nrVirtCpu: i.nr_virt_cpu,
            cpuTime: i.cpu_time_ns,
        });
        Ok(0)
    })
}

/// "hvm" (malloc'd).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetOSType(d: esxDomainPtr) -> *mut c_char {
    export!(esxDomainGetOSType(d: Dom) {
        out_string(d.domains().domain_get_os_type(&d.dom())?)
    })
}

/// Maximum memory in KiB; 0 on error.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetMaxMemory(d: esxDomainPtr) -> c_ulong {
    export!(esxDomainGetMaxMemory(d: Dom) {
        d.domains().domain_get_max_memory(&d.dom()).map(|m| m as c_ulong)
    })
}

/// Sets the maximum memory in KiB (rounded up to 4 MiB); the domain must be
/// powered off.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMaxMemory(d: esxDomainPtr, memory: c_ulong) -> c_int {
    export!(esxDomainSetMaxMemory(d: Dom) {
        d.domains().domain_set_max_memory(&d.dom(), memory as u64).map(|_| 0)
    })
}

/// Sets the memory in KiB the domain may use (its limit), at most its maximum.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMemory(d: esxDomainPtr, memory: c_ulong) -> c_int {
    export!(esxDomainSetMemory(d: Dom) {
        d.domains().domain_set_memory(&d.dom(), memory as u64).map(|_| 0)
    })
}

/// esxDomainSetMemory, or with ESX_DOMAIN_MEM_MAXIMUM esxDomainSetMaxMemory.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMemoryFlags(
    d: esxDomainPtr,
    memory: c_ulong,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSetMemoryFlags(d: Dom) {
        d.domains()
            .domain_set_memory_flags(&d.dom(), memory as u64, flags)
            .map(|_| 0)
    })
}

/// The memory parameters (ESX_DOMAIN_MEMORY_MIN_GUARANTEE, the reservation),
/// into `params` (room for *nparams entries); *nparams becomes the number
/// written. With *nparams 0, *nparams becomes the number available.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetMemoryParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainGetMemoryParameters(d: Dom, nparams: Out<c_int>) {
        let n = *nparams.get();
        if params.is_null() && n > 0 {
            return Err(Error::invalid_arg("params must not be NULL when *nparams > 0"));
        }
        match d.domains().domain_get_memory_parameters(&d.dom(), n, flags)? {
            Params::Count(c) => nparams.set(c),
            // SAFETY: the caller provides *nparams entries.
            Params::Values(v) => nparams.set(unsafe { write_params(&v, params) }),
        }
        Ok(0)
    })
}

/// Sets memory parameters (ESX_DOMAIN_MEMORY_MIN_GUARANTEE, ullong KiB)
/// from `params` (`nparams` entries).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMemoryParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSetMemoryParameters(d: Dom) {
        // SAFETY: the caller provides nparams entries.
        let p = unsafe { read_params(params, nparams) }?;
        d.domains().domain_set_memory_parameters(&d.dom(), &p, flags).map(|_| 0)
    })
}

/// Sets the number of vCPUs.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetVcpus(d: esxDomainPtr, nvcpus: c_uint) -> c_int {
    export!(esxDomainSetVcpus(d: Dom) {
        d.domains().domain_set_vcpus(&d.dom(), nvcpus).map(|_| 0)
    })
}

/// Sets the number of vCPUs (`flags`: ESX_DOMAIN_AFFECT_CURRENT/LIVE/CONFIG,
/// the same on ESX). The domain must be powered off unless CPU hot add is on.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetVcpusFlags(
    d: esxDomainPtr,
    nvcpus: c_uint,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSetVcpusFlags(d: Dom) {
        d.domains().domain_set_vcpus_flags(&d.dom(), nvcpus, flags).map(|_| 0)
    })
}

/// The number of vCPUs, or with ESX_DOMAIN_VCPU_MAXIMUM the host's limit.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetVcpusFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainGetVcpusFlags(d: Dom) {
        d.domains().domain_get_vcpus_flags(&d.dom(), flags)
    })
}

/// The most vCPUs the domain can have: the host's limit.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetMaxVcpus(d: esxDomainPtr) -> c_int {
    export!(esxDomainGetMaxVcpus(d: Dom) {
        d.domains().domain_get_max_vcpus(&d.dom())
    })
}

/// The most vCPUs a VM on this host can have (`type` NULL, "esx" or
/// "vmware").
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetMaxVcpus(c: esxConnectPtr, r#type: *const c_char) -> c_int {
    export!(esxConnectGetMaxVcpus(c: Conn) {
        // SAFETY: NULL or a C string, per the contract.
        let t = unsafe { opt_str_arg(r#type, "type") }?;
        c.conn.connect_get_max_vcpus(t)
    })
}

/// "allocation" (malloc'd); *nparams (if not NULL) becomes 3 (reservation,
/// limit, shares).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetSchedulerType(
    d: esxDomainPtr,
    nparams: *mut c_int,
) -> *mut c_char {
    export!(esxDomainGetSchedulerType(d: Dom, nparams: Option<Out<c_int>>) {
        let (name, n) = d.domains().domain_get_scheduler_type(&d.dom())?;
        let name = out_string(name)?;
        if let Some(o) = nparams {
            o.set(n);
        }
        Ok(name)
    })
}

/// The CPU allocation: reservation and limit (llong, MHz; limit -1 is
/// unlimited) and shares (int; -1, -2, -3 for low, normal, high), into
/// `params` (room for *nparams entries, *nparams positive); *nparams
/// becomes the number written.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetSchedulerParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: *mut c_int,
) -> c_int {
    export!(esxDomainGetSchedulerParameters(d: Dom, params: OutArray<esxTypedParameter>, nparams: Out<c_int>) {
        let v = d.domains().domain_get_scheduler_parameters(&d.dom(), *nparams.get())?;
        // SAFETY: the caller provides *nparams >= v.len() entries.
        nparams.set(unsafe { write_params(&v, params.ptr()) });
        Ok(0)
    })
}

/// esxDomainGetSchedulerParameters with flags
/// (ESX_DOMAIN_AFFECT_*, ESX_TYPED_PARAM_STRING_OKAY).
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetSchedulerParametersFlags(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainGetSchedulerParametersFlags(d: Dom, nparams: Out<c_int>) {
        let n = *nparams.get();
        if params.is_null() && n > 0 {
            return Err(Error::invalid_arg("params must not be NULL when *nparams > 0"));
        }
        let v = d.domains().domain_get_scheduler_parameters_flags(&d.dom(), n, flags)?;
        // SAFETY: the caller provides *nparams >= v.len() entries.
        nparams.set(unsafe { write_params(&v, params) });
        Ok(0)
    })
}

/// Sets reservation, limit and/or shares (`params`, `nparams` entries) in
/// one reconfiguration; nothing changes if any value is invalid.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetSchedulerParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: c_int,
) -> c_int {
    export!(esxDomainSetSchedulerParameters(d: Dom, params: OutArray<esxTypedParameter>) {
        // SAFETY: the caller provides nparams entries.
        let p = unsafe { read_params(params.ptr(), nparams) }?;
        d.domains().domain_set_scheduler_parameters(&d.dom(), &p).map(|_| 0)
    })
}

/// esxDomainSetSchedulerParameters with flags (ESX_DOMAIN_AFFECT_*).
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetSchedulerParametersFlags(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
) -> c_int {
    export!(esxDomainSetSchedulerParametersFlags(d: Dom, params: OutArray<esxTypedParameter>) {
        // SAFETY: the caller provides nparams entries.
        let p = unsafe { read_params(params.ptr(), nparams) }?;
        d.domains()
            .domain_set_scheduler_parameters_flags(&d.dom(), &p, flags)
            .map(|_| 0)
    })
}

/// *autostart becomes 1 when the host starts the domain with itself.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetAutostart(d: esxDomainPtr, autostart: *mut c_int) -> c_int {
    export!(esxDomainGetAutostart(d: Dom, autostart: Out<c_int>) {
        autostart.set(d.domains().domain_get_autostart(&d.dom())? as c_int);
        Ok(0)
    })
}

/// Enables (non-zero) or disables autostart of the domain.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetAutostart(d: esxDomainPtr, autostart: c_int) -> c_int {
    export!(esxDomainSetAutostart(d: Dom) {
        d.domains().domain_set_autostart(&d.dom(), autostart != 0).map(|_| 0)
    })
}

/// The guest's host name from VMware Tools (malloc'd). `flags`: 0 or
/// ESX_DOMAIN_GET_HOSTNAME_AGENT.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetHostname(d: esxDomainPtr, flags: c_uint) -> *mut c_char {
    export!(esxDomainGetHostname(d: Dom) {
        out_string(&d.domains().domain_get_hostname(&d.dom(), flags)?)
    })
}

fn free_iface(p: esxDomainInterfacePtr) {
    if p.is_null() {
        return;
    }
    // SAFETY: p and its members were allocated by esxDomainInterfaceAddresses.
    unsafe {
        let i = &*p;
        for a in 0..i.naddrs as usize {
            libc::free((*i.addrs.add(a)).addr as *mut c_void);
        }
        libc::free(i.addrs as *mut c_void);
        libc::free(i.name as *mut c_void);
        libc::free(i.hwaddr as *mut c_void);
        libc::free(p as *mut c_void);
    }
}

fn alloc_iface(i: &crate::driver::config::Interface) -> Result<esxDomainInterfacePtr, Error> {
    let oom = || Error::internal("out of memory");
    // SAFETY: fresh allocations, checked for NULL, fully initialised.
    unsafe {
        let p = libc::calloc(1, std::mem::size_of::<esxDomainInterface>()) as esxDomainInterfacePtr;
        if p.is_null() {
            return Err(oom());
        }
        let addrs = libc::calloc(
            i.addrs.len().max(1),
            std::mem::size_of::<esxDomainIPAddress>(),
        ) as *mut esxDomainIPAddress;
        (*p).name = malloc_str(&i.name);
        (*p).hwaddr = malloc_str(&i.hwaddr);
        (*p).addrs = addrs;
        if addrs.is_null() || (*p).name.is_null() || (*p).hwaddr.is_null() {
            free_iface(p);
            return Err(oom());
        }
        for (k, (t, a, prefix)) in i.addrs.iter().enumerate() {
            let s = malloc_str(a);
            if s.is_null() {
                free_iface(p);
                return Err(oom());
            }
            *addrs.add(k) = esxDomainIPAddress {
                r#type: *t,
                addr: s,
                prefix: *prefix,
            };
            (*p).naddrs = k as c_uint + 1;
        }
        Ok(p)
    }
}

/// The guest's NICs and their addresses as VMware Tools reports them
/// (`source` ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT). *ifaces becomes a
/// malloc'd array: free each entry with esxDomainInterfaceFree, then the
/// array with free(). Returns the count.
#[no_mangle]
pub unsafe extern "C" fn esxDomainInterfaceAddresses(
    d: esxDomainPtr,
    ifaces: *mut *mut esxDomainInterfacePtr,
    source: c_uint,
    flags: c_uint,
) -> c_int {
    export!(esxDomainInterfaceAddresses(d: Dom, ifaces: Out<*mut esxDomainInterfacePtr>) {
        let list = d.domains().domain_interface_addresses(&d.dom(), source, flags)?;
        // SAFETY: a fresh array of list.len() pointers, checked for NULL.
        let arr = unsafe {
            libc::calloc(
                list.len().max(1),
                std::mem::size_of::<esxDomainInterfacePtr>(),
            )
        } as *mut esxDomainInterfacePtr;
        if arr.is_null() {
            return Err(Error::internal("out of memory"));
        }
        for (k, i) in list.iter().enumerate() {
            match alloc_iface(i) {
                // SAFETY: k < list.len().
                Ok(p) => unsafe { *arr.add(k) = p },
                Err(e) => {
                    for j in 0..k {
                        // SAFETY: entries 0..k were set above.
                        free_iface(unsafe { *arr.add(j) });
                    }
                    // SAFETY: allocated above.
                    unsafe { libc::free(arr as *mut c_void) };
                    return Err(e);
                }
            }
        }
        ifaces.set(arr);
        Ok(list.len() as c_int)
    })
}

/// Frees one entry returned by esxDomainInterfaceAddresses (NULL is a no-op).
#[no_mangle]
pub unsafe extern "C" fn esxDomainInterfaceFree(iface: esxDomainInterfacePtr) {
    export!(keep_error esxDomainInterfaceFree() {
        free_iface(iface);
        Ok(())
    })
}

/// Frees the strings of string parameters (`nparams` entries filled by this
/// library) and zeroes the array.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsClear(params: esxTypedParameterPtr, nparams: c_int) {
    export!(keep_error esxTypedParamsClear() {
        // SAFETY: NULL or nparams entries filled by this library.
        unsafe { clear_params(params, nparams) };
        Ok(())
    })
}

/// esxTypedParamsClear, then free(params) (a malloc'd array).
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsFree(params: esxTypedParameterPtr, nparams: c_int) {
    export!(keep_error esxTypedParamsFree() {
        // SAFETY: NULL or a malloc'd array of nparams entries.
        unsafe {
            clear_params(params, nparams);
            libc::free(params as *mut c_void);
        }
        Ok(())
    })
}

/// # Safety
/// `params` must be NULL or `nparams` entries filled by this library.
pub(crate) unsafe fn clear_params(params: esxTypedParameterPtr, nparams: c_int) {
    if params.is_null() || nparams <= 0 {
        return;
    }
    for i in 0..nparams as usize {
        // SAFETY: i < nparams entries of the caller's array.
        unsafe {
            let p = &mut *params.add(i);
            if p.r#type == PARAM_STRING {
                libc::free(p.value.s as *mut c_void);
            }
            ptr::write_bytes(p as *mut esxTypedParameter, 0, 1);
        }
    }
}
