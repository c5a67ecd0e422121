// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's argument checks, the ones its public functions make before
//! they call a driver (src/libvirt-*.c), with libvirt's error codes and
//! words, the function named as this library names it. The exports of the
//! functions ESX cannot back (src/ffi/generated/unsupported_*.rs, written
//! by scripts/libvirt-api.py from scripts/api/checks.txt) make them in
//! libvirt's order and then fail with [`unsupported`], as libvirt does for
//! a driver without the callback; the real exports may use them too.
//!
//! The pointer helpers read or write what the caller passed: they are
//! called from exports only, under the contract every export states (see
//! [`super::export`]): a pointer is NULL or valid as the function's
//! documentation says.

use std::os::raw::{c_char, c_int, c_uint, c_void};

use super::handles::{
    self, esxConnect, esxDomain, esxDomainCheckpoint, esxDomainSnapshot, esxInterface, esxNWFilter,
    esxNWFilterBinding, esxNetwork, esxNetworkPort, esxNodeDevice, esxSecret, esxStoragePool,
    esxStorageVol, esxStream, Handle, Held,
};
use super::types::{esxTypedParameter, esxTypedParameterType};
use crate::error::{Code, Error};

pub type Result<T> = std::result::Result<T, Error>;

/// The connection an object belongs to (libvirt's obj->conn), for the
/// read-only and same-connection checks.
pub trait OnConnection {
    fn connection(&self) -> &esxConnect;

    /// How libvirt names the object in an argument error (its name).
    fn label(&self) -> String {
        String::new()
    }
}

macro_rules! on_connection {
    ($($ty:ident => |$s:ident| $e:expr $(, label $l:expr)?);* $(;)?) => {
        $(impl OnConnection for $ty {
            fn connection(&self) -> &esxConnect {
                let $s = self;
                $e
            }
            $(fn label(&self) -> String {
                let $s = self;
                $l
            })?
        })*
    };
}

on_connection! {
    esxConnect => |c| c;
    esxDomain => |d| &d.conn;
    esxDomainSnapshot => |s| &s.domain.conn;
    esxStoragePool => |p| &p.conn, label p.name.to_string_lossy().into_owned();
    esxStorageVol => |v| &v.conn;
    esxStream => |s| &s.conn;
    esxNetwork => |n| &n.conn;
    esxInterface => |i| &i.conn;
    esxSecret => |s| &s.conn;
    esxNodeDevice => |d| &d.conn;
    esxNWFilter => |f| &f.conn;
    esxNWFilterBinding => |b| &b.conn;
    esxDomainCheckpoint => |c| &c.domain.conn;
    esxNetworkPort => |p| &p.network.conn;
}

/// What a NULL check applies to: data pointers and callbacks.
pub trait Nullable {
    fn is_null_arg(&self) -> bool;
}

impl<T> Nullable for *const T {
    fn is_null_arg(&self) -> bool {
        self.is_null()
    }
}

impl<T> Nullable for *mut T {
    fn is_null_arg(&self) -> bool {
        self.is_null()
    }
}

impl<F> Nullable for Option<F> {
    fn is_null_arg(&self) -> bool {
        self.is_none()
    }
}

fn invalid_arg(message: String) -> Error {
    Error::invalid_arg(message).from_api()
}

/// The function has no backing on ESX (libvirt's virReportUnsupportedError:
/// "this function is not supported by the connection driver: esxFoo").
pub fn unsupported<T>(f: &str) -> Result<T> {
    Err(Error::new(Code::NoSupport, f).from_api())
}

/// virCheck<Object>Return: a live handle of its type, held for the call.
pub fn handle<T: Handle>(p: *mut T, f: &str) -> Result<Held<T>> {
    handles::get(p, f)
}

/// An optional object argument (the event registrations' filter): NULL, or
/// a live handle of the same connection.
pub fn optional_handle<T: Handle + OnConnection>(
    p: *mut T,
    conn: &esxConnect,
    what: &str,
    f: &str,
) -> Result<()> {
    if p.is_null() {
        return Ok(());
    }
    let h = handles::get(p, f)?;
    if !std::ptr::eq(h.connection(), conn) {
        return Err(invalid_arg(format!(
            "{what} '{}' in {f} must match connection",
            h.label()
        )));
    }
    Ok(())
}

