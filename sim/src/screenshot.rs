// SPDX-License-Identifier: LGPL-2.1-or-later
//! VirtualMachine.CreateScreenshot_Task: the console of a running VM as a
//! PNG in its directory, as ESX writes one (`<dir>/<dir>-<n>.png`); the
//! task's result is its datastore path. The picture is a plain field in a
//! colour taken from the VM's name, so a reader can tell whose screen it
//! got.

use esx_vi::vim25::{self as v, VirtualMachinePowerState as Power};
use esx_vi::Value;

use crate::fault::Fault;
use crate::methods::Ctx;
use crate::soap::Ret;
use crate::tasks::start_vm_task;
use crate::world::vm_ref;

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 480;

pub fn create(c: &mut Ctx) -> Result<Ret, Fault> {
    let vmid = c.call.this.value.clone();
    let id = vmid.clone();
    let work: crate::tasks::Work = Box::new(move |_sh, w| {
        let vm = w
            .vm(&id)
            .ok_or_else(|| Fault::not_found_obj(&vm_ref(&id)))?;
        if vm.power() != Power::PoweredOn {
            return Err(Fault::invalid_power_state(
                &vm.power(),
                Some(Power::PoweredOn),
            ));
        }
        let (ds, dir, name) = (vm.datastore.clone(), vm.directory.clone(), vm.name.clone());
        let n = w.next_id;
        w.next_id += 1;
        let rel = format!("{dir}/{dir}-{n}.png");
        let file = format!("[{ds}] {rel}");
        let local = w
            .ds_file(&ds, &rel)
            .ok_or_else(|| Fault::file_not_found(&file))?;
        let written = local
            .parent()
            .map(std::fs::create_dir_all)
            .unwrap_or(Ok(()))
            .and_then(|_| std::fs::write(&local, png(WIDTH, HEIGHT, colour(&name))));
        written.map_err(|e| {
            Fault::typed(
                v::FileFault { file: file.clone() },
                format!("Cannot write {file}: {e}"),
            )
        })?;
        Ok(Some(Value::Text {
            ty: Some("xsd:string".into()),
            text: file,
        }))
    });
    let user = c.user.clone();
    start_vm_task(
        c.sh,
        c.w,
        &vmid,
        "CreateScreenshot_Task",
        false,
        &user,
        work,
    )
}

/// The colour of a VM's screen: three bytes of its name's CRC.
pub fn colour(name: &str) -> [u8; 3] {
    let c = crc32(name.as_bytes()).to_be_bytes();
    [c[0], c[1], c[2]]
}

/// A `width` x `height` RGB PNG of one colour, its image data in stored
/// (uncompressed) deflate blocks: valid for any PNG reader, no compressor
/// needed.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    // Each row: filter byte 0 (none), then the pixels.
    let mut row = vec![0u8];
    row.extend(rgb.iter().copied().cycle().take(3 * width as usize));
    let raw = row.repeat(height as usize);
    let mut z = vec![0x78, 0x01];
    let mut blocks = raw.chunks(65535).peekable();
    while let Some(b) = blocks.next() {
        z.push(u8::from(blocks.peek().is_none()));
        let len = b.len() as u16;
        z.extend_from_slice(&len.to_le_bytes());
        z.extend_from_slice(&(!len).to_le_bytes());
        z.extend_from_slice(b);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &z[..]), (b"IEND", &[][..])] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_png_signature_chunk_is_the_known_one() {
        // IEND's CRC is fixed: AE 42 60 82.
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        let p = png(2, 2, [1, 2, 3]);
        assert!(p.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(p.ends_with(&[0xae, 0x42, 0x60, 0x82]));
    }
}
