// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's typed-parameter helpers (virTypedParams*, libvirt-common.h):
//! find a parameter and read its value with the type checked, or append
//! one to a growing malloc'd array. They need no connection; their errors
//! are in ESX_FROM_NONE, as libvirt's.
//!
//! As in libvirt 9.0's code: an Add appends even when the name is already
//! there (AddStringList relies on it), a NULL string is added as "", and
//! AddFromString parses numbers as strtol and its siblings do (the whole
//! string, base 10; "-1" is accepted as the largest unsigned value).
//! Unlike libvirt, a failed Add changes nothing (the array, its size and
//! count are written only on success), and NULL pointers are refused
//! instead of read.

use std::ffi::CStr;
use std::os::raw::{c_char, c_double, c_int, c_longlong, c_uint, c_ulonglong, c_void};

use super::config::{PARAM_BOOLEAN, PARAM_DOUBLE, PARAM_INT, PARAM_LLONG, PARAM_STRING};
use super::config::{PARAM_UINT, PARAM_ULLONG};
use super::export::export;
use super::types::{esxTypedParameter, esxTypedParameterPtr, esxTypedParameterValue};
use crate::error::{from, Code, Error};

/// ESX_TYPED_PARAM_FIELD_LENGTH: a name's room with its NUL.
const FIELD: usize = 80;

fn none(e: Error) -> Error {
    e.in_domain(from::NONE)
}

/// The name of a parameter type, as libvirt's messages say it.
fn type_name(t: c_int) -> &'static str {
    match t {
        PARAM_INT => "int",
        PARAM_UINT => "uint",
        PARAM_LLONG => "llong",
        PARAM_ULLONG => "ullong",
        PARAM_DOUBLE => "double",
        PARAM_BOOLEAN => "boolean",
        PARAM_STRING => "string",
        _ => "unknown",
    }
}

/// A parameter's name: its field up to the NUL (all 80 bytes if a caller
/// filled it without one).
fn field_of(p: &esxTypedParameter) -> &[u8] {
    // SAFETY: c_char and u8 have one layout; the field is 80 bytes.
    let bytes = unsafe { std::slice::from_raw_parts(p.field.as_ptr() as *const u8, FIELD) };
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(FIELD);
    &bytes[..end]
}

/// The first parameter called `name`, or NULL (never an error).
///
/// # Safety
/// `params` is NULL or holds `nparams` entries; `name` is NULL or a
/// NUL-terminated string.
unsafe fn find(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
) -> esxTypedParameterPtr {
    if params.is_null() || name.is_null() || nparams <= 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: per the contract.
    let want = unsafe { CStr::from_ptr(name) }.to_bytes();
    for i in 0..nparams as usize {
        // SAFETY: i < nparams entries.
        let p = unsafe { params.add(i) };
        // SAFETY: as above.
        if field_of(unsafe { &*p }) == want {
            return p;
        }
    }
    std::ptr::null_mut()
}

/// Finds the parameter called `name` in `params` (`nparams` entries): a
/// pointer into the array, or NULL when there is none. Raises no error
/// and leaves the last error as it is, as libvirt's.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGet(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
) -> esxTypedParameterPtr {
    export!(keep_error esxTypedParamsGet() {
        // SAFETY: the export's contract.
        Ok(unsafe { find(params, nparams, name) })
    })
}

/// The typed read of every Get: 1 and the value (when `value` is not
/// NULL), 0 when there is no such parameter, an error for another type.
///
/// # Safety
/// As for [`find`]; `value` NULL or writable.
unsafe fn get<T>(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut T,
    want: c_int,
    read: impl FnOnce(&esxTypedParameter) -> T,
) -> Result<c_int, Error> {
    // SAFETY: per the contract.
    let p = unsafe { find(params, nparams, name) };
    if p.is_null() {
        return Ok(0);
    }
    // SAFETY: an entry of the caller's array.
    let p = unsafe { &*p };
    if p.r#type != want {
        // SAFETY: find matched it, so name is a NUL-terminated string.
        let n = unsafe { CStr::from_ptr(name) }.to_string_lossy();
        return Err(none(Error::invalid_arg(format!(
            "Invalid type '{}' requested for parameter '{n}', actual type is '{}'",
            type_name(want),
            type_name(p.r#type)
        ))));
    }
    if !value.is_null() {
        // SAFETY: writable, per the contract.
        unsafe { *value = read(p) };
    }
    Ok(1)
}

/// Finds the int parameter `name`: 1 and *value (when `value` is not
/// NULL), 0 when there is none, -1 (ESX_ERR_INVALID_ARG) when it has
/// another type.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetInt(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut c_int,
) -> c_int {
    export!(esxTypedParamsGetInt() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_INT, |p| p.value.i) }
    })
}

