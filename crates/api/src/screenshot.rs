// SPDX-License-Identifier: LGPL-2.1-or-later
//! virDomainScreenshot, which libvirt's ESX driver lacks: the host renders
//! the VM's console to a PNG in the VM's directory (CreateScreenshot_Task)
//! and the caller reads it through a stream from the host's `/folder`, as
//! volume downloads are read. The file stays beside the VM, as the vSphere
//! client leaves its screenshots.

use crate::domain::DomainRef;
use crate::error::{check_flags, Error, Result};
use crate::stream::VolStream;
use crate::vi::datastore::DatastorePath;
use crate::vi::vim25::VmPower;
use crate::vi::{methods, VirtualMachinePowerState};
use crate::Domains;

/// The MIME type of what the stream carries.
pub const SCREENSHOT_MIME: &str = "image/png";

impl Domains<'_> {
    /// The console of a running domain: a stream of PNG bytes and its MIME
    /// type. ESX VMs have one screen, number 0.
    pub fn domain_screenshot(
        &self,
        dom: &DomainRef,
        screen: u32,
        flags: u32,
    ) -> Result<(VolStream, &'static str)> {
        check_flags(flags, 0)?;
        if screen != 0 {
            return Err(Error::invalid_arg(format!(
                "Domain '{}' has one screen (0), not screen {screen}",
                dom.name
            )));
        }
        let what = format!("take a screenshot of domain '{}'", dom.name);
        let out = self.vm_task(
            dom,
            &what,
            |vm: &VmPower| match vm.power_state.known()? {
                VirtualMachinePowerState::PoweredOn => Ok(()),
                _ => Err(Error::operation_invalid(format!(
                    "domain '{}' is not running: only a running domain has a screen",
                    dom.name
                ))),
            },
            methods::create_screenshot_task,
        )?;
        let path = out.result.as_ref().and_then(|v| v.text()).ok_or_else(|| {
            Error::rpc("CreateScreenshot_Task finished without naming the screenshot file")
        })?;
        let file = DatastorePath::parse(path)?;
        // The PNG's size is what the host says (a screenshot is no volume
        // the browser would size).
        let stream = self.download_file(
            &file,
            0,
            0,
            None,
            || Ok(None),
            format!("download the screenshot of domain '{}' ({path})", dom.name),
        )?;
        Ok((stream, SCREENSHOT_MIME))
    }
}
