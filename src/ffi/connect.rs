// SPDX-License-Identifier: LGPL-2.1-or-later
//! Connection exports: open/close, host information, domain listing, and
//! the question handler.

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_ulonglong, c_void};
use std::ptr;
use std::sync::{Arc, Weak};

use super::domain::new_domain;
use super::error::out_string;
use super::export::{export, Conn, Out};
use super::handles::{add_ref, esxConnect, esxDomain, into_raw, pointer, release};
use super::strings::{fill_buf, write_handles, write_names};
use super::types::*;
use crate::driver::flags::esxConnectFlags::ESX_CONNECT_RO;
use crate::driver::{
    self, Authenticator, Connection, CredentialKind, CredentialRequest, DomainRef,
};
use crate::error::Error;
use crate::vi::Question;

/// The C auth callback as an Authenticator.
struct CAuth {
    auth: *mut esxConnectAuth,
}

impl CAuth {
    fn types(&self) -> &[c_int] {
        // SAFETY: `auth` was checked non-NULL; credtype holds ncredtype ints.
        unsafe {
            let a = &*self.auth;
            if a.credtype.is_null() || a.ncredtype == 0 {
                return &[];
            }
            std::slice::from_raw_parts(a.credtype, a.ncredtype as usize)
        }
    }
}

fn cred_code(kind: CredentialKind) -> c_int {
    match kind {
        CredentialKind::AuthName => 2,
        CredentialKind::Passphrase => 5,
        CredentialKind::NoEchoPrompt => 7,
    }
}

impl Authenticator for CAuth {
    fn supports(&self, kind: CredentialKind) -> bool {
        self.types().contains(&cred_code(kind))
    }

    fn ask(&mut self, request: &CredentialRequest) -> Result<Option<String>, Error> {
        // SAFETY: checked non-NULL by the caller of CAuth.
        let a = unsafe { &*self.auth };
        let Some(cb) = a.cb else {
            return Err(Error::invalid_arg("Missing or invalid auth pointer"));
        };
        let prompt = CString::new(request.prompt.replace('\0', " ")).unwrap_or_default();
        let challenge = CString::new(request.challenge.replace('\0', " ")).unwrap_or_default();
        let default = request
            .default
            .as_ref()
            .map(|d| CString::new(d.replace('\0', " ")).unwrap_or_default());
        let mut cred = esxConnectCredential {
            r#type: cred_code(request.kind),
            prompt: prompt.as_ptr(),
            challenge: challenge.as_ptr(),
            defresult: default.as_ref().map_or(ptr::null(), |d| d.as_ptr()),
            result: ptr::null_mut(),
            resultlen: 0,
        };
        // SAFETY: calling the caller's callback with one valid credential.
        let rc = unsafe { cb(&mut cred, 1, a.cbdata) };
        if rc < 0 {
            if !cred.result.is_null() {
                // SAFETY: the callback malloc'd the result.
                unsafe { libc::free(cred.result as *mut c_void) };
            }
            return Ok(None);
        }
        if cred.result.is_null() {
            return Ok(None);
        }
        // SAFETY: the callback wrote a NUL-terminated, malloc'd result.
        let answer = unsafe { std::ffi::CStr::from_ptr(cred.result) }
            .to_str()
            .map(str::to_string)
            .map_err(|_| {
                Error::invalid_arg("The auth callback returned a credential that is not UTF-8")
            });
        // The result may be a password: wipe it before freeing.
        // SAFETY: cred.result is a NUL-terminated buffer we now own.
        unsafe {
            let len = libc::strlen(cred.result);
            for i in 0..len {
                std::ptr::write_volatile(cred.result.add(i), 0);
            }
            libc::free(cred.result as *mut c_void);
        }
        answer.map(Some)
    }
}

fn open(uri: &str, auth: *mut esxConnectAuth, flags: c_uint) -> Result<esxConnectPtr, Error> {
    let conn = if auth.is_null() {
        Connection::connect_open_auth(uri, None, flags)?
    } else {
        // SAFETY: non-NULL, points to the caller's esxConnectAuth.
        if unsafe { (*auth).cb }.is_none() {
            return Err(Error::invalid_arg("Missing or invalid auth pointer"));
        }
        let mut a = CAuth { auth };
        Connection::connect_open_auth(uri, Some(&mut a), flags)?
    };
    Ok(into_raw(esxConnect::new(conn)))
}

