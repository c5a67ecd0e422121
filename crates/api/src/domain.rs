// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domains (VMs): identity, listing and lookup.

use super::scope::{escape_name, unescape_name};
use super::Connection;
use crate::error::{check_flags, Error, Result};
use crate::flags::esxConnectListAllDomainsFlags::{self, *};
use crate::vi::property::{self, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec};
use crate::vi::vim25::{VmHost, VmIdentity, VmName, VmPower, VmSnapshotRoots};
use crate::vi::wire::View;
use crate::vi::{methods, MoRef, ObjectContent, VirtualMachinePowerState};
use crate::Domains;

/// What identifies a domain: what a libvirt domain handle holds, plus the
/// VM's MoRef so that later calls need no lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainRef {
    pub name: String,
    pub uuid: [u8; 16],
    /// The numeric part of the MoRef while the VM runs or is suspended; -1
    /// when it is powered off (libvirt's ESX rule).
    pub id: i32,
    pub moref: MoRef,
}

pub use crate::uuid::{format as format_uuid, parse as parse_uuid};

/// The domain ID of a VM MoRef: `42` on ESX, `vm-42` on vCenter.
pub fn vm_id(moref: &str) -> Option<i32> {
    let digits = moref.strip_prefix("vm-").unwrap_or(moref);
    digits.parse::<i32>().ok().filter(|i| *i > 0)
}

/// connectListAllDomains' flags (esxConnectListAllDomainsFlags).
#[derive(Debug, Clone, Copy)]
struct ListFlags(u32);

impl ListFlags {
    fn has(self, f: esxConnectListAllDomainsFlags) -> bool {
        self.0 & f as u32 != 0
    }

    fn any(self, fs: &[esxConnectListAllDomainsFlags]) -> bool {
        fs.iter().any(|f| self.has(*f))
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// libvirt's domain states (virDomainState).
pub const STATE_RUNNING: i32 = 1;
pub const STATE_PAUSED: i32 = 3;
pub const STATE_SHUTOFF: i32 = 5;

pub fn libvirt_state(p: &VirtualMachinePowerState) -> i32 {
    match p {
        VirtualMachinePowerState::PoweredOn => STATE_RUNNING,
        VirtualMachinePowerState::Suspended => STATE_PAUSED,
        VirtualMachinePowerState::PoweredOff => STATE_SHUTOFF,
        // Never passed (a state is known() first): libvirt's NOSTATE.
        VirtualMachinePowerState::Other(_) => 0,
    }
}

/// Whether the VM read from a domain's MoRef is still that domain: the same
/// UUID, or the same name under the same MoRef (answering "I copied it" to
/// the msg.uuid.altered question gives a VM a new UUID).
pub fn is_same_vm(dom: &DomainRef, vm: &ObjectContent) -> bool {
    if dom.uuid == [0; 16] {
        return true;
    }
    let Ok(n) = VmName::from_object(vm) else {
        return false;
    };
    n.uuid.as_deref().and_then(parse_uuid) == Some(dom.uuid)
        || (vm.obj == dom.moref && unescape_name(&n.name) == dom.name)
}

/// The properties a domain's identity needs (VmIdentity), and on a vCenter
/// whose scope is one host also the VM's host (VmHost): a VM elsewhere is
/// not this connection's.
pub fn identity_paths(vcenter: bool) -> Vec<&'static str> {
    let mut p = VmIdentity::PATHS.to_vec();
    if vcenter {
        p.extend(VmHost::PATHS);
    }
    p
}

pub fn power_state(o: &ObjectContent) -> Result<VirtualMachinePowerState> {
    VmPower::from_object(o)?.power_state.known()
}

impl Connection {
    /// Where VM listings start: every VM below the root folder on an ESX
    /// host, the VMs of the named host on a vCenter.
    pub(crate) fn vm_list_spec(&self, paths: &[&str]) -> Result<PropertyFilterSpec> {
        let props = vec![PropertySpec::new("VirtualMachine", paths)];
        if self.is_vcenter() {
            let host = self.scope()?.host.clone();
            return Ok(PropertyFilterSpec::new(
                props,
                vec![ObjectSpec::traversing(
                    &host,
                    true,
                    vec![TraversalSpec::new("hostSystemToVm", "HostSystem", "vm").into_selection()],
                )],
            ));
        }
        Ok(PropertyFilterSpec::new(
            props,
            vec![ObjectSpec::traversing(
                &self.client().service().root_folder.clone(),
                true,
                vec![
                    TraversalSpec::new("visitFolders", "Folder", "childEntity")
                        .then(&["visitFolders", "dcToVmFolder"])
                        .into_selection(),
                    TraversalSpec::new("dcToVmFolder", "Datacenter", "vmFolder")
                        .then(&["visitFolders"])
                        .into_selection(),
                ],
            )],
        ))
    }

