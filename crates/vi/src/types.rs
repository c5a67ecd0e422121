// SPDX-License-Identifier: LGPL-2.1-or-later
//! VI API values as they come off the wire ([`Value`], [`MoRef`]), and what
//! the driver adds to the generated message types (vim25, declared in
//! vim25.schema): reading an ObjectContent's properties, an UpdateSet's
//! objects, a fault as an error, questions.
//!
//! Responses are parsed once into [`Value`], a small tree that keeps the
//! `xsi:type` of every element that had one. Unknown elements and types are
//! kept, not rejected: servers add fields over time (WIRE.md 2.3).

use std::fmt;

use roxmltree::Node;

use crate::error::{Error, Result};

pub use crate::vim25::{
    AboutInfo, DynamicProperty, Fault, LocalizedMethodFault, MissingProperty, ObjectContent,
    ObjectUpdate, ObjectUpdateKind, PropertyChange, PropertyChangeOp, ServiceContent, TaskInfo,
    TaskInfoState, UpdateSet, UserSession, VirtualMachinePowerState,
};

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

impl AboutInfo {
    /// True for a vCenter, false for a host agent.
    pub fn is_vcenter(&self) -> bool {
        self.api_type == "VirtualCenter"
    }
}

/// A fault as a `LocalizedMethodFault` carries it (in TaskInfo.error, a
/// missingSet): its type is the `fault`'s xsi:type.
impl LocalizedMethodFault {
    /// The fault's wire type name (`InvalidPowerState`...).
    pub fn fault_type(&self) -> &str {
        self.fault.type_name().unwrap_or("MethodFault")
    }

    /// The fault, typed (with its place in the hierarchy).
    pub fn kind(&self) -> Fault {
        Fault::from_name(self.fault_type())
    }

    /// The localized message, else the fault's faultMessage, else its type.
    pub fn message(&self) -> String {
        self.localized_message
            .clone()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| fault_message(&self.fault))
    }

    pub fn to_error(&self, context: &str) -> Error {
        let ty = self.fault_type();
        Error::from_fault(ty, format!("{context}: {} ({ty})", self.message()))
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

/// Reading the properties of an `ObjectContent` (RetrievePropertiesEx).
impl ObjectContent {
    /// The value of a property, if the host set it (unset is absent).
    pub fn prop(&self, name: &str) -> Option<&Value> {
        self.prop_set
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.val)
    }

    /// The fault for a property the host could not read (missingSet).
    pub fn missing(&self, name: &str) -> Option<&LocalizedMethodFault> {
        self.missing_set
            .iter()
            .find(|m| m.path == name)
            .map(|m| &m.fault)
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
        if let Some(f) = self.missing(name) {
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
        if let Some(f) = self.missing(name) {
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

/// The objects of an `UpdateSet` (WaitForUpdatesEx), whatever filter they
/// came from.
impl UpdateSet {
    pub fn objects(&self) -> impl Iterator<Item = &ObjectUpdate> {
        self.filter_set.iter().flat_map(|f| f.object_set.iter())
    }

    /// The host sent part of the changes: the rest come with the next call
    /// from this version (at once; the VI reference lets a host split any
    /// update, the first one included).
    pub fn is_truncated(&self) -> bool {
        self.truncated == Some(true)
    }
}

/// A task's state: still queued or running.
impl TaskInfoState {
    pub fn is_pending(&self) -> bool {
        matches!(self, TaskInfoState::Queued | TaskInfoState::Running)
    }
}

/// A VM's power state as the driver acts on it: a value the schema does
/// not know (a newer host's) is an error naming it, never a guess.
impl VirtualMachinePowerState {
    pub fn known(&self) -> Result<VirtualMachinePowerState> {
        match self {
            VirtualMachinePowerState::Other(other) => {
                Err(Error::rpc(format!("Unknown VM power state '{other}'")))
            }
            known => Ok(known.clone()),
        }
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