/// The URI to open: `name`, or when it is NULL or empty the default, as
/// libvirt's virConnectGetDefaultURI finds one: ESX_DEFAULT_URI (this
/// library's own, so that a LIBVIRT_DEFAULT_URI meant for other drivers
/// can stay set), else LIBVIRT_DEFAULT_URI.
pub(crate) fn uri_or_default(name: Option<&str>) -> Result<String, Error> {
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        return Ok(n.to_string());
    }
    for var in ["ESX_DEFAULT_URI", "LIBVIRT_DEFAULT_URI"] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() {
                log::debug!("no URI given: using {var}={v}");
                return Ok(v);
            }
        }
    }
    Err(Error::new(
        crate::error::Code::NoConnect,
        "the default URI: none was given and neither ESX_DEFAULT_URI nor LIBVIRT_DEFAULT_URI is set",
    )
    .in_domain(crate::error::from::NONE))
}

/// Opens a connection to `name` (NULL or "": the default URI,
/// ESX_DEFAULT_URI or LIBVIRT_DEFAULT_URI), with credentials from the URI
/// and auth.conf only.
#[no_mangle]
pub unsafe extern "C" fn esxConnectOpen(name: *const c_char) -> esxConnectPtr {
    export!(esxConnectOpen(name: Option<&str>) {
        open(&uri_or_default(name)?, ptr::null_mut(), 0)
    })
}

/// Opens a read-only connection (NULL or "": the default URI): operations
/// that change something fail with ESX_ERR_OPERATION_DENIED.
#[no_mangle]
pub unsafe extern "C" fn esxConnectOpenReadOnly(name: *const c_char) -> esxConnectPtr {
    export!(esxConnectOpenReadOnly(name: Option<&str>) {
        open(&uri_or_default(name)?, ptr::null_mut(), ESX_CONNECT_RO as c_uint)
    })
}

/// Opens a connection to `name` (NULL or "": the default URI, as
/// esxConnectOpen), asking the auth callback for the user name
/// (ESX_CRED_AUTHNAME, unless the URI has one) and the password
/// (ESX_CRED_PASSPHRASE or ESX_CRED_NOECHOPROMPT), with the host name as
/// challenge, as libvirt's ESX driver asks. `auth` may be NULL. `flags`:
/// ESX_CONNECT_RO.
#[no_mangle]
pub unsafe extern "C" fn esxConnectOpenAuth(
    name: *const c_char,
    auth: esxConnectAuthPtr,
    flags: c_uint,
) -> esxConnectPtr {
    export!(esxConnectOpenAuth(name: Option<&str>) {
        open(&uri_or_default(name)?, auth, flags)
    })
}

/// Initializes the library (libvirt's virInitialize): nothing is needed
/// beyond what the first call does, so it only sets up logging; 0. Calling
/// it is optional and may be repeated, from any thread.
#[no_mangle]
pub unsafe extern "C" fn esxInitialize() -> c_int {
    export!(esxInitialize() { Ok(0) })
}

/// Drops a reference to the connection; the session is logged out and the
/// credentials are wiped when the last reference (including those held by
/// domain handles) goes. Returns the references left, or -1.
#[no_mangle]
pub unsafe extern "C" fn esxConnectClose(conn: esxConnectPtr) -> c_int {
    export!(esxConnectClose() {
        let left = release(conn, "esxConnectClose")?;
        Ok(left.min(c_int::MAX as usize) as c_int)
    })
}

/// Adds a reference to the connection (release with esxConnectClose).
#[no_mangle]
pub unsafe extern "C" fn esxConnectRef(conn: esxConnectPtr) -> c_int {
    export!(esxConnectRef() { add_ref(conn, "esxConnectRef").map(|_| 0) })
}

/// "ESX". The string is static; do not free it.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetType(c: esxConnectPtr) -> *const c_char {
    export!(esxConnectGetType(c: Conn) {
        Ok(match c.conn.connect_get_type() {
            "ESX" => c"ESX".as_ptr(),
            _ => c"".as_ptr(),
        })
    })
}

/// The host's product version (major * 1,000,000 + minor * 1,000 + micro).
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetVersion(c: esxConnectPtr, hvVer: *mut c_ulong) -> c_int {
    export!(esxConnectGetVersion(c: Conn, hvVer: Out<c_ulong>) {
        hvVer.set(c.conn.connect_get_version()? as c_ulong);
        Ok(0)
    })
}

/// This library's version (major * 1,000,000 + minor * 1,000 + micro).
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetLibVersion(c: esxConnectPtr, libVer: *mut c_ulong) -> c_int {
    export!(esxConnectGetLibVersion(c: Conn, libVer: Out<c_ulong>) {
        libVer.set(c.conn.connect_get_lib_version() as c_ulong);
        Ok(0)
    })
}