/// virCheckReadOnlyGoto: a change on a read-only connection.
pub fn writable<T: OnConnection>(h: &T, f: &str) -> Result<()> {
    if h.connection().conn.is_read_only() {
        return Err(Error::operation_denied(format!("read only access prevents {f}")).from_api());
    }
    Ok(())
}

/// The read of a secure XML (or one with secrets) on a read-only
/// connection.
pub fn secure_xml<T: OnConnection>(h: &T, flags: c_uint, secure: u32, f: &str) -> Result<()> {
    if flags & secure != 0 && h.connection().conn.is_read_only() {
        return Err(Error::operation_denied(format!("{f} with secure flag")).from_api());
    }
    Ok(())
}

/// virCheckNonNullArgGoto.
pub fn non_null(p: impl Nullable, arg: &str, f: &str) -> Result<()> {
    if p.is_null_arg() {
        return Err(invalid_arg(format!("{arg} in {f} must not be NULL")));
    }
    Ok(())
}

/// virCheckNullArgGoto.
pub fn null(p: impl Nullable, arg: &str, f: &str) -> Result<()> {
    if !p.is_null_arg() {
        return Err(invalid_arg(format!("{arg} in {f} must be NULL")));
    }
    Ok(())
}

/// virCheckNonEmptyStringArgGoto.
pub fn non_empty(p: *const c_char, arg: &str, f: &str) -> Result<()> {
    non_null(p, arg, f)?;
    // SAFETY: non-NULL, and a NUL-terminated string by the contract.
    if unsafe { *p } == 0 {
        return Err(invalid_arg(format!(
            "string {arg} in {f} must not be empty"
        )));
    }
    Ok(())
}

/// virCheckNonNullArrayArgGoto: an array may be NULL only when empty.
pub fn array(p: impl Nullable, n: i64, arg: &str, f: &str) -> Result<()> {
    if p.is_null_arg() && n > 0 {
        return Err(invalid_arg(format!("{arg} in {f} must not be NULL")));
    }
    Ok(())
}

/// virCheckNonNegativeArgGoto.
pub fn non_negative(v: i64, arg: &str, f: &str) -> Result<()> {
    if v < 0 {
        return Err(invalid_arg(format!("{arg} in {f} must be zero or greater")));
    }
    Ok(())
}

/// virCheckPositiveArgGoto.
pub fn positive(v: i64, arg: &str, f: &str) -> Result<()> {
    if v <= 0 {
        return Err(invalid_arg(format!(
            "{arg} in {f} must be greater than zero"
        )));
    }
    Ok(())
}

/// virCheckNonZeroArgGoto.
pub fn non_zero(v: i64, arg: &str, f: &str) -> Result<()> {
    if v == 0 {
        return Err(invalid_arg(format!("{arg} in {f} must not be zero")));
    }
    Ok(())
}

/// virCheckZeroArgGoto (libvirt words it as the non-zero check does).
pub fn zero(v: i64, arg: &str, f: &str) -> Result<()> {
    if v != 0 {
        return Err(invalid_arg(format!("{arg} in {f} must not be zero")));
    }
    Ok(())
}

/// The int an in/out count points at (checked non-NULL before).
pub fn value_at(p: *const c_int) -> i64 {
    if p.is_null() {
        return 0;
    }
    // SAFETY: non-NULL; a readable int by the contract.
    i64::from(unsafe { *p })
}

/// VIR_EXCLUSIVE_FLAGS_GOTO.
pub fn exclusive(flags: c_uint, a: u32, b: u32, names: (&str, &str)) -> Result<()> {
    if flags & a != 0 && flags & b != 0 {
        return Err(invalid_arg(format!(
            "Flags '{}' and '{}' are mutually exclusive",
            names.0, names.1
        )));
    }
    Ok(())
}

