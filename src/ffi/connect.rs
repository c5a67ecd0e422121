//! Connection exports: open/close, host information, domain listing, and
//! the question handler.

#![allow(non_snake_case)]

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_ulonglong, c_void};
use std::ptr;
use std::sync::{Arc, Weak};

use super::boundary::call;
use super::error::out_string;
use super::handles::{add_ref, esxConnect, esxDomain, get, into_raw, pointer, release, Held};
use super::strings::{check_flags, fill_buf, out, str_arg, write_names};
use super::types::*;
use crate::driver::{
    self, Authenticator, Connection, CredentialKind, CredentialRequest, DomainRef, ListFlags,
};
use crate::error::Error;
use crate::vi::Question;

const ESX_CONNECT_RO: c_uint = 1;
const ESX_CONNECT_NO_ALIASES: c_uint = 2;

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

fn open(
    name: *const c_char,
    auth: *mut esxConnectAuth,
    flags: c_uint,
) -> Result<esxConnectPtr, Error> {
    check_flags(flags, ESX_CONNECT_RO | ESX_CONNECT_NO_ALIASES)?;
    // SAFETY: the C caller passes a NUL-terminated string or NULL.
    let uri = unsafe { str_arg(name, "name") }?;
    let read_only = flags & ESX_CONNECT_RO != 0;
    let conn = if auth.is_null() {
        Connection::open(uri, None, read_only)?
    } else {
        // SAFETY: non-NULL, points to the caller's esxConnectAuth.
        if unsafe { (*auth).cb }.is_none() {
            return Err(Error::invalid_arg("Missing or invalid auth pointer"));
        }
        let mut a = CAuth { auth };
        Connection::open(uri, Some(&mut a), read_only)?
    };
    Ok(into_raw(esxConnect::new(conn)))
}

/// Opens a connection, with credentials from the URI and auth.conf only.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn esxConnectOpen(name: *const c_char) -> esxConnectPtr {
    call(|| open(name, ptr::null_mut(), 0))
}

/// Opens a read-only connection: operations that change something fail
/// with ESX_ERR_OPERATION_DENIED.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn esxConnectOpenReadOnly(name: *const c_char) -> esxConnectPtr {
    call(|| open(name, ptr::null_mut(), ESX_CONNECT_RO))
}

/// Opens a connection, asking the auth callback for the user name
/// (ESX_CRED_AUTHNAME, unless the URI has one) and the password
/// (ESX_CRED_PASSPHRASE or ESX_CRED_NOECHOPROMPT), with the host name as
/// challenge, as libvirt's ESX driver asks. `flags`: ESX_CONNECT_RO.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string; `auth` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn esxConnectOpenAuth(
    name: *const c_char,
    auth: esxConnectAuthPtr,
    flags: c_uint,
) -> esxConnectPtr {
    call(|| open(name, auth, flags))
}

/// Drops a reference to the connection; the session is logged out and the
/// credentials are wiped when the last reference (including those held by
/// domain handles) goes. Returns the references left, or -1.
///
/// # Safety
/// `conn` must be NULL or a connection the caller holds a reference to.
#[no_mangle]
pub unsafe extern "C" fn esxConnectClose(conn: esxConnectPtr) -> c_int {
    call(|| {
        let left = release(conn, "esxConnectClose")?;
        Ok(left.min(c_int::MAX as usize) as c_int)
    })
}

/// Adds a reference to the connection (release with esxConnectClose).
///
/// # Safety
/// `conn` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectRef(conn: esxConnectPtr) -> c_int {
    call(|| {
        add_ref(conn, "esxConnectRef")?;
        Ok(0)
    })
}

/// The connection behind a pointer, held for the call.
pub(crate) fn conn(conn: esxConnectPtr, what: &str) -> Result<Held<esxConnect>, Error> {
    get(conn, what)
}

/// "ESX". The string is static; do not free it.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetType(c: esxConnectPtr) -> *const c_char {
    call(|| {
        conn(c, "esxConnectGetType")?;
        Ok(c"ESX".as_ptr())
    })
}

/// The host's product version (major * 1,000,000 + minor * 1,000 + micro).
///
/// # Safety
/// `c` must be NULL or a live connection; `hvVer` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetVersion(c: esxConnectPtr, hvVer: *mut c_ulong) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectGetVersion")?;
        // SAFETY: the caller's out-pointer, per this export's contract.
        let out = unsafe { out(hvVer, "hvVer") }?;
        *out = c.conn.version()? as c_ulong;
        Ok(0)
    })
}

fn lib_version() -> c_ulong {
    driver::encode_version(env!("CARGO_PKG_VERSION")).unwrap_or(0) as c_ulong
}

/// This library's version (major * 1,000,000 + minor * 1,000 + micro).
///
/// # Safety
/// `c` must be NULL or a live connection; `libVer` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetLibVersion(c: esxConnectPtr, libVer: *mut c_ulong) -> c_int {
    call(|| {
        conn(c, "esxConnectGetLibVersion")?;
        // SAFETY: the caller's out-pointer, per this export's contract.
        *unsafe { out(libVer, "libVer") }? = lib_version();
        Ok(0)
    })
}

