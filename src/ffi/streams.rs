// SPDX-License-Identifier: LGPL-2.1-or-later
//! libvirt's stream helpers (libvirt-stream.h beyond Send/Recv/Finish):
//! whole transfers through the program's callbacks (SendAll, RecvAll and
//! their sparse forms) and holes (RecvFlags, RecvHole, SendHole), with
//! libvirt's buffer size, order of calls and errors. The callbacks run on
//! the calling thread, under no lock of this library (they may abort the
//! stream, or call anything else). On any failure the stream is aborted
//! and the first error kept, as libvirt does: an upload then changes
//! nothing.

use std::os::raw::{c_char, c_int, c_longlong, c_uint, c_void};

use super::export::{export, Out, OutArray, Stream};
use super::handles::{esxStream, pointer};
use super::storage::{abort_stream, with_transfer};
use super::types::*;
use crate::driver::flags::esxStreamRecvFlagsValues::ESX_STREAM_RECV_STOP_AT_HOLE;
use crate::driver::stream::Received;
use crate::error::{from, Code, Error};

/// libvirt's buffer for the *All helpers (its legacy RPC payload size).
const CHUNK: usize = 262_120;

/// What receive functions return when a hole is next (libvirt's -3).
const AT_HOLE: c_int = -3;

/// libvirt's error for a callback of the program that failed: the errno it
/// left (EIO when none), in the stream's domain.
fn handler_failed(what: &str) -> Error {
    // SAFETY: errno is this thread's.
    let errno = unsafe { *libc::__errno_location() };
    let errno = if errno == 0 { libc::EIO } else { errno };
    Error::new(
        Code::SystemError,
        format!(
            "{what} failed: {}",
            std::io::Error::from_raw_os_error(errno)
        ),
    )
    .in_domain(from::STREAMS)
}

fn clear_errno() {
    // SAFETY: errno is this thread's.
    unsafe { *libc::__errno_location() = 0 };
}

/// libvirt's refusal of the *All helpers on a non-blocking stream.
fn blocking_only(st: &esxStream, what: &str) -> Result<(), Error> {
    if st.nonblocking() {
        return Err(Error::operation_invalid(format!(
            "{what} cannot be used for non-blocking streams"
        ))
        .in_domain(from::STREAMS));
    }
    Ok(())
}

/// Runs a whole transfer; on failure the stream is aborted and the
/// transfer's own error kept (an abort's own failure is only logged).
fn whole(st: &esxStream, body: impl FnOnce() -> Result<(), Error>) -> Result<c_int, Error> {
    match body() {
        Ok(()) => Ok(0),
        Err(e) => {
            if let Err(a) = abort_stream(st) {
                log::debug!("aborting the stream after '{}': {a}", e.message());
            }
            Err(e)
        }
    }
}

/// Sends all of `data`, as many esxStreamSend calls as the stream takes.
fn send_all(st: &esxStream, data: &[u8]) -> Result<(), Error> {
    let mut off = 0;
    while off < data.len() {
        off += with_transfer(st, |t| t.send(&data[off..]))?;
    }
    Ok(())
}

/// Receives up to `nbytes` into `data` as esxStreamRecv does; with flags
/// ESX_STREAM_RECV_STOP_AT_HOLE a sparse download returns -3 where a hole
/// is next (esxStreamRecvHole then gives its length) instead of its zeros.
/// The count, 0 at the end, -1 on error, -3 at a hole.
#[no_mangle]
pub unsafe extern "C" fn esxStreamRecvFlags(
    st: esxStreamPtr,
    data: *mut c_char,
    nbytes: usize,
    flags: c_uint,
) -> c_int {
    export!(esxStreamRecvFlags(st: Stream, data: OutArray<c_char>) {
        crate::error::check_flags(flags, ESX_STREAM_RECV_STOP_AT_HOLE as u32)?;
        let stop = flags & ESX_STREAM_RECV_STOP_AT_HOLE as u32 != 0;
        let n = nbytes.min(c_int::MAX as usize);
        // SAFETY: the caller provides `nbytes` writable bytes.
        let buf = unsafe { std::slice::from_raw_parts_mut(data.ptr() as *mut u8, n) };
        Ok(match with_transfer(&st, |t| t.recv_flags(buf, stop))? {
            Received::Data(n) => n as c_int,
            Received::Hole => AT_HOLE,
        })
    })
}

