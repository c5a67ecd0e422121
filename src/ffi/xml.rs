// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain XML exports: dumpxml, native-format conversion, define, undefine.

use std::os::raw::{c_char, c_int, c_uint};

use super::domain::new_domain;
use super::error::out_string;
use super::export::{export, Bytes, Conn, Dom};
use super::types::*;

/// The domain's XML (free() it). flags: esxDomainXMLFlags; without
/// ESX_DOMAIN_XML_SECURE the VNC password is left out, with
/// ESX_DOMAIN_XML_INACTIVE the ID of a running domain.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetXMLDesc(d: esxDomainPtr, flags: c_uint) -> *mut c_char {
    export!(esxDomainGetXMLDesc(d: Dom) {
        out_string(&d.domains().domain_get_xml_desc(&d.dom(), flags)?)
    })
}

/// Converts a native configuration ("vmware-vmx") to domain XML.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainXMLFromNative(
    c: esxConnectPtr,
    nativeFormat: *const c_char,
    nativeConfig: *const c_char,
    flags: c_uint,
) -> *mut c_char {
    export!(esxConnectDomainXMLFromNative(c: Conn, nativeFormat: &str, nativeConfig: Bytes) {
        out_string(&c.conn.connect_domain_xml_from_native(nativeFormat, nativeConfig.0, flags)?)
    })
}

/// Converts domain XML to a native configuration ("vmware-vmx"), for the
/// newest virtual hardware the host supports.
#[no_mangle]
pub unsafe extern "C" fn esxConnectDomainXMLToNative(
    c: esxConnectPtr,
    nativeFormat: *const c_char,
    domainXml: *const c_char,
    flags: c_uint,
) -> *mut c_char {
    export!(esxConnectDomainXMLToNative(c: Conn, nativeFormat: &str, domainXml: &str) {
        out_string(&c.conn.connect_domain_xml_to_native(nativeFormat, domainXml, flags)?)
    })
}

/// Defines a new domain from XML (see esxDomainDefineXMLFlags).
#[no_mangle]
pub unsafe extern "C" fn esxDomainDefineXML(c: esxConnectPtr, xml: *const c_char) -> esxDomainPtr {
    export!(esxDomainDefineXML(c: Conn, xml: &str) {
        Ok(new_domain(&c, c.conn.domains().domain_define_xml(xml)?))
    })
}

/// Defines a new domain: the .vmx goes into the directory of the first
/// file-based disk and is registered. An existing domain or file is never
/// overwritten; on failure nothing is left on the host.
/// flags: ESX_DOMAIN_DEFINE_VALIDATE (always done).
#[no_mangle]
pub unsafe extern "C" fn esxDomainDefineXMLFlags(
    c: esxConnectPtr,
    xml: *const c_char,
    flags: c_uint,
) -> esxDomainPtr {
    export!(esxDomainDefineXMLFlags(c: Conn, xml: &str) {
        Ok(new_domain(&c, c.conn.domains().domain_define_xml_flags(xml, flags)?))
    })
}

/// Undefines a powered-off or suspended domain; its files stay.
#[no_mangle]
pub unsafe extern "C" fn esxDomainUndefine(d: esxDomainPtr) -> c_int {
    export!(esxDomainUndefine(d: Dom) {
        d.domains().domain_undefine(&d.dom()).map(|_| 0)
    })
}

/// esxDomainUndefine with flags: ESX_DOMAIN_UNDEFINE_MANAGED_SAVE and
/// ESX_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA are accepted (ESX has neither).
#[no_mangle]
pub unsafe extern "C" fn esxDomainUndefineFlags(d: esxDomainPtr, flags: c_uint) -> c_int {
    export!(esxDomainUndefineFlags(d: Dom) {
        d.domains().domain_undefine_flags(&d.dom(), flags).map(|_| 0)
    })
}