/// The library version, and with `type` "ESX" (or NULL) the driver version.
///
/// # Safety
/// Pointers must be NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn esxGetVersion(
    libVer: *mut c_ulong,
    r#type: *const c_char,
    typeVer: *mut c_ulong,
) -> c_int {
    call(|| {
        // Everything is checked before anything is written: a failing call
        // leaves the caller's variables as they were.
        // SAFETY: the caller's out-pointer, per this export's contract.
        let lib = unsafe { out(libVer, "libVer") }?;
        if !typeVer.is_null() {
            // SAFETY: NULL or a NUL-terminated string per the contract.
            let t = unsafe { super::strings::opt_str_arg(r#type, "type") }?.unwrap_or("ESX");
            if !t.eq_ignore_ascii_case("ESX") {
                return Err(Error::no_support(format!("unknown driver type '{t}'")));
            }
            // SAFETY: the caller's out-pointer, per this export's contract.
            *unsafe { out(typeVer, "typeVer") }? = lib_version();
        }
        *lib = lib_version();
        Ok(0)
    })
}

/// The host's name (malloc'd; free it).
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetHostname(c: esxConnectPtr) -> *mut c_char {
    call(|| {
        let c = conn(c, "esxConnectGetHostname")?;
        out_string(&c.conn.hostname()?)
    })
}

/// The URI of the connection (malloc'd; free it).
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetURI(c: esxConnectPtr) -> *mut c_char {
    call(|| {
        let c = conn(c, "esxConnectGetURI")?;
        out_string(c.conn.uri().as_str())
    })
}

/// 1 if the host answers an authenticated call, 0 if not, -1 on error.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectIsAlive(c: esxConnectPtr) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectIsAlive")?;
        Ok(c.conn.is_alive() as c_int)
    })
}

/// 1 for https, 0 for http.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectIsEncrypted(c: esxConnectPtr) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectIsEncrypted")?;
        Ok(c.conn.is_encrypted() as c_int)
    })
}

/// 1 when the channel is encrypted and the host's certificate is checked
/// (verified or pinned); 0 for http or no_verify=1.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectIsSecure(c: esxConnectPtr) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectIsSecure")?;
        Ok(c.conn.is_secure() as c_int)
    })
}

/// Fills `info` with the host's CPU and memory layout.
///
/// # Safety
/// `c` must be NULL or a live connection; `info` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxNodeGetInfo(c: esxConnectPtr, info: esxNodeInfoPtr) -> c_int {
    call(|| {
        let c = conn(c, "esxNodeGetInfo")?;
        // SAFETY: the caller's out-pointer, per this export's contract.
        let info = unsafe { out(info, "info") }?;
        let n = c.conn.node_info()?;
        let mut model = [0 as c_char; 32];
        fill_buf(&mut model, &n.model);
        *info = esxNodeInfo {
            model,
            memory: n.memory_kib as c_ulong,
            cpus: n.cpus,
            mhz: n.mhz,
            nodes: n.nodes,
            sockets: n.sockets,
            cores: n.cores,
            threads: n.threads,
        };
        Ok(0)
    })
}

/// Free memory of the host in bytes; 0 on error.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxNodeGetFreeMemory(c: esxConnectPtr) -> c_ulonglong {
    call(|| {
        let c = conn(c, "esxNodeGetFreeMemory")?;
        Ok(c.conn.free_memory()? as c_ulonglong)
    })
}

/// The capabilities XML (malloc'd; free it).
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectGetCapabilities(c: esxConnectPtr) -> *mut c_char {
    call(|| {
        let c = conn(c, "esxConnectGetCapabilities")?;
        out_string(&c.conn.capabilities_xml()?)
    })
}

/// Number of running (powered-on) domains.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDomains(c: esxConnectPtr) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectNumOfDomains")?;
        Ok(c.conn.num_of_domains()? as c_int)
    })
}

/// IDs of up to `maxids` running domains; returns how many were written.
///
/// # Safety
/// `c` must be NULL or a live connection; `ids` must hold `maxids` ints.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDomains(
    c: esxConnectPtr,
    ids: *mut c_int,
    maxids: c_int,
) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectListDomains")?;
        if maxids < 0 || (ids.is_null() && maxids > 0) {
            return Err(Error::invalid_arg("ids must hold maxids (>= 0) entries"));
        }
        if maxids == 0 {
            return Ok(0);
        }
        let list = c.conn.list_domain_ids(maxids as usize)?;
        for (i, id) in list.iter().enumerate() {
            // SAFETY: i < maxids; the caller provides maxids slots.
            unsafe { *ids.add(i) = *id };
        }
        Ok(list.len() as c_int)
    })
}