/// As esxTypedParamsGetInt, for an unsigned int parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetUInt(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut c_uint,
) -> c_int {
    export!(esxTypedParamsGetUInt() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_UINT, |p| p.value.ui) }
    })
}

/// As esxTypedParamsGetInt, for a long long parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetLLong(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut c_longlong,
) -> c_int {
    export!(esxTypedParamsGetLLong() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_LLONG, |p| p.value.l) }
    })
}

/// As esxTypedParamsGetInt, for an unsigned long long parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetULLong(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut c_ulonglong,
) -> c_int {
    export!(esxTypedParamsGetULLong() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_ULLONG, |p| p.value.ul) }
    })
}

/// As esxTypedParamsGetInt, for a double parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetDouble(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut c_double,
) -> c_int {
    export!(esxTypedParamsGetDouble() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_DOUBLE, |p| p.value.d) }
    })
}

/// As esxTypedParamsGetInt, for a boolean parameter (*value is 1 or 0).
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetBoolean(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut c_int,
) -> c_int {
    export!(esxTypedParamsGetBoolean() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_BOOLEAN, |p| c_int::from(p.value.b != 0)) }
    })
}

/// As esxTypedParamsGetInt, for a string parameter: *value points into
/// the array (valid as long as it; do not free it).
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsGetString(
    params: esxTypedParameterPtr,
    nparams: c_int,
    name: *const c_char,
    value: *mut *const c_char,
) -> c_int {
    export!(esxTypedParamsGetString() {
        // SAFETY: the export's contract; the union member read is the one
        // the checked type names.
        unsafe { get(params, nparams, name, value, PARAM_STRING, |p| p.value.s as *const c_char) }
    })
}

/// The array and its counts as a caller passes them to an Add.
struct Array {
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
}

impl Array {
    fn check(&self) -> Result<(usize, usize), Error> {
        for (p, what) in [
            (self.params.is_null(), "params"),
            (self.nparams.is_null(), "nparams"),
            (self.maxparams.is_null(), "maxparams"),
        ] {
            if p {
                return Err(none(Error::invalid_arg(format!("{what} must not be NULL"))));
            }
        }
        // SAFETY: checked non-NULL; the caller's counts.
        let (n, max) = unsafe { (*self.nparams, *self.maxparams) };
        match (usize::try_from(n), usize::try_from(max)) {
            (Ok(n), Ok(max)) if n <= max && n < c_int::MAX as usize => Ok((n, max)),
            _ => Err(none(Error::invalid_arg(format!(
                "nparams ({n}) and maxparams ({max}) must be 0 <= nparams <= maxparams"
            )))),
        }
    }

    /// Appends one parameter (its name checked already), growing the array
    /// as libvirt's VIR_RESIZE_N does (by half again); the caller's
    /// pointer and counts change only on success.
    fn push(&self, param: esxTypedParameter) -> Result<(), Error> {
        let (n, max) = self.check()?;
        // SAFETY: checked non-NULL in check().
        let mut arr = unsafe { *self.params };
        if n + 1 > max || arr.is_null() {
            let new_max = (n + 1).max(max + max / 2).min(c_int::MAX as usize);
            let size = new_max
                .checked_mul(std::mem::size_of::<esxTypedParameter>())
                .ok_or_else(|| none(Error::internal("out of memory")))?;
            // SAFETY: arr is NULL or the caller's malloc'd array (the
            // contract of these functions, as libvirt's).
            let grown = unsafe { libc::realloc(arr as *mut c_void, size) } as esxTypedParameterPtr;
            if grown.is_null() {
                return Err(none(Error::internal("out of memory")));
            }
            // SAFETY: the new entries past `max` are zeroed, as libvirt's.
            unsafe { std::ptr::write_bytes(grown.add(max), 0, new_max - max) };
            arr = grown;
            // The array moved: the caller's pointer follows now, whatever
            // comes, so that it never names freed memory.
            // SAFETY: checked non-NULL.
            unsafe {
                *self.params = arr;
                *self.maxparams = new_max as c_int;
            }
        }
        // SAFETY: n < new_max entries.
        unsafe {
            *arr.add(n) = param;
            *self.nparams = n as c_int + 1;
        }
        Ok(())
    }
}

/// A parameter named `name` (checked: not NULL, shorter than the field).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn named(name: *const c_char, r#type: c_int) -> Result<esxTypedParameter, Error> {
    if name.is_null() {
        return Err(none(Error::invalid_arg("name must not be NULL")));
    }
    // SAFETY: per the contract.
    let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
    if bytes.len() >= FIELD {
        return Err(none(Error::internal(format!(
            "Field name '{}' too long",
            String::from_utf8_lossy(bytes)
        ))));
    }
    let mut p = esxTypedParameter {
        field: [0; FIELD],
        r#type,
        value: esxTypedParameterValue { ul: 0 },
    };
    for (d, s) in p.field.iter_mut().zip(bytes) {
        *d = *s as c_char;
    }
    Ok(p)
}

