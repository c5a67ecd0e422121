// SPDX-License-Identifier: LGPL-2.1-or-later
//! Domain job exports (libvirt's virDomainGetJobInfo, virDomainAbortJob):
//! the VI task running on the domain's VM, its progress, and cancelling it.

#![allow(non_camel_case_types)]

use std::os::raw::{c_int, c_ulonglong};

use super::export::{export, Dom, Out};
use super::types::esxDomainPtr;

/// virDomainJobType.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum esxDomainJobType {
    ESX_DOMAIN_JOB_NONE = 0,
    ESX_DOMAIN_JOB_BOUNDED = 1,
    ESX_DOMAIN_JOB_UNBOUNDED = 2,
    ESX_DOMAIN_JOB_COMPLETED = 3,
    ESX_DOMAIN_JOB_FAILED = 4,
    ESX_DOMAIN_JOB_CANCELLED = 5,
}

/// virDomainJobInfo. A task's progress is a percentage: a bounded job has
/// dataTotal 100 and dataProcessed the percentage done. The mem* and file*
/// fields and timeRemaining are 0 (ESX does not report them).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct esxDomainJobInfo {
    /// An esxDomainJobType.
    pub r#type: c_int,
    /// Milliseconds since the job started.
    pub timeElapsed: c_ulonglong,
    pub timeRemaining: c_ulonglong,
    pub dataTotal: c_ulonglong,
    pub dataProcessed: c_ulonglong,
    pub dataRemaining: c_ulonglong,
    pub memTotal: c_ulonglong,
    pub memProcessed: c_ulonglong,
    pub memRemaining: c_ulonglong,
    pub fileTotal: c_ulonglong,
    pub fileProcessed: c_ulonglong,
    pub fileRemaining: c_ulonglong,
}
pub type esxDomainJobInfoPtr = *mut esxDomainJobInfo;

/// The domain's job: the task queued or running on its VM
/// (ESX_DOMAIN_JOB_BOUNDED when the host reports its progress,
/// ESX_DOMAIN_JOB_UNBOUNDED when not), or ESX_DOMAIN_JOB_NONE. One request.
#[no_mangle]
pub unsafe extern "C" fn esxDomainGetJobInfo(d: esxDomainPtr, info: esxDomainJobInfoPtr) -> c_int {
    export!(esxDomainGetJobInfo(d: Dom, info: Out<esxDomainJobInfo>) {
        let j = d.domains().domain_get_job_info(&d.dom())?;
        info.set(esxDomainJobInfo {
            r#type: j.kind,
            timeElapsed: j.time_elapsed_ms,
            dataTotal: j.data_total,
            dataProcessed: j.data_processed,
            dataRemaining: j.data_remaining,
            ..esxDomainJobInfo::default()
        });
        Ok(0)
    })
}

/// Cancels the domain's job (CancelTask on the task running on its VM); the
/// call that waits for that task then fails with ESX_ERR_OPERATION_ABORTED.
/// ESX_ERR_OPERATION_INVALID when there is no job or the host says the task
/// cannot be cancelled (it then goes on); ESX_ERR_OPERATION_DENIED on a
/// read-only connection.
#[no_mangle]
pub unsafe extern "C" fn esxDomainAbortJob(d: esxDomainPtr) -> c_int {
    export!(esxDomainAbortJob(d: Dom) {
        d.domains().domain_abort_job(&d.dom()).map(|_| 0)
    })
}
