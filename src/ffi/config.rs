//! Domain information and configuration exports: info, memory, vCPUs,
//! scheduler parameters, autostart, guest host name and addresses, and the
//! typed-parameter helpers.

#![allow(non_snake_case)]
// c_ulong is u32 on some targets, so the `as u64` casts are not no-ops there.
#![allow(clippy::unnecessary_cast)]

use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_void};
use std::ptr;

use super::boundary::call;
use super::connect::conn;
use super::domain::dom;
use super::error::out_string;
use super::handles::esxDomain;
use super::strings::{fill_buf, malloc_str, opt_str_arg, out};
use super::types::*;
use crate::driver::config::{ParamValue, TypedParam};
use crate::error::Error;

const PARAM_INT: c_int = 1;
const PARAM_UINT: c_int = 2;
const PARAM_LLONG: c_int = 3;
const PARAM_ULLONG: c_int = 4;
const PARAM_DOUBLE: c_int = 5;
const PARAM_BOOLEAN: c_int = 6;
const PARAM_STRING: c_int = 7;

fn with_dom<R>(
    d: esxDomainPtr,
    what: &str,
    f: impl FnOnce(&esxDomain) -> Result<R, Error>,
) -> Result<R, Error> {
    let h = dom(d, what)?;
    f(&h)
}

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

/// Writes typed parameters into the caller's buffer of `*nparams` entries;
/// `*nparams` becomes the number written.
///
/// # Safety
/// `params` must have room for `*nparams` entries.
unsafe fn write_params(
    values: &[TypedParam],
    params: esxTypedParameterPtr,
    nparams: &mut c_int,
) -> Result<(), Error> {
    if *nparams < 0 || (params.is_null() && *nparams > 0) {
        return Err(Error::invalid_arg(
            "params must hold nparams (>= 0) entries",
        ));
    }
    let n = values.len().min(*nparams as usize);
    for (i, v) in values.iter().take(n).enumerate() {
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
        // SAFETY: i < *nparams entries the caller provides.
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
    *nparams = n as c_int;
    Ok(())
}

/// Fills `info` with state, maximum and current memory (KiB), vCPUs and CPU
/// time (0: ESX does not report it), in one request.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `info` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetInfo(d: esxDomainPtr, info: esxDomainInfoPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetInfo", |h| {
            // SAFETY: the caller's out-pointer, per this export's contract.
            let o = unsafe { out(info, "info") }?;
            let i = h.conn.conn.info(&h.dom())?;
            *o = esxDomainInfo {
                state: i.state as u8,
                maxMem: i.max_mem_kib as c_ulong,
                memory: i.memory_kib as c_ulong,
                nrVirtCpu: i.nr_virt_cpu,
                cpuTime: i.cpu_time_ns,
            };
            Ok(0)
        })
    })
}

/// "hvm" (malloc'd).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetOSType(d: esxDomainPtr) -> *mut c_char {
    call(|| with_dom(d, "esxDomainGetOSType", |_| out_string("hvm")))
}

/// Maximum memory in KiB; 0 on error.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetMaxMemory(d: esxDomainPtr) -> c_ulong {
    call(|| {
        with_dom(d, "esxDomainGetMaxMemory", |h| {
            h.conn.conn.max_memory(&h.dom()).map(|m| m as c_ulong)
        })
    })
}

/// Sets the maximum memory in KiB (rounded up to 4 MiB); the domain must be
/// powered off.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMaxMemory(d: esxDomainPtr, memory: c_ulong) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetMaxMemory", |h| {
            h.conn
                .conn
                .set_max_memory(&h.dom(), memory as u64)
                .map(|_| 0)
        })
    })
}

/// Sets the memory in KiB the domain may use (its limit), at most its maximum.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMemory(d: esxDomainPtr, memory: c_ulong) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetMemory", |h| {
            h.conn.conn.set_memory(&h.dom(), memory as u64).map(|_| 0)
        })
    })
}

/// esxDomainSetMemory, or with ESX_DOMAIN_MEM_MAXIMUM esxDomainSetMaxMemory.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMemoryFlags(
    d: esxDomainPtr,
    memory: c_ulong,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetMemoryFlags", |h| {
            h.conn
                .conn
                .set_memory_flags(&h.dom(), memory as u64, flags)
                .map(|_| 0)
        })
    })
}

