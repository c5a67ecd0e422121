// SPDX-License-Identifier: LGPL-2.1-or-later
//! Which datacenter, compute resource and host a connection manages: the
//! single one of an ESX host, or the one a vpx:// path names.

use crate::error::{Error, Result};
use crate::vi::property::{self, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec};
use crate::vi::{Client, MoRef, ObjectContent};

/// The inventory objects a connection works in; looked up once.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub datacenter: MoRef,
    /// The datacenter's inventory path (its name on ESX: `ha-datacenter`),
    /// as `/folder` URLs and FindByInventoryPath want it.
    pub datacenter_path: String,
    pub vm_folder: MoRef,
    pub host_folder: MoRef,
    pub compute_resource: MoRef,
    /// The root resource pool (optional in the VI reference: only defining
    /// a domain needs it).
    pub resource_pool: Option<MoRef>,
    pub host: MoRef,
    pub host_name: String,
    /// The host's HostNetworkSystem (optional in the VI reference: only
    /// the network calls need it), read with the host so that a network
    /// listing costs one request.
    pub network_system: Option<MoRef>,
}

fn moref_prop(o: &ObjectContent, name: &str) -> Result<MoRef> {
    o.require(name)?
        .as_moref()
        .cloned()
        .ok_or_else(|| Error::rpc(format!("Property '{name}' of {} is not a reference", o.obj)))
}

/// The host's network system, when it has one.
fn network_system(host: &ObjectContent) -> Option<MoRef> {
    host.prop("configManager.networkSystem")
        .and_then(|v| v.as_moref())
        .cloned()
}

/// On an ESX host: one RetrievePropertiesEx from the root folder down to the
/// datacenter, its compute resource and its host.
pub fn resolve_single(client: &Client) -> Result<Scope> {
    let root = client.service().root_folder.clone();
    let spec = PropertyFilterSpec::new(
        vec![
            PropertySpec::new("Datacenter", &["name", "vmFolder", "hostFolder"]),
            PropertySpec::new("ComputeResource", &["name", "resourcePool", "host"]),
            PropertySpec::new("HostSystem", &["name", "configManager.networkSystem"]),
        ],
        vec![ObjectSpec::traversing(
            &root,
            true,
            vec![
                TraversalSpec::new("visitFolders", "Folder", "childEntity")
                    .then(&["visitFolders", "dcToHostFolder", "crToHost"])
                    .into_selection(),
                TraversalSpec::new("dcToHostFolder", "Datacenter", "hostFolder")
                    .then(&["visitFolders"])
                    .into_selection(),
                TraversalSpec::new("crToHost", "ComputeResource", "host").into_selection(),
            ],
        )],
    );
    let objects = property::retrieve(client, &spec)?;
    let of_kind = |kinds: &[&str]| -> Vec<&ObjectContent> {
        objects
            .iter()
            .filter(|o| kinds.contains(&o.obj.kind.as_str()))
            .collect()
    };
    let single = |kinds: &[&str], what: &str| -> Result<ObjectContent> {
        let found = of_kind(kinds);
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::rpc(format!(
                "Could not find the {what} of this host"
            ))),
            many => Err(Error::invalid_arg(format!(
                "This server has {} {what}s; connect to it with a vpx:// URI that names one",
                many.len()
            ))),
        }
    };
    let dc = single(&["Datacenter"], "datacenter")?;
    let cr = single(
        &["ComputeResource", "ClusterComputeResource"],
        "compute resource",
    )?;
    let host = single(&["HostSystem"], "host system")?;
    let datacenter_path = dc.require_str("name")?.to_string();
    Ok(Scope {
        datacenter: dc.obj.clone(),
        datacenter_path,
        vm_folder: moref_prop(&dc, "vmFolder")?,
        host_folder: moref_prop(&dc, "hostFolder")?,
        compute_resource: cr.obj.clone(),
        resource_pool: cr.prop("resourcePool").and_then(|v| v.as_moref()).cloned(),
        host: host.obj.clone(),
        host_name: host.require_str("name")?.to_string(),
        network_system: network_system(&host),
    })
}

/// Direct children of a folder with their names and types.
fn children(client: &Client, folder: &MoRef) -> Result<Vec<(MoRef, String)>> {
    let spec = PropertyFilterSpec::new(
        vec![PropertySpec::new("ManagedEntity", &["name"])],
        vec![ObjectSpec::traversing(
            &folder.clone(),
            true,
            vec![
                TraversalSpec::new("folderToChildEntity", "Folder", "childEntity").into_selection(),
            ],
        )],
    );
    Ok(property::retrieve(client, &spec)?
        .into_iter()
        .filter_map(|o| {
            let name = o.str_prop("name")?.to_string();
            Some((o.obj, name))
        })
        .collect())
}

