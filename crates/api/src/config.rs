// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain information and configuration: info, memory, vCPUs, scheduler
//! (CPU allocation), autostart, guest host name and addresses. Reads cost
//! one request once the VM's MoRef is known; writes are one ReconfigVM_Task
//! through the task runner, validated first so that nothing changes on bad
//! input.

use super::domain::{libvirt_state, DomainRef};
use super::Connection;
use crate::error::{check_flags, Code, Error, Result};
use crate::flags;
use crate::flags::esxDomainGetHostnameFlags::*;
use crate::flags::esxDomainInterfaceAddressesSource::*;
use crate::flags::esxDomainMemoryModFlags::*;
use crate::flags::esxDomainVcpuFlags::*;
use crate::vi::vim25::*;
use crate::vi::wire::View;
use crate::vi::{methods, VirtualMachinePowerState};
use crate::Domains;

/// virDomainInfo in Rust types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainInfo {
    pub state: i32,
    pub max_mem_kib: u64,
    pub memory_kib: u64,
    pub nr_virt_cpu: u16,
    /// ESX does not expose absolute CPU time; 0, as libvirt's ESX driver.
    pub cpu_time_ns: u64,
}

/// A typed parameter value (virTypedParameter's union).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Int(i32),
    UInt(u32),
    LLong(i64),
    ULLong(u64),
    Double(f64),
    Boolean(bool),
    Str(String),
}

impl ParamValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            ParamValue::Int(_) => "int",
            ParamValue::UInt(_) => "uint",
            ParamValue::LLong(_) => "llong",
            ParamValue::ULLong(_) => "ullong",
            ParamValue::Double(_) => "double",
            ParamValue::Boolean(_) => "boolean",
            ParamValue::Str(_) => "string",
        }
    }
}

/// A named typed parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedParam {
    pub name: String,
    pub value: ParamValue,
}

impl TypedParam {
    pub fn new(name: &str, value: ParamValue) -> TypedParam {
        TypedParam {
            name: name.to_string(),
            value,
        }
    }
}

/// libvirt's parameter names.
/// What a `domainGet*Parameters` call answers: libvirt asks with
/// `*nparams` 0 for how many parameters there are.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    Count(i32),
    Values(Vec<TypedParam>),
}

impl Params {
    /// The values (none for a count).
    pub fn into_values(self) -> Vec<TypedParam> {
        match self {
            Params::Count(_) => Vec::new(),
            Params::Values(v) => v,
        }
    }
}

/// The first `n` (>= 0) of a list.
fn truncated<T>(mut v: Vec<T>, n: i32) -> Vec<T> {
    v.truncate(usize::try_from(n).unwrap_or(0));
    v
}

pub const SCHED_RESERVATION: &str = "reservation";
pub const SCHED_LIMIT: &str = "limit";
pub const SCHED_SHARES: &str = "shares";
pub const MEMORY_MIN_GUARANTEE: &str = "min_guarantee";

/// VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT: VMware Tools.
pub const IFADDR_SRC_LEASE: u32 = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE as u32;
pub const IFADDR_SRC_AGENT: u32 = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT as u32;
pub const IFADDR_SRC_ARP: u32 = ESX_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP as u32;

/// The smallest memory ESX gives a VM (memoryMB is at least 4).
pub const MIN_MEMORY_KIB: u64 = 4 * 1024;
/// The largest memory of a VM (virtual hardware 13 and later: 6 TiB).
pub const MAX_MEMORY_KIB: u64 = 6 * 1024 * 1024 * 1024;

/// One guest NIC with its addresses (virDomainInterface).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub hwaddr: String,
    /// (VIR_IP_ADDR_TYPE_IPV4 = 0 or _IPV6 = 1, address, prefix)
    pub addrs: Vec<(i32, String, u32)>,
}

fn div_up(n: u64, d: u64) -> u64 {
    n.div_ceil(d)
}

/// A domain's memoryMB in KiB; a negative count is the host's error.
fn mib_to_kib(mib: i32, dom: &DomainRef) -> Result<u64> {
    crate::reported::scaled(
        i64::from(mib),
        1024,
        "config.hardware.memoryMB",
        &format!("domain '{}'", dom.name),
    )
}