    /// Every VM with the given properties: one request per 1,000 VMs.
    pub fn list_vms(&self, paths: &[&str]) -> Result<Vec<ObjectContent>> {
        let spec = self.vm_list_spec(paths)?;
        let vms: Vec<ObjectContent> = property::retrieve(self.client(), &spec)?
            .into_iter()
            .filter(|o| o.obj.kind == "VirtualMachine")
            .collect();
        Ok(vms)
    }

    /// The identity properties to read: with the VM's host on a vCenter.
    pub(crate) fn identity_paths(&self) -> Vec<&'static str> {
        identity_paths(self.is_vcenter())
    }

    /// Whether a VM read with `identity_paths` belongs to this connection:
    /// on a vCenter, it runs on the host the URI names (what `list --all`
    /// shows); an ESX connection sees all of its host's VMs.
    pub(crate) fn in_scope(&self, o: &ObjectContent) -> Result<bool> {
        if !self.is_vcenter() {
            return Ok(true);
        }
        let host = &self.scope()?.host;
        // A VM whose host the server does not report runs nowhere we manage.
        Ok(VmHost::from_object(o)?.host.as_ref() == Some(host))
    }

    /// A DomainRef from an object with IDENTITY properties.
    pub(crate) fn domain_from(&self, o: &ObjectContent) -> Result<DomainRef> {
        let ident = VmIdentity::from_object(o)?;
        let name = unescape_name(&ident.name);
        let uuid = match ident.uuid.as_deref().and_then(parse_uuid) {
            Some(u) => u,
            None => {
                log::warn!(
                    "VM '{name}' ({}) has no readable UUID; its configuration may be broken",
                    o.obj
                );
                [0; 16]
            }
        };
        let state = ident.power_state.known()?;
        let id = match state {
            VirtualMachinePowerState::PoweredOff => -1,
            _ => vm_id(&o.obj.value).unwrap_or(-1),
        };
        self.note_vm_moref_style(&o.obj.value);
        self.cache_vm(uuid, &o.obj);
        Ok(DomainRef {
            name,
            uuid,
            id,
            moref: o.obj.clone(),
        })
    }

    /// virConnectListAllDomains with libvirt's filter flags.
    pub fn connect_list_all_domains(&self, flags: u32) -> Result<Vec<DomainRef>> {
        check_flags(flags, crate::flags::CONNECT_LIST_ALL_DOMAINS)?;
        Ok(self
            .list_all_with(flags, &[])?
            .into_iter()
            .map(|(d, _)| d)
            .collect())
    }

