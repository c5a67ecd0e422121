// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain XML through the host: dumpxml (the VM's .vmx fetched from its
//! datastore and converted), native-format conversion, define (convert,
//! upload, register) and undefine. File names map between the VMX and
//! datastore paths with the host's datastores, as libvirt's ESX driver
//! maps them.

use super::domain::{format_uuid, DomainRef};
use super::Connection;
use crate::error::{check_flags, Error, Result};
use crate::flags;
use crate::flags::esxDomainXMLFlags::*;
use crate::vi::datastore::{self, DatastorePath};
use crate::vi::property::{self, PropertySpec};
use crate::vi::vim25::*;
use crate::vi::wire::View;
use crate::vi::{methods, task, MoRef, VirtualMachinePowerState};
use crate::vi::{Fault, FaultOf};
use crate::vmx::{self, DomainDef, FormatContext, ParseContext, VmxFile};
use crate::Domains;

/// libvirt's name of the VMX native format.
pub const NATIVE_FORMAT: &str = "vmware-vmx";

/// A datastore of the host: its name and where ESX mounts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub name: String,
    /// "/vmfs/volumes/<uuid>" (from summary.url "ds:///vmfs/volumes/<uuid>/").
    pub path: String,
}

/// How a file named relative to a .vmx of unknown location appears in the
/// domain XML (libvirt's form).
pub const UNKNOWN_VMX_DIRECTORY: &str = "[?] ?";

/// VMX file name -> datastore path, libvirt's rules: a bare name is in the
/// .vmx's directory; a path under a datastore's mount (by UUID or by name)
/// becomes "[name] rest"; any other absolute path stays.
pub fn vmx_to_datastore_path(
    name: &str,
    vmx_dir: Option<&DatastorePath>,
    mounts: &[Mount],
    allow_missing: bool,
) -> Result<Option<String>> {
    if !name.contains('/') && !name.contains('\\') {
        // A .vmx as ESX stores it names its disks relative to itself. Given
        // only the text (domxml-from-native), where it lives is unknown:
        // libvirt writes "[?] ?/NAME" for such a file, and so do we.
        let Some(dir) = vmx_dir else {
            return Ok(Some(format!("{UNKNOWN_VMX_DIRECTORY}/{name}")));
        };
        return Ok(Some(if dir.directory.is_empty() {
            format!("[{}] {name}", dir.datastore)
        } else {
            format!("[{}] {}/{name}", dir.datastore, dir.directory)
        }));
    }
    for m in mounts {
        if let Some(rest) = name.strip_prefix(&m.path) {
            if rest.is_empty() || rest.starts_with('/') {
                return Ok(Some(format!(
                    "[{}] {}",
                    m.name,
                    rest.trim_start_matches('/')
                )));
            }
        }
    }
    if let Some(rest) = name.strip_prefix("/vmfs/volumes/") {
        let (ds, path) = rest.split_once('/').unwrap_or((rest, ""));
        if mounts.iter().any(|m| m.name == ds) {
            return Ok(Some(format!("[{ds}] {path}")));
        }
        if allow_missing {
            return Ok(None);
        }
        return Err(Error::internal(format!(
            "File name '{name}' refers to non-existing datastore '{ds}'"
        )));
    }
    if name.starts_with('/') {
        return Ok(Some(name.to_string()));
    }
    Err(Error::internal(format!(
        "Could not handle file name '{name}'"
    )))
}

/// Datastore path -> VMX file name ("/vmfs/volumes/<uuid>/dir/file"); an
/// absolute path stays.
pub fn datastore_to_vmx_path(name: &str, mounts: &[Mount]) -> Result<String> {
    if name.starts_with('[') {
        let p = DatastorePath::parse(name)?;
        let m = mounts
            .iter()
            .find(|m| m.name == p.datastore)
            .ok_or_else(|| {
                Error::invalid_arg(format!(
                    "Datastore '{}' of '{name}' does not exist on this host",
                    p.datastore
                ))
            })?;
        return Ok(format!(
            "{}/{}",
            m.path.trim_end_matches('/'),
            p.directory_and_file
        ));
    }
    if name.starts_with('/') {
        return Ok(name.to_string());
    }
    Err(Error::internal(format!(
        "Could not handle file name '{name}'"
    )))
}

