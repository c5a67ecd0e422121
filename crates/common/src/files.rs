// SPDX-License-Identifier: LGPL-2.1-or-later
//! Reading the local files a caller names (cacert=, LIBVIRT_AUTH_FILE):
//! regular files only, never larger than a cap, and never blocking on a
//! FIFO or a device.

use std::fs::{File, OpenOptions};
use std::io::Read;
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Reads `path` whole. `what` names the file for errors ("cacert file").
/// A FIFO, a device, a directory or a file above `max_bytes` is refused
/// before anything is read from it.
pub fn read_regular(path: &Path, max_bytes: u64, what: &str) -> Result<Vec<u8>> {
    let shown = path.display();
    let mut options = OpenOptions::new();
    options.read(true);
    // O_NONBLOCK: opening a FIFO with no writer must not hang; the type is
    // checked on the open descriptor, so a file swapped in between a stat and
    // the open cannot slip through.
    #[cfg(unix)]
    options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    let file: File = options
        .open(path)
        .map_err(|e| Error::invalid_arg(format!("Cannot read {what} '{shown}': {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::invalid_arg(format!("Cannot read {what} '{shown}': {e}")))?;
    if !meta.is_file() {
        return Err(Error::invalid_arg(format!(
            "{what} '{shown}' is not a regular file"
        )));
    }
    if meta.len() > max_bytes {
        return Err(Error::invalid_arg(format!(
            "{what} '{shown}' is {} bytes, more than the {max_bytes} bytes accepted",
            meta.len()
        )));
    }
    let mut out = Vec::with_capacity(meta.len() as usize);
    // The file may grow after the check: never read past the cap.
    file.take(max_bytes + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::invalid_arg(format!("Cannot read {what} '{shown}': {e}")))?;
    if out.len() as u64 > max_bytes {
        return Err(Error::invalid_arg(format!(
            "{what} '{shown}' grew beyond the {max_bytes} bytes accepted while it was read"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_fifos_directories_and_big_files() {
        let dir = std::env::temp_dir().join(format!("esx-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read_regular(Path::new("/dev/zero"), 1024, "f")
            .unwrap_err()
            .message()
            .contains("not a regular file"));
        assert!(read_regular(&dir, 1024, "f").is_err());
        let fifo = dir.join("fifo");
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.map(|s| s.success()).unwrap_or(false) {
            let e = read_regular(&fifo, 1024, "f").unwrap_err();
            assert!(e.message().contains("not a regular file"), "{e}");
        }
        let big = dir.join("big");
        std::fs::write(&big, vec![b'x'; 2048]).unwrap();
        assert!(read_regular(&big, 1024, "f")
            .unwrap_err()
            .message()
            .contains("more than"));
        assert_eq!(read_regular(&big, 4096, "f").unwrap().len(), 2048);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
