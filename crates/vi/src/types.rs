// SPDX-License-Identifier: LGPL-2.1-or-later
//! VI API values as they come off the wire, and the typed views the driver
//! reads out of them (ServiceContent, ObjectContent, TaskInfo, questions, ...).
//!
//! Responses are parsed once into [`Value`], a small tree that keeps the
//! `xsi:type` of every element that had one. Unknown elements and types are
//! kept, not rejected: servers add fields over time.

use std::fmt;

use roxmltree::Node;

use crate::error::{Error, Result};

pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A managed object reference: `<obj type="VirtualMachine">42</obj>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MoRef {
    /// The managed object type (`VirtualMachine`, `Task`, ...).
    pub kind: String,
    /// The opaque id (`42`, `vm-22`, `haTask-1-vim.VirtualMachine.powerOn-7`).
    pub value: String,
}

impl MoRef {
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> MoRef {
        MoRef {
            kind: kind.into(),
            value: value.into(),
        }
    }
}

/// An empty reference (for `Default` of the generated structs; never sent).
impl Default for MoRef {
    fn default() -> MoRef {
        MoRef::new("", "")
    }
}

/// Empty text.
impl Default for Value {
    fn default() -> Value {
        Value::Text {
            ty: None,
            text: String::new(),
        }
    }
}

impl fmt::Display for MoRef {
    /// Session-scoped objects (private property collectors, views) are
    /// named "session[KEY]id" by ESX; the key is masked, as it names the
    /// session.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}",
            self.kind,
            crate::soap::mask_session_ids(&self.value)
        )
    }
}

/// One XML element of a response, typed only as far as the wire says.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A primitive or enum: `<powerState>poweredOn</powerState>`.
    Text { ty: Option<String>, text: String },
    /// A managed object reference.
    MoRef(MoRef),
    /// A data object; fields in wire order, repeated fields repeated.
    Obj {
        ty: Option<String>,
        fields: Vec<(String, Value)>,
    },
    /// An `xsi:type="ArrayOf..."` value.
    Array { ty: String, items: Vec<Value> },
}

fn strip_prefix(t: &str) -> &str {
    t.rsplit_once(':').map(|(_, l)| l).unwrap_or(t)
}

impl Value {
    /// Builds a value from an element. Element children make a data object,
    /// a `type` attribute with text makes a MoRef, `xsi:type="ArrayOf..."`
    /// makes an array, anything else is text.
    ///
    /// Iterative, so that no input can exhaust the stack (the parser also
    /// bounds the depth, see [`crate::xmldoc`]).
    pub fn from_node(node: Node<'_, '_>) -> Value {
        // One frame per open element: its node, the values of its element
        // children so far, and the next child to visit.
        struct Frame<'a, 'i> {
            node: Node<'a, 'i>,
            fields: Vec<(String, Value)>,
            next: Option<Node<'a, 'i>>,
        }
        if !node.is_element() {
            return Value::Text {
                ty: None,
                text: node.text().unwrap_or("").to_string(),
            };
        }
        let mut stack = vec![Frame {
            node,
            fields: Vec::new(),
            next: node.first_child(),
        }];
        while let Some(top) = stack.last_mut() {
            if let Some(child) = top.next {
                top.next = child.next_sibling();
                if child.is_element() {
                    stack.push(Frame {
                        node: child,
                        fields: Vec::new(),
                        next: child.first_child(),
                    });
                }
                continue;
            }
            let Some(done) = stack.pop() else { break };
            let value = Value::build(done.node, done.fields);
            match stack.last_mut() {
                Some(parent) => parent
                    .fields
                    .push((done.node.tag_name().name().to_string(), value)),
                None => return value,
            }
        }
        Value::Text {
            ty: None,
            text: String::new(),
        }
    }

    /// One element, given the values of its element children.
    fn build(node: Node<'_, '_>, children: Vec<(String, Value)>) -> Value {
        let ty = node.attribute((XSI_NS, "type")).map(str::to_string);
        if let Some(t) = &ty {
            if strip_prefix(t).starts_with("ArrayOf") {
                return Value::Array {
                    ty: t.clone(),
                    items: children.into_iter().map(|(_, v)| v).collect(),
                };
            }
        }
        if children.is_empty() {
            // The MoRef's own `type` attribute, not `xsi:type`.
            if let Some(kind) = node
                .attributes()
                .find(|a| a.name() == "type" && a.namespace().is_none())
            {
                return Value::MoRef(MoRef::new(kind.value(), node.text().unwrap_or("").trim()));
            }
            let text: String = node
                .children()
                .filter(|c| c.is_text())
                .filter_map(|c| c.text())
                .collect();
            return Value::Text { ty, text };
        }
        Value::Obj {
            ty,
            fields: children,
        }
    }

    /// The `xsi:type` without its namespace prefix (`xsd:int` -> `int`).
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Value::Text { ty, .. } | Value::Obj { ty, .. } => ty.as_deref().map(strip_prefix),
            Value::Array { ty, .. } => Some(strip_prefix(ty)),
            Value::MoRef(_) => Some("ManagedObjectReference"),
        }
    }

    /// The first field with this name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Obj { fields, .. } => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Every field with this name (repeated fields are arrays on the wire).
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        let fields: &[(String, Value)] = match self {
            Value::Obj { fields, .. } => fields,
            _ => &[],
        };
        fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Follows a dotted path of field names (`hardware.cpuInfo.hz`).
    pub fn path(&self, path: &str) -> Option<&Value> {
        path.split('.').try_fold(self, |v, part| v.get(part))
    }

    /// The items of an array value; any other value is a list of itself.
    /// An empty element that is not an array is an empty list.
    pub fn items(&self) -> Vec<&Value> {
        match self {
            Value::Array { items, .. } => items.iter().collect(),
            Value::Text { text, .. } if text.is_empty() => Vec::new(),
            other => vec![other],
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text { text, .. } => Some(text),
            Value::MoRef(m) => Some(&m.value),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.text().and_then(|t| t.trim().parse().ok())
    }

    /// An `xsd:int` value; None when absent, not a number or out of the
    /// 32-bit range (never truncated).
    pub fn as_i32(&self) -> Option<i32> {
        self.text().and_then(|t| t.trim().parse().ok())
    }

    /// `true`/`false`; `1`/`0` are accepted as some servers send them.
    pub fn as_bool(&self) -> Option<bool> {
        match self.text().map(str::trim) {
            Some("true") | Some("1") => Some(true),
            Some("false") | Some("0") => Some(false),
            _ => None,
        }
    }

    pub fn as_moref(&self) -> Option<&MoRef> {
        match self {
            Value::MoRef(m) => Some(m),
            _ => None,
        }
    }

    /// Text of a field, if present.
    pub fn str_field(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::text)
    }

    pub fn i64_field(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }

    pub fn bool_field(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }

    pub fn moref_field(&self, name: &str) -> Option<&MoRef> {
        self.get(name).and_then(Value::as_moref)
    }
}

fn required<'a>(v: &'a Value, what: &str, field: &str) -> Result<&'a str> {
    v.str_field(field)
        .ok_or_else(|| Error::rpc(format!("{what} from the host lacks its '{field}' field")))
}

fn required_moref(v: &Value, what: &str, field: &str) -> Result<MoRef> {
    v.moref_field(field).cloned().ok_or_else(|| {
        Error::rpc(format!(
            "{what} from the host lacks its '{field}' reference"
        ))
    })
}

/// `ServiceContent.about`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AboutInfo {
    pub name: String,
    pub full_name: String,
    pub vendor: String,
    pub version: String,
    pub build: String,
    pub os_type: String,
    pub product_line_id: String,
    pub api_type: String,
    pub api_version: String,
    pub instance_uuid: Option<String>,
}

impl AboutInfo {
    pub fn from_value(v: &Value) -> Result<AboutInfo> {
        let s = |f: &str| required(v, "AboutInfo", f).map(str::to_string);
        Ok(AboutInfo {
            name: s("name")?,
            full_name: s("fullName")?,
            vendor: s("vendor")?,
            version: s("version")?,
            build: s("build")?,
            os_type: s("osType")?,
            product_line_id: s("productLineId")?,
            api_type: s("apiType")?,
            api_version: s("apiVersion")?,
            instance_uuid: v.str_field("instanceUuid").map(str::to_string),
        })
    }

    /// True for a vCenter, false for a host agent.
    pub fn is_vcenter(&self) -> bool {
        self.api_type == "VirtualCenter"
    }
}

/// The parts of `ServiceContent` the driver uses.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceContent {
    pub root_folder: MoRef,
    pub property_collector: MoRef,
    pub view_manager: Option<MoRef>,
    pub about: AboutInfo,
    pub session_manager: MoRef,
    pub search_index: MoRef,
    pub task_manager: Option<MoRef>,
    pub file_manager: Option<MoRef>,
    pub virtual_disk_manager: Option<MoRef>,
    pub perf_manager: Option<MoRef>,
}

impl ServiceContent {
    pub fn from_value(v: &Value) -> Result<ServiceContent> {
        let what = "ServiceContent";
        let about = v
            .get("about")
            .ok_or_else(|| Error::rpc("ServiceContent from the host lacks 'about'"))?;
        Ok(ServiceContent {
            root_folder: required_moref(v, what, "rootFolder")?,
            property_collector: required_moref(v, what, "propertyCollector")?,
            view_manager: v.moref_field("viewManager").cloned(),
            about: AboutInfo::from_value(about)?,
            session_manager: required_moref(v, what, "sessionManager")?,
            search_index: required_moref(v, what, "searchIndex")?,
            task_manager: v.moref_field("taskManager").cloned(),
            file_manager: v.moref_field("fileManager").cloned(),
            virtual_disk_manager: v.moref_field("virtualDiskManager").cloned(),
            perf_manager: v.moref_field("perfManager").cloned(),
        })
    }
}

/// `UserSession`, as Login returns it.
#[derive(Clone, PartialEq, Default)]
pub struct UserSession {
    pub key: String,
    pub user_name: String,
    pub full_name: String,
}

impl fmt::Debug for UserSession {
    // The session key authenticates like a password: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("key", &"<redacted>")
            .field("user_name", &self.user_name)
            .field("full_name", &self.full_name)
            .finish()
    }
}

impl UserSession {
    pub fn from_value(v: &Value) -> Result<UserSession> {
        Ok(UserSession {
            key: required(v, "UserSession", "key")?.to_string(),
            user_name: required(v, "UserSession", "userName")?.to_string(),
            full_name: v.str_field("fullName").unwrap_or_default().to_string(),
        })
    }
}

/// `LocalizedMethodFault`: a fault inside TaskInfo.error or a missingSet.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalizedFault {
    /// The fault's `xsi:type` (`InvalidPowerState`, `NotAuthenticated`, ...).
    pub fault_type: String,
    pub message: String,
    /// The fault's own fields.
    pub fault: Value,
}

impl LocalizedFault {
    pub fn from_value(v: &Value) -> LocalizedFault {
        let fault = v.get("fault").cloned().unwrap_or(Value::Text {
            ty: None,
            text: String::new(),
        });
        LocalizedFault {
            fault_type: fault.type_name().unwrap_or("MethodFault").to_string(),
            message: v
                .str_field("localizedMessage")
                .map(str::to_string)
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| fault_message(&fault)),
            fault,
        }
    }

    pub fn to_error(&self, context: &str) -> Error {
        Error::from_fault(
            &self.fault_type,
            format!("{context}: {} ({})", self.message, self.fault_type),
        )
    }
}

/// A readable text for a fault without a localized message: its
/// faultMessage, else its type.
fn fault_message(fault: &Value) -> String {
    fault
        .get("faultMessage")
        .and_then(|m| m.str_field("message"))
        .map(str::to_string)
        .unwrap_or_else(|| fault.type_name().unwrap_or("MethodFault").to_string())
}

/// `ObjectContent` from RetrieveProperties(Ex).
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectContent {
    pub obj: MoRef,
    pub props: Vec<(String, Value)>,
    pub missing: Vec<(String, LocalizedFault)>,
}

impl ObjectContent {
    pub fn from_value(v: &Value) -> Result<ObjectContent> {
        let obj = required_moref(v, "ObjectContent", "obj")?;
        let props = v
            .get_all("propSet")
            .filter_map(|p| Some((p.str_field("name")?.to_string(), p.get("val")?.clone())))
            .collect();
        let missing = v
            .get_all("missingSet")
            .filter_map(|m| {
                Some((
                    m.str_field("path")?.to_string(),
                    LocalizedFault::from_value(m.get("fault")?),
                ))
            })
            .collect();
        Ok(ObjectContent {
            obj,
            props,
            missing,
        })
    }

    /// The value of a property, if the host set it (unset is absent).
    pub fn prop(&self, name: &str) -> Option<&Value> {
        self.props.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn str_prop(&self, name: &str) -> Option<&str> {
        self.prop(name).and_then(Value::text)
    }

    pub fn i64_prop(&self, name: &str) -> Option<i64> {
        self.prop(name).and_then(Value::as_i64)
    }

    pub fn bool_prop(&self, name: &str) -> Option<bool> {
        self.prop(name).and_then(Value::as_bool)
    }

    /// A property the caller cannot do without; its absence (the VI
    /// reference lets hosts omit most properties) is an error that says what
    /// the host did not report.
    pub fn require(&self, name: &str) -> Result<&Value> {
        if let Some((_, f)) = self.missing.iter().find(|(p, _)| p == name) {
            return Err(f.to_error(&format!("Could not read '{name}' of {}", self.obj)));
        }
        self.prop(name).ok_or_else(|| not_reported(name, &self.obj))
    }

    pub fn require_str(&self, name: &str) -> Result<&str> {
        self.require(name)?
            .text()
            .ok_or_else(|| Error::rpc(format!("Property '{name}' of {} is not text", self.obj)))
    }

    pub fn require_i64(&self, name: &str) -> Result<i64> {
        self.long(name)?
            .ok_or_else(|| not_reported(name, &self.obj))
    }

    /// An `xsd:int` property: None when the host did not report it, an error
    /// naming it when its value is not a 32-bit integer.
    pub fn int(&self, name: &str) -> Result<Option<i32>> {
        match self.prop(name) {
            None => Ok(None),
            Some(v) => v
                .as_i32()
                .map(Some)
                .ok_or_else(|| out_of_range(name, &self.obj, v, "an xsd:int (a 32-bit integer)")),
        }
    }

    /// An `xsd:long` property, as [`ObjectContent::int`].
    pub fn long(&self, name: &str) -> Result<Option<i64>> {
        match self.prop(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| out_of_range(name, &self.obj, v, "an xsd:long (a 64-bit integer)")),
        }
    }

    /// An `xsd:int` property the caller cannot do without.
    pub fn require_int(&self, name: &str) -> Result<i32> {
        if let Some((_, f)) = self.missing.iter().find(|(p, _)| p == name) {
            return Err(f.to_error(&format!("Could not read '{name}' of {}", self.obj)));
        }
        self.int(name)?.ok_or_else(|| not_reported(name, &self.obj))
    }
}

/// The error for a property the host left out.
pub fn not_reported(name: &str, obj: &MoRef) -> Error {
    Error::operation_failed(format!("The host did not report '{name}' of {obj}"))
}

fn out_of_range(name: &str, obj: &MoRef, v: &Value, what: &str) -> Error {
    let shown = v.text().map(|t| crate::soap::excerpt(t, 40));
    Error::rpc(format!(
        "Property '{name}' of {obj} has the value '{}', which is not {what}",
        shown.unwrap_or_else(|| "(a structure)".to_string())
    ))
}

/// `TaskInfoState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Queued,
    Running,
    Success,
    Error,
}