    /// The domains `flags` selects (checked by the caller), each with the
    /// properties read for it: the identity, what the filter needs and
    /// `extra`, in one request per page of VMs.
    pub(crate) fn list_all_with(
        &self,
        flags: u32,
        extra: &[&str],
    ) -> Result<Vec<(DomainRef, ObjectContent)>> {
        let flags = ListFlags(flags);
        // ESX VMs are all persistent, none has managed save or libvirt checkpoints.
        if (flags.has(ESX_CONNECT_LIST_DOMAINS_TRANSIENT)
            && !flags.has(ESX_CONNECT_LIST_DOMAINS_PERSISTENT))
            || (flags.has(ESX_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
                && !flags.has(ESX_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE))
            || (flags.has(ESX_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT)
                && !flags.has(ESX_CONNECT_LIST_DOMAINS_NO_CHECKPOINT))
        {
            return Ok(Vec::new());
        }
        let autostart = if flags.any(&[
            ESX_CONNECT_LIST_DOMAINS_AUTOSTART,
            ESX_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
        ]) {
            Some(self.autostart_config()?)
        } else {
            None
        };
        let mut paths: Vec<&str> = VmIdentity::PATHS.to_vec();
        paths.extend(extra.iter().filter(|p| !VmIdentity::PATHS.contains(p)));
        let snapshots = flags.any(&[
            ESX_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
            ESX_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
        ]);
        if snapshots {
            paths.extend(VmSnapshotRoots::PATHS);
        }
        let mut out = Vec::new();
        for o in self.list_vms(&paths)? {
            let dom = self.domain_from(&o)?;
            let state = power_state(&o)?;
            if flags.any(&[
                ESX_CONNECT_LIST_DOMAINS_ACTIVE,
                ESX_CONNECT_LIST_DOMAINS_INACTIVE,
            ]) {
                let active = state != VirtualMachinePowerState::PoweredOff;
                if !((flags.has(ESX_CONNECT_LIST_DOMAINS_ACTIVE) && active)
                    || (flags.has(ESX_CONNECT_LIST_DOMAINS_INACTIVE) && !active))
                {
                    continue;
                }
            }
            if snapshots {
                let has = !VmSnapshotRoots::from_object(&o)?.roots.is_empty();
                if !((flags.has(ESX_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT) && has)
                    || (flags.has(ESX_CONNECT_LIST_DOMAINS_NO_SNAPSHOT) && !has))
                {
                    continue;
                }
            }
            if let Some(cfg) = &autostart {
                let on = cfg.starts(&o.obj);
                if !((flags.has(ESX_CONNECT_LIST_DOMAINS_AUTOSTART) && on)
                    || (flags.has(ESX_CONNECT_LIST_DOMAINS_NO_AUTOSTART) && !on))
                {
                    continue;
                }
            }
            if flags.any(&[
                ESX_CONNECT_LIST_DOMAINS_RUNNING,
                ESX_CONNECT_LIST_DOMAINS_PAUSED,
                ESX_CONNECT_LIST_DOMAINS_SHUTOFF,
                ESX_CONNECT_LIST_DOMAINS_OTHER,
            ]) {
                let s = libvirt_state(&state);
                let ok = (flags.has(ESX_CONNECT_LIST_DOMAINS_RUNNING) && s == STATE_RUNNING)
                    || (flags.has(ESX_CONNECT_LIST_DOMAINS_PAUSED) && s == STATE_PAUSED)
                    || (flags.has(ESX_CONNECT_LIST_DOMAINS_SHUTOFF) && s == STATE_SHUTOFF)
                    || (flags.has(ESX_CONNECT_LIST_DOMAINS_OTHER)
                        && !matches!(s, STATE_RUNNING | STATE_PAUSED | STATE_SHUTOFF));
                if !ok {
                    continue;
                }
            }
            out.push((dom, o));
        }
        Ok(out)
    }

    /// Powered-on VMs (libvirt's ESX driver counts only those as running).
    fn powered_on(&self) -> Result<Vec<DomainRef>> {
        let mut out = Vec::new();
        for o in self.list_vms(VmIdentity::PATHS)? {
            if power_state(&o)? == VirtualMachinePowerState::PoweredOn {
                out.push(self.domain_from(&o)?);
            }
        }
        Ok(out)
    }

    pub fn connect_num_of_domains(&self) -> Result<i32> {
        Ok(count(self.powered_on()?.len()))
    }

    /// The IDs of at most `maxids` running domains (none asked: no request).
    pub fn connect_list_domains(&self, maxids: i32) -> Result<Vec<i32>> {
        let max = usize::try_from(maxids)
            .map_err(|_| Error::invalid_arg("maxids must not be negative"))?;
        if max == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .powered_on()?
            .into_iter()
            .map(|d| d.id)
            .take(max)
            .collect())
    }

