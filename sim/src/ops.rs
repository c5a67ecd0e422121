//! VM configuration, registration, snapshots and autostart methods.

use crate::server::Shared;
use crate::soap::{Call, Ret};
use crate::world::{Fault, World};

/// Handles the methods of this module; None for any other method.
pub fn dispatch(
    _sh: &Shared,
    _w: &mut World,
    _call: &Call,
    _user: &str,
) -> Option<Result<Ret, Fault>> {
    None
}
