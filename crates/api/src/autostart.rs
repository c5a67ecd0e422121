// SPDX-License-Identifier: LGPL-2.1-or-later
//! The host's AutoStartManager: which VMs start with the host.

use super::domain::{is_same_vm, DomainRef};
use super::Connection;
use crate::error::{Error, Result};
use crate::vi::property::{self, ObjectSpec, PropertyFilterSpec, PropertySpec, TraversalSpec};
use crate::vi::vim25::*;
use crate::vi::wire::View;
use crate::vi::MoRef;
use crate::vi::{Fault, FaultOf};
use crate::Domains;

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
        self.autostart_config_for(None)
    }

    /// The autostart configuration and the domain's current MoRef.
    pub(crate) fn autostart_and_vm(&self, dom: &DomainRef) -> Result<(AutostartConfig, MoRef)> {
        match self.autostart_config_for(Some(dom)) {
            Ok(cfg) => Ok((cfg, dom.moref.clone())),
            // The handle's MoRef is gone or names another VM now: find the
            // domain by UUID (NO_DOMAIN if it is gone), then read again.
            Err(e) if e.code() == crate::error::Code::NoDomain => {
                let fresh = self
                    .domains()
                    .domain_lookup_by_uuid(&dom.uuid)
                    .map_err(|e| e.context(format!("Domain '{}' no longer exists", dom.name)))?;
                let cfg = self.autostart_config_for(Some(&fresh))?;
                Ok((cfg, fresh.moref))
            }
            Err(e) => Err(e),
        }
    }

    fn autostart_config_for(&self, dom: Option<&DomainRef>) -> Result<AutostartConfig> {
        let host = self.scope()?.host.clone();
        let mut spec = PropertyFilterSpec::new(
            vec![PropertySpec::new(
                AutostartManagerConfig::TYPE,
                AutostartManagerConfig::PATHS,
            )],
            vec![ObjectSpec::traversing(
                &host,
                true,
                vec![TraversalSpec::new(
                    "hostToAutoStartManager",
                    "HostSystem",
                    "configManager.autoStartManager",
                )
                .into_selection()],
            )],
        );
        if let Some(d) = dom {
            spec.prop_set
                .push(PropertySpec::new(VmIdentity::TYPE, &self.identity_paths()));
            spec.object_set.push(ObjectSpec::object(&d.moref));
        }
        let gone = || {
            Error::no_domain(format!(
                "Domain '{}' no longer exists",
                dom.map(|d| d.name.as_str()).unwrap_or("")
            ))
        };
        let found = match property::retrieve(self.client(), &spec) {
            Ok(f) => f,
            Err(e) if dom.is_some() && e.is_fault(&Fault::ManagedObjectNotFound) => {
                return Err(gone())
            }
            Err(e) => return Err(e),
        };
        if let Some(d) = dom {
            let vm = found.iter().find(|o| o.obj == d.moref).ok_or_else(gone)?;
            if !is_same_vm(d, vm) {
                return Err(gone());
            }
            self.check_scope(d, vm)?;
        }
        let Some(manager) = found
            .into_iter()
            .find(|o| o.obj.kind == "HostAutoStartManager")
        else {
            return Err(Error::operation_unsupported(
                "The host did not report an autostart manager (configManager.autoStartManager), so \
                 autostart cannot be read or changed",
            ));
        };
        let mut cfg = AutostartConfig {
            manager: Some(manager.obj.clone()),
            ..Default::default()
        };
        let c = AutostartManagerConfig::from_object(&manager)?.config;
        cfg.enabled = c.defaults.and_then(|d| d.enabled).unwrap_or(false);
        cfg.power_info = c
            .power_info
            .into_iter()
            .map(|p| (p.key, p.start_action))
            .collect();
        Ok(cfg)
    }
}

impl Domains<'_> {
    /// Whether the host starts this domain with itself; the same request
    /// confirms that the domain still exists (NO_DOMAIN if not).
    pub fn domain_get_autostart(&self, dom: &DomainRef) -> Result<bool> {
        let (cfg, vm) = self.autostart_and_vm(dom)?;
        Ok(cfg.starts(&vm))
    }
}
