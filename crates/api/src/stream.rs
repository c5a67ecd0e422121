// SPDX-License-Identifier: LGPL-2.1-or-later
//! Volume contents in and out (libvirt's virStorageVolDownload/Upload over a
//! virStream), through the host's `/folder` HTTP interface, in bounded
//! memory at any size: a download reads the response as the caller
//! receives; an upload is a PUT whose body a thread pulls from a small
//! channel the caller's sends fill.
//!
//! A virtual disk's contents are its data file (the extent its descriptor
//! names, `NAME-flat.vmdk`), as libvirt's other drivers stream a disk
//! image's data, not its header.

use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::error::{check_flags, Error, Result};
use crate::flags;
use crate::storage::VolRef;
use crate::vi::datastore::{self, DatastorePath};
use crate::vi::Client;
use crate::Storage;

/// Chunks queued between the caller's sends and the upload: memory stays
/// at this many times the caller's chunk size.
const QUEUE: usize = 4;

enum Chunk {
    Data(Vec<u8>),
    Abort,
}

/// The body of an upload, read from the channel (the end of the channel is
/// the end of the body).
struct ChannelReader {
    rx: Receiver<Chunk>,
    current: Vec<u8>,
    pos: usize,
    /// Bytes the body must hold: ending short is an error, so that the
    /// PUT is cut off instead of leaving the host waiting for the rest.
    expected: Option<u64>,
    read: u64,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.current.len() {
            match self.rx.recv() {
                Ok(Chunk::Data(d)) => {
                    self.current = d;
                    self.pos = 0;
                }
                Ok(Chunk::Abort) => return Err(std::io::Error::other("the upload was aborted")),
                Err(_) => {
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

/// A transfer of a volume's contents.
pub struct VolStream {
    state: State,
}

enum State {
    Download {
        reader: Box<dyn Read + Send>,
        /// Bytes still expected (when the host said how many).
        left: Option<u64>,
        what: String,
    },
    Upload {
        tx: Option<SyncSender<Chunk>>,
        worker: Option<JoinHandle<Result<()>>>,
        /// Bytes the caller announced (None: as many as it sends).
        expected: Option<u64>,
        sent: u64,
        what: String,
    },
    /// Finished or aborted.
    Done,
}

impl std::fmt::Debug for VolStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.state {
            State::Download { .. } => "VolStream::Download",
            State::Upload { .. } => "VolStream::Upload",
            State::Done => "VolStream::Done",
        })
    }
}

impl VolStream {
    /// Receives up to `buf.len()` bytes of a download; 0 at its end.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<usize> {
        let State::Download { reader, left, what } = &mut self.state else {
            return Err(Error::invalid_arg(
                "the stream is not a download in progress",
            ));
        };
        // Fill the buffer (to the end of the transfer): the socket gives a
        // few KiB a read, and a caller's call per few KiB costs more than
        // the data.
        let mut n = 0;
        while n < buf.len() {
            match reader.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::operation_failed(format!("Could not {what}: {e}")));
                }
            }
        }
        if let Some(l) = left {
            if n == 0 && *l > 0 {
                return Err(Error::operation_failed(format!(
                    "Could not {what}: the host ended the transfer {l} bytes early"
                )));
            }
            *l = l.saturating_sub(n as u64);
        }
        Ok(n)
    }

    /// Sends the next bytes of an upload; returns how many were taken.
    pub fn send(&mut self, data: &[u8]) -> Result<usize> {
        let State::Upload {
            tx,
            expected,
            sent,
            what,
            ..
        } = &mut self.state
        else {
            return Err(Error::invalid_arg(
                "the stream is not an upload in progress",
            ));
        };
        if let Some(e) = expected {
            if *sent + data.len() as u64 > *e {
                return Err(Error::invalid_arg(format!(
                    "Could not {what}: more than the {e} bytes announced"
                )));
            }
        }
        let Some(sender) = tx else {
            return Err(Error::invalid_arg("the upload is finished"));
        };
        if sender.send(Chunk::Data(data.to_vec())).is_err() {
            // The transfer ended: its error says why.
            return Err(self
                .finish()
                .err()
                .unwrap_or_else(|| Error::operation_failed("the host ended the upload early")));
        }
        *sent += data.len() as u64;
        Ok(data.len())
    }

    /// Completes the transfer: an upload's body ends and the host's answer
    /// is awaited; a download must have been read to its end.
    pub fn finish(&mut self) -> Result<()> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Done => Ok(()),
            State::Download { left, what, .. } => match left {
                Some(l) if l > 0 => Err(Error::invalid_arg(format!(
                    "Could not {what}: finished with {l} bytes not received"
                ))),
                _ => Ok(()),
            },
            State::Upload {
                tx,
                worker,
                expected,
                sent,
                what,
            } => {
                drop(tx);
                let outcome = worker
                    .map(|w| {
                        w.join()
                            .unwrap_or_else(|_| Err(Error::internal("the upload thread panicked")))
                    })
                    .unwrap_or(Ok(()));
                // A short body was cut off by the reader; say so plainly
                // rather than as the transport's error.
                match expected {
                    Some(e) if e != sent => Err(Error::invalid_arg(format!(
                        "Could not {what}: {sent} of the {e} bytes announced were sent"
                    ))),
                    _ => outcome,
                }
            }
        }
    }

    /// Stops the transfer; an upload's PUT is cut off, so the host keeps
    /// nothing of it.
    pub fn abort(&mut self) {
        if let State::Upload { tx, worker, .. } = std::mem::replace(&mut self.state, State::Done) {
            if let Some(t) = tx {
                let _ = t.send(Chunk::Abort);
            }
            if let Some(w) = worker {
                let _ = w.join();
            }
        }
    }
}