/// The virtual hardware version a VM defined on a host of this API version
/// gets (the newest the host supports).
pub fn hw_version_for(api_version: &str) -> u32 {
    let v: Vec<u32> = api_version
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect();
    let at_least = |maj: u32, min: u32, patch: u32| {
        let have = (
            v.first().copied().unwrap_or(0),
            v.get(1).copied().unwrap_or(0),
            v.get(2).copied().unwrap_or(0),
        );
        have >= (maj, min, patch)
    };
    if at_least(8, 0, 0) {
        20
    } else if at_least(7, 0, 2) {
        19
    } else if at_least(7, 0, 1) {
        18
    } else if at_least(7, 0, 0) {
        17
    } else if at_least(6, 7, 0) {
        14
    } else if at_least(6, 5, 0) {
        13
    } else if at_least(6, 0, 0) {
        11
    } else if at_least(5, 5, 0) {
        10
    } else if at_least(5, 1, 0) {
        9
    } else if at_least(5, 0, 0) {
        8
    } else if at_least(4, 0, 0) {
        7
    } else {
        4
    }
}

impl Connection {
    /// The host's datastores and their mount paths (one request).
    pub fn datastore_mounts(&self) -> Result<Vec<Mount>> {
        let props = PropertySpec::new(DatastoreMount::TYPE, DatastoreMount::PATHS);
        let mut out = Vec::new();
        for o in self.host_datastores(vec![props], false)? {
            // summary is required, but a datastore that cannot be read (an
            // inaccessible one) comes without it: skipped.
            let Ok(DatastoreMount { name, url, .. }) = DatastoreMount::from_object(&o) else {
                continue;
            };
            let url = url.as_str();
            let path = url
                .strip_prefix("ds://")
                .unwrap_or(url)
                .trim_end_matches('/')
                .to_string();
            out.push(Mount { name, path });
        }
        Ok(out)
    }

    fn hw_version(&self) -> u32 {
        hw_version_for(&self.client().service().about.api_version)
    }

