// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host itself: node info, free memory, host name, capabilities.

use super::Connection;
use crate::error::{Error, Result};
use crate::vi::property;
use crate::vi::vim25::*;
use crate::vi::wire::View;
use crate::vi::ObjectContent;
use crate::Node;

/// libvirt's virNodeInfo, in Rust types.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeInfo {
    pub model: String,
    /// KiB.
    pub memory_kib: u64,
    pub cpus: u32,
    pub mhz: u32,
    pub nodes: u32,
    pub sockets: u32,
    pub cores: u32,
    pub threads: u32,
}

/// Shortens a CPU model the way libvirt's ESX driver does, to fit more of
/// what matters into the 32 bytes of virNodeInfo.model.
pub fn shorten_cpu_model(model: &str) -> String {
    let mut s = model.to_string();
    loop {
        let before = s.len();
        s = s
            .replace("  ", " ")
            .replace("(R)", "")
            .replace("(C)", "")
            .replace("(TM)", "");
        if s.len() == before {
            break;
        }
    }
    s.chars().take(31).collect()
}

impl Connection {
    /// Properties of the managed host, in one request once its MoRef is known.
    pub fn host_properties(&self, paths: &[&str]) -> Result<ObjectContent> {
        let host = self.scope()?.host.clone();
        property::retrieve_one(self.client(), &host, paths)?
            .ok_or_else(|| Error::rpc(format!("The host system {host} no longer exists")))
    }

    /// A view of the managed host, read in one request.
    pub(crate) fn host_view<V: View>(&self) -> Result<V> {
        V::from_object(&self.host_properties(V::PATHS)?)
    }

    /// `hostName[.domainName]` from the host's DNS configuration.
    pub fn connect_get_hostname(&self) -> Result<String> {
        // The whole DNS configuration (config, network, dnsConfig) is
        // optional; an empty name is the host's own answer.
        let h: HostDnsName = self.host_view()?;
        if h.host_name.is_empty() {
            return Err(Error::rpc("Missing or empty 'hostName' property"));
        }
        Ok(match h.domain_name {
            Some(d) if !d.is_empty() => format!("{}.{d}", h.host_name),
            _ => h.host_name,
        })
    }

    /// Whether the host CPU runs 64-bit guests (CPUID 0x80000001 EDX bit 29),
    /// and the host's BIOS UUID.
    fn host_identity(&self) -> Result<(bool, String)> {
        let h: HostCpuIdentity = self.host_view()?;
        let mut long_mode = false;
        // 0x80000001 is sent as the signed int -2147483647.
        for f in h.cpu_feature.iter().filter(|f| f.level == -2147483647) {
            let edx_text = f.edx.as_deref().unwrap_or("");
            let edx: Vec<char> = edx_text.chars().filter(|c| *c != ':').collect();
            if edx.len() != 32 {
                return Err(Error::rpc(format!(
                    "HostCpuIdInfo register 'edx' has an unexpected length: {edx_text}"
                )));
            }
            // The string lists bit 31 first.
            long_mode = edx[31 - 29] == '1';
        }
        Ok((long_mode, h.uuid.unwrap_or_default()))
    }

    /// The capabilities XML, shaped as libvirt's ESX driver formats it.
    pub fn connect_get_capabilities(&self) -> Result<String> {
        let (long_mode, uuid) = self.host_identity()?;
        let uuid = super::domain::parse_uuid(&uuid)
            .map(|u| super::domain::format_uuid(&u))
            .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".to_string());
        let arch = if long_mode { "x86_64" } else { "i686" };
        let mut xml = String::new();
        xml.push_str("<capabilities>\n\n  <host>\n");
        xml.push_str(&format!("    <uuid>{uuid}</uuid>\n"));
        xml.push_str(&format!(
            "    <cpu>\n      <arch>{arch}</arch>\n    </cpu>\n"
        ));
        xml.push_str("    <power_management/>\n    <iommu support='no'/>\n");
        xml.push_str(
            "    <migration_features>\n      <live/>\n      <uri_transports>\n        \
             <uri_transport>vpxmigr</uri_transport>\n      </uri_transports>\n    \
             </migration_features>\n  </host>\n\n",
        );
        let guest = |arch: &str, word: u32| {
            format!(
                "  <guest>\n    <os_type>hvm</os_type>\n    <arch name='{arch}'>\n      \
                 <wordsize>{word}</wordsize>\n      <domain type='vmware'/>\n    </arch>\n  \
                 </guest>\n\n"
            )
        };
        xml.push_str(&guest("i686", 32));
        if long_mode {
            xml.push_str(&guest("x86_64", 64));
        }
        xml.push_str("</capabilities>\n");
        Ok(xml)
    }
}

impl Node<'_> {
    pub fn node_get_info(&self) -> Result<NodeInfo> {
        let h: HostNodeInfo = self.host_view()?;
        // As libvirt: a number the host does not report is 0 (virNodeInfo
        // cannot say "unknown"); a malformed one is an error that names it
        // (the view's reader), and so is a negative one.
        let num = |v: Option<i64>, property: &str| -> Result<u64> {
            v.map_or(Ok(0), |v| {
                crate::reported::non_negative(v, property, "the host")
            })
        };
        let cores = num(
            h.num_cpu_cores.map(i64::from),
            "hardware.cpuInfo.numCpuCores",
        )?;
        let packages = num(
            h.num_cpu_packages.map(i64::from),
            "hardware.cpuInfo.numCpuPackages",
        )?;
        let threads = num(
            h.num_cpu_threads.map(i64::from),
            "hardware.cpuInfo.numCpuThreads",
        )?;
        let small = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(NodeInfo {
            model: shorten_cpu_model(h.cpu_model.as_deref().unwrap_or("")),
            memory_kib: num(h.memory_size, "hardware.memorySize")? / 1024,
            cpus: small(cores),
            mhz: small(num(h.hz, "hardware.cpuInfo.hz")? / 1_000_000),
            nodes: small(num(
                h.num_nodes.map(i64::from),
                "hardware.numaInfo.numNodes",
            )?),
            sockets: small(packages),
            cores: small(cores.checked_div(packages).unwrap_or(0)),
            threads: small(threads.checked_div(cores).unwrap_or(0)),
        })
    }

    /// Free memory in bytes: memory size minus the host's memory usage.
    pub fn node_get_free_memory(&self) -> Result<u64> {
        let h: HostFreeMemory = self.host_view()?;
        let (size, used_mib) = (h.memory_size, i64::from(h.overall_memory_usage));
        Ok(size
            .saturating_sub(used_mib.saturating_mul(1024 * 1024))
            .max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_model_shortening() {
        assert_eq!(
            shorten_cpu_model("Intel(R) Xeon(R) CPU  E5-2650 v2 @ 2.60GHz"),
            "Intel Xeon CPU E5-2650 v2 @ 2.6"
        );
        assert_eq!(shorten_cpu_model("AMD EPYC(TM) 7302"), "AMD EPYC 7302");
    }
}
