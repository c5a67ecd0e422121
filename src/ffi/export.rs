// SPDX-License-Identifier: LGPL-2.1-or-later
//! The one way an export is written. Each export
//! states its C signature (for cbindgen and the header) and hands its body
//! to [`export!`], which
//!
//! 1. runs it inside the panic boundary, after resetting the thread's last
//!    error (`export!(keep_error ...)` for the calls that read or free
//!    errors and must not reset it);
//! 2. converts the arguments it names with [`FromC`]: a handle is looked up
//!    and held for the call, a string checked for NULL and UTF-8, an output
//!    pointer for NULL, each failure an error naming the export and the
//!    argument;
//! 3. records the error of a failure and returns the export's failure value.
//!
//! The safety contract of every export, stated once: each pointer argument
//! is NULL or valid as the export's header comment says (a live handle, a
//! NUL-terminated string, room for the given number of entries, a writable
//! output). The conversions check everything a pointer lets one check.

use std::os::raw::{c_char, c_int, c_uchar, c_uint, c_ulong, c_void};

use super::handles::{
    self, esxConnect, esxDomain, esxDomainSnapshot, esxInterface, esxNetwork, esxStoragePool,
    esxStorageVol, esxStream, Handle, Held,
};
use super::strings;
use crate::error::Error;

/// A C argument converted for an export's body.
pub trait FromC<C>: Sized {
    /// # Safety
    /// `c` is valid as the export's contract says (see the module).
    unsafe fn from_c(c: C, arg: &'static str, export: &'static str) -> Result<Self, Error>;
}

/// Values C passes as they are (counts, flags, booleans as ints).
pub trait Plain: Copy {}
impl Plain for c_int {}
impl Plain for c_uint {}
impl Plain for c_ulong {}
impl Plain for *mut c_void {}

impl<T: Plain> FromC<T> for T {
    unsafe fn from_c(c: T, _: &'static str, _: &'static str) -> Result<T, Error> {
        Ok(c)
    }
}

/// A connection, held for the call.
pub type Conn = Held<esxConnect>;
/// A domain, held for the call.
pub type Dom = Held<esxDomain>;
/// A snapshot, held for the call.
pub type Snap = Held<esxDomainSnapshot>;
/// A storage pool, held for the call.
pub type Pool = Held<esxStoragePool>;
/// A storage volume, held for the call.
pub type Vol = Held<esxStorageVol>;
/// A stream, held for the call.
pub type Stream = Held<esxStream>;
/// A network, held for the call.
pub type Net = Held<esxNetwork>;
/// A host interface, held for the call.
pub type Iface = Held<esxInterface>;

/// Any handle: looked up by its token and held for the call (a NULL,
/// freed, foreign or mistyped pointer is an error naming the export).
impl<T: Handle> FromC<*mut T> for Held<T> {
    unsafe fn from_c(c: *mut T, _: &'static str, export: &'static str) -> Result<Self, Error> {
        handles::get(c, export)
    }
}

/// A string argument: not NULL, UTF-8.
impl FromC<*const c_char> for &str {
    unsafe fn from_c(c: *const c_char, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        // SAFETY: the export's contract.
        unsafe { strings::str_arg(c, arg) }
    }
}

/// An optional string argument: NULL is None.
impl FromC<*const c_char> for Option<&str> {
    unsafe fn from_c(c: *const c_char, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        // SAFETY: the export's contract.
        unsafe { strings::opt_str_arg(c, arg) }
    }
}

/// The bytes of a string argument in any encoding (a .vmx names its own).
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> FromC<*const c_char> for Bytes<'a> {
    unsafe fn from_c(c: *const c_char, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        // SAFETY: the export's contract.
        unsafe { strings::bytes_arg(c, arg) }.map(Bytes)
    }
}

/// A binary UUID argument (16 bytes).
pub struct Uuid(pub [u8; 16]);