/// Number of domains that are not running.
///
/// # Safety
/// `c` must be NULL or a live connection.
#[no_mangle]
pub unsafe extern "C" fn esxConnectNumOfDefinedDomains(c: esxConnectPtr) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectNumOfDefinedDomains")?;
        Ok(c.conn.num_of_defined_domains()? as c_int)
    })
}

/// Names of up to `maxnames` domains that are not running (each malloc'd).
///
/// # Safety
/// `c` must be NULL or a live connection; `names` must hold `maxnames` pointers.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListDefinedDomains(
    c: esxConnectPtr,
    names: *mut *mut c_char,
    maxnames: c_int,
) -> c_int {
    call(|| {
        let c = conn(c, "esxConnectListDefinedDomains")?;
        if maxnames < 0 || (names.is_null() && maxnames > 0) {
            return Err(Error::invalid_arg(
                "names must hold maxnames (>= 0) entries",
            ));
        }
        if maxnames == 0 {
            return Ok(0);
        }
        let list = c.conn.list_defined_domains(maxnames as usize)?;
        // SAFETY: checked above; the caller gives room for maxnames.
        unsafe { write_names(&list, names, maxnames) }
    })
}

/// Domains matching `flags` (esxConnectListAllDomainsFlags, 0 for all).
/// With `domains` non-NULL, *domains becomes a malloc'd, NULL-terminated
/// array: free each handle with esxDomainFree, then the array with free().
///
/// # Safety
/// `c` must be NULL or a live connection; `domains` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn esxConnectListAllDomains(
    c: esxConnectPtr,
    domains: *mut *mut esxDomainPtr,
    flags: c_uint,
) -> c_int {
    call(|| {
        conn(c, "esxConnectListAllDomains")?;
        check_flags(flags, ListFlags::ALL)?;
        let arc = get(c, "esxConnectListAllDomains")?;
        let list = arc.conn.list_all_domains(ListFlags(flags))?;
        if !domains.is_null() {
            // SAFETY: (n + 1) pointers, checked for NULL.
            let arr = unsafe { libc::calloc(list.len() + 1, std::mem::size_of::<esxDomainPtr>()) }
                as *mut esxDomainPtr;
            if arr.is_null() {
                return Err(Error::internal("out of memory"));
            }
            for (i, d) in list.iter().enumerate() {
                // SAFETY: i < n; the array has n + 1 slots.
                unsafe { *arr.add(i) = into_raw(esxDomain::new(arc.arc(), d.clone())) };
            }
            // SAFETY: the caller gave a writable pointer.
            unsafe { *domains = arr };
        }
        Ok(list.len() as c_int)
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
        let cstr = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
        let id = cstr(&q.id);
        let text = cstr(&q.text);
        let msg = cstr(q.message_ids.first().map(String::as_str).unwrap_or(""));
        let strings: Vec<(CString, CString, CString)> = q
            .choices
            .iter()
            .map(|c| (cstr(&c.key), cstr(&c.label), cstr(&c.summary)))
            .collect();
        let choices: Vec<esxQuestionChoice> = strings
            .iter()
            .map(|(k, l, s)| esxQuestionChoice {
                key: k.as_ptr(),
                label: l.as_ptr(),
                summary: s.as_ptr(),
            })
            .collect();
        let question = esxQuestion {
            id: id.as_ptr(),
            text: text.as_ptr(),
            messageId: msg.as_ptr(),
            nchoices: choices.len() as c_uint,
            choices: if choices.is_empty() {
                ptr::null()
            } else {
                choices.as_ptr()
            },
            defaultIndex: q
                .default_index
                .map_or(-1, |i| i.min(c_int::MAX as usize) as c_int),
        };
        let dom_handle = into_raw(esxDomain::new(conn.clone(), dom.clone()));
        let conn_ptr = pointer(&*conn);
        // SAFETY: the caller's callback, given pointers valid for the call.
        let answer = unsafe { (self.cb)(conn_ptr, dom_handle, &question, self.opaque) };
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
///
/// # Safety
/// `c` must be NULL or a live connection; `cb`/`opaque`/`freecb` the caller's.
#[no_mangle]
pub unsafe extern "C" fn esxConnectSetQuestionHandler(
    c: esxConnectPtr,
    cb: esxQuestionCallback,
    opaque: *mut c_void,
    freecb: esxFreeCallback,
) -> c_int {
    call(|| {
        let arc = get(c, "esxConnectSetQuestionHandler")?;
        let hook = cb.map(|cb| {
            Arc::new(QuestionHook {
                cb,
                opaque,
                free: freecb,
                conn: Arc::downgrade(&arc.arc()),
            })
        });
        arc.conn
            .set_question_handler(hook.clone().map(|h| h as Arc<dyn driver::QuestionHandler>));
        let old = match arc.question.lock() {
            Ok(mut slot) => std::mem::replace(&mut *slot, hook),
            Err(p) => (*p.into_inner()).take(),
        };
        drop(old);
        Ok(0)
    })
}
