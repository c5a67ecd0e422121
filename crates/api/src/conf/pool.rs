// SPDX-License-Identifier: LGPL-2.1-or-later
//! Storage pool XML as libvirt writes it (virStoragePoolDefFormat), for the
//! pool types this driver has: fs (VMFS), netfs (NFS, CIFS), dir (local,
//! vSAN, vVol) and iscsi.

use esx_common::xmltext::escape;

use super::{bytes_element, text_element};

/// One pool, as its backend describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolDef {
    /// `fs`, `netfs`, `dir`, `iscsi`.
    pub kind: &'static str,
    pub name: String,
    pub uuid: [u8; 16],
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
    pub source: PoolSource,
    /// `<target><path>`, when the pool has one.
    pub target_path: Option<String>,
}

/// `<source>`: what the pool is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolSource {
    /// `<host name= port=>`.
    pub host: Option<(String, Option<i32>)>,
    /// `<dir path=>`.
    pub dir: Option<String>,
    /// `<initiator><iqn name=>`.
    pub initiator_iqn: Option<String>,
    /// `<format type=>`.
    pub format: Option<&'static str>,
}

/// The pool's XML, in libvirt's element order; libvirt's ESX driver leaves
/// the target's permissions zeroed, and so prints them.
pub fn format(def: &PoolDef) -> String {
    let mut x = format!("<pool type='{}'>\n", def.kind);
    text_element(&mut x, "  ", "name", &def.name);
    text_element(&mut x, "  ", "uuid", &crate::uuid::format(&def.uuid));
    bytes_element(&mut x, "  ", "capacity", def.capacity);
    bytes_element(&mut x, "  ", "allocation", def.allocation);
    bytes_element(&mut x, "  ", "available", def.available);
    x.push_str("  <source>\n");
    let s = &def.source;
    if let Some((host, port)) = &s.host {
        let port = port.map(|p| format!(" port='{p}'")).unwrap_or_default();
        x.push_str(&format!("    <host name='{}'{port}/>\n", escape(host)));
    }
    if let Some(dir) = &s.dir {
        x.push_str(&format!("    <dir path='{}'/>\n", escape(dir)));
    }
    if let Some(iqn) = &s.initiator_iqn {
        x.push_str(&format!(
            "    <initiator>\n      <iqn name='{}'/>\n    </initiator>\n",
            escape(iqn)
        ));
    }
    if let Some(f) = s.format {
        x.push_str(&format!("    <format type='{f}'/>\n"));
    }
    x.push_str("  </source>\n  <target>\n");
    if let Some(p) = &def.target_path {
        text_element(&mut x, "    ", "path", p);
    }
    x.push_str(
        "    <permissions>\n      <mode>00</mode>\n      <owner>0</owner>\n      <group>0</group>\n    \
         </permissions>\n  </target>\n</pool>\n",
    );
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netfs_as_libvirt_writes_it() {
        let def = PoolDef {
            kind: "netfs",
            name: "nfs<1>".into(),
            uuid: [0; 16],
            capacity: 10,
            allocation: 4,
            available: 6,
            source: PoolSource {
                host: Some(("nas".into(), None)),
                dir: Some("/export".into()),
                initiator_iqn: None,
                format: Some("nfs"),
            },
            target_path: Some("/vmfs/volumes/x".into()),
        };
        assert_eq!(
            format(&def),
            "<pool type='netfs'>\n  <name>nfs&lt;1&gt;</name>\n  \
             <uuid>00000000-0000-0000-0000-000000000000</uuid>\n  \
             <capacity unit='bytes'>10</capacity>\n  <allocation unit='bytes'>4</allocation>\n  \
             <available unit='bytes'>6</available>\n  <source>\n    <host name='nas'/>\n    \
             <dir path='/export'/>\n    <format type='nfs'/>\n  </source>\n  <target>\n    \
             <path>/vmfs/volumes/x</path>\n    <permissions>\n      <mode>00</mode>\n      \
             <owner>0</owner>\n      <group>0</group>\n    </permissions>\n  </target>\n</pool>\n"
        );
    }
}