/// The most vCPUs a VM of a virtual hardware version can have (VMware's
/// compatibility table), for hosts that do not report
/// capability.maxSupportedVcpus.
pub fn vcpu_limit_of_hardware(version: u32) -> i32 {
    match version {
        0..=4 => 4,
        5..=7 => 8,
        8 => 32,
        9 | 10 => 64,
        11..=14 => 128,
        15..=18 => 256,
        _ => 768,
    }
}

impl Connection {
    /// Runs ReconfigVM_Task with `spec` after `check` validated the VM's
    /// current view `V` (read in the task runner's precheck).
    fn reconfigure<V: View>(
        &self,
        dom: &DomainRef,
        what: &str,
        check: impl FnOnce(&V) -> Result<()>,
        spec: VirtualMachineConfigSpec,
    ) -> Result<()> {
        self.vm_task(dom, what, check, |c, vm| {
            methods::reconfig_vm_task(c, vm, &spec)
        })
        .map(|_| ())
    }

    /// The host's limit of vCPUs per VM (capability.maxSupportedVcpus), read
    /// once per connection; None when the host does not report it.
    pub fn reported_max_vcpus(&self) -> Result<Option<i32>> {
        self.max_vcpus
            .get_or_try_init(|| {
                let h: HostMaxVcpus = self.host_view()?;
                Ok(h.max_supported_vcpus.map(|n| n.max(1)))
            })
            .copied()
    }

    /// The most vCPUs a VM on this host can have: what the host reports,
    /// else the limit of the newest virtual hardware its API version
    /// supports.
    /// The most vCPUs a VM on this host can have; `type` is NULL, "esx"
    /// or "vmware".
    pub fn connect_get_max_vcpus(&self, r#type: Option<&str>) -> Result<i32> {
        if let Some(t) = r#type {
            if !t.eq_ignore_ascii_case("esx") && !t.eq_ignore_ascii_case("vmware") {
                return Err(Error::invalid_arg(format!(
                    "unknown type '{t}' (expecting esx or vmware)"
                )));
            }
        }
        Ok(self.reported_max_vcpus()?.unwrap_or_else(|| {
            vcpu_limit_of_hardware(super::xml::hw_version_for(
                &self.client().service().about.api_version,
            ))
        }))
    }

    /// Fails clearly when the domain does not run or VMware Tools does not
    /// answer, before the guest's view (through Tools) is used.
    fn check_guest(
        &self,
        dom: &DomainRef,
        power_state: &VirtualMachinePowerState,
        tools: Option<&str>,
    ) -> Result<()> {
        if power_state.known()? != VirtualMachinePowerState::PoweredOn {
            return Err(Error::operation_invalid(format!(
                "domain '{}' is not running",
                dom.name
            )));
        }
        if tools != Some("guestToolsRunning") {
            return Err(Error::new(
                Code::AgentUnresponsive,
                format!(
                    "VMware Tools is not running in domain '{}', so the guest cannot be asked",
                    dom.name
                ),
            ));
        }
        Ok(())
    }
}

