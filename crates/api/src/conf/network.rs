// SPDX-License-Identifier: LGPL-2.1-or-later
//! Network XML as libvirt writes it (virNetworkDefFormat, the parts ESX
//! fills: a virtual switch, its uplinks as forward interfaces, its port
//! groups with their VLAN IDs, traffic shaping as bandwidth), and the
//! `<network>` documents networks are defined from, read with libvirt's
//! rules and the limits of libvirt's ESX driver.

use esx_common::xmltext::escape;

use super::text_element;
use crate::error::{Error, Result};

/// Traffic shaping as libvirt expresses it: the same rate in and out, in
/// kilobytes per second (burst in kilobytes). ESX shapes one direction only,
/// and libvirt's ESX driver writes it as both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bandwidth {
    pub average: u64,
    pub peak: u64,
    pub burst: u64,
}

/// A port group of the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortGroupDef {
    pub name: String,
    /// The VLAN ID (none for 0: untagged).
    pub vlan: Option<u32>,
    pub bandwidth: Option<Bandwidth>,
}

/// One network (virtual switch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDef {
    pub name: String,
    pub uuid: [u8; 16],
    /// The physical NICs the switch teams (libvirt's forward interfaces);
    /// none: an internal switch (no forward mode, a `<bridge>`).
    pub uplinks: Vec<String>,
    pub bandwidth: Option<Bandwidth>,
    pub portgroups: Vec<PortGroupDef>,
}

fn bandwidth(out: &mut String, indent: &str, b: &Bandwidth) {
    out.push_str(&format!("{indent}<bandwidth>\n"));
    if b.average > 0 {
        for dir in ["inbound", "outbound"] {
            out.push_str(&format!("{indent}  <{dir} average='{}'", b.average));
            if b.peak > 0 {
                out.push_str(&format!(" peak='{}'", b.peak));
            }
            if b.burst > 0 {
                out.push_str(&format!(" burst='{}'", b.burst));
            }
            out.push_str("/>\n");
        }
    }
    out.push_str(&format!("{indent}</bandwidth>\n"));
}

/// The network's XML, in libvirt's element order.
pub fn format(def: &NetworkDef) -> String {
    let mut x = String::from("<network>\n");
    text_element(&mut x, "  ", "name", &def.name);
    text_element(&mut x, "  ", "uuid", &crate::uuid::format(&def.uuid));
    match def.uplinks.first() {
        Some(first) => {
            x.push_str(&format!(
                "  <forward dev='{}' mode='bridge'>\n",
                escape(first)
            ));
            for dev in &def.uplinks {
                x.push_str(&format!("    <interface dev='{}'/>\n", escape(dev)));
            }
            x.push_str("  </forward>\n");
        }
        None => x.push_str("  <bridge stp='off' delay='0'/>\n"),
    }
    if let Some(b) = &def.bandwidth {
        bandwidth(&mut x, "  ", b);
    }
    for pg in &def.portgroups {
        x.push_str(&format!("  <portgroup name='{}'>\n", escape(&pg.name)));
        if let Some(id) = pg.vlan {
            x.push_str(&format!(
                "    <vlan>\n      <tag id='{id}'/>\n    </vlan>\n"
            ));
        }
        if let Some(b) = &pg.bandwidth {
            bandwidth(&mut x, "    ", b);
        }
        x.push_str("  </portgroup>\n");
    }
    x.push_str("</network>\n");
    x
}

/// What a `<network>` document asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNetwork {
    pub name: String,
    pub uplinks: Vec<String>,
    pub bandwidth: Option<Bandwidth>,
    pub portgroups: Vec<PortGroupDef>,
}

fn number(node: roxmltree::Node<'_, '_>, attr: &str, what: &str) -> Result<u64> {
    match node.attribute(attr) {
        None => Ok(0),
        Some(v) => v.trim().parse().map_err(|_| {
            Error::xml(format!(
                "invalid {attr} value '{v}' in {what} (a non-negative number expected)"
            ))
        }),
    }
}

