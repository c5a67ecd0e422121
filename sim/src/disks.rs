// SPDX-License-Identifier: LGPL-2.1-or-later
//! Datastore browsing (HostDatastoreBrowser) and virtual disks
//! (VirtualDiskManager, FileManager.MakeDirectory) over real files under
//! the datastore directory: a disk is a VMDK descriptor (`NAME.vmdk`) and a
//! sparse data file (`NAME-flat.vmdk`) of the disk's capacity, so a 1 TiB
//! disk costs nothing until written.
//!
//! The requests are read with the generated VI types the client writes
//! them with (HostDatastoreBrowserSearchSpec, FileBackedVirtualDiskSpec).

use std::path::{Path, PathBuf};

use esx_vi::vim25::{
    self as v, AnyFileInfo, AnyFileQuery, AnyVirtualDiskSpec, FileInfo, FloppyImageFileInfo,
    FolderFileInfo, HostDatastoreBrowserSearchResults, HostDatastoreBrowserSearchSpec,
    IsoImageFileInfo, VmDiskFileInfo,
};
use esx_vi::Value;

use crate::fault::Fault;
use crate::methods::Ctx;
use crate::paths::DsPath;
use crate::soap::Ret;
use crate::tasks::start_entity_task;
use crate::world::World;

/// A disk as its descriptor says.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor {
    pub capacity_kb: i64,
    pub thin: bool,
    pub adapter: String,
    /// `60 00 C2 9a ...` as QueryVirtualDiskUuid returns it.
    pub uuid: String,
}

impl Descriptor {
    pub fn parse(text: &str) -> Option<Descriptor> {
        if !text.starts_with("# Disk DescriptorFile") {
            return None;
        }
        let mut d = Descriptor {
            capacity_kb: 0,
            thin: false,
            adapter: "lsilogic".into(),
            uuid: String::new(),
        };
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("RW ") {
                let sectors: i64 = rest.split_whitespace().next()?.parse().ok()?;
                d.capacity_kb = sectors / 2;
            } else if let Some((k, v)) = line.split_once('=') {
                let v = v.trim().trim_matches('"').to_string();
                match k.trim() {
                    "ddb.thinProvisioned" => d.thin = v == "1",
                    "ddb.adapterType" => d.adapter = v,
                    "ddb.uuid" => d.uuid = v,
                    _ => {}
                }
            }
        }
        Some(d)
    }

    pub fn text(&self, flat: &str) -> String {
        format!(
            "# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\n\
             createType=\"vmfs\"\n\n# Extent description\nRW {} VMFS \"{flat}\"\n\n# The Disk Data Base\n#DDB\n\n\
             ddb.adapterType = \"{}\"\nddb.thinProvisioned = \"{}\"\nddb.uuid = \"{}\"\n\
             ddb.virtualHWVersion = \"14\"\n",
            self.capacity_kb * 2,
            self.adapter,
            u8::from(self.thin),
            self.uuid
        )
    }
}

/// The data file of a descriptor `x.vmdk`: `x-flat.vmdk`.
pub fn flat_of(descriptor: &Path) -> PathBuf {
    let stem = descriptor
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    descriptor.with_file_name(format!("{stem}-flat.vmdk"))
}

/// A disk UUID from a counter and a seed, in VMware's spaced form.
fn new_uuid(n: u64) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&(t ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_be_bytes());
    bytes[8..].copy_from_slice(&n.rotate_left(23).to_be_bytes());
    bytes[0] = 0x60;
    bytes[1] = 0x00;
    bytes[2] = 0xC2;
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}", hex[..8].join(" "), hex[8..].join(" "))
}

/// Writes a disk: its descriptor and its sparse data file.
pub fn write_disk(
    path: &Path,
    capacity_kb: i64,
    thin: bool,
    adapter: &str,
    n: u64,
) -> std::io::Result<()> {
    let flat = flat_of(path);
    let d = Descriptor {
        capacity_kb,
        thin,
        adapter: adapter.to_string(),
        uuid: new_uuid(n),
    };
    let flat_name = flat
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::write(path, d.text(&flat_name))?;
    let f = std::fs::File::create(&flat)?;
    f.set_len((capacity_kb.max(0) as u64) * 1024)?;
    Ok(())
}

fn not_found(name: &str) -> Fault {
    Fault::file_not_found(name)
}