/// Adds `p` to the caller's array (its string, if any, is freed on
/// failure).
fn add(a: Array, p: esxTypedParameter) -> Result<c_int, Error> {
    if let Err(e) = a.push(p) {
        if p.r#type == PARAM_STRING {
            // SAFETY: the string was malloc'd for this parameter.
            unsafe { libc::free(p.value.s as *mut c_void) };
        }
        return Err(e);
    }
    Ok(0)
}

/// A malloc'd copy of a C string (NULL: "").
///
/// # Safety
/// `s` is NULL or NUL-terminated.
unsafe fn dup_or_empty(s: *const c_char) -> Result<*mut c_char, Error> {
    let s = if s.is_null() { c"".as_ptr() } else { s };
    // SAFETY: NUL-terminated.
    let d = unsafe { libc::strdup(s) };
    if d.is_null() {
        Err(none(Error::internal("out of memory")))
    } else {
        Ok(d)
    }
}

/// Appends an int parameter `name` to *params (a malloc'd array of
/// *nparams entries with room for *maxparams, or NULL and 0, 0): the
/// array grows as needed (*params and *maxparams change), *nparams
/// counts it. Free the array with esxTypedParamsFree. 0, or -1 (a name
/// of ESX_TYPED_PARAM_FIELD_LENGTH bytes or more, no memory): then
/// nothing changed.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddInt(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: c_int,
) -> c_int {
    export!(esxTypedParamsAddInt() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_INT) }?;
        p.value = esxTypedParameterValue { i: value };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// As esxTypedParamsAddInt, an unsigned int parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddUInt(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: c_uint,
) -> c_int {
    export!(esxTypedParamsAddUInt() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_UINT) }?;
        p.value = esxTypedParameterValue { ui: value };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// As esxTypedParamsAddInt, a long long parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddLLong(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: c_longlong,
) -> c_int {
    export!(esxTypedParamsAddLLong() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_LLONG) }?;
        p.value = esxTypedParameterValue { l: value };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// As esxTypedParamsAddInt, an unsigned long long parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddULLong(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: c_ulonglong,
) -> c_int {
    export!(esxTypedParamsAddULLong() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_ULLONG) }?;
        p.value = esxTypedParameterValue { ul: value };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// As esxTypedParamsAddInt, a double parameter.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddDouble(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: c_double,
) -> c_int {
    export!(esxTypedParamsAddDouble() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_DOUBLE) }?;
        p.value = esxTypedParameterValue { d: value };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// As esxTypedParamsAddInt, a boolean parameter (any non-zero `value`
/// is true, stored as 1).
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddBoolean(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: c_int,
) -> c_int {
    export!(esxTypedParamsAddBoolean() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_BOOLEAN) }?;
        p.value = esxTypedParameterValue { b: c_char::from(value != 0) };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// As esxTypedParamsAddInt, a string parameter: a copy of `value` (NULL
/// adds ""), freed by esxTypedParamsClear/Free.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddString(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    value: *const c_char,
) -> c_int {
    export!(esxTypedParamsAddString() {
        // SAFETY: the export's contract.
        let mut p = unsafe { named(name, PARAM_STRING) }?;
        // SAFETY: as above.
        p.value = esxTypedParameterValue { s: unsafe { dup_or_empty(value) }? };
        add(Array { params, nparams, maxparams }, p)
    })
}

/// Appends one string parameter `name` per entry of the NULL-terminated
/// `values` (NULL: none, and 0), as esxTypedParamsAddString does. On a
/// failure the ones added before it stay (libvirt's behaviour).
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddStringList(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    values: *mut *const c_char,
) -> c_int {
    export!(esxTypedParamsAddStringList() {
        if values.is_null() {
            return Ok(0);
        }
        let mut i = 0;
        loop {
            // SAFETY: a NULL-terminated array, per the contract.
            let v = unsafe { *values.add(i) };
            if v.is_null() {
                return Ok(0);
            }
            // SAFETY: the export's contract.
            let mut p = unsafe { named(name, PARAM_STRING) }?;
            // SAFETY: v is a NUL-terminated string of the array.
            p.value = esxTypedParameterValue { s: unsafe { dup_or_empty(v) }? };
            add(Array { params, nparams, maxparams }, p)?;
            i += 1;
        }
    })
}