/// VIR_REQUIRE_FLAG_GOTO: `flag` needs one of `required`.
pub fn require(flags: c_uint, flag: u32, required: u32, names: (&str, &str)) -> Result<()> {
    if flags & flag != 0 && flags & required == 0 {
        return Err(invalid_arg(format!(
            "Flag '{}' is required by flag '{}'",
            names.1, names.0
        )));
    }
    Ok(())
}

/// A flag that needs an argument: with any bit of `mask`, `p` must be set.
pub fn flag_needs(flags: c_uint, mask: u32, p: impl Nullable, arg: &str, f: &str) -> Result<()> {
    if flags & mask != 0 {
        non_null(p, arg, f)?;
    }
    Ok(())
}

/// A flag the driver cannot honour (ARGUMENT_UNSUPPORTED).
pub fn flag_unsupported(flags: c_uint, flag: u32, message: &str) -> Result<()> {
    if flags & flag != 0 {
        return Err(Error::new(Code::ArgumentUnsupported, message).from_api());
    }
    Ok(())
}

/// A flag the call refuses as an invalid argument.
pub fn flag_invalid(flags: c_uint, flag: u32, message: &str) -> Result<()> {
    if flags & flag != 0 {
        return Err(invalid_arg(message.to_string()));
    }
    Ok(())
}

/// `v` must be below `limit` (an enum's sentinel); the message names the
/// value as `{v}`, the limit as `{limit}`, the function as `{f}`.
pub fn below(v: i64, limit: i64, message: &str, f: &str) -> Result<()> {
    if v >= limit {
        return Err(invalid_arg(fill(message, v, limit, f)));
    }
    Ok(())
}

/// `v` must be at most `limit`.
pub fn at_most(v: i64, limit: i64, message: &str, f: &str) -> Result<()> {
    if v > limit {
        return Err(invalid_arg(fill(message, v, limit, f)));
    }
    Ok(())
}

/// A number whose only accepted negative value is `allowed` (the "all"
/// marker of the node statistics).
pub fn negative_only(v: i64, allowed: i64, message: &str, f: &str) -> Result<()> {
    if v < 0 && v != allowed {
        return Err(invalid_arg(fill(message, v, allowed, f)));
    }
    Ok(())
}

fn fill(message: &str, v: i64, limit: i64, f: &str) -> String {
    message
        .replace("{v}", &v.to_string())
        .replace("{limit}", &limit.to_string())
        .replace("{f}", f)
}

/// VIR_INT_MULTIPLY_OVERFLOW of two int sizes.
pub fn no_overflow(a: c_int, b: c_int) -> Result<()> {
    if a.checked_mul(b).is_none() {
        return Err(Error::new(Code::Overflow, format!("input too large: {a} * {b}")).from_api());
    }
    Ok(())
}

/// Passing file descriptors: this driver has none to pass them to.
pub fn fd_passing(needed: bool) -> Result<()> {
    if needed {
        return Err(Error::new(
            Code::ArgumentUnsupported,
            "fd passing is not supported by this connection",
        )
        .from_api());
    }
    Ok(())
}

/// A descriptor that must be an open socket (virDomainOpenGraphics).
pub fn socket_fd(fd: c_int) -> Result<()> {
    // SAFETY: fstat writes into the zeroed struct we own; any fd value is
    // safe to ask about.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } < 0 {
        let err = std::io::Error::last_os_error();
        return Err(Error::new(
            Code::SystemError,
            format!("Unable to access file descriptor {fd}: {err}"),
        )
        .from_api());
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        return Err(invalid_arg(format!("fd {fd} must be a socket")));
    }
    Ok(())
}

/// A stream must belong to the domain's connection.
pub fn same_stream(st: &esxStream, dom: &esxDomain) -> Result<()> {
    if !std::ptr::eq(st.connection(), dom.connection()) {
        return Err(invalid_arg(format!(
            "stream must match connection of domain '{}'",
            dom.name.to_string_lossy()
        )));
    }
    Ok(())
}