/// The memory parameters (ESX_DOMAIN_MEMORY_MIN_GUARANTEE, the reservation).
/// With *nparams 0, *nparams becomes the number available.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `nparams` writable; `params`
/// room for *nparams entries.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetMemoryParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetMemoryParameters", |h| {
            // SAFETY: the caller's out-pointer, per this export's contract.
            let n = unsafe { out(nparams, "nparams") }?;
            if *n < 0 {
                return Err(Error::invalid_arg("*nparams must not be negative"));
            }
            if *n == 0 {
                // libvirt's rule: the number of parameters, same flags.
                *n = h.conn.conn.memory_parameter_count(flags)?;
                return Ok(0);
            }
            if params.is_null() {
                return Err(Error::invalid_arg(
                    "params must not be NULL when *nparams > 0",
                ));
            }
            let values = h.conn.conn.memory_parameters(&h.dom(), flags)?;
            // SAFETY: the caller provides *nparams entries.
            unsafe { write_params(&values, params, n) }?;
            Ok(0)
        })
    })
}

/// Sets memory parameters (ESX_DOMAIN_MEMORY_MIN_GUARANTEE, ullong KiB).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `params` `nparams` entries.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetMemoryParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetMemoryParameters", |h| {
            // libvirt: params non-NULL and at least one.
            if params.is_null() || nparams <= 0 {
                return Err(Error::invalid_arg(
                    "params must not be NULL and nparams must be positive",
                ));
            }
            // SAFETY: the caller provides nparams entries.
            let p = unsafe { read_params(params, nparams) }?;
            h.conn
                .conn
                .set_memory_parameters(&h.dom(), &p, flags)
                .map(|_| 0)
        })
    })
}

/// Sets the number of vCPUs.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetVcpus(d: esxDomainPtr, nvcpus: c_uint) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { esxDomainSetVcpusFlags(d, nvcpus, 1) }
}

/// Sets the number of vCPUs (`flags`: ESX_DOMAIN_AFFECT_CURRENT/LIVE/CONFIG,
/// the same on ESX). The domain must be powered off unless CPU hot add is on.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetVcpusFlags(
    d: esxDomainPtr,
    nvcpus: c_uint,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetVcpusFlags", |h| {
            h.conn.conn.set_vcpus(&h.dom(), nvcpus, flags).map(|_| 0)
        })
    })
}

/// The number of vCPUs, or with ESX_DOMAIN_VCPU_MAXIMUM the host's limit.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetVcpusFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetVcpusFlags", |h| {
            h.conn.conn.vcpus(&h.dom(), flags)
        })
    })
}

/// The most vCPUs the domain can have: the host's limit.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetMaxVcpus(d: esxDomainPtr) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetMaxVcpus", |h| {
            h.conn.conn.domain_max_vcpus(&h.dom())
        })
    })
}

/// The most vCPUs a VM on this host can have (`type` NULL, "esx" or
/// "vmware").
///
/// # Safety
/// `c` must be NULL or a live connection; `type` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetMaxVcpus(c: esxConnectPtr, r#type: *const c_char) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectGetMaxVcpus")?;
        // SAFETY: forwarded contract.
        if let Some(t) = unsafe { opt_str_arg(r#type, "type") }? {
            if !t.eq_ignore_ascii_case("esx") && !t.eq_ignore_ascii_case("vmware") {
                return Err(Error::invalid_arg(format!(
                    "unknown type '{t}' (expecting esx or vmware)"
                )));
            }
        }
        c.conn.host_max_vcpus()
    })
}

/// "allocation" (malloc'd); *nparams becomes 3 (reservation, limit, shares).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `nparams` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetSchedulerType(
    d: esxDomainPtr,
    nparams: *mut c_int,
) -> *mut c_char {
    call(|| {
        with_dom(d, "esxDomainGetSchedulerType", |_| {
            let name = out_string("allocation")?;
            if !nparams.is_null() {
                // SAFETY: non-NULL, the caller's writable int.
                unsafe { *nparams = 3 };
            }
            Ok(name)
        })
    })
}

/// The CPU allocation: reservation and limit (llong, MHz; limit -1 is
/// unlimited) and shares (int; -1, -2, -3 for low, normal, high).
///
/// # Safety
/// `d` must be NULL or a live domain handle; `nparams` writable; `params`
/// room for *nparams entries.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetSchedulerParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: *mut c_int,
) -> c_int {
    // libvirt's old entry point: params non-NULL and *nparams positive.
    // SAFETY: NULL-checked before reading the caller's int.
    if params.is_null() || nparams.is_null() || unsafe { *nparams } <= 0 {
        return call(|| {
            dom(d, "esxDomainGetSchedulerParameters")?;
            Err::<c_int, _>(Error::invalid_arg(
                "params and nparams must not be NULL, and *nparams must be positive",
            ))
        });
    }
    // SAFETY: forwarded contract.
    unsafe { esxDomainGetSchedulerParametersFlags(d, params, nparams, 0) }
}