impl Drop for VolStream {
    fn drop(&mut self) {
        self.abort();
    }
}

/// The extent a VMDK descriptor names, when it is one flat (or VMFS) file.
fn flat_extent(descriptor: &str) -> Option<String> {
    let extents: Vec<&str> = descriptor
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("RW ") || l.starts_with("RDONLY ") || l.starts_with("NOACCESS "))
        .collect();
    let [only] = extents.as_slice() else {
        return None;
    };
    let mut words = only.split_whitespace();
    let (_, _, kind) = (words.next()?, words.next()?, words.next()?);
    if !matches!(kind, "VMFS" | "FLAT") {
        return None;
    }
    let file = only.split('"').nth(1)?;
    (!file.is_empty()).then(|| file.to_string())
}

impl crate::Connection {
    /// A datastore file's bytes (`length` 0: to its end) from `offset`, as
    /// a stream read by the caller: one GET on the host's `/folder`.
    pub(crate) fn download_file(
        &self,
        data: &DatastorePath,
        offset: u64,
        length: u64,
        what: String,
    ) -> Result<VolStream> {
        let dc = self.scope()?.datacenter_path.clone();
        let reply = self
            .client()
            .http_get_stream(&data.folder_url(&dc), offset, length)?;
        match reply.status {
            200 | 206 => {}
            404 => {
                return Err(Error::no_storage_vol(format!(
                    "Could not {what}: the host has no file '[{}] {}'",
                    data.datastore, data.directory_and_file
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
        }
        Ok(VolStream {
            state: State::Download {
                reader: reply.reader,
                left: reply.length,
                what,
            },
        })
    }
}

impl Storage<'_> {
    /// Where a volume's contents are: a disk's data file, else the file.
    fn data_path(&self, vol: &VolRef) -> Result<DatastorePath> {
        let path = DatastorePath::parse(&vol.path())?;
        if !vol.name.to_ascii_lowercase().ends_with(".vmdk") {
            return Ok(path);
        }
        let dc = self.scope()?.datacenter_path.clone();
        let bytes = datastore::download(self.client(), &dc, &path)
            .map_err(|e| e.context(format!("Could not read the descriptor of '{}'", vol.path())))?;
        let text = String::from_utf8_lossy(&bytes);
        let file = flat_extent(&text).ok_or_else(|| {
            Error::argument_unsupported(format!(
                "'{}' is not a flat disk (one data file): its contents cannot be streamed",
                vol.path()
            ))
        })?;
        let dir = vol.name.rsplit_once('/').map_or("", |(d, _)| d);
        let name = if dir.is_empty() {
            file
        } else {
            format!("{dir}/{file}")
        };
        DatastorePath::parse(&format!("[{}] {name}", vol.pool))
    }

    /// virStorageVolDownload: `length` bytes (0: all) of the volume's
    /// contents from `offset`.
    pub fn storage_vol_download(
        &self,
        vol: &VolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<VolStream> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if vol.backend == crate::storage::Backend::Iscsi {
            return Err(crate::iscsi::unsupported(
                "downloads (a LUN is no datastore file)",
            ));
        }
        let data = self.data_path(vol)?;
        self.download_file(&data, offset, length, format!("download '{}'", vol.path()))
    }

    /// virStorageVolUpload: replaces the volume's contents with what the
    /// caller sends (`length` bytes; 0 for a disk means its capacity, for
    /// another file as many as are sent). The host's `/folder` replaces
    /// whole files, so `offset` must be 0; a disk's contents must be its
    /// capacity, so that its descriptor stays true.
    pub fn storage_vol_upload(
        &self,
        vol: &VolRef,
        offset: u64,
        length: u64,
        flags: u32,
    ) -> Result<VolStream> {
        check_flags(flags, flags::STORAGE_NONE)?;
        if vol.backend == crate::storage::Backend::Iscsi {
            return Err(crate::iscsi::unsupported(
                "uploads (a LUN is no datastore file)",
            ));
        }
        self.check_writable(&format!("upload into '{}'", vol.path()))?;
        if offset != 0 {
            return Err(Error::argument_unsupported(
                "ESX replaces a datastore file whole: the upload offset must be 0",
            ));
        }
        let expected = if vol.name.to_ascii_lowercase().ends_with(".vmdk") {
            let capacity = self.storage_vol_get_info(vol)?.capacity;
            if length != 0 && length != capacity {
                return Err(Error::invalid_arg(format!(
                    "A disk's contents are its capacity: upload {capacity} bytes, not {length}"
                )));
            }
            Some(capacity)
        } else {
            (length > 0).then_some(length)
        };
        let data = self.data_path(vol)?;
        let url = data.folder_url(&self.scope()?.datacenter_path);
        let what = format!("upload into '{}'", vol.path());
        let (tx, rx) = sync_channel(QUEUE);
        let client: Arc<Client> = self.shared_client();
        let worker_what = what.clone();
        let worker = std::thread::Builder::new()
            .name("esx-upload".into())
            .spawn(move || {
                let body = ChannelReader {
                    rx,
                    current: Vec::new(),
                    pos: 0,
                    expected,
                    read: 0,
                };
                let reply = client.http_put_stream(&url, body, expected)?;
                match reply.status {
                    200 | 201 | 204 => Ok(()),
                    s => Err(Error::operation_failed(format!(
                        "Could not {worker_what}: the host answered HTTP {s}"
                    ))),
                }
            })
            .map_err(|e| Error::internal(format!("cannot start the upload: {e}")))?;
        Ok(VolStream {
            state: State::Upload {
                tx: Some(tx),
                worker: Some(worker),
                expected,
                sent: 0,
                what,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_extents_only() {
        assert_eq!(
            flat_extent("# Disk DescriptorFile\nRW 2048 VMFS \"a-flat.vmdk\"\n").as_deref(),
            Some("a-flat.vmdk")
        );
        assert_eq!(flat_extent("RW 2048 VMFSSPARSE \"a-delta.vmdk\"\n"), None);
        assert_eq!(
            flat_extent("RW 1 VMFS \"a.vmdk\"\nRW 1 VMFS \"b.vmdk\"\n"),
            None
        );
        assert_eq!(flat_extent("nothing"), None);
    }
}