/// The datastore path's datastore (which must exist) and the local file.
fn resolve(w: &World, name: &str) -> Result<(DsPath, PathBuf), Fault> {
    let p = DsPath::parse_or_fault(name)?;
    let d = w.ds(&p.datastore).ok_or_else(|| {
        Fault::typed(
            v::InvalidDatastore {
                datastore: None,
                name: Some(p.datastore.clone()),
            },
            format!("Invalid datastore '{}'.", p.datastore),
        )
    })?;
    // No way out of the datastore.
    let local = p
        .local(&d.dir)
        .ok_or_else(|| crate::paths::bad_path(name))?;
    Ok((p, local))
}

/// A disk path: `[ds] dir/name.vmdk`.
fn disk_path(w: &World, name: &str) -> Result<PathBuf, Fault> {
    let (p, local) = resolve(w, name)?;
    if !p.resolved().to_ascii_lowercase().ends_with(".vmdk") {
        return Err(Fault::invalid_argument("name"));
    }
    Ok(local)
}

/// Whether a VM of the inventory uses this disk (the host compares the
/// files the paths resolve to).
fn in_use(w: &World, name: &str) -> bool {
    let Some(p) = DsPath::parse(name) else {
        return false;
    };
    w.vms().any(|vm| {
        vm.disk_files().iter().any(|f| {
            DsPath::parse(f)
                .is_some_and(|d| d.datastore == p.datastore && d.resolved() == p.resolved())
        })
    })
}