/// Sets an optional output list to NULL before anything can fail.
pub fn clear<T>(p: *mut *mut T) {
    if !p.is_null() {
        // SAFETY: non-NULL; a writable pointer by the contract.
        unsafe { *p = std::ptr::null_mut() };
    }
}

/// Zeroes an optional output struct before anything can fail.
pub fn zero_out<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: non-NULL; a writable T by the contract (plain C data).
        unsafe { std::ptr::write_bytes(p, 0, 1) };
    }
}

/// A valid UUID string (the *LookupByUUIDString calls).
pub fn uuid_string(p: *const c_char, f: &str) -> Result<()> {
    // SAFETY: the caller checked it non-NULL; NUL-terminated by the contract.
    let text = unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy();
    if crate::uuid::parse(&text).is_none() {
        return Err(invalid_arg(format!("uuidstr in {f} must be a valid UUID")));
    }
    Ok(())
}

/// virTypedParameterValidateSet for a driver that does not take string
/// parameters: names fit their field, no parameter is a string.
pub fn typed_params(params: *const esxTypedParameter, n: c_int) -> Result<()> {
    for i in 0..usize::try_from(n).unwrap_or(0) {
        // SAFETY: the caller checked params non-NULL; n entries by the
        // contract.
        let p = unsafe { &*params.add(i) };
        let len = p.field.iter().position(|&c| c == 0);
        let name: String = p
            .field
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8 as char)
            .collect();
        if len.is_none() {
            return Err(invalid_arg(format!(
                "string parameter name '{name}' too long"
            )));
        }
        if p.r#type == esxTypedParameterType::ESX_TYPED_PARAM_STRING as c_int {
            return Err(invalid_arg(format!(
                "string parameter '{name}' unsupported"
            )));
        }
    }
    Ok(())
}

/// virDomainGetCPUStats' checks of its ranges.
pub fn cpu_stats(
    params: *mut esxTypedParameter,
    nparams: c_uint,
    start_cpu: c_int,
    ncpus: c_uint,
    f: &str,
) -> Result<()> {
    if start_cpu == -1 {
        if ncpus != 1 {
            return Err(invalid_arg("ncpus must be 1 when start_cpu is -1".into()));
        }
    } else {
        non_negative(start_cpu.into(), "start_cpu", f)?;
    }
    if nparams != 0 {
        non_null(params, "params", f)?;
    } else {
        null(params, "params", f)?;
    }
    if ncpus == 0 {
        null(params, "params", f)?;
    }
    if nparams != 0 && ncpus > c_uint::MAX / nparams {
        return Err(Error::new(
            Code::Overflow,
            format!("input too large: {nparams} * {ncpus}"),
        )
        .from_api());
    }
    Ok(())
}

/// virDomainGetVcpus' checks of the CPU maps: a map length exactly when
/// there are maps, and no overflow of their size.
pub fn vcpu_maps(cpumaps: *mut u8, maplen: c_int, maxinfo: c_int, f: &str) -> Result<()> {
    if cpumaps.is_null() {
        zero(maplen.into(), "maplen", f)
    } else {
        positive(maplen.into(), "maplen", f)?;
        no_overflow(maxinfo, maplen)
    }
}

/// libvirt's virDomainMetadataType values (ESX_DOMAIN_METADATA_*).
const METADATA_DESCRIPTION: c_int = 0;
const METADATA_TITLE: c_int = 1;
const METADATA_ELEMENT: c_int = 2;

/// virDomainGetMetadata: a URI for an element, none for the title or
/// description.
pub fn metadata_get(kind: c_int, uri: *const c_char, f: &str) -> Result<()> {
    match kind {
        METADATA_TITLE | METADATA_DESCRIPTION => null(uri, "uri", f),
        METADATA_ELEMENT => non_null(uri, "uri", f),
        _ => Ok(()),
    }
}

