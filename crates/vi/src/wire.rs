// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the generated VI layer (`vim25`) is built on: reading typed values
//! out of the wire's generic [`Value`] tree and writing them back, with the
//! schema's rules: a required field that is absent is an error naming the
//! type and field; an optional one is `None`; an array that is absent is
//! empty; unknown extra fields are ignored (newer hosts send more).

use crate::error::{Error, Result};
use crate::types::{not_reported, MoRef, ObjectContent, Value};

/// A typed value read from the wire.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self>;
}

/// A typed value written to the wire (element names come from the field;
/// no `xsi:type`: every value has its declared type).
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// A set of properties of one managed object type, read in one request.
pub trait View: Sized {
    /// The managed object type.
    const TYPE: &'static str;
    /// The property paths, as the PropertySpec asks for them.
    const PATHS: &'static [&'static str];
    fn from_object(o: &ObjectContent) -> Result<Self>;
}

fn not_a(v: &Value, what: &str) -> Error {
    let shown = v
        .text()
        .map(|t| crate::soap::excerpt(t, 40))
        .unwrap_or_else(|| "(a structure)".into());
    Error::rpc(format!("the value '{shown}' is not {what}"))
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Text { text, .. } => Ok(text.clone()),
            other => Err(not_a(other, "text")),
        }
    }
}

macro_rules! integer {
    ($t:ty, $what:literal) => {
        impl FromValue for $t {
            fn from_value(v: &Value) -> Result<Self> {
                v.text()
                    .and_then(|t| t.trim().parse::<$t>().ok())
                    .ok_or_else(|| not_a(v, $what))
            }
        }
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                text(self.to_string())
            }
        }
    };
}
integer!(i8, "an xsd:byte");
integer!(i16, "an xsd:short");
integer!(i32, "an xsd:int (a 32-bit integer)");
integer!(i64, "an xsd:long (a 64-bit integer)");

impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self> {
        v.text()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .ok_or_else(|| not_a(v, "an xsd:double"))
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self> {
        v.as_bool().ok_or_else(|| not_a(v, "an xsd:boolean"))
    }
}

impl FromValue for MoRef {
    fn from_value(v: &Value) -> Result<Self> {
        v.as_moref()
            .cloned()
            .ok_or_else(|| not_a(v, "a managed object reference"))
    }
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

fn text(t: String) -> Value {
    Value::Text { ty: None, text: t }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        text(self.clone())
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        text(self.to_string())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        text(self.to_string())
    }
}

impl ToValue for MoRef {
    fn to_value(&self) -> Value {
        Value::MoRef(self.clone())
    }
}

/// An anyType value keeps its own xsi:type.
impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

fn in_field(e: Error, ty: &str, field: &str) -> Error {
    e.context(format!("{ty}.{field} from the host"))
}

/// A field the schema says is always there.
pub fn required<T: FromValue>(v: &Value, ty: &str, field: &str) -> Result<T> {
    match v.get(field) {
        Some(x) => T::from_value(x).map_err(|e| in_field(e, ty, field)),
        None => Err(Error::rpc(format!(
            "{ty} from the host lacks its '{field}' field"
        ))),
    }
}

/// A field a host may leave out.
pub fn optional<T: FromValue>(v: &Value, ty: &str, field: &str) -> Result<Option<T>> {
    v.get(field)
        .map(|x| T::from_value(x).map_err(|e| in_field(e, ty, field)))
        .transpose()
}

/// A repeated field (absent: none).
pub fn array<T: FromValue>(v: &Value, ty: &str, field: &str) -> Result<Vec<T>> {
    v.get_all(field)
        .map(|x| T::from_value(x).map_err(|e| in_field(e, ty, field)))
        .collect()
}

/// A repeated field with at least one item.
pub fn non_empty_array<T: FromValue>(v: &Value, ty: &str, field: &str) -> Result<Vec<T>> {
    let items: Vec<T> = array(v, ty, field)?;
    if items.is_empty() {
        return Err(Error::rpc(format!(
            "{ty} from the host lacks its '{field}' field"
        )));
    }
    Ok(items)
}

fn prop_value<T: FromValue>(o: &ObjectContent, path: &str, v: &Value) -> Result<T> {
    T::from_value(v).map_err(|e| e.context(format!("Property '{path}' of {}", o.obj)))
}

/// A property the host must report (its absence is an error naming it,
/// or the fault the host gave for it).
pub fn prop_required<T: FromValue>(o: &ObjectContent, path: &str) -> Result<T> {
    prop_value(o, path, o.require(path)?)
}

/// A property a host may leave out: None when it did.
pub fn prop_optional<T: FromValue>(o: &ObjectContent, path: &str) -> Result<Option<T>> {
    o.prop(path).map(|v| prop_value(o, path, v)).transpose()
}

/// An array property (absent or unset: none).
pub fn prop_array<T: FromValue>(o: &ObjectContent, path: &str) -> Result<Vec<T>> {
    match o.prop(path) {
        None => Ok(Vec::new()),
        Some(v) => v
            .items()
            .into_iter()
            .map(|x| prop_value(o, path, x))
            .collect(),
    }
}

/// An array property with at least one item.
pub fn prop_non_empty_array<T: FromValue>(o: &ObjectContent, path: &str) -> Result<Vec<T>> {
    let items: Vec<T> = prop_array(o, path)?;
    if items.is_empty() {
        return Err(not_reported(path, &o.obj));
    }
    Ok(items)
}

/// The one value a method must return.
pub fn returned_required<T: FromValue>(values: Vec<Value>, method: &str) -> Result<T> {
    match values.first() {
        Some(v) => T::from_value(v).map_err(|e| e.context(format!("{method} returned"))),
        None => Err(Error::rpc(format!("{method} returned nothing"))),
    }
}

/// The value a method may return.
pub fn returned_optional<T: FromValue>(values: Vec<Value>, method: &str) -> Result<Option<T>> {
    values
        .first()
        .map(|v| T::from_value(v).map_err(|e| e.context(format!("{method} returned"))))
        .transpose()
}

/// The values a method returns.
pub fn returned_array<T: FromValue>(values: Vec<Value>, method: &str) -> Result<Vec<T>> {
    values
        .iter()
        .map(|v| T::from_value(v).map_err(|e| e.context(format!("{method} returned"))))
        .collect()
}

pub fn put<T: ToValue>(fields: &mut Vec<(String, Value)>, name: &str, v: &T) {
    fields.push((name.to_string(), v.to_value()));
}

pub fn put_opt<T: ToValue>(fields: &mut Vec<(String, Value)>, name: &str, v: &Option<T>) {
    if let Some(v) = v {
        put(fields, name, v);
    }
}

pub fn put_all<T: ToValue>(fields: &mut Vec<(String, Value)>, name: &str, v: &[T]) {
    for x in v {
        put(fields, name, x);
    }
}