impl TaskState {
    pub fn parse(text: &str) -> Option<TaskState> {
        match text {
            "queued" => Some(TaskState::Queued),
            "running" => Some(TaskState::Running),
            "success" => Some(TaskState::Success),
            "error" => Some(TaskState::Error),
            _ => None,
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(self, TaskState::Queued | TaskState::Running)
    }
}

/// `TaskInfo`, the fields the task runner reads.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub key: String,
    pub task: Option<MoRef>,
    pub name: Option<String>,
    pub description_id: String,
    pub entity: Option<MoRef>,
    pub entity_name: Option<String>,
    pub state: TaskState,
    pub cancelled: bool,
    pub cancelable: bool,
    pub error: Option<LocalizedFault>,
    pub result: Option<Value>,
    pub queue_time: Option<String>,
}

impl TaskInfo {
    pub fn from_value(v: &Value) -> Result<TaskInfo> {
        let state_text = required(v, "TaskInfo", "state")?;
        Ok(TaskInfo {
            key: v.str_field("key").unwrap_or_default().to_string(),
            task: v.moref_field("task").cloned(),
            name: v.str_field("name").map(str::to_string),
            description_id: v.str_field("descriptionId").unwrap_or_default().to_string(),
            entity: v.moref_field("entity").cloned(),
            entity_name: v.str_field("entityName").map(str::to_string),
            state: TaskState::parse(state_text).ok_or_else(|| {
                Error::rpc(format!("TaskInfo has an unknown state '{state_text}'"))
            })?,
            cancelled: v.bool_field("cancelled").unwrap_or(false),
            cancelable: v.bool_field("cancelable").unwrap_or(false),
            error: v.get("error").map(LocalizedFault::from_value),
            result: v.get("result").cloned(),
            queue_time: v.str_field("queueTime").map(str::to_string),
        })
    }
}