/// The length of the hole a sparse download is at (after esxStreamRecvFlags
/// returned -3) into *length; the stream is then past it. 0 (and 0 when
/// data is next), or -1. `flags` must be 0.
#[no_mangle]
pub unsafe extern "C" fn esxStreamRecvHole(
    st: esxStreamPtr,
    length: *mut c_longlong,
    flags: c_uint,
) -> c_int {
    export!(esxStreamRecvHole(st: Stream, length: Out<c_longlong>) {
        crate::error::check_flags(flags, 0)?;
        let hole = with_transfer(&st, |t| t.recv_hole())?;
        length.set(c_longlong::try_from(hole).unwrap_or(c_longlong::MAX));
        Ok(0)
    })
}

/// Sends `length` bytes of hole on an upload made with
/// ESX_STORAGE_VOL_UPLOAD_SPARSE_STREAM: they are written as zeros (the
/// host takes whole files, so the file gets no hole). 0, or -1. `flags`
/// must be 0.
#[no_mangle]
pub unsafe extern "C" fn esxStreamSendHole(
    st: esxStreamPtr,
    length: c_longlong,
    flags: c_uint,
) -> c_int {
    export!(esxStreamSendHole(st: Stream) {
        crate::error::check_flags(flags, 0)?;
        let Ok(length) = u64::try_from(length) else {
            return Err(Error::invalid_arg(format!(
                "length in esxStreamSendHole must be zero or greater, not {length}"
            ))
            .from_api());
        };
        with_transfer(&st, |t| t.send_hole(length)).map(|_| 0)
    })
}

/// Sends the whole upload from `handler`, which fills the buffer it is
/// given and returns the bytes it put there (0 at its end, -1 on error,
/// with errno). 0; on failure -1, with the stream aborted (only
/// esxStreamFree is left to do). Not for non-blocking streams.
#[no_mangle]
pub unsafe extern "C" fn esxStreamSendAll(
    st: esxStreamPtr,
    handler: esxStreamSourceFunc,
    opaque: *mut c_void,
) -> c_int {
    export!(esxStreamSendAll(st: Stream) {
        let Some(handler) = handler else {
            return Err(Error::invalid_arg("handler in esxStreamSendAll must not be NULL").from_api());
        };
        let stp = pointer(&*st);
        whole(&st, || {
            blocking_only(&st, "data sources")?;
            let mut buf = vec![0u8; CHUNK];
            clear_errno();
            loop {
                // SAFETY: the program's callback, given a buffer of CHUNK
                // bytes it may fill.
                let got = unsafe { handler(stp, buf.as_mut_ptr() as *mut c_char, CHUNK, opaque) };
                if got < 0 {
                    return Err(handler_failed("send handler"));
                }
                if got == 0 {
                    return Ok(());
                }
                send_all(&st, &buf[..(got as usize).min(CHUNK)])?;
            }
        })
    })
}

/// Receives the whole download into `handler`, which takes the bytes it is
/// given and returns how many it took (-1 on error, with errno); holes of
/// a sparse download come as zeros. 0; on failure -1, with the stream
/// aborted. Not for non-blocking streams.
#[no_mangle]
pub unsafe extern "C" fn esxStreamRecvAll(
    st: esxStreamPtr,
    handler: esxStreamSinkFunc,
    opaque: *mut c_void,
) -> c_int {
    export!(esxStreamRecvAll(st: Stream) {
        let Some(handler) = handler else {
            return Err(Error::invalid_arg("handler in esxStreamRecvAll must not be NULL").from_api());
        };
        let stp = pointer(&*st);
        whole(&st, || {
            blocking_only(&st, "data sinks")?;
            receive(&st, stp, handler, None, opaque)
        })
    })
}

/// As esxStreamRecvAll for a sparse download (made with
/// ESX_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM): data goes to `handler`, and
/// each hole's length to `holeHandler` (which makes the hole, e.g. by
/// seeking; -1 on error). On a stream that is not sparse it is
/// esxStreamRecvAll.
#[no_mangle]
pub unsafe extern "C" fn esxStreamSparseRecvAll(
    st: esxStreamPtr,
    handler: esxStreamSinkFunc,
    holeHandler: esxStreamSinkHoleFunc,
    opaque: *mut c_void,
) -> c_int {
    export!(esxStreamSparseRecvAll(st: Stream) {
        let Some(handler) = handler else {
            return Err(Error::invalid_arg("handler in esxStreamSparseRecvAll must not be NULL")
                .from_api());
        };
        let Some(hole) = holeHandler else {
            return Err(Error::invalid_arg(
                "holeHandler in esxStreamSparseRecvAll must not be NULL",
            )
            .from_api());
        };
        let stp = pointer(&*st);
        whole(&st, || {
            blocking_only(&st, "data sinks")?;
            receive(&st, stp, handler, Some(hole), opaque)
        })
    })
}

