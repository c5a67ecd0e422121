//! The faults esx-sim answers with: a fault type of the schema with its
//! typed detail (`FileNotFound { file }`), or, for the faults a test
//! injects by name, a name alone.

use esx_vi::vim25::{self, IsFault, LocalizedMethodFault};
use esx_vi::wire::{Keep, KeepAll, Serve};
use esx_vi::{MoRef, Value};

/// A fault to return: its type, message, and detail.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub ty: String,
    pub message: String,
    /// The detail's fields (a data object of the fault's type).
    pub detail: Value,
}

fn no_detail() -> Value {
    Value::Obj {
        ty: None,
        fields: Vec::new(),
    }
}

impl Fault {
    /// A fault of a declared type, with its typed detail.
    pub fn typed<F: IsFault>(detail: F, message: impl Into<String>) -> Fault {
        Fault {
            ty: F::FAULT.name().to_string(),
            message: message.into(),
            detail: detail.to_value(),
        }
    }

    /// A fault known by name only (one a test injects).
    pub fn named(ty: &str, message: impl Into<String>) -> Fault {
        Fault {
            ty: ty.to_string(),
            message: message.into(),
            detail: no_detail(),
        }
    }

    pub fn invalid_argument(prop: &str) -> Fault {
        Fault::typed(
            vim25::InvalidArgument {
                invalid_property: Some(prop.to_string()),
            },
            format!("A specified parameter was not correct: {prop}"),
        )
    }

    pub fn not_found_obj(obj: &MoRef) -> Fault {
        Fault::typed(
            vim25::ManagedObjectNotFound { obj: obj.clone() },
            format!(
                "The object 'vim.{}:{}' has already been deleted or has not been completely created",
                obj.kind, obj.value
            ),
        )
    }

    pub fn invalid_property(path: &str) -> Fault {
        Fault::typed(
            vim25::InvalidProperty {
                name: path.to_string(),
            },
            "",
        )
    }

    pub fn invalid_power_state(
        existing: &vim25::VirtualMachinePowerState,
        requested: Option<vim25::VirtualMachinePowerState>,
    ) -> Fault {
        let pretty = match existing {
            vim25::VirtualMachinePowerState::PoweredOn => "Powered on",
            vim25::VirtualMachinePowerState::PoweredOff => "Powered off",
            _ => "Suspended",
        };
        Fault::typed(
            vim25::InvalidPowerState {
                requested_state: requested,
                existing_state: existing.clone(),
            },
            format!("The attempted operation cannot be performed in the current state ({pretty})."),
        )
    }

    pub fn file_not_found(file: &str) -> Fault {
        Fault::typed(
            vim25::FileNotFound {
                file: file.to_string(),
            },
            format!("File {file} was not found"),
        )
    }

    pub fn file_exists(file: &str) -> Fault {
        Fault::typed(
            vim25::FileAlreadyExists {
                file: file.to_string(),
            },
            format!(
                "Cannot complete the operation because the file or folder {file} already exists"
            ),
        )
    }

    /// The fault as an anyType value (its type named), for a
    /// LocalizedMethodFault.
    pub fn as_value(&self) -> Value {
        let fields = match &self.detail {
            Value::Obj { fields, .. } => fields.clone(),
            _ => Vec::new(),
        };
        Value::Obj {
            ty: Some(self.ty.clone()),
            fields,
        }
    }

    /// `TaskInfo.error`.
    pub fn localized(&self) -> LocalizedMethodFault {
        LocalizedMethodFault {
            fault: self.as_value(),
            localized_message: Some(self.message.clone()),
        }
    }

    /// The detail's fields as XML (inside `<TypeFault xsi:type="Type">`).
    pub fn detail_xml(&self) -> String {
        let mut out = String::new();
        if let Value::Obj { fields, .. } = &self.detail {
            for (n, v) in fields {
                v.write_xml(&mut out, n, false, &KeepAll as &dyn Keep);
            }
        }
        out
    }
}