/// # Safety
/// As esxDomainGetSchedulerParameters.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetSchedulerParametersFlags(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: *mut c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetSchedulerParametersFlags", |h| {
            // SAFETY: the caller's out-pointer, per this export's contract.
            let n = unsafe { out(nparams, "nparams") }?;
            let values = h.conn.conn.scheduler_parameters(&h.dom(), flags)?;
            // SAFETY: the caller provides *nparams entries.
            unsafe { write_params(&values, params, n) }?;
            Ok(0)
        })
    })
}

/// Sets reservation, limit and/or shares in one reconfiguration; nothing
/// changes if any value is invalid.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `params` `nparams` entries.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetSchedulerParameters(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: c_int,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { esxDomainSetSchedulerParametersFlags(d, params, nparams, 0) }
}

/// # Safety
/// As esxDomainSetSchedulerParameters.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetSchedulerParametersFlags(
    d: esxDomainPtr,
    params: esxTypedParameterPtr,
    nparams: c_int,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetSchedulerParametersFlags", |h| {
            // libvirt: params non-NULL, nparams not negative.
            if params.is_null() || nparams < 0 {
                return Err(Error::invalid_arg(
                    "params must not be NULL and nparams must not be negative",
                ));
            }
            // SAFETY: the caller provides nparams entries.
            let p = unsafe { read_params(params, nparams) }?;
            h.conn
                .conn
                .set_scheduler_parameters(&h.dom(), &p, flags)
                .map(|_| 0)
        })
    })
}

/// *autostart becomes 1 when the host starts the domain with itself.
///
/// # Safety
/// `d` must be NULL or a live domain handle; `autostart` writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetAutostart(d: esxDomainPtr, autostart: *mut c_int) -> c_int {
    call(|| {
        with_dom(d, "esxDomainGetAutostart", |h| {
            // SAFETY: the caller's out-pointer, per this export's contract.
            let o = unsafe { out(autostart, "autostart") }?;
            *o = h.conn.conn.autostart(&h.dom())? as c_int;
            Ok(0)
        })
    })
}

/// Enables (non-zero) or disables autostart of the domain.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainSetAutostart(d: esxDomainPtr, autostart: c_int) -> c_int {
    call(|| {
        with_dom(d, "esxDomainSetAutostart", |h| {
            h.conn
                .conn
                .set_autostart(&h.dom(), autostart != 0)
                .map(|_| 0)
        })
    })
}

/// The guest's host name from VMware Tools (malloc'd). `flags`: 0 or
/// ESX_DOMAIN_GET_HOSTNAME_AGENT.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetHostname(d: esxDomainPtr, flags: c_uint) -> *mut c_char {
    call(|| {
        with_dom(d, "esxDomainGetHostname", |h| {
            out_string(&h.conn.conn.guest_hostname(&h.dom(), flags)?)
        })
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
///
/// # Safety
/// `d` must be NULL or a live domain handle; `ifaces` writable.
#[no_mangle]
pub unsafe extern "C" fn esxDomainInterfaceAddresses(
    d: esxDomainPtr,
    ifaces: *mut *mut esxDomainInterfacePtr,
    source: c_uint,
    flags: c_uint,
) -> c_int {
    call(|| {
        with_dom(d, "esxDomainInterfaceAddresses", |h| {
            // SAFETY: the caller's out-pointer, per this export's contract.
            let o = unsafe { out(ifaces, "ifaces") }?;
            let list = h.conn.conn.interface_addresses(&h.dom(), source, flags)?;
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
            *o = arr;
            Ok(list.len() as c_int)
        })
    })
}

/// Frees one entry returned by esxDomainInterfaceAddresses (NULL is a no-op).
///
/// # Safety
/// `iface` must be NULL or an entry returned by esxDomainInterfaceAddresses.
#[no_mangle]
pub unsafe extern "C" fn esxDomainInterfaceFree(iface: esxDomainInterfacePtr) {
    free_iface(iface);
}

/// Frees the strings of string parameters and zeroes the array.
///
/// # Safety
/// `params` must be NULL or `nparams` entries filled by this library.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsClear(params: esxTypedParameterPtr, nparams: c_int) {
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

/// esxTypedParamsClear, then free(params).
///
/// # Safety
/// `params` must be NULL or a malloc'd array of `nparams` entries.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsFree(params: esxTypedParameterPtr, nparams: c_int) {
    // SAFETY: forwarded contract.
    unsafe {
        esxTypedParamsClear(params, nparams);
        libc::free(params as *mut c_void);
    }
}