/// `<bandwidth>`: ESX shapes both directions alike (libvirt's ESX rule).
fn parse_bandwidth(node: roxmltree::Node<'_, '_>, what: &str) -> Result<Option<Bandwidth>> {
    let rate = |dir: &str| -> Result<Option<Bandwidth>> {
        match node.children().find(|c| c.has_tag_name(dir)) {
            None => Ok(None),
            Some(n) => Ok(Some(Bandwidth {
                average: number(n, "average", what)?,
                peak: number(n, "peak", what)?,
                burst: number(n, "burst", what)?,
            })),
        }
    };
    let (inbound, outbound) = (rate("inbound")?, rate("outbound")?);
    match (inbound, outbound) {
        (None, None) => Ok(None),
        (Some(i), Some(o)) if i == o => Ok(Some(i).filter(|b| *b != Bandwidth::default())),
        _ => Err(Error::config_unsupported(format!(
            "Different inbound and outbound bandwidth is unsupported ({what}): an ESX virtual \
             switch shapes both directions alike"
        ))),
    }
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, tag: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(tag))
}

/// A port group's `<vlan>`: one tag (ESX gives a port group one VLAN ID).
fn parse_vlan(node: roxmltree::Node<'_, '_>, pg: &str) -> Result<Option<u32>> {
    let tags: Vec<_> = node.children().filter(|c| c.has_tag_name("tag")).collect();
    let [tag] = tags.as_slice() else {
        return Err(Error::config_unsupported(format!(
            "Port group '{pg}' has {} VLAN tags; an ESX port group has exactly one VLAN ID",
            tags.len()
        )));
    };
    if node.attribute("trunk") == Some("yes") || tag.attribute("nativeMode").is_some() {
        return Err(Error::config_unsupported(format!(
            "Port group '{pg}': VLAN trunks and native modes are unsupported on ESX port groups"
        )));
    }
    let id = tag.attribute("id").unwrap_or("");
    match id.trim().parse::<u32>() {
        Ok(0) => Ok(None),
        Ok(v) if v <= 4095 => Ok(Some(v)),
        _ => Err(Error::xml(format!(
            "Port group '{pg}': invalid VLAN tag id '{id}' (0 to 4095)"
        ))),
    }
}