/// The library version, and with `typeVer` non-NULL and `type` "ESX" (or
/// NULL) the driver version.
#[no_mangle]
pub unsafe extern "C" fn esxGetVersion(
    libVer: *mut c_ulong,
    r#type: *const c_char,
    typeVer: *mut c_ulong,
) -> c_int {
    export!(esxGetVersion(libVer: Out<c_ulong>, typeVer: Option<Out<c_ulong>>) {
        // Everything is checked before anything is written: a failing call
        // leaves the caller's variables as they were.
        let (lib, drv) = match typeVer {
            Some(_) => {
                // SAFETY: NULL or a C string, per the contract.
                let t = unsafe { super::strings::opt_str_arg(r#type, "type") }?;
                driver::get_version(t)?
            }
            None => driver::get_version(None)?,
        };
        if let Some(o) = typeVer {
            o.set(drv as c_ulong);
        }
        libVer.set(lib as c_ulong);
        Ok(0)
    })
}

/// The host's name (malloc'd; free it).
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetHostname(c: esxConnectPtr) -> *mut c_char {
    export!(esxConnectGetHostname(c: Conn) {
        out_string(&c.conn.connect_get_hostname()?)
    })
}

/// The URI of the connection (malloc'd; free it).
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetURI(c: esxConnectPtr) -> *mut c_char {
    export!(esxConnectGetURI(c: Conn) { out_string(c.conn.uri().as_str()) })
}

/// 1 if the host answers an authenticated call, 0 if not, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn esxConnectIsAlive(c: esxConnectPtr) -> c_int {
    export!(esxConnectIsAlive(c: Conn) { Ok(c.conn.connect_is_alive() as c_int) })
}

/// 1 for https, 0 for http.
#[no_mangle]
pub unsafe extern "C" fn esxConnectIsEncrypted(c: esxConnectPtr) -> c_int {
    export!(esxConnectIsEncrypted(c: Conn) { Ok(c.conn.connect_is_encrypted() as c_int) })
}

/// 1 when the channel is encrypted and the host's certificate is checked
/// (verified or pinned); 0 for http or no_verify=1.
#[no_mangle]
pub unsafe extern "C" fn esxConnectIsSecure(c: esxConnectPtr) -> c_int {
    export!(esxConnectIsSecure(c: Conn) { Ok(c.conn.connect_is_secure() as c_int) })
}

/// Fills `info` with the host's CPU and memory layout.
#[no_mangle]
pub unsafe extern "C" fn esxNodeGetInfo(c: esxConnectPtr, info: esxNodeInfoPtr) -> c_int {
    export!(esxNodeGetInfo(c: Conn, info: Out<esxNodeInfo>) {
        let n = c.conn.node().node_get_info()?;
        let mut model = [0 as c_char; 32];
        fill_buf(&mut model, &n.model);
        info.set(esxNodeInfo {
            model,
            memory: n.memory_kib as c_ulong,
            cpus: n.cpus,
            mhz: n.mhz,
            nodes: n.nodes,
            sockets: n.sockets,
            cores: n.cores,
            threads: n.threads,
        });
        Ok(0)
    })
}

/// Free memory of the host in bytes; 0 on error.
#[no_mangle]
pub unsafe extern "C" fn esxNodeGetFreeMemory(c: esxConnectPtr) -> c_ulonglong {
    export!(esxNodeGetFreeMemory(c: Conn) {
        Ok(c.conn.node().node_get_free_memory()? as c_ulonglong)
    })
}

/// The capabilities XML (malloc'd; free it).
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetCapabilities(c: esxConnectPtr) -> *mut c_char {
    export!(esxConnectGetCapabilities(c: Conn) {
        out_string(&c.conn.connect_get_capabilities()?)
    })
}

/// Number of running (powered-on) domains.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDomains(c: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfDomains(c: Conn) { c.conn.connect_num_of_domains() })
}

/// IDs of up to `maxids` running domains into `ids` (room for `maxids`);
/// returns how many were written.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDomains(
    c: esxConnectPtr,
    ids: *mut c_int,
    maxids: c_int,
) -> c_int {
    export!(esxConnectListDomains(c: Conn) {
        if ids.is_null() && maxids > 0 {
            return Err(Error::invalid_arg("ids must not be NULL when maxids > 0"));
        }
        let list = c.conn.connect_list_domains(maxids)?;
        for (i, id) in list.iter().enumerate() {
            // SAFETY: i < list.len() <= maxids slots the caller provides.
            unsafe { *ids.add(i) = *id };
        }
        Ok(list.len() as c_int)
    })
}

