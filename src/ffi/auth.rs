// SPDX-License-Identifier: LGPL-2.1-or-later
//! esxConnectAuthPtrDefault: an auth callback that asks on the terminal, as
//! libvirt's virConnectAuthPtrDefault does.

#![allow(non_upper_case_globals)]

use std::io::{BufRead, Write};
use std::os::raw::{c_int, c_uint, c_void};

use super::strings::malloc_str;
use super::types::*;

/// Reads one line from the terminal, without echo for secrets.
fn prompt_line(prompt: &str, echo: bool) -> Option<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok();
    let (mut reader, mut writer): (Box<dyn BufRead>, Box<dyn Write>) = match &tty {
        Some(t) => (
            Box::new(std::io::BufReader::new(t.try_clone().ok()?)),
            Box::new(t.try_clone().ok()?),
        ),
        None => (
            Box::new(std::io::stdin().lock()),
            Box::new(std::io::stderr()),
        ),
    };
    let _ = write!(writer, "{prompt}: ");
    let _ = writer.flush();
    let fd = match &tty {
        Some(t) => std::os::fd::AsRawFd::as_raw_fd(t),
        None => 0,
    };
    // SAFETY: termios calls on a terminal file descriptor we hold open.
    let saved = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if !echo && libc::tcgetattr(fd, &mut t) == 0 {
            let old = t;
            t.c_lflag &= !libc::ECHO;
            libc::tcsetattr(fd, libc::TCSANOW, &t);
            Some(old)
        } else {
            None
        }
    };
    let mut line = String::new();
    // End of input is no answer (an empty password would be tried).
    let ok = matches!(reader.read_line(&mut line), Ok(n) if n > 0);
    if let Some(old) = saved {
        // SAFETY: restores the settings saved above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &old) };
        let _ = writeln!(writer);
    }
    ok.then(|| line.trim_end_matches(['\n', '\r']).to_string())
}

unsafe extern "C" fn default_auth_cb(
    cred: esxConnectCredentialPtr,
    ncred: c_uint,
    _cbdata: *mut c_void,
) -> c_int {
    if cred.is_null() {
        return -1;
    }
    for i in 0..ncred as usize {
        // SAFETY: the library passes `ncred` valid credentials.
        let c = unsafe { &mut *cred.add(i) };
        let text = |p: *const std::os::raw::c_char| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: NUL-terminated strings from the library.
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            }
        };
        let echo = !matches!(c.r#type, 5 | 7);
        let Some(mut answer) = prompt_line(&text(c.prompt), echo) else {
            return -1;
        };
        if answer.is_empty() && !c.defresult.is_null() {
            answer = text(c.defresult);
        }
        c.result = malloc_str(&answer);
        c.resultlen = answer.len() as c_uint;
        if c.result.is_null() {
            return -1;
        }
    }
    0
}

static mut DEFAULT_CREDTYPES: [c_int; 5] = [2, 1, 6, 5, 7];

static mut DEFAULT_AUTH: esxConnectAuth = esxConnectAuth {
    // The address of a static, never moved.
    credtype: &raw mut DEFAULT_CREDTYPES as *mut c_int,
    ncredtype: 5,
    cb: Some(default_auth_cb),
    cbdata: std::ptr::null_mut(),
};

/// An auth that asks on the terminal (user name, then password without
/// echo), like libvirt's virConnectAuthPtrDefault.
#[no_mangle]
pub static mut esxConnectAuthPtrDefault: esxConnectAuthPtr = &raw mut DEFAULT_AUTH;
crate::ffi::export::symver!(static esxConnectAuthPtrDefault);
