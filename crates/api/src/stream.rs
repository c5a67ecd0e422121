// SPDX-License-Identifier: LGPL-2.1-or-later
//! Volume contents in and out (libvirt's virStorageVolDownload/Upload over a
//! virStream), through the host's `/folder` HTTP interface, in bounded
//! memory at any size.
//!
//! Nothing is lost, whatever the host does with a body as it arrives: an
//! upload goes to a temporary file beside its target, and only a complete
//! body followed by Finish moves it over the target (MoveDatastoreFile_Task).
//! An aborted, failed or cut-off upload, or a stream freed before Finish,
//! deletes the temporary file and leaves the target as it was.
//!
//! A stream that failed, was aborted or was finished stays so: every later
//! call says what ended it. Every wait has a deadline (the URI's
//! read_timeout), and Abort from another thread never waits for a call in
//! progress: it marks the stream ([`StreamControl`]) and the call ends it.
//!
//! A virtual disk's contents are its data file (the extent its descriptor
//! names, `NAME-flat.vmdk`), as libvirt's other drivers stream a disk
//! image's data, not its header.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Code, Error, Result};
use crate::vi::datastore::DatastorePath;
use crate::vi::task::{self, AutoAnswer};
use crate::vi::transport::Interrupt;
use crate::vi::{vim25, Client, MoRef};
use crate::vi::{Fault, FaultOf};

/// Chunks queued between the caller's sends and the upload: memory stays
/// at this many times the caller's chunk size.
const QUEUE: usize = 4;

// ------------------------------------------------------------------ pipe

/// A bounded queue of chunks from the caller's sends to the thread that
/// writes the upload's body; either side can end it, and a wait on it
/// ends when the other side does.
struct Pipe {
    state: Mutex<PipeState>,
    changed: Condvar,
}

#[derive(Default)]
struct PipeState {
    queue: VecDeque<Vec<u8>>,
    /// The caller sent everything.
    closed: bool,
    /// The caller (or another thread) aborted the transfer.
    aborted: bool,
    /// The body's reader is gone: the host answered or the PUT failed.
    reader_gone: bool,
}

enum Pop {
    Data(Vec<u8>),
    End,
    Aborted,
}

