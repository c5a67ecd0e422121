// SPDX-License-Identifier: LGPL-2.1-or-later
//! Interface XML as libvirt writes it (virInterfaceDefFormat) for a host's
//! physical NIC: an ethernet interface started on boot, its IPv4
//! configuration, link and MAC address.

use esx_common::xmltext::escape;

/// The NIC's IPv4 configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4 {
    pub dhcp: bool,
    /// Address and prefix length.
    pub address: Option<(String, u8)>,
}

/// The NIC's link: its speed in Mb/s when up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Up { speed: u32 },
    Down,
}

/// One physical NIC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceDef {
    pub name: String,
    pub mac: String,
    pub ipv4: Option<Ipv4>,
    /// None: left out (the inactive XML).
    pub link: Option<Link>,
}

/// The interface's XML, in libvirt's element order.
pub fn format(def: &InterfaceDef) -> String {
    let mut x = format!(
        "<interface type='ethernet' name='{}'>\n  <start mode='onboot'/>\n",
        escape(&def.name)
    );
    if let Some(ip) = &def.ipv4 {
        if ip.dhcp || ip.address.is_some() {
            x.push_str("  <protocol family='ipv4'>\n");
            if ip.dhcp {
                x.push_str("    <dhcp/>\n");
            }
            if let Some((addr, prefix)) = &ip.address {
                x.push_str(&format!("    <ip address='{}'", escape(addr)));
                if *prefix != 0 {
                    x.push_str(&format!(" prefix='{prefix}'"));
                }
                x.push_str("/>\n");
            }
            x.push_str("  </protocol>\n");
        }
    }
    match def.link {
        Some(Link::Up { speed }) if speed > 0 => {
            x.push_str(&format!("  <link speed='{speed}' state='up'/>\n"))
        }
        Some(Link::Up { .. }) => x.push_str("  <link state='up'/>\n"),
        Some(Link::Down) => x.push_str("  <link state='down'/>\n"),
        None => {}
    }
    x.push_str(&format!(
        "  <mac address='{}'/>\n</interface>\n",
        escape(&def.mac)
    ));
    x
}

/// The prefix length of a dotted IPv4 netmask; None when it is not one.
pub fn prefix_of(mask: &str) -> Option<u8> {
    let m: std::net::Ipv4Addr = mask.trim().parse().ok()?;
    let bits = u32::from(m);
    let ones = bits.leading_ones();
    (bits.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nic_as_libvirt_writes_it() {
        let def = InterfaceDef {
            name: "vmnic0".into(),
            mac: "00:0c:29:81:d8:a0".into(),
            ipv4: Some(Ipv4 {
                dhcp: false,
                address: Some(("10.0.0.5".into(), 24)),
            }),
            link: Some(Link::Up { speed: 10000 }),
        };
        assert_eq!(
            format(&def),
            "<interface type='ethernet' name='vmnic0'>\n  <start mode='onboot'/>\n  \
             <protocol family='ipv4'>\n    <ip address='10.0.0.5' prefix='24'/>\n  \
             </protocol>\n  <link speed='10000' state='up'/>\n  \
             <mac address='00:0c:29:81:d8:a0'/>\n</interface>\n"
        );
    }

    #[test]
    fn netmasks() {
        assert_eq!(prefix_of("255.255.255.0"), Some(24));
        assert_eq!(prefix_of("255.255.255.255"), Some(32));
        assert_eq!(prefix_of("0.0.0.0"), Some(0));
        assert_eq!(prefix_of("255.0.255.0"), None);
        assert_eq!(prefix_of("x"), None);
    }
}