type Sink = unsafe extern "C" fn(esxStreamPtr, *const c_char, usize, *mut c_void) -> c_int;
type SinkHole = unsafe extern "C" fn(esxStreamPtr, c_longlong, *mut c_void) -> c_int;

/// The receiving loop of RecvAll (no `hole`: holes as zeros) and
/// SparseRecvAll.
fn receive(
    st: &esxStream,
    stp: esxStreamPtr,
    handler: Sink,
    hole: Option<SinkHole>,
    opaque: *mut c_void,
) -> Result<(), Error> {
    let mut buf = vec![0u8; CHUNK];
    clear_errno();
    loop {
        let got = with_transfer(st, |t| t.recv_flags(&mut buf, hole.is_some()))?;
        let n = match got {
            Received::Hole => {
                let len = with_transfer(st, |t| t.recv_hole())?;
                if let Some(h) = hole {
                    let len = c_longlong::try_from(len).unwrap_or(c_longlong::MAX);
                    // SAFETY: the program's callback.
                    if unsafe { h(stp, len, opaque) } < 0 {
                        return Err(handler_failed("recv holeHandler"));
                    }
                }
                continue;
            }
            Received::Data(0) => return Ok(()),
            Received::Data(n) => n,
        };
        let mut off = 0;
        while off < n {
            // SAFETY: the program's callback, given `n - off` readable
            // bytes of the buffer.
            let done =
                unsafe { handler(stp, buf[off..].as_ptr() as *const c_char, n - off, opaque) };
            if done < 0 {
                return Err(handler_failed("recv handler"));
            }
            if done == 0 {
                // libvirt would call it again for ever.
                return Err(Error::new(
                    Code::SystemError,
                    "recv handler failed: it took none of the data it was given",
                )
                .in_domain(from::STREAMS));
            }
            off += (done as usize).min(n - off);
        }
    }
}

/// As esxStreamSendAll for a sparse upload (made with
/// ESX_STORAGE_VOL_UPLOAD_SPARSE_STREAM): `holeHandler` says whether the
/// source is at data or a hole and how long it is (a hole of 0 at the
/// end), `skipHandler` skips a hole in the source (after its length was
/// sent with esxStreamSendHole), `handler` reads data. Holes reach the
/// host as zeros.
#[no_mangle]
pub unsafe extern "C" fn esxStreamSparseSendAll(
    st: esxStreamPtr,
    handler: esxStreamSourceFunc,
    holeHandler: esxStreamSourceHoleFunc,
    skipHandler: esxStreamSourceSkipFunc,
    opaque: *mut c_void,
) -> c_int {
    export!(esxStreamSparseSendAll(st: Stream) {
        let missing = |what: &str| {
            Error::invalid_arg(format!("{what} in esxStreamSparseSendAll must not be NULL"))
                .from_api()
        };
        let handler = handler.ok_or_else(|| missing("handler"))?;
        let in_data = holeHandler.ok_or_else(|| missing("holeHandler"))?;
        let skip = skipHandler.ok_or_else(|| missing("skipHandler"))?;
        let stp = pointer(&*st);
        whole(&st, || {
            blocking_only(&st, "data sources")?;
            let mut buf = vec![0u8; CHUNK];
            let mut data_len: u64 = 0;
            clear_errno();
            loop {
                if data_len == 0 {
                    let mut is_data: c_int = 0;
                    let mut section: c_longlong = 0;
                    // SAFETY: the program's callback, given two outputs.
                    if unsafe { in_data(stp, &mut is_data, &mut section, opaque) } < 0 {
                        return Err(handler_failed("send holeHandler"));
                    }
                    let section = u64::try_from(section).unwrap_or(0);
                    if is_data == 0 && section > 0 {
                        with_transfer(&st, |t| t.send_hole(section))?;
                        let len = c_longlong::try_from(section).unwrap_or(c_longlong::MAX);
                        // SAFETY: the program's callback.
                        if unsafe { skip(stp, len, opaque) } < 0 {
                            return Err(handler_failed("send skipHandler"));
                        }
                        continue;
                    }
                    data_len = section;
                }
                let want = (CHUNK as u64).min(data_len) as usize;
                // SAFETY: the program's callback, given `want` bytes to fill.
                let got = unsafe { handler(stp, buf.as_mut_ptr() as *mut c_char, want, opaque) };
                if got < 0 {
                    return Err(handler_failed("send handler"));
                }
                if got == 0 {
                    return Ok(());
                }
                let got = (got as usize).min(want);
                send_all(&st, &buf[..got])?;
                data_len = data_len.saturating_sub(got as u64);
            }
        })
    })
}
