// SPDX-License-Identifier: LGPL-2.1-or-later
//! Snapshots, as libvirt's ESX driver offers them. The whole tree of a VM
//! (its `snapshot` property) is read in one request and walked in memory;
//! create, revert and delete are tasks through the task runner.
//!
//! libvirt keeps no metadata of its own for ESX snapshots, so "metadata" in
//! libvirt's flags is always absent: LIST_METADATA lists nothing,
//! HasMetadata is 0 and DELETE_METADATA_ONLY has nothing to delete.

use super::domain::DomainRef;
use super::Connection;
use crate::error::{check_flags, Error, Result};
use crate::flags;
use crate::flags::esxDomainSnapshotCreateFlags::*;
use crate::flags::esxDomainSnapshotDeleteFlags::*;
use crate::flags::esxDomainSnapshotListFlags::*;
use crate::vi::soap::escape;
use crate::vi::vim25::*;
use crate::vi::{methods, MoRef, VirtualMachinePowerState};
use crate::Snapshots;

/// One snapshot of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotNode {
    pub moref: MoRef,
    pub name: String,
    pub description: String,
    /// Seconds since the epoch (createTime).
    pub created: i64,
    /// The VM's power state when the snapshot was taken.
    pub state: VirtualMachinePowerState,
    pub quiesced: bool,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

/// A VM's snapshot tree, nodes in depth-first pre-order (parents before
/// children, siblings in the host's order): libvirt's topological order.
#[derive(Debug, Clone, Default)]
pub struct SnapshotTree {
    pub nodes: Vec<SnapshotNode>,
    pub current: Option<usize>,
}

/// xsd:dateTime ("2026-11-25T04:37:50.986Z", or with an offset) to seconds
/// since the epoch.
pub fn parse_datetime(s: &str) -> Option<i64> {
    let (date, time) = s.trim().split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let mut c = clock.splitn(3, ':');
    let h: i64 = c.next()?.parse().ok()?;
    let min: i64 = c.next()?.parse().ok()?;
    let sec: i64 = c.next()?.split('.').next()?.parse().ok()?;
    let offset_secs = match offset {
        "Z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + min * 60 + sec - offset_secs)
}

/// libvirt's state names for a snapshot's power state.
fn state_name(p: &VirtualMachinePowerState) -> &'static str {
    match p {
        VirtualMachinePowerState::PoweredOn => "running",
        // Never passed (a state is known() first).
        VirtualMachinePowerState::PoweredOff | VirtualMachinePowerState::Other(_) => "shutoff",
        VirtualMachinePowerState::Suspended => "paused",
    }
}

impl SnapshotTree {
    /// From a VM's `snapshot` property; no property means no snapshots.
    pub fn from_info(info: Option<&VirtualMachineSnapshotInfo>) -> Result<SnapshotTree> {
        let mut tree = SnapshotTree::default();
        let Some(info) = info else { return Ok(tree) };
        for root in &info.root_snapshot_list {
            tree.add(root, None)?;
        }
        tree.current = info
            .current_snapshot
            .as_ref()
            .and_then(|c| tree.nodes.iter().position(|n| &n.moref == c));
        Ok(tree)
    }

    fn add(&mut self, v: &VirtualMachineSnapshotTree, parent: Option<usize>) -> Result<()> {
        let index = self.nodes.len();
        self.nodes.push(SnapshotNode {
            moref: v.snapshot.clone(),
            name: v.name.clone(),
            description: v.description.clone(),
            created: parse_datetime(&v.create_time).unwrap_or(0),
            state: v.state.known()?,
            quiesced: v.quiesced,
            parent,
            children: Vec::new(),
        });
        if let Some(p) = parent {
            self.nodes[p].children.push(index);
        }
        for child in &v.child_snapshot_list {
            self.add(child, Some(index))?;
        }
        Ok(())
    }