/// Number of domains that are not running.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDefinedDomains(c: esxConnectPtr) -> c_int {
    export!(esxConnectNumOfDefinedDomains(c: Conn) { c.conn.connect_num_of_defined_domains() })
}

/// Names of up to `maxnames` domains that are not running (each malloc'd)
/// into `names` (room for `maxnames`).
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDefinedDomains(
    c: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    export!(esxConnectListDefinedDomains(c: Conn) {
        if names.is_null() && maxnames > 0 {
            return Err(Error::invalid_arg("names must not be NULL when maxnames > 0"));
        }
        let list = c.conn.connect_list_defined_domains(maxnames)?;
        // SAFETY: the caller gives room for maxnames >= list.len() names.
        unsafe { write_names(&list, names, maxnames) }
    })
}

/// Domains matching `flags` (esxConnectListAllDomainsFlags, 0 for all).
/// With `domains` non-NULL, *domains becomes a malloc'd, NULL-terminated
/// array: free each handle with esxDomainFree, then the array with free().
#[no_mangle]
pub unsafe extern "C" fn esxConnectListAllDomains(
    c: esxConnectPtr,
    domains: *mut *mut esxDomainPtr,
    flags: c_uint,
) -> c_int {
    export!(esxConnectListAllDomains(c: Conn) {
        let list = c.conn.connect_list_all_domains(flags)?;
        // SAFETY: `domains` is NULL or writable.
        unsafe { write_handles(&list, domains, |d: &DomainRef| new_domain(&c, d.clone())) }
    })
}

/// A C question callback with its data, freed with its free callback.
pub(crate) struct QuestionHook {
    cb: unsafe extern "C" fn(esxConnectPtr, esxDomainPtr, *const esxQuestion, *mut c_void) -> c_int,
    opaque: *mut c_void,
    free: esxFreeCallback,
    conn: Weak<esxConnect>,
}

// SAFETY: the callback and its data are the caller's; the contract of
// esxConnectSetQuestionHandler says they may be used from any thread.
unsafe impl Send for QuestionHook {}
// SAFETY: as above.
unsafe impl Sync for QuestionHook {}

impl Drop for QuestionHook {
    fn drop(&mut self) {
        if let Some(f) = self.free {
            // SAFETY: the caller's free callback for its own data.
            unsafe { f(self.opaque) };
        }
    }
}

impl driver::QuestionHandler for QuestionHook {
    fn decide(&self, dom: &DomainRef, q: &Question) -> Option<usize> {
        let conn = self.conn.upgrade()?;
        let owned = super::questions::OwnedQuestion::new(q);
        let question = &owned.q;
        let dom_handle = into_raw(esxDomain::new(conn.clone(), dom.clone()));
        let conn_ptr = pointer(&*conn);
        // SAFETY: the caller's callback, given pointers valid for the call.
        let answer = unsafe { (self.cb)(conn_ptr, dom_handle, question, self.opaque) };
        // SAFETY: we created this reference above; the callback took its own
        // with esxDomainRef if it wanted to keep the handle.
        let _ = release(dom_handle, "question handler");
        usize::try_from(answer).ok()
    }
}

/// Installs a handler that decides VM questions (overriding the URI's
/// auto_answer), or with `cb` NULL removes it. The previous handler's
/// `freecb(opaque)` runs when it is replaced or the connection goes away.
/// The callback runs on the thread of the call that met the question.
#[no_mangle]
pub unsafe extern "C" fn esxConnectSetQuestionHandler(
    c: esxConnectPtr,
    cb: esxQuestionCallback,
    opaque: *mut c_void,
    freecb: esxFreeCallback,
) -> c_int {
    export!(esxConnectSetQuestionHandler(c: Conn) {
        let hook = cb.map(|cb| {
            Arc::new(QuestionHook {
                cb,
                opaque,
                free: freecb,
                conn: Arc::downgrade(&c.arc()),
            })
        });
        c.conn
            .set_question_handler(hook.clone().map(|h| h as Arc<dyn driver::QuestionHandler>));
        let old = match c.question.lock() {
            Ok(mut slot) => std::mem::replace(&mut *slot, hook),
            Err(p) => (*p.into_inner()).take(),
        };
        drop(old);
        Ok(0)
    })
}
