// SPDX-License-Identifier: LGPL-2.1-or-later
//! The driver's entry points, grouped as libvirt's driver tables group them
//! and named as libvirt names the entries, in snake case: the table entry
//! `domainGetXMLDesc` is `Domains::domain_get_xml_desc`, `nodeGetInfo` is
//! `Node::node_get_info`, and the `connect*` entries are methods of
//! [`Connection`] itself. A facade is a view of its connection (it
//! dereferences to it), so its methods reach the connection's helpers.

use std::ops::Deref;

use crate::Connection;

/// A count as libvirt's entries return it (an int; more than it holds
/// reads as the most it holds).
pub(crate) fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

macro_rules! facade {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'c>(&'c Connection);

        impl Deref for $name<'_> {
            type Target = Connection;
            fn deref(&self) -> &Connection {
                self.0
            }
        }

        impl Connection {
            $(#[$doc])*
            pub fn $accessor(&self) -> $name<'_> {
                $name(self)
            }
        }
    };
}

facade!(
    /// The host: libvirt's `node*` entries.
    Node,
    node
);
facade!(
    /// Domains: libvirt's `domain*` entries (lookup, lifecycle,
    /// configuration, XML, define).
    Domains,
    domains
);
facade!(
    /// Snapshots: libvirt's `domainSnapshot*` entries and the domain entries
    /// about snapshots (domainListAllSnapshots, domainHasCurrentSnapshot,
    /// domainRevertToSnapshot).
    Snapshots,
    snapshots
);
facade!(
    /// Storage: libvirt's storage driver table (`connect*StoragePools`,
    /// `storagePool*`, `storageVol*`).
    Storage,
    storage
);
facade!(
    /// Networks: libvirt's network driver table (`connect*Networks`,
    /// `network*`): the host's virtual switches.
    Networks,
    networks
);
facade!(
    /// Host interfaces: libvirt's interface driver table
    /// (`connect*Interfaces`, `interface*`): the host's physical NICs.
    Interfaces,
    interfaces
);