impl FromC<*const c_uchar> for Uuid {
    unsafe fn from_c(c: *const c_uchar, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        if c.is_null() {
            return Err(Error::invalid_arg(format!("{arg} must not be NULL")).from_api());
        }
        let mut u = [0u8; 16];
        // SAFETY: non-NULL; the contract gives 16 readable bytes.
        u.copy_from_slice(unsafe { std::slice::from_raw_parts(c, 16) });
        Ok(Uuid(u))
    }
}

/// An output the caller must provide (not NULL). Written with [`Out::set`]
/// once everything that can fail has succeeded: a failing call writes no
/// output.
pub struct Out<'a, T>(&'a mut T);

impl<'a, T> Out<'a, T> {
    pub fn set(self, v: T) {
        *self.0 = v;
    }

    /// What the caller put there (for in/out counts).
    pub fn get(&self) -> &T {
        self.0
    }
}

impl<'a, T> FromC<*mut T> for Out<'a, T> {
    unsafe fn from_c(c: *mut T, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        // SAFETY: the export's contract.
        unsafe { strings::out(c, arg) }.map(Out)
    }
}

/// An output array the caller provides (not NULL), as long as the export's
/// documentation says.
pub struct OutArray<T>(*mut T);

impl<T> OutArray<T> {
    pub fn ptr(&self) -> *mut T {
        self.0
    }
}

impl<T> FromC<*mut T> for OutArray<T> {
    unsafe fn from_c(c: *mut T, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        if c.is_null() {
            return Err(Error::invalid_arg(format!("{arg} must not be NULL")).from_api());
        }
        Ok(OutArray(c))
    }
}

/// An output the caller may leave NULL.
impl<'a, T> FromC<*mut T> for Option<Out<'a, T>> {
    unsafe fn from_c(c: *mut T, arg: &'static str, _: &'static str) -> Result<Self, Error> {
        if c.is_null() {
            Ok(None)
        } else {
            // SAFETY: the export's contract.
            unsafe { strings::out(c, arg) }.map(|o| Some(Out(o)))
        }
    }
}

/// Runs an export's body in the panic boundary, with its named arguments
/// converted (see the module):
///
/// ```ignore
/// export!(esxDomainGetName(d: Dom) { Ok(d.name.as_ptr()) })
/// ```
///
/// The arguments not named stay as C passed them.
macro_rules! export {
    (keep_error $export:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {{
        $crate::ffi::export::symver!($export);
        $crate::ffi::boundary::call_keep_error(stringify!($export), || {
            $crate::ffi::export::convert!($export; $($arg: $ty),*);
            $body
        })
    }};
    ($export:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {{
        $crate::ffi::export::symver!($export);
        $crate::ffi::boundary::call(stringify!($export), || {
            $crate::ffi::export::convert!($export; $($arg: $ty),*);
            $body
        })
    }};
}

/// Gives an export its symbol version (docs/abi.md): the `.symver`
/// directive build.rs wrote for it from the header. It must sit in the
/// export's own module (an item inside the export's body does; a module
/// beside a static would not), because the assembler applies it only to a
/// definition in the same object file.
macro_rules! symver {
    // Beside an exported static, at the level of its module.
    (static $export:ident) => {
        ::core::arch::global_asm!(include_str!(concat!(
            env!("OUT_DIR"),
            "/symver/",
            stringify!($export),
            ".s"
        )));
    };
    ($export:ident) => {
        // An item (global_asm! is not a statement); a module inside a
        // function still belongs to the function's module's object file.
        #[allow(non_snake_case)]
        mod $export {
            ::core::arch::global_asm!(include_str!(concat!(
                env!("OUT_DIR"),
                "/symver/",
                stringify!($export),
                ".s"
            )));
        }
    };
}

macro_rules! convert {
    ($export:ident; $($arg:ident: $ty:ty),*) => {
        $(
            // SAFETY: the export's contract, stated in the module
            // documentation of ffi::export.
            let $arg: $ty = unsafe {
                $crate::ffi::export::FromC::from_c($arg, stringify!($arg), stringify!($export))
            }?;
        )*
    };
}

pub(crate) use {convert, export, symver};
