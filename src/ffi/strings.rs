// SPDX-License-Identifier: LGPL-2.1-or-later
//! C strings in and out: NULL and UTF-8 checks on the way in, malloc'd
//! copies (freed by the caller with free()) on the way out.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use crate::error::Error;

/// Borrows a C string argument; NULL or invalid UTF-8 is INVALID_ARG.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string valid for the call.
pub unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::invalid_arg(format!("{what} must not be NULL")).from_api());
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| Error::invalid_arg(format!("{what} is not valid UTF-8")).from_api())
}

/// The bytes of a C string in any encoding (a .vmx declares its own with
/// `.encoding`); NULL is an error naming the argument.
///
/// # Safety
/// As for `str_arg`.
pub unsafe fn bytes_arg<'a>(p: *const c_char, what: &str) -> Result<&'a [u8], Error> {
    if p.is_null() {
        return Err(Error::invalid_arg(format!("{what} must not be NULL")).from_api());
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Like str_arg, but NULL is allowed and gives None.
///
/// # Safety
/// As for `str_arg`.
pub unsafe fn opt_str_arg<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { str_arg(p, what) }.map(Some)
    }
}

/// A malloc'd, NUL-terminated copy of `s` (NULs inside become spaces);
/// NULL if allocation fails.
pub fn malloc_str(s: &str) -> *mut c_char {
    let bytes = s.as_bytes();
    // SAFETY: we allocate len + 1 bytes and write exactly that many.
    unsafe {
        let p = libc::malloc(bytes.len() + 1) as *mut u8;
        if p.is_null() {
            return std::ptr::null_mut();
        }
        for (i, b) in bytes.iter().enumerate() {
            *p.add(i) = if *b == 0 { b' ' } else { *b };
        }
        *p.add(bytes.len()) = 0;
        p as *mut c_char
    }
}

/// Writes `s` into a fixed C buffer, truncated to fit, NUL-terminated.
pub fn fill_buf(buf: &mut [c_char], s: &str) {
    let n = buf.len().saturating_sub(1).min(s.len());
    for (i, b) in s.as_bytes()[..n].iter().enumerate() {
        buf[i] = *b as c_char;
    }
    if let Some(last) = buf.get_mut(n) {
        *last = 0;
    }
}

/// Checks that an output pointer is not NULL.
///
/// # Safety
/// `p` must be NULL or point to a writable `T` for the call's duration.
pub unsafe fn out<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T, Error> {
    if p.is_null() {
        return Err(Error::invalid_arg(format!("{what} must not be NULL")).from_api());
    }
    // SAFETY: non-NULL; the C caller promises it points to a writable T.
    Ok(unsafe { &mut *p })
}

/// Writes up to `max` names as malloc'd strings into `names` (all or none:
/// on a failed allocation the ones written are freed); returns how many.
///
/// # Safety
/// `names` must be NULL or have room for `max` pointers.
pub unsafe fn write_names(
    list: &[String],
    names: *mut *mut c_char,
    max: c_int,
) -> Result<c_int, Error> {
    if max < 0 || (names.is_null() && max > 0) {
        return Err(Error::invalid_arg(
            "names must have room for the given number (>= 0) of entries",
        )
        .from_api());
    }
    let n = list.len().min(max as usize);
    let mut written: Vec<*mut c_char> = Vec::with_capacity(n);
    for s in &list[..n] {
        let p = malloc_str(s);
        if p.is_null() {
            for q in written {
                // SAFETY: each was malloc'd above and not handed out.
                unsafe { libc::free(q as *mut libc::c_void) };
            }
            return Err(Error::internal("out of memory"));
        }
        written.push(p);
    }
    for (i, p) in written.iter().enumerate() {
        // SAFETY: i < n <= max entries the caller provides.
        unsafe { *names.add(i) = *p };
    }
    Ok(n as c_int)
}

/// With `out` non-NULL, *out becomes a malloc'd, NULL-terminated array of
/// new handles, one per name (made by `make`); returns the count.
///
/// # Safety
/// `out` must be NULL or writable.
pub unsafe fn write_handles<T, N>(
    list: &[N],
    out: *mut *mut *mut T,
    mut make: impl FnMut(&N) -> *mut T,
) -> Result<c_int, Error> {
    let n = c_int::try_from(list.len()).map_err(|_| Error::internal("too many entries"))?;
    if out.is_null() {
        return Ok(n);
    }
    // SAFETY: n + 1 pointer slots, checked for NULL.
    let arr = unsafe { libc::calloc(list.len() + 1, std::mem::size_of::<*mut T>()) } as *mut *mut T;
    if arr.is_null() {
        return Err(Error::internal("out of memory"));
    }
    for (i, x) in list.iter().enumerate() {
        // SAFETY: i < n; the array has n + 1 slots.
        unsafe { *arr.add(i) = make(x) };
    }
    // SAFETY: the caller gave a writable pointer.
    unsafe { *out = arr };
    Ok(n)
}
