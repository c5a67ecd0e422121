//! The VI API client (vSphere Web Services SOAP). Pure Rust: it knows
//! nothing of C or libvirt handles.

pub mod datastore;
pub mod methods;
pub mod property;
pub mod schema;
pub mod session;
pub mod soap;
pub mod task;
pub mod tls;
pub mod transport;
pub mod types;

pub use session::{Client, Safety, Secret};
pub use types::{MoRef, ObjectContent, PowerState, Question, TaskInfo, Value};