/// The whole of `text` as a number parsed by `parse` (strtol and its
/// siblings, base 10), or None.
fn parse_all<T>(
    text: &CStr,
    parse: impl FnOnce(*const c_char, *mut *mut c_char) -> T,
) -> Option<T> {
    let start = text.as_ptr();
    let mut end: *mut c_char = std::ptr::null_mut();
    // SAFETY: errno is this thread's.
    unsafe { *libc::__errno_location() = 0 };
    let v = parse(start, &mut end);
    // SAFETY: as above.
    let errno = unsafe { *libc::__errno_location() };
    // SAFETY: end points into `text` (strto* set it there).
    let rest = if end.is_null() { 1 } else { unsafe { *end } };
    (errno == 0 && !end.is_null() && !std::ptr::eq(end, start) && rest == 0).then_some(v)
}

/// `text` as an unsigned int as libvirt's virStrToLong_ui reads it: "-1"
/// and other negatives wrap, within the range of an int's magnitude.
fn parse_uint(text: &CStr) -> Option<c_uint> {
    // SAFETY: strtoul on a NUL-terminated string.
    let v = parse_all(text, |s, e| unsafe { libc::strtoul(s, e, 10) })?;
    if text.to_bytes().contains(&b'-') {
        let neg = v.wrapping_neg();
        (neg <= c_uint::MAX as libc::c_ulong)
            .then_some((v & c_uint::MAX as libc::c_ulong) as c_uint)
    } else {
        c_uint::try_from(v).ok()
    }
}

/// Appends a parameter `name` of `type` (an esxTypedParameterType) with
/// its value parsed from `value`: numbers in base 10 (the whole string),
/// booleans as "1", "true", "0" or "false" (any case), strings copied. As
/// esxTypedParamsAddInt otherwise; a value that does not parse is
/// ESX_ERR_INVALID_ARG.
#[no_mangle]
pub unsafe extern "C" fn esxTypedParamsAddFromString(
    params: *mut esxTypedParameterPtr,
    nparams: *mut c_int,
    maxparams: *mut c_int,
    name: *const c_char,
    r#type: c_int,
    value: *const c_char,
) -> c_int {
    export!(esxTypedParamsAddFromString() {
        let label = if name.is_null() {
            String::new()
        } else {
            // SAFETY: NUL-terminated, per the contract.
            unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
        };
        if value.is_null() {
            return Err(none(Error::invalid_arg(format!("NULL value for field '{label}'"))));
        }
        // SAFETY: the export's contract.
        let text = unsafe { CStr::from_ptr(value) };
        let bad = |what: &str| {
            none(Error::invalid_arg(format!(
                "Invalid value for field '{label}': expected {what}"
            )))
        };
        // SAFETY: as above.
        let mut p = unsafe { named(name, r#type) }?;
        // SAFETY (each strto*): NUL-terminated input; end is ours.
        p.value = match r#type {
            PARAM_INT => esxTypedParameterValue {
                i: parse_all(text, |s, e| unsafe { libc::strtol(s, e, 10) })
                    .and_then(|v| c_int::try_from(v).ok())
                    .ok_or_else(|| bad("int"))?,
            },
            PARAM_UINT => esxTypedParameterValue {
                ui: parse_uint(text).ok_or_else(|| bad("unsigned int"))?,
            },
            PARAM_LLONG => esxTypedParameterValue {
                l: parse_all(text, |s, e| unsafe { libc::strtoll(s, e, 10) })
                    .ok_or_else(|| bad("long long"))?,
            },
            PARAM_ULLONG => esxTypedParameterValue {
                ul: parse_all(text, |s, e| unsafe { libc::strtoull(s, e, 10) })
                    .ok_or_else(|| bad("unsigned long long"))?,
            },
            PARAM_DOUBLE => esxTypedParameterValue {
                d: parse_all(text, |s, e| unsafe { libc::strtod(s, e) })
                    .ok_or_else(|| bad("double"))?,
            },
            PARAM_BOOLEAN => {
                let t = text.to_bytes();
                let b = if t.eq_ignore_ascii_case(b"true") || t == b"1" {
                    1
                } else if t.eq_ignore_ascii_case(b"false") || t == b"0" {
                    0
                } else {
                    return Err(none(Error::invalid_arg(format!(
                        "Invalid boolean value for field '{label}'"
                    ))));
                };
                esxTypedParameterValue { b }
            }
            // SAFETY: NUL-terminated.
            PARAM_STRING => esxTypedParameterValue { s: unsafe { dup_or_empty(value) }? },
            t => {
                return Err(none(Error::new(
                    Code::InternalError,
                    format!("unexpected type {t} for field {label}"),
                )))
            }
        };
        add(Array { params, nparams, maxparams }, p)
    })
}