    /// The first snapshot of that name in depth-first order, as libvirt's
    /// ESX driver finds it (ESX allows duplicate names; this driver never
    /// creates them).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    pub fn get(&self, dom: &DomainRef, name: &str) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            Error::no_domain_snapshot(format!(
                "Could not find snapshot with name '{name}' in domain '{}'",
                dom.name
            ))
        })
    }

    /// Like `get`, for operations that change the host: an ambiguous name
    /// is refused rather than acting on whichever comes first.
    pub fn get_unique(&self, dom: &DomainRef, name: &str) -> Result<usize> {
        let i = self.get(dom, name)?;
        let n = self.nodes.iter().filter(|n| n.name == name).count();
        if n > 1 {
            return Err(Error::operation_invalid(format!(
                "Snapshot name '{name}' is not unique in domain '{}' ({n} snapshots have it); rename them on the \
                 host first",
                dom.name
            )));
        }
        Ok(i)
    }

    fn descendants(&self, i: usize, out: &mut Vec<usize>) {
        for &c in &self.nodes[i].children {
            out.push(c);
            self.descendants(c, out);
        }
    }

    /// libvirt's filter groups: within a group any set bit matches; a group
    /// with no bit set matches everything.
    fn matches(&self, i: usize, flags: u32) -> bool {
        let n = &self.nodes[i];
        let group = |mask: u32, hit: u32| flags & mask == 0 || flags & hit != 0;
        let leaf = n.children.is_empty();
        let active = n.state != VirtualMachinePowerState::PoweredOff;
        group(
            ESX_DOMAIN_SNAPSHOT_LIST_LEAVES as u32 | ESX_DOMAIN_SNAPSHOT_LIST_NO_LEAVES as u32,
            if leaf {
                ESX_DOMAIN_SNAPSHOT_LIST_LEAVES as u32
            } else {
                ESX_DOMAIN_SNAPSHOT_LIST_NO_LEAVES as u32
            },
        ) && group(
            ESX_DOMAIN_SNAPSHOT_LIST_METADATA as u32 | ESX_DOMAIN_SNAPSHOT_LIST_NO_METADATA as u32,
            ESX_DOMAIN_SNAPSHOT_LIST_NO_METADATA as u32,
        ) && group(
            ESX_DOMAIN_SNAPSHOT_LIST_INACTIVE as u32
                | ESX_DOMAIN_SNAPSHOT_LIST_ACTIVE as u32
                | ESX_DOMAIN_SNAPSHOT_LIST_DISK_ONLY as u32,
            if active {
                ESX_DOMAIN_SNAPSHOT_LIST_ACTIVE as u32
            } else {
                ESX_DOMAIN_SNAPSHOT_LIST_INACTIVE as u32
            },
        ) && group(
            ESX_DOMAIN_SNAPSHOT_LIST_INTERNAL as u32 | ESX_DOMAIN_SNAPSHOT_LIST_EXTERNAL as u32,
            ESX_DOMAIN_SNAPSHOT_LIST_INTERNAL as u32,
        )
    }

    /// The domain's snapshots (ROOTS: only the roots), filtered.
    pub fn list(&self, flags: u32) -> Result<Vec<usize>> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_LIST)?;
        Ok((0..self.nodes.len())
            .filter(|&i| {
                flags & ESX_DOMAIN_SNAPSHOT_LIST_ROOTS as u32 == 0 || self.nodes[i].parent.is_none()
            })
            .filter(|&i| self.matches(i, flags))
            .collect())
    }

    /// A snapshot's children (DESCENDANTS: all below it), filtered.
    pub fn children(&self, of: usize, flags: u32) -> Result<Vec<usize>> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_LIST)?;
        let mut all = Vec::new();
        if flags & flags::ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS != 0 {
            self.descendants(of, &mut all);
        } else {
            all.extend(&self.nodes[of].children);
        }
        Ok(all
            .into_iter()
            .filter(|&i| self.matches(i, flags))
            .collect())
    }

    pub fn names(&self, list: &[usize]) -> Vec<String> {
        list.iter().map(|&i| self.nodes[i].name.clone()).collect()
    }

    /// virDomainSnapshotGetXMLDesc's document, as libvirt formats it.
    pub fn xml(&self, i: usize, domain_uuid: &str) -> String {
        let n = &self.nodes[i];
        let mut x = String::from("<domainsnapshot>\n");
        x.push_str(&format!("  <name>{}</name>\n", escape(&n.name)));
        // Always, as libvirt does: ESX always sends a description, maybe empty.
        x.push_str(&format!(
            "  <description>{}</description>\n",
            escape(&n.description)
        ));
        x.push_str(&format!("  <state>{}</state>\n", state_name(&n.state)));
        if let Some(p) = n.parent {
            x.push_str(&format!(
                "  <parent>\n    <name>{}</name>\n  </parent>\n",
                escape(&self.nodes[p].name)
            ));
        }
        x.push_str(&format!("  <creationTime>{}</creationTime>\n", n.created));
        x.push_str(&format!(
            "  <domain>\n    <uuid>{domain_uuid}</uuid>\n  </domain>\n"
        ));
        x.push_str("</domainsnapshot>\n");
        x
    }
}

