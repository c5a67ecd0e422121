//! Domain XML exports: dumpxml, native-format conversion, define, undefine.

#![allow(non_snake_case)]

use std::os::raw::{c_char, c_uint};

use super::boundary::call;
use super::connect::conn;
use super::domain::dom;
use super::error::out_string;
use super::handles::{esxDomain, get, into_raw};
use super::strings::str_arg;
use super::types::*;

/// The domain's XML (free() it). flags: esxDomainXMLFlags; without
/// ESX_DOMAIN_XML_SECURE the VNC password is left out, with
/// ESX_DOMAIN_XML_INACTIVE the ID of a running domain.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetXMLDesc(d: esxDomainPtr, flags: c_uint) -> *mut c_char {
    call(|| {
        let h = dom(d, "esxDomainGetXMLDesc")?;
        out_string(&h.conn.conn.domain_xml(&h.dom(), flags)?)
    })
}

/// Converts a native configuration ("vmware-vmx") to domain XML.
///
/// # Safety
/// `c` must be NULL or a live connection; the strings NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainXMLFromNative(
    c: esxConnectPtr,
    nativeFormat: *const c_char,
    nativeConfig: *const c_char,
    flags: c_uint,
) -> *mut c_char {
    call(|| {
        let c = conn(c, "esxConnectDomainXMLFromNative")?;
        // SAFETY: forwarded contract.
        let (format, config) = unsafe {
            (
                str_arg(nativeFormat, "nativeFormat")?,
                super::strings::bytes_arg(nativeConfig, "nativeConfig")?,
            )
        };
        out_string(&c.conn.domain_xml_from_native(format, config, flags)?)
    })
}

/// Converts domain XML to a native configuration ("vmware-vmx"), for the
/// newest virtual hardware the host supports.
///
/// # Safety
/// `c` must be NULL or a live connection; the strings NULL or C strings.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainXMLToNative(
    c: esxConnectPtr,
    nativeFormat: *const c_char,
    domainXml: *const c_char,
    flags: c_uint,
) -> *mut c_char {
    call(|| {
        let c = conn(c, "esxConnectDomainXMLToNative")?;
        // SAFETY: forwarded contract.
        let (format, xml) = unsafe {
            (
                str_arg(nativeFormat, "nativeFormat")?,
                str_arg(domainXml, "domainXml")?,
            )
        };
        out_string(&c.conn.domain_xml_to_native(format, xml, flags)?)
    })
}

/// Defines a new domain from XML (see esxDomainDefineXMLFlags).
///
/// # Safety
/// `c` must be NULL or a live connection; `xml` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainDefineXML(c: esxConnectPtr, xml: *const c_char) -> esxDomainPtr {
    // SAFETY: forwarded contract.
    unsafe { esxDomainDefineXMLFlags(c, xml, 0) }
}

/// Defines a new domain: the .vmx goes into the directory of the first
/// file-based disk and is registered. An existing domain or file is never
/// overwritten; on failure nothing is left on the host.
/// flags: ESX_DOMAIN_DEFINE_VALIDATE (always done).
///
/// # Safety
/// `c` must be NULL or a live connection; `xml` NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn esxDomainDefineXMLFlags(
    c: esxConnectPtr,
    xml: *const c_char,
    flags: c_uint,
) -> esxDomainPtr {
    call(|| {
        let arc = get(c, "esxDomainDefineXMLFlags")?;
        // SAFETY: forwarded contract.
        let xml = unsafe { str_arg(xml, "xml") }?;
        let d = arc.conn.define_xml(xml, flags)?;
        Ok(into_raw(esxDomain::new(arc.arc(), d)))
    })
}

/// Undefines a powered-off or suspended domain; its files stay.
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainUndefine(d: esxDomainPtr) -> std::os::raw::c_int {
    // SAFETY: forwarded contract.
    unsafe { esxDomainUndefineFlags(d, 0) }
}

/// esxDomainUndefine with flags: ESX_DOMAIN_UNDEFINE_MANAGED_SAVE and
/// ESX_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA are accepted (ESX has neither).
///
/// # Safety
/// `d` must be NULL or a live domain handle.
#[no_mangle]
pub unsafe extern "C" fn esxDomainUndefineFlags(
    d: esxDomainPtr,
    flags: c_uint,
) -> std::os::raw::c_int {
    call(|| {
        let h = dom(d, "esxDomainUndefineFlags")?;
        h.conn.conn.undefine(&h.dom(), flags).map(|_| 0)
    })
}