    /// The names of at most `maxnames` VMs that are not powered on.
    pub fn connect_list_defined_domains(&self, maxnames: i32) -> Result<Vec<String>> {
        let max = usize::try_from(maxnames)
            .map_err(|_| Error::invalid_arg("maxnames must not be negative"))?;
        if max == 0 {
            return Ok(Vec::new());
        }
        let mut out = self.defined()?;
        out.truncate(max);
        Ok(out)
    }

    pub fn connect_num_of_defined_domains(&self) -> Result<i32> {
        Ok(count(self.defined()?.len()))
    }

    /// Names of VMs that are not powered on.
    fn defined(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for o in self.list_vms(VmIdentity::PATHS)? {
            if power_state(&o)? != VirtualMachinePowerState::PoweredOn {
                out.push(self.domain_from(&o)?.name);
            }
        }
        Ok(out)
    }

    /// A view of a domain's VM, read in one request (as vm_properties).
    pub(crate) fn vm_view<V: View>(&self, dom: &DomainRef) -> Result<V> {
        V::from_object(&self.vm_properties(dom, V::PATHS)?)
    }

    /// Properties of a domain's VM in one request. The MoRef in the handle is
    /// used directly; if the VM behind it is gone or is another VM, it is
    /// looked up again by UUID.
    pub fn vm_properties(&self, dom: &DomainRef, paths: &[&str]) -> Result<ObjectContent> {
        let mut all: Vec<&str> = paths.to_vec();
        let host: &[&str] = if self.is_vcenter() {
            VmHost::PATHS
        } else {
            &[]
        };
        for &p in VmName::PATHS.iter().chain(host) {
            if !all.contains(&p) {
                all.push(p);
            }
        }
        let found = match property::retrieve_one(self.client(), &dom.moref, &all)? {
            Some(o) if is_same_vm(dom, &o) => o,
            _ => {
                let fresh = self
                    .domains()
                    .domain_lookup_by_uuid(&dom.uuid)
                    .map_err(|e| e.context(format!("Domain '{}' no longer exists", dom.name)))?;
                property::retrieve_one(self.client(), &fresh.moref, &all)?.ok_or_else(|| {
                    Error::no_domain(format!("Domain '{}' no longer exists", dom.name))
                })?
            }
        };
        self.check_scope(dom, &found)?;
        Ok(found)
    }

    /// NO_DOMAIN when a VM read with `runtime.host` has left this
    /// connection's host (vMotion).
    pub(crate) fn check_scope(&self, dom: &DomainRef, o: &ObjectContent) -> Result<()> {
        if self.in_scope(o)? {
            return Ok(());
        }
        let host = &self.scope()?.host_name;
        Err(Error::no_domain(format!(
            "Domain '{}' is not on host '{host}', the host this connection manages",
            dom.name
        )))
    }
}