/// Unescapes the `%2f`, `%5c` and `%25` the API uses in entity names.
pub fn unescape_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).map(str::to_ascii_lowercase);
        match code.as_deref() {
            Some("2f") => out.push('/'),
            Some("5c") => out.push('\\'),
            Some("25") => out.push('%'),
            _ => {
                out.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

/// Escapes an entity name for an inventory path.
pub fn escape_name(name: &str) -> String {
    name.replace('%', "%25")
        .replace('/', "%2f")
        .replace('\\', "%5c")
}

/// vpx://vc/[folders/]datacenter/[folders/]compute-resource[/host]: walks the
/// inventory as libvirt does.
pub fn resolve_path(client: &Client, path: &str) -> Result<Scope> {
    let items: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut it = items.iter().peekable();
    let mut root = client.service().root_folder.clone();
    let mut dc_path = Vec::new();
    let datacenter = loop {
        let Some(item) = it.next() else {
            return Err(Error::invalid_arg(format!(
                "Path '{path}' does not specify a datacenter"
            )));
        };
        let found = children(client, &root)?
            .into_iter()
            .find(|(_, n)| unescape_name(n) == **item);
        dc_path.push(escape_name(item));
        match found {
            Some((m, _)) if m.kind == "Folder" => root = m,
            Some((m, _)) if m.kind == "Datacenter" => break m,
            _ => {
                return Err(Error::invalid_arg(format!(
                    "Could not find datacenter specified in '{path}'"
                )))
            }
        }
    };
    let dc = property::retrieve_one(client, &datacenter, &["vmFolder", "hostFolder"])?
        .ok_or_else(|| Error::rpc(format!("Datacenter {datacenter} vanished")))?;
    let vm_folder = moref_prop(&dc, "vmFolder")?;
    let host_folder = moref_prop(&dc, "hostFolder")?;
    let mut root = host_folder.clone();
    let compute = loop {
        let Some(item) = it.next() else {
            return Err(Error::invalid_arg(format!(
                "Path '{path}' does not specify a compute resource"
            )));
        };
        let found = children(client, &root)?
            .into_iter()
            .find(|(_, n)| unescape_name(n) == **item);
        match found {
            Some((m, _)) if m.kind == "Folder" => root = m,
            Some((m, _)) if m.kind == "ComputeResource" || m.kind == "ClusterComputeResource" => {
                break (m, item.to_string())
            }
            _ => {
                return Err(Error::invalid_arg(format!(
                    "Could not find compute resource specified in '{path}'"
                )))
            }
        }
    };
    let cr = property::retrieve_one(client, &compute.0, &["resourcePool", "host"])?
        .ok_or_else(|| Error::rpc(format!("Compute resource {} vanished", compute.0)))?;
    let resource_pool = cr.prop("resourcePool").and_then(|v| v.as_moref()).cloned();
    let hosts: Vec<MoRef> = cr
        .prop("host")
        .map(|v| v.items())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_moref().cloned())
        .collect();
    let host_name = match it.next() {
        Some(h) => h.to_string(),
        None if compute.0.kind == "ClusterComputeResource" => {
            return Err(Error::invalid_arg(format!(
                "Path '{path}' does not specify a host system"
            )))
        }
        None => compute.1.clone(),
    };
    if it.next().is_some() {
        return Err(Error::invalid_arg(format!(
            "Path '{path}' ends with an excess item"
        )));
    }
    let spec = PropertyFilterSpec::new(
        vec![PropertySpec::new(
            "HostSystem",
            &["name", "configManager.networkSystem"],
        )],
        hosts.iter().map(ObjectSpec::object).collect(),
    );
    let found = property::retrieve(client, &spec)?;
    let named = found
        .iter()
        .find(|o| o.str_prop("name").map(unescape_name).as_deref() == Some(host_name.as_str()));
    let host = match named {
        Some(h) => h.obj.clone(),
        // A standalone compute resource is named after its single host, but
        // the host may carry a different (FQDN) name.
        None if compute.0.kind == "ComputeResource" && hosts.len() == 1 => hosts[0].clone(),
        None => {
            return Err(Error::invalid_arg(format!(
                "Could not find host system specified in '{path}'"
            )))
        }
    };
    Ok(Scope {
        datacenter,
        datacenter_path: dc_path.join("/"),
        vm_folder,
        host_folder,
        compute_resource: compute.0,
        resource_pool,
        network_system: found
            .iter()
            .find(|o| o.obj == host)
            .and_then(network_system),
        host,
        host_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_escapes() {
        assert_eq!(unescape_name("a%2fb%5cc%25d%zz"), "a/b\\c%d%zz");
        assert_eq!(escape_name("a/b\\c%d"), "a%2fb%5cc%25d");
        assert_eq!(unescape_name(&escape_name("x/%y")), "x/%y");
    }
}