/// Reads a `<network>` document as libvirt's ESX driver takes it: a name,
/// no UUID (ESX derives it), forward mode none or bridge with physical NICs,
/// bandwidth alike in both directions, port groups with a VLAN ID each.
pub fn parse(xml: &str) -> Result<NewNetwork> {
    let doc = crate::xmldoc::parse(xml).map_err(|e| Error::xml(format!("network XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "network" {
        return Err(Error::xml("expected a <network> document"));
    }
    let name = child(root, "name")
        .and_then(|n| n.text())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::xml("missing network name"))?
        .to_string();
    if name.contains('/') {
        return Err(Error::xml(format!("name {name} cannot contain '/'")));
    }
    if child(root, "uuid").is_some() {
        return Err(Error::config_unsupported(
            "Cannot use predefined UUID: ESX derives a network's UUID from its virtual switch's key",
        ));
    }
    let mut uplinks = Vec::new();
    if let Some(fwd) = child(root, "forward") {
        let mode = fwd.attribute("mode").unwrap_or("nat");
        if mode != "bridge" {
            return Err(Error::config_unsupported(format!(
                "Unsupported forward mode '{mode}': an ESX virtual switch bridges to physical NICs"
            )));
        }
        for i in fwd.children().filter(|c| c.is_element()) {
            match i.tag_name().name() {
                "interface" => match i.attribute("dev") {
                    Some(d) if !d.is_empty() => {
                        if !uplinks.iter().any(|u| u == d) {
                            uplinks.push(d.to_string());
                        }
                    }
                    _ => return Err(Error::xml("missing required dev attribute in <interface>")),
                },
                other => {
                    return Err(Error::no_support(format!(
                        "unsupported device type <{other}> in network {name} interface pool"
                    )))
                }
            }
        }
        if let Some(d) = fwd.attribute("dev") {
            if uplinks.is_empty() {
                uplinks.push(d.to_string());
            } else if uplinks[0] != d {
                return Err(Error::xml(format!(
                    "forward dev '{d}' must match first interface element dev '{}' in network {name}",
                    uplinks[0]
                )));
            }
        }
    }
    let bandwidth = match child(root, "bandwidth") {
        Some(b) => parse_bandwidth(b, &format!("network '{name}'"))?,
        None => None,
    };
    let mut portgroups: Vec<PortGroupDef> = Vec::new();
    for pg in root.children().filter(|c| c.has_tag_name("portgroup")) {
        let pg_name = pg
            .attribute("name")
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Error::xml(format!(
                    "Missing required name attribute in portgroup of network {name}"
                ))
            })?
            .to_string();
        if portgroups.iter().any(|p| p.name == pg_name) {
            return Err(Error::xml(format!(
                "Two port groups with same name '{pg_name}' in network {name}"
            )));
        }
        let vlan = match child(pg, "vlan") {
            Some(v) => parse_vlan(v, &pg_name)?,
            None => None,
        };
        let bandwidth = match child(pg, "bandwidth") {
            Some(b) => parse_bandwidth(b, &format!("port group '{pg_name}'"))?,
            None => None,
        };
        portgroups.push(PortGroupDef {
            name: pg_name,
            vlan,
            bandwidth,
        });
    }
    Ok(NewNetwork {
        name,
        uplinks,
        bandwidth,
        portgroups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_with_uplinks_as_libvirt_writes_it() {
        let def = NetworkDef {
            name: "vSwitch<1>".into(),
            uuid: [0; 16],
            uplinks: vec!["vmnic0".into(), "vmnic1".into()],
            bandwidth: None,
            portgroups: vec![
                PortGroupDef {
                    name: "VM Network".into(),
                    vlan: None,
                    bandwidth: None,
                },
                PortGroupDef {
                    name: "dmz".into(),
                    vlan: Some(10),
                    bandwidth: Some(Bandwidth {
                        average: 1000,
                        peak: 2000,
                        burst: 0,
                    }),
                },
            ],
        };
        assert_eq!(
            format(&def),
            "<network>\n  <name>vSwitch&lt;1&gt;</name>\n  \
             <uuid>00000000-0000-0000-0000-000000000000</uuid>\n  \
             <forward dev='vmnic0' mode='bridge'>\n    <interface dev='vmnic0'/>\n    \
             <interface dev='vmnic1'/>\n  </forward>\n  <portgroup name='VM Network'>\n  \
             </portgroup>\n  <portgroup name='dmz'>\n    <vlan>\n      <tag id='10'/>\n    \
             </vlan>\n    <bandwidth>\n      <inbound average='1000' peak='2000'/>\n      \
             <outbound average='1000' peak='2000'/>\n    </bandwidth>\n  </portgroup>\n\
             </network>\n"
        );
    }

    #[test]
    fn an_internal_switch_has_a_bridge() {
        let def = NetworkDef {
            name: "internal".into(),
            uuid: [1; 16],
            uplinks: vec![],
            bandwidth: None,
            portgroups: vec![],
        };
        assert!(format(&def).contains("  <bridge stp='off' delay='0'/>\n"));
    }

    #[test]
    fn what_we_write_reads_back() {
        let xml = "<network><name>n1</name><forward mode='bridge'><interface dev='vmnic1'/>\
                   </forward><bandwidth><inbound average='10'/><outbound average='10'/>\
                   </bandwidth><portgroup name='a'><vlan><tag id='4095'/></vlan></portgroup>\
                   <portgroup name='b'/></network>";
        let n = parse(xml).unwrap();
        assert_eq!(n.name, "n1");
        assert_eq!(n.uplinks, vec!["vmnic1"]);
        assert_eq!(n.bandwidth.unwrap().average, 10);
        assert_eq!(n.portgroups[0].vlan, Some(4095));
        assert_eq!(n.portgroups[1].vlan, None);
    }

    #[test]
    fn what_esx_cannot_do_is_refused() {
        use crate::error::Code;
        let cases = [
            ("<network><name>n</name><uuid>00000000-0000-0000-0000-000000000001</uuid></network>", Code::ConfigUnsupported),
            ("<network><name>n</name><forward mode='nat'/></network>", Code::ConfigUnsupported),
            ("<network><name>n</name><forward/></network>", Code::ConfigUnsupported),
            ("<network><name>n</name><bandwidth><inbound average='1'/></bandwidth></network>", Code::ConfigUnsupported),
            ("<network><name>n</name><portgroup name='p'><vlan><tag id='1'/><tag id='2'/></vlan></portgroup></network>", Code::ConfigUnsupported),
            ("<network><name>n</name><portgroup name='p'><vlan><tag id='5000'/></vlan></portgroup></network>", Code::XmlError),
            ("<network><name>n</name><portgroup name='p'/><portgroup name='p'/></network>", Code::XmlError),
            ("<network/>", Code::XmlError),
            ("<pool/>", Code::XmlError),
        ];
        for (xml, code) in cases {
            assert_eq!(parse(xml).unwrap_err().code(), code, "{xml}");
        }
    }
}
