//! The host's AutoStartManager: which VMs start with the host.

use super::Connection;
use crate::error::{Error, Result};
use crate::vi::property::{self, FilterSpec, ObjectSpec, PropertySpec, TraversalSpec};
use crate::vi::MoRef;

/// `HostAutoStartManagerConfig`, as far as libvirt uses it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AutostartConfig {
    pub manager: Option<MoRef>,
    /// `defaults.enabled`: autostart switched on for the host at all.
    pub enabled: bool,
    /// `powerInfo[]`: (VM, startAction).
    pub power_info: Vec<(MoRef, String)>,
}

impl AutostartConfig {
    /// Whether the host starts this VM (host-wide switch on and the VM's
    /// start action `powerOn`).
    pub fn starts(&self, vm: &MoRef) -> bool {
        self.enabled
            && self
                .power_info
                .iter()
                .any(|(k, action)| k.value == vm.value && action.eq_ignore_ascii_case("powerOn"))
    }
}

impl Connection {
    /// The host's autostart configuration, in one request (host ->
    /// configManager.autoStartManager -> config).
    pub fn autostart_config(&self) -> Result<AutostartConfig> {
        let host = self.scope()?.host.clone();
        let spec = FilterSpec {
            props: vec![PropertySpec::new("HostAutoStartManager", &["config"])],
            objects: vec![ObjectSpec {
                obj: host,
                skip: true,
                select: vec![TraversalSpec::new(
                    "hostToAutoStartManager",
                    "HostSystem",
                    "configManager.autoStartManager",
                )
                .into_selection()],
            }],
        };
        let found = property::retrieve(self.client(), &spec)?;
        let Some(manager) = found.into_iter().next() else {
            return Err(Error::operation_unsupported(
                "This host has no AutoStartManager, so autostart cannot be read or changed",
            ));
        };
        let mut cfg = AutostartConfig {
            manager: Some(manager.obj.clone()),
            ..Default::default()
        };
        if let Some(c) = manager.prop("config") {
            cfg.enabled = c
                .get("defaults")
                .and_then(|d| d.bool_field("enabled"))
                .unwrap_or(false);
            cfg.power_info = c
                .get_all("powerInfo")
                .filter_map(|p| {
                    Some((
                        p.moref_field("key")?.clone(),
                        p.str_field("startAction").unwrap_or("none").to_string(),
                    ))
                })
                .collect();
        }
        Ok(cfg)
    }
}