fn glob(pattern: &str, name: &str) -> bool {
    fn m(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => m(&p[1..], n) || (!n.is_empty() && m(p, &n[1..])),
            (Some('?'), Some(_)) => m(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => m(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    m(&p, &n)
}

/// What a file is, for the queries the spec has.
fn file_info(
    path: &Path,
    name: &str,
    spec: &HostDatastoreBrowserSearchSpec,
) -> Option<AnyFileInfo> {
    let lower = name.to_ascii_lowercase();
    let meta = std::fs::metadata(path).ok()?;
    let size = meta.len() as i64;
    let wants = |f: fn(&AnyFileQuery) -> bool| spec.query.is_empty() || spec.query.iter().any(f);
    let base = FileInfo {
        path: name.to_string(),
        file_size: Some(size),
        ..Default::default()
    };
    if meta.is_dir() {
        return wants(|q| {
            matches!(
                q,
                AnyFileQuery::FolderFileQuery(_) | AnyFileQuery::FileQuery(_)
            )
        })
        .then(|| {
            AnyFileInfo::FolderFileInfo(FolderFileInfo {
                path: base.path,
                file_size: base.file_size,
                ..Default::default()
            })
        });
    }
    if lower.ends_with("-flat.vmdk")
        || lower.ends_with("-delta.vmdk")
        || lower.ends_with("-ctk.vmdk")
    {
        // Parts of a disk, not disks.
        return None;
    }
    if lower.ends_with(".vmdk") {
        if let Some(d) = std::fs::read_to_string(path)
            .ok()
            .as_deref()
            .and_then(Descriptor::parse)
        {
            if !wants(|q| {
                matches!(
                    q,
                    AnyFileQuery::VmDiskFileQuery(_) | AnyFileQuery::FileQuery(_)
                )
            }) {
                return None;
            }
            let flat = std::fs::metadata(flat_of(path))
                .map(|m| m.len() as i64)
                .unwrap_or(0);
            return Some(AnyFileInfo::VmDiskFileInfo(VmDiskFileInfo {
                path: base.path,
                file_size: Some(size + if d.thin { 0 } else { flat }),
                disk_type: Some("VirtualDiskFlatVer2BackingInfo".into()),
                capacity_kb: Some(d.capacity_kb),
                hardware_version: Some(14),
                controller_type: Some(
                    match d.adapter.as_str() {
                        "ide" => "VirtualIDEController",
                        "buslogic" => "VirtualBusLogicController",
                        "lsisas1068" => "VirtualLsiLogicSASController",
                        "pvscsi" => "ParaVirtualSCSIController",
                        _ => "VirtualLsiLogicController",
                    }
                    .into(),
                ),
                thin: Some(d.thin),
                ..Default::default()
            }));
        }
    }
    if lower.ends_with(".iso") {
        return wants(|q| {
            matches!(
                q,
                AnyFileQuery::IsoImageFileQuery(_) | AnyFileQuery::FileQuery(_)
            )
        })
        .then(|| {
            AnyFileInfo::IsoImageFileInfo(IsoImageFileInfo {
                path: base.path,
                file_size: base.file_size,
                ..Default::default()
            })
        });
    }
    if lower.ends_with(".flp") {
        return wants(|q| {
            matches!(
                q,
                AnyFileQuery::FloppyImageFileQuery(_) | AnyFileQuery::FileQuery(_)
            )
        })
        .then(|| {
            AnyFileInfo::FloppyImageFileInfo(FloppyImageFileInfo {
                path: base.path,
                file_size: base.file_size,
                ..Default::default()
            })
        });
    }
    wants(|q| matches!(q, AnyFileQuery::FileQuery(_))).then_some(AnyFileInfo::FileInfo(base))
}

/// One folder's search result (sorted, for stable listings).
fn search_folder(
    ds: &str,
    rel: &str,
    dir: &Path,
    spec: &HostDatastoreBrowserSearchSpec,
    plain: bool,
) -> HostDatastoreBrowserSearchResults {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let patterns = &spec.match_pattern;
    let file = names
        .iter()
        .filter(|n| patterns.is_empty() || patterns.iter().any(|p| glob(p, n)))
        .filter_map(|n| file_info(&dir.join(n), n, spec))
        .collect();
    HostDatastoreBrowserSearchResults {
        datastore: None,
        folder_path: Some(match (rel.is_empty(), plain) {
            (true, false) => format!("[{ds}]"),
            (false, false) => format!("[{ds}] {rel}/"),
            (true, true) => String::new(),
            (false, true) => format!("{rel}/"),
        }),
        file,
    }
}

/// HostDatastoreBrowser.SearchDatastore_Task / SearchDatastoreSubFolders_Task.
pub fn search(
    c: &mut Ctx,
    name: &str,
    spec: Option<HostDatastoreBrowserSearchSpec>,
    sub_folders: bool,
) -> Result<Ret, Fault> {
    let name = name.to_string();
    let (p, local) = resolve(c.w, &name)?;
    let spec = spec.unwrap_or_default();
    let ds_moref = c.w.ds(&p.datastore).map(|d| d.moref.clone());
    let method = if sub_folders {
        "SearchDatastoreSubFolders_Task"
    } else {
        "SearchDatastore_Task"
    };
    let plain = c.w.host_modes.plain_folder_paths;
    // The task is the datastore's (the browser is no ManagedEntity).
    start_entity_task(
        c.sh,
        c.w,
        ds_moref.clone(),
        method,
        &c.user,
        Box::new(move |_sh, _w| {
            if !local.is_dir() {
                return Err(not_found(&name));
            }
            let rel = p.resolved();
            let mut results = vec![search_folder(&p.datastore, &rel, &local, &spec, plain)];
            if sub_folders {
                let mut stack = vec![(rel.clone(), local.clone())];
                while let Some((r, dir)) = stack.pop() {
                    let mut subs: Vec<_> = std::fs::read_dir(&dir)
                        .map(|e| {
                            e.flatten()
                                .filter(|e| e.path().is_dir())
                                .map(|e| e.file_name().to_string_lossy().into_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                    subs.sort();
                    for s in subs.into_iter().rev() {
                        let sr = if r.is_empty() {
                            s.clone()
                        } else {
                            format!("{r}/{s}")
                        };
                        stack.push((sr, dir.join(&s)));
                    }
                    if r != rel {
                        results.push(search_folder(&p.datastore, &r, &dir, &spec, plain));
                    }
                }
            }
            for r in &mut results {
                r.datastore = ds_moref.clone();
            }
            let ty = "HostDatastoreBrowserSearchResults";
            if sub_folders {
                Ok(Some(esx_vi::wire::any_list(&results, ty)))
            } else {
                Ok(results.first().map(|r| esx_vi::wire::any(r, ty)))
            }
        }),
    )
}

/// VirtualDiskManager.QueryVirtualDiskUuid.
pub fn query_uuid(c: &mut Ctx, req: v::QueryVirtualDiskUuidRequest) -> Result<Ret, Fault> {
    let path = disk_path(c.w, &req.name)?;
    let d = std::fs::read_to_string(&path)
        .ok()
        .as_deref()
        .and_then(Descriptor::parse)
        .ok_or_else(|| not_found(&req.name))?;
    Ok(Ret::of(d.uuid))
}

fn disk_task(c: &mut Ctx, method: &str, work: crate::tasks::Work) -> Result<Ret, Fault> {
    let user = c.user.clone();
    start_entity_task(c.sh, c.w, None, method, &user, work)
}

fn io_fault(name: &str, e: std::io::Error) -> Fault {
    Fault::typed(
        v::CannotCreateFile {
            file: name.to_string(),
        },
        format!("Cannot complete the operation on {name}: {e}"),
    )
}

/// Free space of the datastore of a path, in KiB (sparse files count with
/// their capacity, as thick disks would).
fn free_kb(w: &World, ds: &str) -> i64 {
    let Some(d) = w.ds(ds) else { return 0 };
    let mut used = 0i64;
    let mut stack = vec![d.dir.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(m) = e.metadata() {
                used += (m.len() / 1024) as i64;
            }
        }
    }
    d.capacity / 1024 - used
}

/// VirtualDiskManager.CreateVirtualDisk_Task.
pub fn create(c: &mut Ctx, req: v::CreateVirtualDiskTaskRequest) -> Result<Ret, Fault> {
    let name = req.name;
    let path = disk_path(c.w, &name)?;
    let AnyVirtualDiskSpec::FileBackedVirtualDiskSpec(spec) = req.spec else {
        return Err(Fault::invalid_argument("spec"));
    };
    if spec.capacity_kb <= 0 {
        return Err(Fault::invalid_argument("spec.capacityKb"));
    }
    let ds = DsPath::parse(&name)
        .map(|p| p.datastore)
        .unwrap_or_default();
    let free = free_kb(c.w, &ds);
    let n = c.w.next_id;
    c.w.next_id += 1;
    disk_task(
        c,
        "CreateVirtualDisk_Task",
        Box::new(move |_sh, _w| {
            if path.exists() {
                return Err(Fault::file_exists(&name));
            }
            if !path.parent().is_some_and(Path::is_dir) {
                return Err(not_found(&name));
            }
            let thin = spec.disk_type == "thin";
            if !thin && spec.capacity_kb > free {
                return Err(Fault::typed(
                    v::NoDiskSpace {
                        file: name.clone(),
                        datastore: ds.clone(),
                    },
                    format!("Insufficient disk space on datastore '{ds}'."),
                ));
            }
            write_disk(
                &path,
                spec.capacity_kb,
                thin,
                &spec.adapter_type.to_ascii_lowercase(),
                n,
            )
            .map_err(|e| io_fault(&name, e))?;
            Ok(Some(Value::Text {
                ty: Some("xsd:string".into()),
                text: name.clone(),
            }))
        }),
    )
}

/// VirtualDiskManager.CopyVirtualDisk_Task: a copy with a new UUID.
pub fn copy(c: &mut Ctx, req: v::CopyVirtualDiskTaskRequest) -> Result<Ret, Fault> {
    let (src_name, dst_name) = (req.source_name, req.dest_name);
    let src = disk_path(c.w, &src_name)?;
    let dst = disk_path(c.w, &dst_name)?;
    let force = req.force.unwrap_or(false);
    // vCenter cannot choose a copy's format.
    if c.w.host_modes.copy_refuses_dest_spec && req.dest_spec.is_some() {
        return disk_task(
            c,
            "CopyVirtualDisk_Task",
            Box::new(|_sh, _w| {
                Err(Fault::typed(
                    v::NotImplemented {},
                    "The operation is not implemented: destSpec",
                ))
            }),
        );
    }
    // The copy's format: destSpec's when given, else the source's.
    let thin_wanted = req.dest_spec.map(|spec| match spec {
        AnyVirtualDiskSpec::VirtualDiskSpec(s) => s.disk_type == "thin",
        AnyVirtualDiskSpec::FileBackedVirtualDiskSpec(s) => s.disk_type == "thin",
    });
    let n = c.w.next_id;
    c.w.next_id += 1;
    disk_task(
        c,
        "CopyVirtualDisk_Task",
        Box::new(move |_sh, _w| {
            let d = std::fs::read_to_string(&src)
                .ok()
                .as_deref()
                .and_then(Descriptor::parse)
                .ok_or_else(|| not_found(&src_name))?;
            if dst.exists() && !force {
                return Err(Fault::file_exists(&dst_name));
            }
            if !dst.parent().is_some_and(Path::is_dir) {
                return Err(not_found(&dst_name));
            }
            write_disk(
                &dst,
                d.capacity_kb,
                thin_wanted.unwrap_or(d.thin),
                &d.adapter,
                n,
            )
            .map_err(|e| io_fault(&dst_name, e))?;
            // The contents, holes kept (copy_file_range keeps a sparse file sparse).
            std::fs::copy(flat_of(&src), flat_of(&dst)).map_err(|e| io_fault(&dst_name, e))?;
            Ok(None)
        }),
    )
}

/// VirtualDiskManager.DeleteVirtualDisk_Task: refused for a disk a VM uses.
pub fn delete(c: &mut Ctx, req: v::DeleteVirtualDiskTaskRequest) -> Result<Ret, Fault> {
    let name = req.name;
    let path = disk_path(c.w, &name)?;
    if in_use(c.w, &name) {
        return Err(Fault::typed(
            v::FileLocked { file: name.clone() },
            format!("Unable to access file {name} since it is locked"),
        ));
    }
    disk_task(
        c,
        "DeleteVirtualDisk_Task",
        Box::new(move |_sh, _w| {
            if !path.exists() {
                return Err(not_found(&name));
            }
            let _ = std::fs::remove_file(flat_of(&path));
            std::fs::remove_file(&path).map_err(|e| io_fault(&name, e))?;
            Ok(None)
        }),
    )
}

/// VirtualDiskManager.ZeroFillVirtualDisk_Task.
pub fn zero_fill(c: &mut Ctx, req: v::ZeroFillVirtualDiskTaskRequest) -> Result<Ret, Fault> {
    let name = req.name;
    let path = disk_path(c.w, &name)?;
    disk_task(
        c,
        "ZeroFillVirtualDisk_Task",
        Box::new(move |_sh, _w| {
            let d = std::fs::read_to_string(&path)
                .ok()
                .as_deref()
                .and_then(Descriptor::parse)
                .ok_or_else(|| not_found(&name))?;
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(flat_of(&path))
                .map_err(|e| io_fault(&name, e))?;
            f.set_len(0)
                .and_then(|_| f.set_len(d.capacity_kb.max(0) as u64 * 1024))
                .map_err(|e| io_fault(&name, e))?;
            Ok(None)
        }),
    )
}

/// VirtualDiskManager.ExtendVirtualDisk_Task: grows a disk, never shrinks.
pub fn extend(c: &mut Ctx, req: v::ExtendVirtualDiskTaskRequest) -> Result<Ret, Fault> {
    let name = req.name;
    let path = disk_path(c.w, &name)?;
    let new_kb = req.new_capacity_kb;
    disk_task(
        c,
        "ExtendVirtualDisk_Task",
        Box::new(move |_sh, _w| {
            let mut d = std::fs::read_to_string(&path)
                .ok()
                .as_deref()
                .and_then(Descriptor::parse)
                .ok_or_else(|| not_found(&name))?;
            if new_kb < d.capacity_kb {
                return Err(Fault::invalid_argument("newCapacityKb"));
            }
            d.capacity_kb = new_kb;
            let flat = flat_of(&path);
            let flat_name = flat
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            std::fs::write(&path, d.text(&flat_name)).map_err(|e| io_fault(&name, e))?;
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&flat)
                .map_err(|e| io_fault(&name, e))?;
            f.set_len(new_kb as u64 * 1024)
                .map_err(|e| io_fault(&name, e))?;
            Ok(None)
        }),
    )
}

/// FileManager.MakeDirectory.
pub fn make_directory(c: &mut Ctx, req: v::MakeDirectoryRequest) -> Result<Ret, Fault> {
    let name = req.name;
    let (_, local) = resolve(c.w, &name)?;
    let parents = req.create_parent_directories.unwrap_or(false);
    if local.exists() {
        return Err(Fault::file_exists(&name));
    }
    let made = if parents {
        std::fs::create_dir_all(&local)
    } else {
        std::fs::create_dir(&local)
    };
    made.map_err(|_| not_found(&name))?;
    Ok(Ret::None)
}