/// virDomainSetMetadata: a title of one line; a URI (and a key with
/// metadata) for an element, neither for the title or description.
pub fn metadata_set(
    kind: c_int,
    metadata: *const c_char,
    key: *const c_char,
    uri: *const c_char,
    f: &str,
) -> Result<()> {
    if kind == METADATA_TITLE && !metadata.is_null() {
        // SAFETY: non-NULL; NUL-terminated by the contract.
        let text = unsafe { std::ffi::CStr::from_ptr(metadata) };
        if text.to_bytes().contains(&b'\n') {
            return Err(invalid_arg("metadata title can't contain newlines".into()));
        }
    }
    match kind {
        METADATA_TITLE | METADATA_DESCRIPTION => {
            null(uri, "uri", f)?;
            null(key, "key", f)
        }
        METADATA_ELEMENT => {
            non_null(uri, "uri", f)?;
            if !metadata.is_null() {
                non_null(key, "key", f)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// virDomainBlockRebase: a base for a copy; the copy's flags only with it.
pub fn rebase(flags: c_uint, base: *const c_char, f: &str) -> Result<()> {
    // ESX_DOMAIN_BLOCK_REBASE_SHALLOW, REUSE_EXT, COPY_RAW, COPY, COPY_DEV.
    const SHALLOW: c_uint = 1;
    const REUSE_EXT: c_uint = 2;
    const COPY_RAW: c_uint = 4;
    const COPY: c_uint = 8;
    const COPY_DEV: c_uint = 32;
    if flags & COPY != 0 {
        non_null(base, "base", f)
    } else if flags & (SHALLOW | REUSE_EXT | COPY_RAW | COPY_DEV) != 0 {
        Err(invalid_arg("use of flags requires a copy job".into()))
    } else {
        Ok(())
    }
}

/// virDomainMemoryStats asks nothing of the driver for no room: true when
/// the call succeeds at once with 0 statistics.
pub fn no_room(stats: *mut c_void, n: c_uint) -> bool {
    stats.is_null() || n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<()>) -> String {
        r.unwrap_err().message().to_string()
    }

    #[test]
    fn words_are_libvirts_with_the_esx_name() {
        let f = "esxDomainAttachDevice";
        assert_eq!(
            message(non_null(std::ptr::null::<c_char>(), "xml", f)),
            "xml in esxDomainAttachDevice must not be NULL"
        );
        assert_eq!(
            message(non_negative(-1, "nparams", f)),
            "nparams in esxDomainAttachDevice must be zero or greater"
        );
        assert_eq!(
            message(exclusive(3, 1, 2, ("ESX_A", "ESX_B"))),
            "Flags 'ESX_A' and 'ESX_B' are mutually exclusive"
        );
        assert_eq!(
            message(require(1, 1, 6, ("ESX_A", "ESX_B | ESX_C"))),
            "Flag 'ESX_B | ESX_C' is required by flag 'ESX_A'"
        );
        assert!(require(3, 1, 6, ("ESX_A", "ESX_B | ESX_C")).is_ok());
        assert_eq!(
            message(below(4, 4, "eventID in {f} must be less than {limit}", f)),
            "eventID in esxDomainAttachDevice must be less than 4"
        );
        let e = unsupported::<()>(f).unwrap_err();
        assert_eq!(e.code(), Code::NoSupport);
        assert_eq!(e.message(), f);
    }

    #[test]
    fn arrays_may_be_null_only_when_empty() {
        let null_names = std::ptr::null_mut::<*mut c_char>();
        assert!(array(null_names, 0, "names", "f").is_ok());
        assert!(array(null_names, 1, "names", "f").is_err());
        assert!(no_overflow(c_int::MAX, 2).is_err());
        assert!(no_overflow(1000, 1000).is_ok());
    }

    #[test]
    fn cpu_stats_ranges() {
        let f = "esxDomainGetCPUStats";
        let p = std::ptr::null_mut();
        assert!(cpu_stats(p, 0, -1, 1, f).is_ok());
        assert_eq!(
            message(cpu_stats(p, 0, -1, 2, f)),
            "ncpus must be 1 when start_cpu is -1"
        );
        assert!(cpu_stats(p, 0, -2, 1, f).is_err());
        assert!(cpu_stats(p, 1, 0, 1, f).is_err());
    }
}
