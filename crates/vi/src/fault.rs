//! VI faults on the one error type.
//!
//! The project has one `Error` (esx-common), below this crate: it carries a
//! host's fault as its wire name, the one form that layer can hold without
//! knowing the VI schema, that keeps a fault the schema does not declare (a
//! newer host's) exactly as the host named it, and that the C API reports
//! (`esxError.str2`). Here the name is read back as the generated
//! [`Fault`], with the hierarchy the schema declares, so that callers check
//! faults by type (`FileNotFound` is a `FileFault`) and never by string.

use crate::error::Error;
use crate::vim25::Fault;

/// The typed VI fault of an error.
pub trait FaultOf {
    /// The fault the host sent, if it sent one.
    fn vi_fault(&self) -> Option<Fault>;

    /// Whether the host sent `fault` or one of its subtypes.
    fn is_fault(&self, fault: &Fault) -> bool {
        self.vi_fault().is_some_and(|f| f.is_a(fault))
    }
}

impl FaultOf for Error {
    fn vi_fault(&self) -> Option<Fault> {
        self.fault().map(Fault::from_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_checked_with_their_hierarchy() {
        let e = Error::from_fault("FileNotFound", "gone");
        assert_eq!(e.vi_fault(), Some(Fault::FileNotFound));
        assert!(e.is_fault(&Fault::FileNotFound));
        assert!(e.is_fault(&Fault::FileFault));
        assert!(e.is_fault(&Fault::VimFault));
        assert!(e.is_fault(&Fault::MethodFault));
        assert!(!e.is_fault(&Fault::FileAlreadyExists));
        assert!(!e.is_fault(&Fault::RuntimeFault));
        let newer = Error::from_fault("SomeNewerFault", "x");
        assert_eq!(
            newer.vi_fault(),
            Some(Fault::Other("SomeNewerFault".into()))
        );
        assert!(newer.is_fault(&Fault::MethodFault));
        assert!(!newer.is_fault(&Fault::FileFault));
        assert!(!Error::rpc("no fault").is_fault(&Fault::MethodFault));
        assert!(Error::from_fault("NotAuthenticated", "x").is_fault(&Fault::NoPermission));
    }
}
