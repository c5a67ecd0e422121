//! A task: its `info` as ESX reports it (the generated TaskInfo, changed
//! as the task runs), and beside it when it ended (tasks are forgotten ten
//! minutes later).

use std::time::Instant;

use esx_vi::vim25::{self, TaskInfoState};
use esx_vi::wire::{Keep, NoSuchProperty};
use esx_vi::MoRef;

use crate::registry::{read_typed, Object, Sink};
use crate::world::World;

pub struct Task {
    pub moref: MoRef,
    pub mo: vim25::Task,
    pub finished_at: Option<Instant>,
}

impl Task {
    pub fn info(&self) -> &vim25::TaskInfo {
        &self.mo.info
    }

    pub fn info_mut(&mut self) -> &mut vim25::TaskInfo {
        &mut self.mo.info
    }

    pub fn is_pending(&self) -> bool {
        matches!(
            self.mo.info.state,
            TaskInfoState::Queued | TaskInfoState::Running
        )
    }
}

impl Object for Task {
    fn moref(&self) -> &MoRef {
        &self.moref
    }

    fn read(
        &self,
        _: &World,
        path: &[&str],
        keep: &dyn Keep,
        sink: &mut Sink<'_>,
    ) -> Result<(), NoSuchProperty> {
        read_typed(&self.mo, path, keep, sink)
    }
}