/// One answer of a question (`ElementDescription`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// What AnswerVM takes.
    pub key: String,
    /// The catalog label (`button.uuid.copiedTheVM`).
    pub label: String,
    /// The readable text (`I Copied It`).
    pub summary: String,
}

/// `VirtualMachineQuestionInfo`: a question that blocks a VM's task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub choices: Vec<Choice>,
    pub default_index: Option<usize>,
    /// `message[].id`, the stable ids (`msg.uuid.altered`).
    pub message_ids: Vec<String>,
}

impl Question {
    pub fn from_value(v: &Value) -> Result<Question> {
        let choice = v.get("choice");
        let choices = choice
            .map(|c| {
                c.get_all("choiceInfo")
                    .map(|ci| Choice {
                        key: ci.str_field("key").unwrap_or_default().to_string(),
                        label: ci.str_field("label").unwrap_or_default().to_string(),
                        summary: ci.str_field("summary").unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let default_index = choice
            .and_then(|c| c.i64_field("defaultIndex"))
            .and_then(|i| usize::try_from(i).ok());
        Ok(Question {
            id: required(v, "VirtualMachineQuestionInfo", "id")?.to_string(),
            text: v.str_field("text").unwrap_or_default().to_string(),
            choices,
            default_index,
            message_ids: v
                .get_all("message")
                .filter_map(|m| m.str_field("id").map(str::to_string))
                .collect(),
        })
    }

    /// "question [id] 'text'; possible answers are 'summary' (key K, label L), ...;
    /// default answer is 'X'"
    pub fn describe(&self) -> String {
        let choices: Vec<String> = self
            .choices
            .iter()
            .map(|c| {
                let shown = if c.summary.is_empty() {
                    &c.label
                } else {
                    &c.summary
                };
                format!("'{}' (key {}, label {})", shown, c.key, c.label)
            })
            .collect();
        let default = match self.default_index.and_then(|i| self.choices.get(i)) {
            Some(c) => format!(
                "default answer is '{}'",
                if c.summary.is_empty() {
                    &c.label
                } else {
                    &c.summary
                }
            ),
            None => match self.default_index {
                Some(i) => format!("default index {i} is out of range"),
                None => "no default answer".to_string(),
            },
        };
        if choices.is_empty() {
            format!(
                "question [{}] '{}' with no possible answers ({default})",
                self.id, self.text
            )
        } else {
            format!(
                "question [{}] '{}'; possible answers are {}; {default}",
                self.id,
                self.text,
                choices.join(", ")
            )
        }
    }
}

/// One change in an `ObjectUpdate`.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyChange {
    pub name: String,
    pub op: String,
    pub val: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectUpdate {
    pub kind: String,
    pub obj: MoRef,
    pub changes: Vec<PropertyChange>,
    /// Properties the host could not read (`missingSet`): their values are
    /// unknown now, which is not the same as unset.
    pub missing: Vec<(String, LocalizedFault)>,
}

/// `UpdateSet` from WaitForUpdatesEx.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateSet {
    pub version: String,
    /// The host sent part of the changes: the rest come with the next call
    /// from this version (at once; the VI reference lets a host split any
    /// update, the first one included).
    pub truncated: bool,
    pub objects: Vec<ObjectUpdate>,
}

impl UpdateSet {
    pub fn from_value(v: &Value) -> Result<UpdateSet> {
        let mut objects = Vec::new();
        for filter in v.get_all("filterSet") {
            for ou in filter.get_all("objectSet") {
                objects.push(ObjectUpdate {
                    kind: ou.str_field("kind").unwrap_or_default().to_string(),
                    obj: required_moref(ou, "ObjectUpdate", "obj")?,
                    changes: ou
                        .get_all("changeSet")
                        .filter_map(|c| {
                            Some(PropertyChange {
                                name: c.str_field("name")?.to_string(),
                                op: c.str_field("op").unwrap_or("assign").to_string(),
                                val: c.get("val").cloned(),
                            })
                        })
                        .collect(),
                    missing: ou
                        .get_all("missingSet")
                        .filter_map(|m| {
                            Some((
                                m.str_field("path")?.to_string(),
                                LocalizedFault::from_value(m.get("fault")?),
                            ))
                        })
                        .collect(),
                });
            }
        }
        Ok(UpdateSet {
            version: required(v, "UpdateSet", "version")?.to_string(),
            truncated: v.bool_field("truncated").unwrap_or(false),
            objects,
        })
    }
}

/// `VirtualMachinePowerState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    PoweredOff,
    PoweredOn,
    Suspended,
}

impl PowerState {
    pub fn parse(text: &str) -> Result<PowerState> {
        match text {
            "poweredOff" => Ok(PowerState::PoweredOff),
            "poweredOn" => Ok(PowerState::PoweredOn),
            "suspended" => Ok(PowerState::Suspended),
            other => Err(Error::rpc(format!("Unknown VM power state '{other}'"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::PoweredOff => "poweredOff",
            PowerState::PoweredOn => "poweredOn",
            PowerState::Suspended => "suspended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Value {
        let doc = roxmltree::Document::parse(xml).unwrap();
        Value::from_node(doc.root_element())
    }

    const NS: &str = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#;

    #[test]
    fn shapes() {
        let v = parse(&format!(
            r#"<val {NS} xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="HostSystem" xsi:type="ManagedObjectReference">host-1</ManagedObjectReference></val>"#
        ));
        assert_eq!(
            v.items()[0].as_moref(),
            Some(&MoRef::new("HostSystem", "host-1"))
        );
        let empty = parse(&format!(
            r#"<val {NS} xsi:type="ArrayOfCustomFieldDef"></val>"#
        ));
        assert!(empty.items().is_empty());
        let t = parse(&format!(
            r#"<val {NS} xsi:type="xsd:long">17179869184</val>"#
        ));
        assert_eq!(t.as_i64(), Some(17179869184));
        assert_eq!(t.type_name(), Some("long"));
        let o = parse(&format!(
            r#"<val {NS} xsi:type="HostCpuInfo"><numCpuPackages>2</numCpuPackages><hz>2</hz><extra><x>1</x></extra></val>"#
        ));
        assert_eq!(o.path("extra.x").and_then(Value::as_i64), Some(1));
        assert_eq!(o.type_name(), Some("HostCpuInfo"));
    }

    #[test]
    fn question_describe_names_every_choice() {
        let q = Question {
            id: "q1".into(),
            text: "Moved or copied?".into(),
            choices: vec![
                Choice {
                    key: "0".into(),
                    label: "button.uuid.cancel".into(),
                    summary: "Cancel".into(),
                },
                Choice {
                    key: "2".into(),
                    label: "button.uuid.copiedTheVM".into(),
                    summary: "I Copied It".into(),
                },
            ],
            default_index: Some(1),
            message_ids: vec![],
        };
        let d = q.describe();
        assert!(d.contains("'Moved or copied?'"));
        assert!(d.contains("'Cancel' (key 0, label button.uuid.cancel)"));
        assert!(d.contains("default answer is 'I Copied It'"));
    }
}