impl Domains<'_> {
    /// virDomainGetInfo: one request.
    pub fn domain_get_info(&self, dom: &DomainRef) -> Result<DomainInfo> {
        let vm: VmInfo = self.vm_view(dom)?;
        let max = mib_to_kib(vm.memory_mb, dom)?;
        // No limit (absent, or -1) means the domain may use all of its memory.
        let limit = vm.memory_limit.unwrap_or(-1);
        if limit < -1 {
            crate::reported::non_negative(
                limit,
                "config.memoryAllocation.limit",
                &format!("domain '{}'", dom.name),
            )?;
        }
        Ok(DomainInfo {
            state: libvirt_state(&vm.power_state.known()?),
            max_mem_kib: max,
            memory_kib: if limit > 0 {
                (limit as u64).saturating_mul(1024).min(max)
            } else {
                max
            },
            nr_virt_cpu: u16::try_from(crate::reported::non_negative(
                i64::from(vm.num_cpu),
                "config.hardware.numCPU",
                &format!("domain '{}'", dom.name),
            )?)
            .map_err(|_| {
                Error::rpc(format!(
                    "domain '{}' reports more virtual CPUs than virDomainInfo can hold",
                    dom.name
                ))
            })?,
            cpu_time_ns: 0,
        })
    }

    /// Maximum memory in KiB (config.hardware.memoryMB).
    pub fn domain_get_max_memory(&self, dom: &DomainRef) -> Result<u64> {
        let vm: VmMemory = self.vm_view(dom)?;
        mib_to_kib(vm.memory_mb, dom)
    }

    /// Sets the maximum memory (memoryMB, rounded up to 4 MiB as ESX wants).
    /// The VM must be powered off.
    pub fn domain_set_max_memory(&self, dom: &DomainRef, kib: u64) -> Result<()> {
        if !(MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&kib) {
            return Err(Error::invalid_arg(format!(
                "Maximum memory of {kib} KiB is out of range: ESX needs {MIN_MEMORY_KIB} KiB to {MAX_MEMORY_KIB} KiB"
            )));
        }
        let mb = div_up(kib, 4096) * 4;
        let what = format!(
            "set the maximum memory of domain '{}' to {kib} KiB",
            dom.name
        );
        self.reconfigure(
            dom,
            &what,
            |vm: &VmPower| match vm.power_state.known()? {
                VirtualMachinePowerState::PoweredOff => Ok(()),
                _ => Err(Error::operation_invalid(format!(
                    "domain '{}' must be powered off to change its maximum memory",
                    dom.name
                ))),
            },
            VirtualMachineConfigSpec {
                memory_mb: Some(mb as i64),
                ..Default::default()
            },
        )
    }

    /// Sets the memory the domain may use (its memory limit, in MiB rounded
    /// up), at most its maximum memory.
    pub fn domain_set_memory(&self, dom: &DomainRef, kib: u64) -> Result<()> {
        if kib < MIN_MEMORY_KIB {
            return Err(Error::invalid_arg(format!(
                "Memory of {kib} KiB is below the {MIN_MEMORY_KIB} KiB ESX gives a VM at least"
            )));
        }
        let mb = div_up(kib, 1024);
        let what = format!("set the memory of domain '{}' to {kib} KiB", dom.name);
        self.reconfigure(
            dom,
            &what,
            |vm: &VmMemory| {
                let max = mib_to_kib(vm.memory_mb, dom)?;
                if mb * 1024 > max {
                    return Err(Error::invalid_arg(format!(
                        "cannot set memory higher than max memory: {kib} KiB > {max} KiB"
                    )));
                }
                Ok(())
            },
            VirtualMachineConfigSpec {
                memory_allocation: Some(ResourceAllocationInfo {
                    limit: Some(mb as i64),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
    }

    /// virDomainSetMemoryFlags: with ESX_DOMAIN_MEM_MAXIMUM the maximum, else
    /// the current memory. LIVE and CONFIG are the same on ESX.
    pub fn domain_set_memory_flags(&self, dom: &DomainRef, kib: u64, flags: u32) -> Result<()> {
        check_flags(flags, flags::DOMAIN_SET_MEMORY_FLAGS)?;
        if flags & ESX_DOMAIN_MEM_MAXIMUM as u32 != 0 {
            self.domains().domain_set_max_memory(dom, kib)
        } else {
            self.domains().domain_set_memory(dom, kib)
        }
    }

    /// The memory parameters (min_guarantee, the reservation), at most
    /// `nparams` of them; with `nparams` 0, libvirt's query of how many
    /// there are.
    pub fn domain_get_memory_parameters(
        &self,
        dom: &DomainRef,
        nparams: i32,
        flags: u32,
    ) -> Result<Params> {
        check_flags(flags, flags::DOMAIN_GET_PARAMETERS)?;
        match nparams {
            n if n < 0 => Err(Error::invalid_arg("*nparams must not be negative")),
            0 => Ok(Params::Count(1)),
            n => Ok(Params::Values(truncated(self.memory_parameters(dom)?, n))),
        }
    }

    fn memory_parameters(&self, dom: &DomainRef) -> Result<Vec<TypedParam>> {
        let vm: VmMemoryReservation = self.vm_view(dom)?;
        // A reservation the host does not report is unknown: not listed.
        vm.reservation
            .map(|r| {
                let kib = crate::reported::scaled(
                    r,
                    1024,
                    "config.memoryAllocation.reservation",
                    &format!("domain '{}'", dom.name),
                )?;
                Ok(TypedParam::new(
                    MEMORY_MIN_GUARANTEE,
                    ParamValue::ULLong(kib),
                ))
            })
            .into_iter()
            .collect()
    }

    pub fn domain_set_memory_parameters(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, flags::DOMAIN_SET_PARAMETERS)?;
        if params.is_empty() {
            return Err(Error::invalid_arg("nparams must be positive"));
        }
        let mut reservation = None;
        for p in params {
            match (p.name.as_str(), &p.value) {
                (MEMORY_MIN_GUARANTEE, ParamValue::ULLong(v)) => {
                    reservation = Some(div_up(*v, 1024))
                }
                (MEMORY_MIN_GUARANTEE, other) => {
                    return Err(Error::invalid_arg(format!(
                    "invalid type '{}' for parameter '{MEMORY_MIN_GUARANTEE}', expected 'ullong'",
                    other.type_name()
                )))
                }
                (name, _) => {
                    return Err(Error::invalid_arg(format!(
                        "parameter '{name}' not supported (ESX supports '{MEMORY_MIN_GUARANTEE}')"
                    )))
                }
            }
        }
        let Some(mb) = reservation else { return Ok(()) };
        let what = format!("set the memory reservation of domain '{}'", dom.name);
        self.reconfigure(
            dom,
            &what,
            |vm: &VmMemory| {
                let max = mib_to_kib(vm.memory_mb, dom)?;
                if mb * 1024 > max {
                    return Err(Error::invalid_arg(format!(
                        "min_guarantee of {} KiB is above the domain's memory of {max} KiB",
                        mb * 1024
                    )));
                }
                Ok(())
            },
            VirtualMachineConfigSpec {
                memory_allocation: Some(ResourceAllocationInfo {
                    reservation: Some(mb as i64),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
    }

    /// The most vCPUs this domain can have: the host's limit, or without
    /// one the limit of the domain's virtual hardware version.
    pub fn domain_get_max_vcpus(&self, dom: &DomainRef) -> Result<i32> {
        if let Some(n) = self.reported_max_vcpus()? {
            return Ok(n);
        }
        let vm: VmHardwareVersion = self.vm_view(dom)?;
        let version = vm
            .version
            .as_deref()
            .and_then(|v| v.strip_prefix("vmx-"))
            .and_then(|v| v.parse::<u32>().ok());
        match version {
            Some(v) => Ok(vcpu_limit_of_hardware(v)),
            None => self.connect_get_max_vcpus(None),
        }
    }

    /// virDomainSetVcpusFlags. ESX needs the VM powered off unless CPU hot
    /// add is on, and a multiple of its cores per socket.
    pub fn domain_set_vcpus_flags(&self, dom: &DomainRef, n: u32, flags: u32) -> Result<()> {
        check_flags(flags, flags::DOMAIN_SET_VCPUS_FLAGS)?;
        if n < 1 {
            return Err(Error::invalid_arg(
                "Requested number of virtual CPUs must at least be 1",
            ));
        }
        // Without the host's limit, the host itself refuses too many.
        if let Some(max) = self.reported_max_vcpus()? {
            if n > max as u32 {
                return Err(Error::invalid_arg(format!(
                    "Requested number of virtual CPUs is greater than max allowable number of virtual CPUs \
                     for the domain: {n} > {max}"
                )));
            }
        }
        let what = format!("set the virtual CPUs of domain '{}' to {n}", dom.name);
        self.reconfigure(
            dom,
            &what,
            |vm: &VmCpuChange| {
                let cores = i64::from(vm.cores_per_socket.unwrap_or(1).max(1));
                if n as i64 % cores != 0 {
                    return Err(Error::invalid_arg(format!(
                        "domain '{}' has {cores} cores per socket, so its virtual CPUs must be a multiple of {cores}",
                        dom.name
                    )));
                }
                let current = i64::from(vm.num_cpu.unwrap_or(0));
                let hot_add = vm.cpu_hot_add_enabled.unwrap_or(false);
                if vm.power_state.known()? != VirtualMachinePowerState::PoweredOff
                    && !(hot_add && n as i64 > current)
                {
                    return Err(Error::operation_invalid(format!(
                        "domain '{}' must be powered off to change its virtual CPUs (CPU hot add is {})",
                        dom.name,
                        if hot_add { "on, but only adds CPUs" } else { "off" }
                    )));
                }
                Ok(())
            },
            VirtualMachineConfigSpec {
                num_cpus: Some(n as i32),
                ..Default::default()
            },
        )
    }

    /// virDomainGetVcpusFlags: the vCPUs, or with ESX_DOMAIN_VCPU_MAXIMUM the host's limit.
    pub fn domain_get_vcpus_flags(&self, dom: &DomainRef, flags: u32) -> Result<i32> {
        check_flags(flags, flags::DOMAIN_GET_VCPUS_FLAGS)?;
        if flags & ESX_DOMAIN_VCPU_MAXIMUM as u32 != 0 {
            return self.domains().domain_get_max_vcpus(dom);
        }
        let vm: VmCpus = self.vm_view(dom)?;
        crate::reported::non_negative(
            i64::from(vm.num_cpu),
            "config.hardware.numCPU",
            &format!("domain '{}'", dom.name),
        )?;
        Ok(vm.num_cpu)
    }

    /// virDomainGetSchedulerParametersFlags: reservation and limit (MHz) and
    /// shares (custom value, or -1/-2/-3 for low/normal/high).
    /// At most `nparams` of them.
    pub fn domain_get_scheduler_parameters_flags(
        &self,
        dom: &DomainRef,
        nparams: i32,
        flags: u32,
    ) -> Result<Vec<TypedParam>> {
        check_flags(flags, flags::DOMAIN_GET_PARAMETERS)?;
        if nparams < 0 {
            return Err(Error::invalid_arg("*nparams must not be negative"));
        }
        Ok(truncated(self.scheduler_parameters(dom)?, nparams))
    }

    /// domainGetSchedulerParameters, libvirt's older entry: `nparams` must
    /// be positive.
    pub fn domain_get_scheduler_parameters(
        &self,
        dom: &DomainRef,
        nparams: i32,
    ) -> Result<Vec<TypedParam>> {
        if nparams <= 0 {
            return Err(Error::invalid_arg("*nparams must be positive"));
        }
        self.domain_get_scheduler_parameters_flags(dom, nparams, 0)
    }

    pub fn domain_set_scheduler_parameters(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
    ) -> Result<()> {
        self.domain_set_scheduler_parameters_flags(dom, params, 0)
    }

    /// "allocation", with its three parameters (reservation, limit, shares).
    pub fn domain_get_scheduler_type(&self, _dom: &DomainRef) -> Result<(&'static str, i32)> {
        Ok(("allocation", 3))
    }

    /// "hvm": every ESX guest is fully virtualised.
    pub fn domain_get_os_type(&self, _dom: &DomainRef) -> Result<&'static str> {
        Ok("hvm")
    }

    /// domainSetVcpus: domainSetVcpusFlags on the live domain.
    pub fn domain_set_vcpus(&self, dom: &DomainRef, n: u32) -> Result<()> {
        self.domain_set_vcpus_flags(dom, n, ESX_DOMAIN_VCPU_LIVE as u32)
    }

    fn scheduler_parameters(&self, dom: &DomainRef) -> Result<Vec<TypedParam>> {
        let vm: VmCpuAllocation = self.vm_view(dom)?;
        // Each value the host does not report is unknown, and not listed.
        let mut out = Vec::new();
        if let Some(r) = vm.reservation {
            out.push(TypedParam::new(SCHED_RESERVATION, ParamValue::LLong(r)));
        }
        if let Some(l) = vm.limit {
            out.push(TypedParam::new(SCHED_LIMIT, ParamValue::LLong(l)));
        }
        if let Some(shares) = vm.shares {
            let value = match shares.level.as_str() {
                "low" => -1,
                "normal" => -2,
                "high" => -3,
                "custom" => shares.shares.max(0),
                other => {
                    return Err(Error::rpc(format!(
                        "Shares level of domain '{}' has unknown value '{other}'",
                        dom.name
                    )))
                }
            };
            out.push(TypedParam::new(SCHED_SHARES, ParamValue::Int(value)));
        }
        Ok(out)
    }

    pub fn domain_set_scheduler_parameters_flags(
        &self,
        dom: &DomainRef,
        params: &[TypedParam],
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, flags::DOMAIN_SET_PARAMETERS)?;
        let mut alloc = ResourceAllocationInfo::default();
        for p in params {
            match (p.name.as_str(), &p.value) {
                (SCHED_RESERVATION, ParamValue::LLong(v)) => {
                    if *v < 0 {
                        return Err(Error::invalid_arg(format!(
                            "Could not set reservation to {v} MHz, expecting positive value"
                        )));
                    }
                    alloc.reservation = Some(*v);
                }
                (SCHED_LIMIT, ParamValue::LLong(v)) => {
                    if *v < -1 {
                        return Err(Error::invalid_arg(format!(
                            "Could not set limit to {v} MHz, expecting positive value or -1 (unlimited)"
                        )));
                    }
                    alloc.limit = Some(*v);
                }
                (SCHED_SHARES, ParamValue::Int(v)) => {
                    let (shares, level) = match *v {
                        v if v >= 0 => (v, "custom"),
                        -1 => (-1, "low"),
                        -2 => (-1, "normal"),
                        -3 => (-1, "high"),
                        v => {
                            return Err(Error::invalid_arg(format!(
                                "Could not set shares to {v}, expecting positive value or -1 (low), -2 (normal) or \
                                 -3 (high)"
                            )))
                        }
                    };
                    alloc.shares = Some(SharesInfo {
                        shares,
                        level: SharesLevel::parse(level),
                    });
                }
                (name @ (SCHED_RESERVATION | SCHED_LIMIT | SCHED_SHARES), other) => {
                    let want = if name == SCHED_SHARES { "int" } else { "llong" };
                    return Err(Error::invalid_arg(format!(
                        "invalid type '{}' for parameter '{name}', expected '{want}'",
                        other.type_name()
                    )));
                }
                (name, _) => {
                    return Err(Error::invalid_arg(format!(
                        "parameter '{name}' not supported (ESX's allocation scheduler has reservation, limit and shares)"
                    )))
                }
            }
        }
        if params.is_empty() {
            // Nothing to change (libvirt allows nparams 0); the domain must
            // still exist.
            self.vm_properties(dom, &[])?;
            return Ok(());
        }
        let what = format!("change the scheduler parameters of domain '{}'", dom.name);
        let (new_res, new_limit) = (alloc.reservation, alloc.limit);
        self.reconfigure(
            dom,
            &what,
            |vm: &VmCpuAllocation| {
                // Unknown values (not reported) cannot contradict anything.
                let res = new_res.or(vm.reservation).unwrap_or(0);
                let limit = new_limit.or(vm.limit).unwrap_or(-1);
                if limit != -1 && limit < res {
                    return Err(Error::invalid_arg(format!(
                        "limit of {limit} MHz would be below the reservation of {res} MHz; set the limit to -1 \
                         (unlimited) or at least the reservation"
                    )));
                }
                Ok(())
            },
            VirtualMachineConfigSpec {
                cpu_allocation: Some(alloc),
                ..Default::default()
            },
        )
    }

    /// Enables or disables autostart of one domain. Enabling it turns on the
    /// host-wide switch when it is off, as libvirt does, unless that would
    /// start other VMs too.
    pub fn domain_set_autostart(&self, dom: &DomainRef, on: bool) -> Result<()> {
        self.check_writable(&format!("change the autostart of domain '{}'", dom.name))?;
        let (cfg, vm) = self.autostart_and_vm(dom)?;
        let dom = &DomainRef {
            moref: vm,
            ..dom.clone()
        };
        let manager = cfg.manager.clone().ok_or_else(|| {
            Error::operation_unsupported("The host did not report an autostart manager")
        })?;
        let mut spec = HostAutoStartManagerConfig::default();
        if on && !cfg.enabled {
            if let Some((other, _)) = cfg
                .power_info
                .iter()
                .find(|(k, a)| k.value != dom.moref.value && a != "none")
            {
                return Err(Error::operation_invalid(format!(
                    "Cannot enable general autostart option without affecting other domains (VM {} has a start \
                     action)",
                    other.value
                )));
            }
            spec.defaults = Some(AutoStartDefaults {
                enabled: Some(true),
                ..Default::default()
            });
        }
        spec.power_info.push(AutoStartPowerInfo {
            key: dom.moref.clone(),
            start_order: -1,
            start_delay: -1,
            wait_for_heartbeat: AutoStartWaitHeartbeatSetting::SystemDefault,
            start_action: if on { "powerOn" } else { "none" }.into(),
            stop_delay: -1,
            stop_action: "none".into(),
        });
        methods::reconfigure_autostart(self.client(), &manager, &spec).map_err(|e| {
            e.context(format!(
                "Could not change the autostart of domain '{}'",
                dom.name
            ))
        })
    }

    /// The guest's host name, as VMware Tools reports it.
    pub fn domain_get_hostname(&self, dom: &DomainRef, flags: u32) -> Result<String> {
        check_flags(flags, flags::DOMAIN_GET_HOSTNAME)?;
        if flags & ESX_DOMAIN_GET_HOSTNAME_LEASE as u32 != 0 {
            return Err(Error::argument_unsupported(
                "ESX has no DHCP leases to read a host name from; use the guest agent (VMware Tools)",
            ));
        }
        let vm: VmGuestHostName = self.vm_view(dom)?;
        self.check_guest(dom, &vm.power_state, vm.tools_running_status.as_deref())?;
        match vm.host_name {
            Some(h) if !h.is_empty() => Ok(h),
            _ => Err(Error::new(
                Code::NoHostname,
                format!("VMware Tools in domain '{}' reports no host name", dom.name),
            )),
        }
    }

    /// The guest's NICs and addresses, as VMware Tools reports them.
    pub fn domain_interface_addresses(
        &self,
        dom: &DomainRef,
        source: u32,
        flags: u32,
    ) -> Result<Vec<Interface>> {
        check_flags(flags, flags::DOMAIN_INTERFACE_ADDRESSES)?;
        match source {
            IFADDR_SRC_AGENT => {}
            IFADDR_SRC_LEASE | IFADDR_SRC_ARP => {
                return Err(Error::argument_unsupported(
                    "ESX offers the addresses VMware Tools reports, not DHCP leases or ARP: use the agent source",
                ))
            }
            other => return Err(Error::invalid_arg(format!("unknown interface address source {other}"))),
        }
        let vm: VmGuestNet = self.vm_view(dom)?;
        self.check_guest(dom, &vm.power_state, vm.tools_running_status.as_deref())?;
        let mut out = Vec::new();
        for (i, nic) in vm.net.iter().enumerate() {
            // Tools names no guest interface; like libvirt's ESX driver we
            // use the network the NIC is on, else the VMX device name.
            let name = match nic.network.as_deref() {
                Some(n) if !n.is_empty() => n.to_string(),
                _ if nic.device_config_id >= 4000 => {
                    format!("ethernet{}", nic.device_config_id - 4000)
                }
                _ => format!("ethernet{i}"),
            };
            let mut addrs: Vec<(i32, String, u32)> = Vec::new();
            let configured = nic
                .ip_config
                .as_ref()
                .map(|c| c.ip_address.as_slice())
                .unwrap_or_default();
            if configured.is_empty() {
                // Without ipConfig the prefix is unknown: 0, never a guess.
                for a in &nic.ip_address {
                    addrs.push((a.contains(':') as i32, a.clone(), 0));
                }
            } else {
                for a in configured {
                    let prefix = u32::try_from(a.prefix_length)
                        .ok()
                        .filter(|p| *p <= 128)
                        .unwrap_or(0);
                    addrs.push((
                        a.ip_address.contains(':') as i32,
                        a.ip_address.clone(),
                        prefix,
                    ));
                }
            }
            out.push(Interface {
                name,
                hwaddr: nic.mac_address.clone().unwrap_or_default(),
                addrs,
            });
        }
        Ok(out)
    }
}