/// Name and description from a <domainsnapshot> document.
pub fn parse_snapshot_xml(xml: &str) -> Result<(Option<String>, Option<String>)> {
    let doc = crate::xmldoc::parse(xml)
        .map_err(|e| Error::xml(format!("Could not parse the snapshot XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "domainsnapshot" {
        return Err(Error::xml(format!(
            "The snapshot XML has root element <{}>, expected <domainsnapshot>",
            root.tag_name().name()
        )));
    }
    let text = |tag: &str| {
        root.children()
            .find(|c| c.is_element() && c.tag_name().name() == tag)
            .map(|c| c.text().unwrap_or("").to_string())
    };
    if let Some(disks) = root
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "disks")
    {
        if disks.children().any(|c| c.is_element()) {
            return Err(Error::config_unsupported(
                "Disk snapshots (<disks> in the snapshot XML) are not supported by ESX",
            ));
        }
    }
    Ok((text("name"), text("description")))
}

impl Connection {
    /// The snapshot tree of a domain: one request.
    pub fn snapshot_tree(&self, dom: &DomainRef) -> Result<SnapshotTree> {
        let vm: VmSnapshots = self.vm_view(dom)?;
        SnapshotTree::from_info(vm.snapshot.as_ref())
    }

    /// Runs a task on one snapshot (found by name in the precheck's tree).
    fn snapshot_task(
        &self,
        dom: &DomainRef,
        name: &str,
        what: &str,
        start: impl FnOnce(&crate::vi::Client, &MoRef) -> Result<MoRef>,
    ) -> Result<()> {
        let found = std::cell::RefCell::new(None);
        self.vm_task(
            dom,
            what,
            |vm: &VmSnapshots| {
                let tree = SnapshotTree::from_info(vm.snapshot.as_ref())?;
                let i = tree.get_unique(dom, name)?;
                *found.borrow_mut() = Some(tree.nodes[i].moref.clone());
                Ok(())
            },
            |c, _vm| {
                let snap = found.borrow_mut().take().ok_or_else(|| {
                    Error::internal("the snapshot was not found before its task started")
                })?;
                start(c, &snap)
            },
        )
        .map(|_| ())
    }
}

/// libvirt's rule for a list's room: not negative.
fn max_names(n: i32) -> Result<usize> {
    usize::try_from(n).map_err(|_| Error::invalid_arg("nameslen must not be negative"))
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Snapshots<'_> {
    /// virDomainSnapshotCreateXML: returns the new snapshot's name. A
    /// running domain gets a memory snapshot unless DISK_ONLY is given.
    pub fn domain_snapshot_create_xml(
        &self,
        dom: &DomainRef,
        xml: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_CREATE_XML)?;
        let (name, description) = parse_snapshot_xml(xml)?;
        // libvirt names an unnamed snapshot after the current time.
        let name = match name {
            Some(n) if !n.trim().is_empty() => n,
            Some(_) => return Err(Error::invalid_arg("The snapshot name must not be empty")),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs().to_string())
                .unwrap_or_else(|_| "0".into()),
        };
        let what = format!("create snapshot '{name}' of domain '{}'", dom.name);
        let memory = flags & ESX_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY as u32 == 0;
        let quiesce = flags & ESX_DOMAIN_SNAPSHOT_CREATE_QUIESCE as u32 != 0;
        let dup_name = name.clone();
        self.vm_task(
            dom,
            &what,
            |vm: &VmSnapshotsAndPower| {
                let tree = SnapshotTree::from_info(vm.snapshot.as_ref())?;
                if tree.find(&dup_name).is_some() {
                    return Err(Error::operation_invalid(format!(
                        "Snapshot '{dup_name}' already exists in domain '{}'",
                        dom.name
                    )));
                }
                Ok(())
            },
            |c, vm| {
                methods::create_snapshot_task(c, vm, &name, description.as_deref(), memory, quiesce)
            },
        )?;
        Ok(name)
    }

    /// The names of the snapshots that match `flags`, in topological order.
    pub fn domain_list_all_snapshots(&self, dom: &DomainRef, flags: u32) -> Result<Vec<String>> {
        Ok(self.domain_list_all_snapshots_with_tree(dom, flags)?.1)
    }

    /// As domain_list_all_snapshots, with the tree the listing read, which
    /// handles may keep to answer parent and XML questions without asking
    /// the host again (then as the tree was when listed).
    pub fn domain_list_all_snapshots_with_tree(
        &self,
        dom: &DomainRef,
        flags: u32,
    ) -> Result<(std::sync::Arc<SnapshotTree>, Vec<String>)> {
        let tree = self.snapshot_tree(dom)?;
        let names = tree.names(&tree.list(flags)?);
        Ok((std::sync::Arc::new(tree), names))
    }

    pub fn domain_snapshot_num(&self, dom: &DomainRef, flags: u32) -> Result<i32> {
        Ok(count(self.domain_list_all_snapshots(dom, flags)?.len()))
    }

    /// At most `nameslen` of domainListAllSnapshots' names.
    pub fn domain_snapshot_list_names(
        &self,
        dom: &DomainRef,
        nameslen: i32,
        flags: u32,
    ) -> Result<Vec<String>> {
        let max = max_names(nameslen)?;
        let mut names = self.domain_list_all_snapshots(dom, flags)?;
        names.truncate(max);
        Ok(names)
    }

    /// The names of the snapshot's children (with
    /// ESX_DOMAIN_SNAPSHOT_LIST_DESCENDANTS: of all below it) that match
    /// `flags`.
    pub fn domain_snapshot_list_all_children(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<Vec<String>> {
        let tree = self.snapshot_tree(dom)?;
        let i = tree.get(dom, name)?;
        Ok(tree.names(&tree.children(i, flags)?))
    }

    pub fn domain_snapshot_num_children(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<i32> {
        Ok(count(
            self.domain_snapshot_list_all_children(dom, name, flags)?
                .len(),
        ))
    }

    /// At most `nameslen` of domainSnapshotListAllChildren's names.
    pub fn domain_snapshot_list_children_names(
        &self,
        dom: &DomainRef,
        name: &str,
        nameslen: i32,
        flags: u32,
    ) -> Result<Vec<String>> {
        let max = max_names(nameslen)?;
        let mut names = self.domain_snapshot_list_all_children(dom, name, flags)?;
        names.truncate(max);
        Ok(names)
    }

    /// virDomainSnapshotLookupByName: the name, once the host has it.
    pub fn domain_snapshot_lookup_by_name(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        let tree = self.snapshot_tree(dom)?;
        tree.get(dom, name).map(|i| tree.nodes[i].name.clone())
    }

    pub fn domain_has_current_snapshot(&self, dom: &DomainRef, flags: u32) -> Result<bool> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        Ok(self.snapshot_tree(dom)?.current.is_some())
    }

    pub fn domain_snapshot_current(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        let tree = self.snapshot_tree(dom)?;
        tree.current
            .map(|i| tree.nodes[i].name.clone())
            .ok_or_else(|| {
                Error::no_domain_snapshot(format!("Domain '{}' has no current snapshot", dom.name))
            })
    }

    pub fn domain_snapshot_get_parent(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        snapshot_parent_in(&self.snapshot_tree(dom)?, dom, name)
    }

    /// The snapshot's XML, from a tree already read.
    pub fn domain_snapshot_get_xml_desc_in(
        &self,
        tree: &SnapshotTree,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_GET_XML_DESC)?;
        let i = tree.get(dom, name)?;
        Ok(tree.xml(i, &super::domain::format_uuid(&dom.uuid)))
    }

    /// The parent's name, from a tree already read.
    pub fn domain_snapshot_get_parent_in(
        &self,
        tree: &SnapshotTree,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        snapshot_parent_in(tree, dom, name)
    }
}