    /// virConnectDomainXMLFromNative for "vmware-vmx". File names relative
    /// to the .vmx become "[?] ?/NAME", as libvirt writes them.
    /// `config` is the file's bytes: a .vmx declares its encoding itself.
    pub fn connect_domain_xml_from_native(
        &self,
        format: &str,
        config: impl AsRef<[u8]>,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::CONNECT_DOMAIN_XML_NATIVE)?;
        if format != NATIVE_FORMAT {
            return Err(Error::invalid_arg(format!(
                "Unsupported config format '{format}' (the VMX format is '{NATIVE_FORMAT}')"
            )));
        }
        let mounts = self.datastore_mounts()?;
        let map = |name: &str, missing: bool| vmx_to_datastore_path(name, None, &mounts, missing);
        let ctx = ParseContext {
            parse_file_name: &map,
            datacenter_path: None,
        };
        let def = vmx::parse(&VmxFile::parse(config.as_ref())?, &ctx)?;
        // As libvirt: an inactive definition, without secrets (the VNC
        // password) that only a secure dump shows.
        Ok(def.to_xml_with(false))
    }

    /// virConnectDomainXMLToNative for "vmware-vmx", for the newest virtual
    /// hardware this host supports.
    pub fn connect_domain_xml_to_native(
        &self,
        format: &str,
        xml: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::CONNECT_DOMAIN_XML_NATIVE)?;
        if format != NATIVE_FORMAT {
            return Err(Error::invalid_arg(format!(
                "Unsupported config format '{format}' (the VMX format is '{NATIVE_FORMAT}')"
            )));
        }
        let def = vmx::parse_domain_xml(xml)?;
        self.format_vmx(&def)
    }

    fn format_vmx(&self, def: &DomainDef) -> Result<String> {
        let mounts = self.datastore_mounts()?;
        let map = |name: &str| datastore_to_vmx_path(name, &mounts);
        let ctx = FormatContext {
            format_file_name: &map,
            autodetect_scsi_model: None,
            virtual_hw_version: self.hw_version(),
        };
        vmx::format(def, &ctx)
    }

    /// Deletes a datastore file the driver wrote, with FileManager's
    /// DeleteDatastoreFile_Task through the task runner (HTTP DELETE where
    /// the host has no FileManager), then confirms that it is gone: some
    /// servers answer a DELETE with success and keep the file.
    pub(crate) fn delete_file_confirmed(&self, path: &DatastorePath) -> Result<()> {
        let scope = self.scope()?;
        let full = format!("[{}] {}", path.datastore, path.directory_and_file);
        let deleted = match self.client().service().file_manager.clone() {
            Some(fm) => (|| {
                let datacenter = self.is_vcenter().then_some(&scope.datacenter);
                let t = methods::delete_datastore_file_task(self.client(), &fm, &full, datacenter)?;
                task::wait_for_task(
                    self.client(),
                    &t,
                    None,
                    &task::AutoAnswer(false),
                    &format!("file '{full}'"),
                    &format!("delete '{full}'"),
                )
                .map(|_| ())
            })(),
            None => datastore::remove(self.client(), &scope.datacenter_path, path),
        };
        if let Err(e) = deleted {
            if !e.is_fault(&Fault::FileNotFound) {
                // Try the other way before giving up (a host may lack the
                // method or refuse it for this file).
                log::info!("deleting '{full}' with DeleteDatastoreFile_Task failed ({e}); trying HTTP DELETE");
                datastore::remove(self.client(), &scope.datacenter_path, path)
                    .map_err(|e2| e.context(format!("Could not delete '{full}' ({e2})")))?;
            }
        }
        if datastore::exists(self.client(), &scope.datacenter_path, path)? {
            return Err(Error::operation_failed(format!(
                "The host reported '{full}' deleted, but it is still there"
            )));
        }
        Ok(())
    }
}