impl Domains<'_> {
    /// A running or suspended domain by ID: one request when the host names
    /// its VMs the way it was last seen to (`42` on ESX, `vm-42` on vCenter
    /// and some hosts), two when it is the other way.
    pub fn domain_lookup_by_id(&self, id: i32) -> Result<DomainRef> {
        let missing = || Error::no_domain(format!("No domain with ID {id}"));
        if id <= 0 {
            return Err(missing());
        }
        let forms = if self.vm_morefs_prefixed() {
            [format!("vm-{id}"), id.to_string()]
        } else {
            [id.to_string(), format!("vm-{id}")]
        };
        for value in forms {
            let moref = MoRef::new("VirtualMachine", value);
            let Some(o) = property::retrieve_one(self.client(), &moref, &self.identity_paths())?
            else {
                continue;
            };
            if !self.in_scope(&o)? {
                return Err(missing());
            }
            let dom = self.domain_from(&o)?;
            return if dom.id == id {
                Ok(dom)
            } else {
                Err(missing())
            };
        }
        Err(missing())
    }

    /// A domain by UUID: one request when the VM was seen before on this
    /// connection, else FindByUuid and one read.
    pub fn domain_lookup_by_uuid(&self, uuid: &[u8; 16]) -> Result<DomainRef> {
        if let Some(moref) = self.cached_vm(uuid) {
            if let Some(o) = property::retrieve_one(self.client(), &moref, &self.identity_paths())?
            {
                if VmName::from_object(&o)?
                    .uuid
                    .as_deref()
                    .and_then(parse_uuid)
                    .as_ref()
                    == Some(uuid)
                    && self.in_scope(&o)?
                {
                    return self.domain_from(&o);
                }
            }
            self.forget_vm(uuid);
        }
        let text = format_uuid(uuid);
        let missing = || Error::no_domain(format!("Could not find domain with UUID '{text}'"));
        let datacenter = if self.is_vcenter() {
            Some(self.scope()?.datacenter.clone())
        } else {
            None
        };
        let moref = methods::find_vm_by_uuid(self.client(), datacenter.as_ref(), &text)?
            .ok_or_else(missing)?;
        let o = property::retrieve_one(self.client(), &moref, &self.identity_paths())?
            .ok_or_else(missing)?;
        if !self.in_scope(&o)? {
            return Err(missing());
        }
        self.domain_from(&o)
    }

    /// A domain by name: FindByInventoryPath and one read; VMs in sub-folders
    /// are found by a listing.
    pub fn domain_lookup_by_name(&self, name: &str) -> Result<DomainRef> {
        let dc_path = self.scope()?.datacenter_path.clone();
        let path = format!("{dc_path}/vm/{}", escape_name(name));
        if let Some(moref) = methods::find_by_inventory_path(self.client(), &path)? {
            if moref.kind == "VirtualMachine" {
                if let Some(o) =
                    property::retrieve_one(self.client(), &moref, &self.identity_paths())?
                {
                    if self.in_scope(&o)? {
                        let dom = self.domain_from(&o)?;
                        if dom.name == name {
                            return Ok(dom);
                        }
                    }
                }
            }
        }
        for o in self.list_vms(VmIdentity::PATHS)? {
            if o.str_prop("name").map(unescape_name).as_deref() == Some(name) {
                return self.domain_from(&o);
            }
        }
        Err(Error::no_domain(format!("No domain with name '{name}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        let u = parse_uuid("564d5e0b-a5ee-9a4c-4f5f-6f2b3b1c0d11").unwrap();
        assert_eq!(format_uuid(&u), "564d5e0b-a5ee-9a4c-4f5f-6f2b3b1c0d11");
        assert_eq!(parse_uuid("564d5e0ba5ee9a4c4f5f6f2b3b1c0d11"), Some(u));
        assert_eq!(
            parse_uuid("56 4d 5e 0b a5 ee 9a 4c-4f 5f 6f 2b 3b 1c 0d 11"),
            Some(u)
        );
        assert_eq!(parse_uuid("xyz"), None);
        assert_eq!(parse_uuid("564d5e0b-a5ee-9a4c-4f5f-6f2b3b1c0d1"), None);
    }

    #[test]
    fn ids_from_morefs() {
        assert_eq!(vm_id("42"), Some(42));
        assert_eq!(vm_id("vm-17"), Some(17));
        assert_eq!(vm_id("0"), None);
        assert_eq!(vm_id("abc"), None);
    }
}