impl Pipe {
    fn new() -> Arc<Pipe> {
        Arc::new(Pipe {
            state: Mutex::new(PipeState::default()),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, PipeState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Queues a chunk, waiting at most `wait` for room. Err(None): the
    /// upload ended (its outcome says why); Err(Some): a timeout or abort.
    fn push(&self, data: Vec<u8>, wait: Duration) -> std::result::Result<(), Option<Error>> {
        let deadline = Instant::now() + wait;
        let mut s = self.lock();
        loop {
            if s.aborted {
                return Err(Some(aborted()));
            }
            if s.reader_gone {
                return Err(None);
            }
            if s.queue.len() < QUEUE {
                s.queue.push_back(data);
                self.changed.notify_all();
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Some(Error::operation_timeout(format!(
                    "the host took no data for {} s",
                    wait.as_secs()
                ))));
            }
            s = match self.changed.wait_timeout(s, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    fn pop(&self) -> Pop {
        let mut s = self.lock();
        loop {
            if s.aborted {
                return Pop::Aborted;
            }
            if let Some(d) = s.queue.pop_front() {
                self.changed.notify_all();
                return Pop::Data(d);
            }
            if s.closed {
                return Pop::End;
            }
            s = match self.changed.wait(s) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }

    fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    fn abort(&self) {
        let mut s = self.lock();
        s.aborted = true;
        s.queue.clear();
        drop(s);
        self.changed.notify_all();
    }

    fn reader_gone(&self) {
        self.lock().reader_gone = true;
        self.changed.notify_all();
    }
}

/// The upload's body, read from the pipe. Ending short of the announced
/// length is an error, so that the PUT is cut off instead of leaving the
/// host waiting for the rest.
struct PipeReader {
    pipe: Arc<Pipe>,
    current: Vec<u8>,
    pos: usize,
    expected: Option<u64>,
    read: u64,
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.current.len() {
            match self.pipe.pop() {
                Pop::Data(d) => {
                    self.current = d;
                    self.pos = 0;
                }
                Pop::Aborted => return Err(std::io::Error::other("the upload was aborted")),
                Pop::End => {
                    return match self.expected {
                        Some(e) if e != self.read => Err(std::io::Error::other(format!(
                            "{} of the {e} bytes announced were sent",
                            self.read
                        ))),
                        _ => Ok(0),
                    }
                }
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        self.read += n as u64;
        Ok(n)
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        self.pipe.reader_gone();
    }
}

// ------------------------------------------------------------------ control

/// What another thread may do to a transfer without waiting for a call in
/// progress on it: abort it (the call in progress, or the next one, then
/// ends it), waking a send that waits for room and a read or write blocked
/// on the transfer's socket. An upload being committed (or committed) can
/// no longer be aborted: the abort says so instead of claiming success.
#[derive(Default)]
pub struct StreamControl {
    /// OPEN, ABORTED, COMMITTING or DONE.
    phase: AtomicU8,
    pipe: Mutex<Option<Arc<Pipe>>>,
    interrupt: Mutex<Option<Interrupt>>,
}

const OPEN: u8 = 0;
const ABORTED: u8 = 1;
const COMMITTING: u8 = 2;
const DONE: u8 = 3;

impl StreamControl {
    /// Aborts the transfer unless its upload is already being committed.
    pub fn abort(&self) -> Result<()> {
        match self
            .phase
            .compare_exchange(OPEN, ABORTED, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) | Err(ABORTED) => {}
            Err(COMMITTING) => {
                return Err(Error::operation_invalid(
                    "the upload is being committed (Finish is replacing the file): it can no \
                     longer be aborted",
                ))
            }
            Err(_) => {
                return Err(Error::operation_invalid(
                    "the stream is finished (an upload is committed): nothing to abort",
                ))
            }
        }
        if let Some(p) = self.pipe.lock().ok().and_then(|p| p.clone()) {
            p.abort();
        }
        if let Some(i) = self.interrupt.lock().ok().and_then(|i| i.clone()) {
            i.interrupt();
        }
        Ok(())
    }

    fn is_aborted(&self) -> bool {
        self.phase.load(Ordering::SeqCst) == ABORTED
    }

    /// OPEN -> `to`; false when the transfer was aborted meanwhile.
    fn advance(&self, to: u8) -> bool {
        self.phase
            .compare_exchange(OPEN, to, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }
}

fn aborted() -> Error {
    Error::new(Code::OperationAborted, "the stream was aborted")
}

// ------------------------------------------------------------------ stream

/// A transfer of a volume's contents.
pub struct VolStream {
    state: State,
    control: Arc<StreamControl>,
}

enum State {
    Download(Download),
    Upload(Upload),
    /// Finished: everything was received, or the upload is committed.
    Finished,
    Aborted,
    /// Failed with this error; every later call returns it.
    Failed(Error),
}

struct Download {
    reader: Box<dyn Read + Send>,
    /// Bytes still to come, when known (the range asked, the host's
    /// length, or the file's size).
    left: Option<u64>,
    /// The end was read.
    ended: bool,
    what: String,
}

struct Upload {
    pipe: Arc<Pipe>,
    /// The PUT's outcome, when its thread ends.
    done: Receiver<Result<()>>,
    expected: Option<u64>,
    sent: u64,
    what: String,
    commit: Commit,
    /// How long to wait for the host (the URI's read_timeout).
    wait: Duration,
}

/// Where the upload's data is and where it goes.
struct Commit {
    client: Arc<Client>,
    file_manager: MoRef,
    datacenter: MoRef,
    temp: String,
    target: String,
    auto_answer: bool,
}

impl Commit {
    fn run(&self, what: &str, start: impl FnOnce(&Client) -> Result<MoRef>) -> Result<()> {
        let task = start(&self.client)?;
        task::wait_for_task(
            &self.client,
            &task,
            None,
            &AutoAnswer(self.auto_answer),
            "the host",
            what,
        )
        .map(|_| ())
    }

    /// The temporary file replaces the target.
    fn commit(&self, what: &str) -> Result<()> {
        self.run(what, |c| {
            vim25::move_datastore_file_task(
                c,
                &self.file_manager,
                &self.temp,
                Some(&self.datacenter),
                &self.target,
                Some(&self.datacenter),
                Some(true),
            )
        })
        .map_err(|e| {
            e.context(format!(
                "Could not {what}: replacing the file with the upload"
            ))
        })
    }

    /// Deletes the temporary file (it may never have been made).
    fn remove_temp(&self) {
        let what = format!("delete the unfinished upload '{}'", self.temp);
        match self.run(&what, |c| {
            vim25::delete_datastore_file_task(
                c,
                &self.file_manager,
                &self.temp,
                Some(&self.datacenter),
            )
        }) {
            Ok(()) => {}
            Err(e) if e.is_fault(&Fault::FileNotFound) => {}
            Err(e) => log::warn!(
                "could not {what} (the target was left as it was; the file may be removed by hand): {e}"
            ),
        }
    }

    /// Removes the temporary file once the PUT has ended: now, if it ends
    /// within `wait`, else from a thread of its own when it does, so that
    /// no caller waits on a host that holds the PUT.
    fn discard(self, done: Receiver<Result<()>>, wait: Duration) {
        match done.recv_timeout(wait) {
            Ok(_) | Err(RecvTimeoutError::Disconnected) => self.remove_temp(),
            Err(RecvTimeoutError::Timeout) => {
                let spawned = std::thread::Builder::new()
                    .name("esx-upload-cleanup".into())
                    .spawn(move || {
                        let _ = done.recv();
                        self.remove_temp();
                    });
                if let Err(e) = spawned {
                    log::warn!("cannot start the upload cleanup: {e}");
                }
            }
        }
    }
}

impl std::fmt::Debug for VolStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.state {
            State::Download(_) => "VolStream::Download",
            State::Upload(_) => "VolStream::Upload",
            State::Finished => "VolStream::Finished",
            State::Aborted => "VolStream::Aborted",
            State::Failed(_) => "VolStream::Failed",
        })
    }
}

impl VolStream {
    fn new(state: State, interrupt: Interrupt) -> VolStream {
        let control = Arc::new(StreamControl::default());
        if let State::Upload(u) = &state {
            if let Ok(mut p) = control.pipe.lock() {
                *p = Some(u.pipe.clone());
            }
        }
        if let Ok(mut i) = control.interrupt.lock() {
            *i = Some(interrupt);
        }
        VolStream { state, control }
    }

    /// The handle another thread aborts the transfer with.
    pub fn control(&self) -> Arc<StreamControl> {
        self.control.clone()
    }

    /// What a call on a stream that is no longer transferring gets.
    fn ended(&self, op: &str) -> Error {
        match &self.state {
            State::Failed(e) => e.clone(),
            State::Aborted => aborted(),
            State::Finished => {
                Error::operation_invalid(format!("the stream is finished: nothing to {op}"))
            }
            State::Download(_) => {
                Error::invalid_arg(format!("the stream is a download: it cannot {op}"))
            }
            State::Upload(_) => {
                Error::invalid_arg(format!("the stream is an upload: it cannot {op}"))
            }
        }
    }

    /// Ends the transfer with `e`, cleaning up what it left; returns `e`.
    /// `wait`: how long the upload's end is waited for before its cleanup
    /// is left to a thread (none when the host already failed to answer).
    fn fail_waiting(&mut self, e: Error, wait: bool) -> Error {
        if let State::Upload(u) = std::mem::replace(&mut self.state, State::Failed(e.clone())) {
            u.pipe.abort();
            if let Ok(Some(i)) = self.control.interrupt.lock().map(|i| i.clone()) {
                i.interrupt();
            }
            let w = if wait { u.wait } else { Duration::ZERO };
            u.commit.discard(u.done, w);
        }
        e
    }

    fn fail(&mut self, e: Error) -> Error {
        self.fail_waiting(e, true)
    }

    /// Ends an aborted transfer, if another thread marked it so.
    fn check_abort(&mut self) -> Result<()> {
        if self.control.is_aborted() {
            if !matches!(self.state, State::Aborted) {
                self.end_aborted();
            }
            return Err(aborted());
        }
        Ok(())
    }

    /// Cleans up after an abort (the control is already ABORTED).
    fn end_aborted(&mut self) {
        if let State::Upload(u) = std::mem::replace(&mut self.state, State::Aborted) {
            u.pipe.abort();
            u.commit.discard(u.done, u.wait);
        }
    }

    /// Receives up to `buf.len()` bytes of a download: what one read of
    /// the host gives (a slow host is not waited on to fill the buffer);
    /// 0 at its end.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.check_abort()?;
        let State::Download(d) = &mut self.state else {
            return Err(self.ended("receive"));
        };
        if d.ended || buf.is_empty() {
            return Ok(0);
        }
        // Never past the range asked: a host that ignores the end of a
        // Range sends more.
        let want = match d.left {
            Some(l) => buf.len().min(usize::try_from(l).unwrap_or(usize::MAX)),
            None => buf.len(),
        };
        let got = loop {
            if want == 0 {
                break Ok(0);
            }
            match d.reader.read(&mut buf[..want]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let what = d.what.clone();
        // An abort from another thread shuts the socket down: what the
        // read then says is the abort, not the host.
        self.check_abort()?;
        let State::Download(d) = &mut self.state else {
            return Err(self.ended("receive"));
        };
        match got {
            Ok(0) => {
                d.ended = true;
                match d.left {
                    Some(l) if l > 0 => Err(self.fail(Error::operation_failed(format!(
                        "Could not {what}: the host ended the transfer {l} bytes early"
                    )))),
                    _ => Ok(0),
                }
            }
            Ok(n) => {
                if let Some(l) = &mut d.left {
                    *l -= n as u64;
                    if *l == 0 {
                        d.ended = true;
                    }
                }
                Ok(n)
            }
            Err(e) => {
                let code = if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) {
                    Code::OperationTimeout
                } else {
                    Code::OperationFailed
                };
                Err(self.fail(Error::new(code, format!("Could not {what}: {e}"))))
            }
        }
    }

    /// Sends the next bytes of an upload; returns how many were taken.
    pub fn send(&mut self, data: &[u8]) -> Result<usize> {
        self.check_abort()?;
        let State::Upload(u) = &mut self.state else {
            return Err(self.ended("send"));
        };
        if let Some(e) = u.expected {
            if u.sent.saturating_add(data.len() as u64) > e {
                // The data is not what was announced: the upload ends (and
                // commits nothing), as any failed send ends it.
                let err = Error::invalid_arg(format!(
                    "Could not {}: more than the {e} bytes announced",
                    u.what
                ));
                return Err(self.fail(err));
            }
        }
        if data.is_empty() {
            return Ok(0);
        }
        match u.pipe.push(data.to_vec(), u.wait) {
            Ok(()) => {
                u.sent += data.len() as u64;
                Ok(data.len())
            }
            Err(Some(e)) => {
                let e = e.context(format!("Could not {}", u.what));
                Err(self.fail(e))
            }
            Err(None) => {
                // The PUT ended before the body did: its outcome says why.
                let what = u.what.clone();
                let e = match u.done.recv_timeout(u.wait) {
                    Ok(Err(e)) => e,
                    _ => Error::operation_failed(format!(
                        "Could not {what}: the host ended the upload early"
                    )),
                };
                Err(self.fail(e))
            }
        }
    }

    /// Completes the transfer: a download must have been read to its end;
    /// an upload's body ends, the host's answer is awaited, and only then
    /// does the upload replace the file.
    pub fn finish(&mut self) -> Result<()> {
        self.check_abort()?;
        if let State::Download(d) = &self.state {
            if !d.ended {
                let left = d.left.map(|l| format!(" ({l} bytes)")).unwrap_or_default();
                let e = Error::invalid_arg(format!(
                    "Could not {}: finished before the end of the data{left}",
                    d.what
                ));
                return Err(self.fail(e));
            }
        }
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Finished => Ok(()),
            State::Download(_) => {
                self.control.advance(DONE);
                Ok(())
            }
            State::Upload(u) => {
                u.pipe.close();
                let short = match u.expected {
                    Some(e) if e != u.sent => Some(Error::invalid_arg(format!(
                        "Could not {}: {} of the {e} bytes announced were sent",
                        u.what, u.sent
                    ))),
                    _ => None,
                };
                if let Some(e) = short {
                    self.state = State::Upload(u);
                    return Err(self.fail(e));
                }
                let outcome = match u.done.recv_timeout(u.wait) {
                    Ok(r) => r,
                    Err(RecvTimeoutError::Timeout) => {
                        // The host holds the upload: its end (and the
                        // cleanup) is left to a thread; the caller is told
                        // now, within the deadline it gave.
                        let e = Error::operation_timeout(format!(
                            "Could not {}: the host did not answer within {} s",
                            u.what,
                            u.wait.as_secs()
                        ));
                        self.state = State::Upload(u);
                        return Err(self.fail_waiting(e, false));
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        Err(Error::internal("the upload thread ended without an answer"))
                    }
                };
                // Aborted from another thread meanwhile: what the PUT says
                // (cut off) is the abort's doing.
                if self.control.is_aborted() {
                    self.state = State::Upload(u);
                    self.end_aborted();
                    return Err(aborted());
                }
                if let Err(e) = outcome {
                    self.state = State::Upload(u);
                    return Err(self.fail(e));
                }
                // From here an abort is refused: the file is being replaced.
                if !self.control.advance(COMMITTING) {
                    self.state = State::Upload(u);
                    self.end_aborted();
                    return Err(aborted());
                }
                match u.commit.commit(&u.what) {
                    Ok(()) => {
                        self.control.phase.store(DONE, Ordering::SeqCst);
                        Ok(())
                    }
                    Err(e) => {
                        // Nothing replaced: the temporary file goes.
                        self.control.phase.store(ABORTED, Ordering::SeqCst);
                        self.state = State::Upload(u);
                        Err(self.fail(e))
                    }
                }
            }
            other @ (State::Aborted | State::Failed(_)) => {
                self.state = other;
                Err(self.ended("finish"))
            }
        }
    }

    /// Stops the transfer: an upload is cut off and its temporary file
    /// deleted, so the host keeps its file as it was. An error only when
    /// the upload was already committed (Finish succeeded or is replacing
    /// the file).
    pub fn abort(&mut self) -> Result<()> {
        match &self.state {
            State::Failed(_) | State::Aborted => return Ok(()),
            State::Finished if !matches!(self.control.phase.load(Ordering::SeqCst), DONE) => {
                return Ok(())
            }
            _ => {}
        }
        self.control.abort()?;
        self.end_aborted();
        Ok(())
    }
}

impl Drop for VolStream {
    fn drop(&mut self) {
        let _ = self.abort();
    }
}

// ------------------------------------------------------------------ volumes

/// TOTAL of a `bytes START-END/TOTAL` (or `bytes */TOTAL`) Content-Range.
fn content_total(header: &str) -> Option<u64> {
    header.rsplit_once('/')?.1.trim().parse().ok()
}

/// `bytes START-END/TOTAL` of a Content-Range header.
fn content_range(header: &str) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes")?.trim();
    let (range, _total) = spec.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

static NONCE: AtomicU64 = AtomicU64::new(0);

/// A name for an upload's temporary file beside `file`: hidden, not a
/// disk, ISO or floppy name (so no listing shows it as a volume), and
/// unique to this upload.
fn temp_name(file: &str) -> String {
    // At most 64 bytes of the file's name: a datastore file name has at
    // most 255, and the temporary one must fit whatever the target's is.
    let mut cut = file.len().min(64);
    while !file.is_char_boundary(cut) {
        cut -= 1;
    }
    let file = &file[..cut];
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let n = NONCE.fetch_add(1, Ordering::Relaxed);
    let tag = t ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(".{file}.{tag:016x}.esx-upload")
}

impl crate::Connection {
    /// A datastore file's bytes (`length` 0: to its end) from `offset`, as
    /// a stream read by the caller: one GET on the host's `/folder`.
    /// `size` is the file's size when known (asked only when needed): the
    /// end of the data is then checked even when the host does not say how
    /// long its answer is.
    pub(crate) fn download_file(
        &self,
        data: &DatastorePath,
        offset: u64,
        length: u64,
        known_size: Option<u64>,
        size: impl FnOnce() -> Result<Option<u64>>,
        what: String,
    ) -> Result<VolStream> {
        let size_of = known_size;
        if length > 0 && offset.checked_add(length).is_none() {
            return Err(Error::invalid_arg(format!(
                "Could not {what}: offset {offset} + length {length} is past any file"
            )));
        }
        if let Some(size) = size_of {
            if offset > size || (offset == size && size > 0) {
                return Err(Error::invalid_arg(format!(
                    "Could not {what}: offset {offset} is past the end of the file ({size} bytes)"
                )));
            }
        }
        let dc = self.scope()?.datacenter_path.clone();
        let transfer = self.client().transport().transfer();
        let reply =
            self.client()
                .http_get_stream(&transfer, &data.folder_url(&dc), offset, length)?;
        let file = || format!("[{}] {}", data.datastore, data.directory_and_file);
        // The file the host sends must be the size the caller's knowledge
        // says (a disk's data file: its descriptor), or it is another one.
        let total = match reply.status {
            206 => reply.content_range.as_deref().and_then(content_total),
            200 => reply.length,
            _ => None,
        };
        if let (Some(known), Some(total)) = (size_of, total) {
            if known != total {
                return Err(Error::operation_failed(format!(
                    "Could not {what}: '{}' is {total} bytes where {known} were expected",
                    file()
                )));
            }
        }
        let ranged = offset > 0 || length > 0;
        let left = match reply.status {
            206 => {
                // The range the host sent must be the one asked.
                let sent = reply.content_range.as_deref().and_then(content_range);
                match sent {
                    Some((a, b)) if a == offset => Some(b - a + 1),
                    Some((a, _)) => {
                        return Err(Error::operation_failed(format!(
                        "Could not {what}: the host sent bytes from {a} where {offset} was asked"
                    )))
                    }
                    None => reply.length,
                }
            }
            200 if ranged && offset > 0 => {
                return Err(Error::operation_failed(format!(
                    "Could not {what}: the host ignored the byte range asked (from {offset}) and \
                     sent the whole file"
                )))
            }
            // The whole file (a host may ignore a Range that starts at 0):
            // as much of it as was asked.
            200 => {
                let total = reply.length.or(size_of);
                match (total, length) {
                    (Some(t), 0) => Some(t),
                    (Some(t), l) => Some(t.min(l)),
                    (None, 0) => None,
                    (None, l) => Some(l),
                }
            }
            404 => {
                return Err(Error::no_storage_vol(format!(
                    "Could not {what}: the host has no file '{}'",
                    file()
                )))
            }
            416 => {
                return Err(Error::invalid_arg(format!(
                    "Could not {what}: offset {offset} is past the end of the file"
                )))
            }
            s => {
                return Err(Error::operation_failed(format!(
                    "Could not {what}: the host answered HTTP {s}"
                )))
            }
        };
        // A host that says no length: the file's size (when known) is
        // what must arrive.
        let left = match left {
            Some(l) => Some(l),
            None => match size_of.map_or_else(size, |s| Ok(Some(s)))? {
                Some(s) => {
                    let rest = s - offset.min(s);
                    Some(if length > 0 { rest.min(length) } else { rest })
                }
                None => None,
            },
        };
        Ok(VolStream::new(
            State::Download(Download {
                reader: reply.reader,
                ended: left == Some(0),
                left,
                what,
            }),
            transfer.interrupt,
        ))
    }
}

impl crate::Connection {
    /// A datastore file's size as the host serves it (one ranged GET of
    /// its first byte); None when the host has no such file.
    pub(crate) fn served_size(&self, data: &DatastorePath) -> Result<Option<u64>> {
        let dc = self.scope()?.datacenter_path.clone();
        let transfer = self.client().transport().shared_transfer();
        let reply = self
            .client()
            .http_get_stream(&transfer, &data.folder_url(&dc), 0, 1)?;
        let file = format!("[{}] {}", data.datastore, data.directory_and_file);
        let size = match reply.status {
            206 | 416 => reply.content_range.as_deref().and_then(content_total),
            200 => reply.length,
            404 => return Ok(None),
            s => {
                return Err(Error::operation_failed(format!(
                    "Reading the size of '{file}': the host answered HTTP {s}"
                )))
            }
        };
        size.map(Some).ok_or_else(|| {
            Error::operation_failed(format!("The host did not say the size of '{file}'"))
        })
    }

    /// An upload that replaces the datastore file `data` with what the
    /// caller sends (`expected` bytes, when known): the body goes to a
    /// temporary file beside it, moved over it at Finish.
    pub(crate) fn upload_file(
        &self,
        data: &DatastorePath,
        expected: Option<u64>,
        what: String,
    ) -> Result<VolStream> {
        let file_manager = self
            .client()
            .service()
            .file_manager
            .clone()
            .ok_or_else(|| {
                Error::operation_unsupported(
                    "The host has no FileManager, so an upload cannot replace a file safely",
                )
            })?;
        let scope = self.scope()?;
        let (dir, file) = match data.directory_and_file.rsplit_once('/') {
            Some((d, f)) => (format!("{d}/"), f),
            None => (String::new(), data.directory_and_file.as_str()),
        };
        let temp = DatastorePath::parse(&format!("[{}] {dir}{}", data.datastore, temp_name(file)))?;
        let url = temp.folder_url(&scope.datacenter_path);
        let commit = Commit {
            client: self.shared_client(),
            file_manager,
            datacenter: scope.datacenter.clone(),
            temp: format!("[{}] {}", temp.datastore, temp.directory_and_file),
            target: format!("[{}] {}", data.datastore, data.directory_and_file),
            auto_answer: self.uri().auto_answer,
        };
        let pipe = Pipe::new();
        let (done_tx, done) = channel();
        let client = self.shared_client();
        let transfer = client.transport().transfer();
        let interrupt = transfer.interrupt.clone();
        let body = PipeReader {
            pipe: pipe.clone(),
            current: Vec::new(),
            pos: 0,
            expected,
            read: 0,
        };
        let worker_what = what.clone();
        std::thread::Builder::new()
            .name("esx-upload".into())
            .spawn(move || {
                let outcome = client
                    .http_put_stream(&transfer, &url, body, expected)
                    .and_then(|reply| match reply.status {
                        200 | 201 | 204 => Ok(()),
                        s => Err(Error::operation_failed(format!(
                            "Could not {worker_what}: the host answered HTTP {s}"
                        ))),
                    });
                let _ = done_tx.send(outcome);
            })
            .map_err(|e| Error::internal(format!("cannot start the upload: {e}")))?;
        Ok(VolStream::new(
            State::Upload(Upload {
                pipe,
                done,
                expected,
                sent: 0,
                what,
                commit,
                wait: self.client().transport().read_timeout(),
            }),
            interrupt,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(content_total("bytes 10-19/100"), Some(100));
        assert_eq!(content_total("bytes */7"), Some(7));
        assert_eq!(content_total("bytes 10-19/*"), None);
        assert_eq!(content_range("bytes 10-19/100"), Some((10, 19)));
        assert_eq!(content_range("bytes 10-19/*"), Some((10, 19)));
        assert_eq!(content_range("bytes */100"), None);
        assert_eq!(content_range("bytes 19-10/100"), None);
    }

    #[test]
    fn temp_names_are_hidden_unique_and_no_volume() {
        let a = temp_name("d-flat.vmdk");
        let b = temp_name("d-flat.vmdk");
        assert_ne!(a, b);
        assert!(
            a.starts_with(".d-flat.vmdk.") && a.ends_with(".esx-upload"),
            "{a}"
        );
    }

    #[test]
    fn pipe_waits_end_with_the_other_side() {
        let p = Pipe::new();
        for _ in 0..QUEUE {
            p.push(vec![1], Duration::from_secs(1)).ok().unwrap();
        }
        // Full: a push times out, never blocks for ever.
        let e = p.push(vec![1], Duration::from_millis(1)).unwrap_err();
        assert_eq!(e.map(|e| e.code()), Some(Code::OperationTimeout));
        // An abort from elsewhere ends a waiting push.
        let q = p.clone();
        let t = std::thread::spawn(move || q.push(vec![1], Duration::from_secs(600)));
        p.abort();
        let e = t.join().unwrap().unwrap_err();
        assert_eq!(e.map(|e| e.code()), Some(Code::OperationAborted));
        assert!(matches!(p.pop(), Pop::Aborted));
    }
}