fn snapshot_parent_in(tree: &SnapshotTree, dom: &DomainRef, name: &str) -> Result<String> {
    let i = tree.get(dom, name)?;
    tree.nodes[i]
        .parent
        .map(|p| tree.nodes[p].name.clone())
        .ok_or_else(|| {
            Error::no_domain_snapshot(format!("Snapshot '{name}' does not have a parent"))
        })
}

impl Snapshots<'_> {
    pub fn domain_snapshot_is_current(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<bool> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        let tree = self.snapshot_tree(dom)?;
        let i = tree.get(dom, name)?;
        Ok(tree.current == Some(i))
    }

    /// 0: libvirt keeps no metadata of its own for ESX snapshots.
    pub fn domain_snapshot_has_metadata(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<bool> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_NONE)?;
        self.snapshot_tree(dom)?.get(dom, name)?;
        Ok(false)
    }

    pub fn domain_snapshot_get_xml_desc(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<String> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_GET_XML_DESC)?;
        self.domain_snapshot_get_xml_desc_in(&self.snapshot_tree(dom)?, dom, name, flags)
    }

    /// virDomainRevertToSnapshot: the domain takes the snapshot's state
    /// (running, paused or shut off) as the host restores it.
    /// Returns the domain as it is now: it took the snapshot's power state,
    /// and so maybe another ID (the domain as it was, if re-reading fails).
    pub fn domain_revert_to_snapshot(
        &self,
        dom: &DomainRef,
        name: &str,
        flags: u32,
    ) -> Result<DomainRef> {
        check_flags(flags, flags::DOMAIN_REVERT_TO_SNAPSHOT)?;
        let what = format!("revert domain '{}' to snapshot '{name}'", dom.name);
        self.snapshot_task(dom, name, &what, methods::revert_to_snapshot_task)?;
        Ok(self.refresh(dom).unwrap_or_else(|_| dom.clone()))
    }

    /// virDomainSnapshotDelete: the snapshot (CHILDREN: and all below it;
    /// CHILDREN_ONLY: only all below it). Children of a snapshot removed
    /// alone move up to its parent.
    pub fn domain_snapshot_delete(&self, dom: &DomainRef, name: &str, flags: u32) -> Result<()> {
        check_flags(flags, flags::DOMAIN_SNAPSHOT_DELETE)?;
        if flags & ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN as u32 != 0
            && flags & ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY as u32 != 0
        {
            return Err(Error::invalid_arg(
                "The flags DELETE_CHILDREN and DELETE_CHILDREN_ONLY are mutually exclusive",
            ));
        }
        if flags & ESX_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY as u32 != 0 {
            // Nothing of libvirt's to delete, once the snapshot exists.
            self.snapshot_tree(dom)?.get(dom, name)?;
            return Ok(());
        }
        if flags & ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY as u32 != 0 {
            let tree = self.snapshot_tree(dom)?;
            let i = tree.get_unique(dom, name)?;
            for child in tree.names(&tree.nodes[i].children) {
                let what = format!(
                    "delete snapshot '{child}' (and its children) of domain '{}'",
                    dom.name
                );
                self.snapshot_task(dom, &child, &what, |c, s| {
                    methods::remove_snapshot_task(c, s, true)
                })?;
            }
            return Ok(());
        }
        let children = flags & ESX_DOMAIN_SNAPSHOT_DELETE_CHILDREN as u32 != 0;
        let what = format!(
            "delete snapshot '{name}'{} of domain '{}'",
            if children { " and its children" } else { "" },
            dom.name
        );
        self.snapshot_task(dom, name, &what, |c, s| {
            methods::remove_snapshot_task(c, s, children)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    #[test]
    fn datetimes() {
        assert_eq!(parse_datetime("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_datetime("2026-11-25T04:37:50.986Z"),
            Some(1_795_581_470)
        );
        assert_eq!(
            parse_datetime("2026-11-25T05:37:50+01:00"),
            Some(1_795_581_470)
        );
        assert_eq!(parse_datetime("2000-02-29T00:00:00Z"), Some(951_782_400));
        for bad in [
            "",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "2026-11-25",
            "2026-11-25Tnoon",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn snapshot_xml_input() {
        assert_eq!(
            parse_snapshot_xml(
                "<domainsnapshot><name>a&amp;b</name><description>d</description></domainsnapshot>"
            )
            .unwrap(),
            (Some("a&b".into()), Some("d".into()))
        );
        assert_eq!(
            parse_snapshot_xml("<domainsnapshot/>").unwrap(),
            (None, None)
        );
        assert_eq!(
            parse_snapshot_xml("<domain/>").unwrap_err().code(),
            Code::XmlError
        );
        assert_eq!(
            parse_snapshot_xml("<domainsnapshot>").unwrap_err().code(),
            Code::XmlError
        );
        assert_eq!(
            parse_snapshot_xml(
                "<domainsnapshot><disks><disk name='sda'/></disks></domainsnapshot>"
            )
            .unwrap_err()
            .code(),
            Code::ConfigUnsupported
        );
    }
}