impl Domains<'_> {
    /// virDomainGetXMLDesc: the VM's .vmx, converted, with its ID when it
    /// runs. Three requests: the VM, the datastores, the file.
    pub fn domain_get_xml_desc(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::DOMAIN_GET_XML_DESC)?;
        let vm: VmFiles = self.vm_view(dom)?;
        let path = DatastorePath::parse(&vm.vm_path_name)?;
        let mounts = self.datastore_mounts()?;
        let scope = self.scope()?;
        let bytes =
            datastore::download(self.client(), &scope.datacenter_path, &path).map_err(|e| {
                e.context(format!(
                    "Could not read the configuration of domain '{}'",
                    dom.name
                ))
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            // govmomi's simulator keeps empty .vmx files; a host with a
            // truncated file is no better.
            return Err(Error::operation_failed(format!(
                "The configuration file '[{}] {}' of domain '{}' is empty",
                path.datastore, path.directory_and_file, dom.name
            )));
        }
        let file = VmxFile::parse(&bytes)?;
        let map =
            |name: &str, missing: bool| vmx_to_datastore_path(name, Some(&path), &mounts, missing);
        let ctx = ParseContext {
            parse_file_name: &map,
            datacenter_path: Some(&scope.datacenter_path),
        };
        let mut def = vmx::parse(&file, &ctx)?;
        if flags & ESX_DOMAIN_XML_INACTIVE as u32 == 0
            && vm.power_state.known()? != VirtualMachinePowerState::PoweredOff
        {
            def.id = Some(dom.id);
        }
        def.moref = Some(vm.obj.value.clone());
        Ok(def.to_xml_with(flags & ESX_DOMAIN_XML_SECURE as u32 != 0))
    }

    /// virDomainDefineXMLFlags: converts the XML, writes the .vmx into the
    /// directory of the first file-based disk (as libvirt does) and
    /// registers it. An existing VM (name or UUID) or file is never
    /// touched; if registering fails the uploaded file is removed again.
    /// domainDefineXML: domainDefineXMLFlags without flags.
    pub fn domain_define_xml(&self, xml: &str) -> Result<DomainRef> {
        self.domain_define_xml_flags(xml, 0)
    }

    pub fn domain_define_xml_flags(&self, xml: &str, flags: u32) -> Result<DomainRef> {
        check_flags(flags, flags::DOMAIN_DEFINE_XML_FLAGS)?;
        let def = vmx::parse_domain_xml(xml)?;
        self.check_writable(&format!("define domain '{}'", def.name))?;
        let disk = def
            .disks
            .iter()
            .find(|d| !d.block && d.source.as_deref().is_some_and(|s| s.starts_with('[')))
            .and_then(|d| d.source.clone())
            .ok_or_else(|| {
                Error::invalid_arg(
                    "Domain XML doesn't contain any file-based harddisks, cannot deduce datastore and path for VMX \
                     file",
                )
            })?;
        let disk_path = DatastorePath::parse(&disk)?;
        let file_name = format!("{}.vmx", datastore::escape_datastore_item(&def.name));
        let vmx_path = DatastorePath::parse(&if disk_path.directory.is_empty() {
            format!("[{}] {file_name}", disk_path.datastore)
        } else {
            format!(
                "[{}] {}/{file_name}",
                disk_path.datastore, disk_path.directory
            )
        })?;
        match self.domains().domain_lookup_by_name(&def.name) {
            Ok(_) => {
                return Err(Error::operation_invalid(format!(
                    "Domain '{}' already exists, editing existing domains is not supported",
                    def.name
                )))
            }
            Err(e) if e.code() == crate::error::Code::NoDomain => {}
            Err(e) => return Err(e),
        }
        if def.uuid != [0; 16] {
            match self.domains().domain_lookup_by_uuid(&def.uuid) {
                Ok(other) => {
                    return Err(Error::operation_invalid(format!(
                        "A domain with UUID {} already exists ('{}')",
                        format_uuid(&def.uuid),
                        other.name
                    )))
                }
                Err(e) if e.code() == crate::error::Code::NoDomain => {}
                Err(e) => return Err(e),
            }
        }
        let vmx = self.format_vmx(&def)?;
        let scope = self.scope()?;
        let full = format!("[{}] {}", vmx_path.datastore, vmx_path.directory_and_file);
        if datastore::exists(self.client(), &scope.datacenter_path, &vmx_path)? {
            return Err(Error::operation_invalid(format!(
                "File '{full}' already exists"
            )));
        }
        datastore::upload(
            self.client(),
            &scope.datacenter_path,
            &vmx_path,
            vmx.as_bytes(),
        )?;
        let registered = (|| {
            let t = methods::register_vm_task(
                self.client(),
                &scope.vm_folder,
                &full,
                Some(&def.name),
                scope.resource_pool.as_ref().ok_or_else(|| {
                    Error::operation_failed(format!(
                        "The host did not report the resource pool of {} (resourcePool), which \
                         registering a domain needs",
                        scope.compute_resource
                    ))
                })?,
                Some(&scope.host),
            )?;
            let what = format!("register domain '{}'", def.name);
            let out = task::wait_for_task(
                self.client(),
                &t,
                None,
                &task::AutoAnswer(self.uri().auto_answer),
                &format!("domain '{}'", def.name),
                &what,
            )?;
            out.result
                .as_ref()
                .and_then(|v| v.as_moref())
                .cloned()
                .ok_or_else(|| Error::rpc("RegisterVM_Task finished without naming the new VM"))
        })();
        let vm: MoRef = match registered {
            Ok(vm) => vm,
            Err(e) => {
                // Leave nothing half-created on the host.
                let e = e.context(format!("Could not define domain '{}'", def.name));
                return Err(match self.delete_file_confirmed(&vmx_path) {
                    Ok(()) => e,
                    Err(cleanup) => {
                        log::warn!("{cleanup}");
                        e.context(format!(
                            "{cleanup}; the uploaded '{full}' may be left behind (remove it by hand)"
                        ))
                    }
                });
            }
        };
        let o = property::retrieve_one(self.client(), &vm, VmIdentity::PATHS)?
            .ok_or_else(|| Error::rpc(format!("The new domain '{}' vanished", def.name)))?;
        self.domain_from(&o)
    }

    /// virDomainUndefineFlags: unregisters a powered-off or suspended VM;
    /// its files stay.
    /// domainUndefine: domainUndefineFlags without flags.
    pub fn domain_undefine(&self, dom: &DomainRef) -> Result<()> {
        self.domain_undefine_flags(dom, 0)
    }

    pub fn domain_undefine_flags(&self, dom: &DomainRef, flags: u32) -> Result<()> {
        check_flags(flags, flags::DOMAIN_UNDEFINE_FLAGS)?;
        self.check_writable(&format!("undefine domain '{}'", dom.name))?;
        let vm: VmPower = self.vm_view(dom)?;
        if vm.power_state.known()? == VirtualMachinePowerState::PoweredOn {
            return Err(Error::operation_invalid(format!(
                "Domain '{}' is not suspended or powered off",
                dom.name
            )));
        }
        methods::unregister_vm(self.client(), &vm.obj)
            .map_err(|e| e.context(format!("Could not undefine domain '{}'", dom.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mounts() -> Vec<Mount> {
        vec![Mount {
            name: "datastore1".into(),
            path: "/vmfs/volumes/5f1e0c6a-1".into(),
        }]
    }

    #[test]
    fn file_names_both_ways() {
        let dir = DatastorePath::parse("[datastore1] vm/vm.vmx").unwrap();
        let m = mounts();
        let p = |n: &str, missing| vmx_to_datastore_path(n, Some(&dir), &m, missing);
        assert_eq!(
            p("disk.vmdk", false).unwrap().unwrap(),
            "[datastore1] vm/disk.vmdk"
        );
        assert_eq!(
            p("/vmfs/volumes/5f1e0c6a-1/iso/a.iso", false)
                .unwrap()
                .unwrap(),
            "[datastore1] iso/a.iso"
        );
        assert_eq!(
            p("/vmfs/volumes/datastore1/x/y.vmdk", false)
                .unwrap()
                .unwrap(),
            "[datastore1] x/y.vmdk"
        );
        assert_eq!(p("/vmfs/volumes/gone/a.iso", true).unwrap(), None);
        assert!(p("/vmfs/volumes/gone/a.iso", false).is_err());
        assert_eq!(p("/dev/cdrom", false).unwrap().unwrap(), "/dev/cdrom");
        assert!(p("rel/ative.vmdk", false).is_err());
        assert_eq!(
            vmx_to_datastore_path("a.vmdk", None, &m, false)
                .unwrap()
                .unwrap(),
            "[?] ?/a.vmdk"
        );
        assert_eq!(
            datastore_to_vmx_path("[datastore1] vm/disk.vmdk", &m).unwrap(),
            "/vmfs/volumes/5f1e0c6a-1/vm/disk.vmdk"
        );
        assert!(datastore_to_vmx_path("[nope] a.vmdk", &m).is_err());
        assert!(datastore_to_vmx_path("a.vmdk", &m).is_err());
    }

    #[test]
    fn hardware_versions() {
        assert_eq!(hw_version_for("7.0.3.0"), 19);
        assert_eq!(hw_version_for("7.0"), 17);
        assert_eq!(hw_version_for("6.7.3"), 14);
        assert_eq!(hw_version_for("5.5"), 10);
        assert_eq!(hw_version_for("4.1"), 7);
        assert_eq!(hw_version_for("2.5"), 4);
        assert_eq!(hw_version_for("garbage"), 4);
    }
}
