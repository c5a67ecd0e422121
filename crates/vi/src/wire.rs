// SPDX-License-Identifier: LGPL-2.1-or-later
//! What the generated VI layer (`vim25`) is built on: reading typed values
//! out of the wire's generic [`Value`] tree and writing them back, with the
//! schema's rules: a required field that is absent is an error naming the
//! type and field; an optional one is `None`; an array that is absent is
//! empty; unknown extra fields are ignored (newer hosts send more).

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::soap::escape;
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

// ---------------------------------------------------------------------------
// Requests: one generated struct per method of the schema, what the client
// writes and what a server (esx-sim) reads.

/// The parameters of one VI method, with its binding: the managed object
/// type `_this` must be (or a subtype of it).
pub trait Request: Sized {
    /// The method's wire name (`PowerOnVM_Task`).
    const METHOD: &'static str;
    /// The managed object type the method is called on.
    const THIS: &'static str;
    /// Whether it changes something (never repeated blindly).
    const MUTATING: bool;
    /// Reads the parameters of a request (the method element's children,
    /// as a data object); an error names the parameter at fault.
    fn from_params(v: &Value) -> std::result::Result<Self, &'static str>;
    /// Writes the parameters in WSDL order.
    fn write_params(&self, w: &mut crate::soap::XmlWriter);
}

/// The client's side of a method's binding: a reference of a managed type
/// the schema declares, and that is not the method's type, is a bug in
/// the caller, reported before any request. A type the schema does not
/// declare is left to the host to judge.
pub fn check_this(method: &str, this: &MoRef, binding: &str) -> Result<()> {
    if crate::vim25::managed_declared(&this.kind)
        && !crate::vim25::managed_is_a(&this.kind, binding)
    {
        return Err(Error::internal(format!(
            "{method} is a method of {binding}; {this} is not one"
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Serving: typed values written as a server writes them, and property paths
// walked over them (esx-sim's property collector).

/// What a server leaves out of what it writes: esx-sim's sparse mode (every
/// field the schema marks optional) and its omissions (`Type.field`).
pub trait Keep {
    /// Whether field `field` of a value of type `ty` is written.
    fn keep(&self, ty: &str, field: &str, optional: bool) -> bool;
    /// Whether every field is written (nothing to ask).
    fn all(&self) -> bool {
        false
    }
}

/// Everything written.
pub struct KeepAll;

impl Keep for KeepAll {
    fn keep(&self, _: &str, _: &str, _: bool) -> bool {
        true
    }
    fn all(&self) -> bool {
        true
    }
}

/// A property path that the managed object type does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSuchProperty;

/// A value found at a property path.
#[derive(Clone, Copy)]
pub struct Found<'a> {
    pub value: &'a dyn Serve,
    /// The wire type, where the Rust type does not say it (a dateTime,
    /// held as text).
    pub xsi: Option<&'static str>,
}

impl<'a> Found<'a> {
    pub fn new(value: &'a dyn Serve) -> Found<'a> {
        Found { value, xsi: None }
    }

    /// Writes the value as an anyType element (`val`, `returnval`).
    pub fn write(&self, out: &mut String, name: &str, keep: &dyn Keep) {
        match (self.xsi, self.value.text()) {
            (Some(t), Some(text)) => {
                let _ = write!(out, "<{name} xsi:type=\"{t}\">{}</{name}>", escape(text));
            }
            _ => self.value.write_xml(out, name, true, keep),
        }
    }
}

/// The value at a path: Ok(None) when unset (or left out, or below a value
/// that has no such field); Err when a managed object type has no such
/// property.
pub type Walked<'a> = std::result::Result<Option<Found<'a>>, NoSuchProperty>;

/// A typed value a server writes.
pub trait Serve {
    /// Writes the value as element `name`. `any`: the element is an
    /// anyType slot (a property's `val`, a task's `result`), so it names
    /// its type (`xsi:type`); elsewhere only polymorphic values do.
    fn write_xml(&self, out: &mut String, name: &str, any: bool, keep: &dyn Keep);
    /// The value at `path` below this one (empty: this one).
    fn at<'a>(&'a self, path: &[&str], keep: &dyn Keep) -> Walked<'a>;
    /// The text of a primitive.
    fn text(&self) -> Option<&str> {
        None
    }
    /// The managed object references the value is (a traversal follows
    /// them).
    fn morefs(&self, _out: &mut Vec<MoRef>) {}
}

/// How a list of values of a type is written in an anyType slot.
pub trait Item {
    /// `ArrayOfString`, `ArrayOfManagedObjectReference`...
    const ARRAY_OF: &'static str;
    /// The element of each item (`string`, `ManagedObjectReference`...).
    const ELEMENT: &'static str;
}

/// `<name>` or `<name xsi:type="ty">`.
pub fn open(out: &mut String, name: &str, ty: Option<&str>) {
    match ty {
        Some(t) => {
            let _ = write!(out, "<{name} xsi:type=\"{t}\">");
        }
        None => {
            let _ = write!(out, "<{name}>");
        }
    }
}

pub fn close(out: &mut String, name: &str) {
    let _ = write!(out, "</{name}>");
}

fn leaf<'a>(v: &'a dyn Serve, path: &[&str]) -> Walked<'a> {
    Ok(path.is_empty().then(|| Found::new(v)))
}

/// A dateTime field (text in Rust): found with its wire type.
pub fn datetime_at<'a>(v: Option<&'a String>, path: &[&str]) -> Walked<'a> {
    Ok(v.filter(|_| path.is_empty()).map(|s| Found {
        value: s,
        xsi: Some("xsd:dateTime"),
    }))
}

fn write_text(out: &mut String, name: &str, xsi: &str, any: bool, text: &str) {
    if any {
        let _ = write!(out, "<{name} xsi:type=\"{xsi}\">{}</{name}>", escape(text));
    } else {
        let _ = write!(out, "<{name}>{}</{name}>", escape(text));
    }
}

macro_rules! serve_primitive {
    ($t:ty, $xsi:literal, $array:literal, $element:literal) => {
        impl Serve for $t {
            fn write_xml(&self, out: &mut String, name: &str, any: bool, _: &dyn Keep) {
                write_text(out, name, $xsi, any, &self.to_string());
            }
            fn at<'a>(&'a self, path: &[&str], _: &dyn Keep) -> Walked<'a> {
                leaf(self, path)
            }
        }
        impl Item for $t {
            const ARRAY_OF: &'static str = $array;
            const ELEMENT: &'static str = $element;
        }
    };
}
serve_primitive!(i8, "xsd:byte", "ArrayOfByte", "byte");
serve_primitive!(i16, "xsd:short", "ArrayOfShort", "short");
serve_primitive!(i32, "xsd:int", "ArrayOfInt", "int");
serve_primitive!(i64, "xsd:long", "ArrayOfLong", "long");
serve_primitive!(f64, "xsd:double", "ArrayOfDouble", "double");
serve_primitive!(bool, "xsd:boolean", "ArrayOfBoolean", "boolean");

impl Serve for String {
    fn write_xml(&self, out: &mut String, name: &str, any: bool, _: &dyn Keep) {
        write_text(out, name, "xsd:string", any, self);
    }
    fn at<'a>(&'a self, path: &[&str], _: &dyn Keep) -> Walked<'a> {
        leaf(self, path)
    }
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl Item for String {
    const ARRAY_OF: &'static str = "ArrayOfString";
    const ELEMENT: &'static str = "string";
}

impl Serve for MoRef {
    fn morefs(&self, out: &mut Vec<MoRef>) {
        out.push(self.clone());
    }
    fn write_xml(&self, out: &mut String, name: &str, any: bool, _: &dyn Keep) {
        let typed = if any {
            " xsi:type=\"ManagedObjectReference\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<{name} type=\"{}\"{typed}>{}</{name}>",
            escape(&self.kind),
            escape(&self.value)
        );
    }
    fn at<'a>(&'a self, path: &[&str], _: &dyn Keep) -> Walked<'a> {
        leaf(self, path)
    }
}

impl Item for MoRef {
    const ARRAY_OF: &'static str = "ArrayOfManagedObjectReference";
    const ELEMENT: &'static str = "ManagedObjectReference";
}

impl<T: Serve> Serve for Option<T> {
    fn write_xml(&self, out: &mut String, name: &str, any: bool, keep: &dyn Keep) {
        if let Some(v) = self {
            v.write_xml(out, name, any, keep);
        }
    }
    fn at<'a>(&'a self, path: &[&str], keep: &dyn Keep) -> Walked<'a> {
        match self {
            Some(v) => v.at(path, keep),
            None => Ok(None),
        }
    }
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(Serve::text)
    }
    fn morefs(&self, out: &mut Vec<MoRef>) {
        if let Some(v) = self {
            v.morefs(out);
        }
    }
}

/// A list: in an anyType slot one `ArrayOf...` element of typed items,
/// elsewhere the element repeated. A path cannot step into a list.
impl<T: Serve + Item> Serve for Vec<T> {
    fn write_xml(&self, out: &mut String, name: &str, any: bool, keep: &dyn Keep) {
        if any {
            open(out, name, Some(T::ARRAY_OF));
            for x in self {
                x.write_xml(out, T::ELEMENT, true, keep);
            }
            close(out, name);
        } else {
            for x in self {
                x.write_xml(out, name, false, keep);
            }
        }
    }
    fn at<'a>(&'a self, path: &[&str], _: &dyn Keep) -> Walked<'a> {
        leaf(self, path)
    }
    fn morefs(&self, out: &mut Vec<MoRef>) {
        for x in self {
            x.morefs(out);
        }
    }
}

/// The element name of the items of an `ArrayOf...` type.
fn array_element(array_type: &str) -> &str {
    let item = array_type
        .rsplit_once(':')
        .map_or(array_type, |(_, l)| l)
        .trim_start_matches("ArrayOf");
    match item {
        "String" => "string",
        "Int" => "int",
        "Long" => "long",
        "Short" => "short",
        "Byte" => "byte",
        "Boolean" => "boolean",
        "Double" => "double",
        "DateTime" => "dateTime",
        other => other,
    }
}

/// Writes an anyType value: in an anyType slot with its own `xsi:type`
/// (a primitive without one is a string, a reference a
/// `ManagedObjectReference`), below it as any data object's fields. Where
/// the value names its type (or the schema declares the field's), `keep`
/// leaves fields out as it does of typed values.
fn write_value(
    v: &Value,
    out: &mut String,
    name: &str,
    any: bool,
    keep: &dyn Keep,
    declared: Option<&str>,
) {
    match v {
        Value::Text { ty, text } => {
            write_text(out, name, ty.as_deref().unwrap_or("xsd:string"), any, text)
        }
        Value::MoRef(m) => m.write_xml(out, name, any, keep),
        Value::Obj { ty, fields } => {
            open(out, name, ty.as_deref());
            let own = ty
                .as_deref()
                .map(|t| t.rsplit_once(':').map_or(t, |(_, l)| l))
                .or(declared);
            let schema = (!keep.all()).then(crate::schema::schema);
            for (n, f) in fields {
                let field = schema.zip(own).and_then(|(s, t)| s.field(t, n));
                if let (Some(t), Some(fd)) = (own, field) {
                    if !keep.keep(t, n, fd.occurs == crate::schema::Occurs::Optional) {
                        continue;
                    }
                }
                write_value(f, out, n, false, keep, field.map(|f| f.ty.as_str()));
            }
            close(out, name);
        }
        Value::Array { ty, items } => {
            open(out, name, Some(ty));
            let element = array_element(ty);
            for x in items {
                write_value(x, out, element, true, keep, None);
            }
            close(out, name);
        }
    }
}

impl Serve for Value {
    fn write_xml(&self, out: &mut String, name: &str, any: bool, keep: &dyn Keep) {
        write_value(self, out, name, any, keep, None);
    }
    fn at<'a>(&'a self, path: &[&str], keep: &dyn Keep) -> Walked<'a> {
        let Some((first, rest)) = path.split_first() else {
            return Ok(Some(Found::new(self)));
        };
        // A field the value's own type declares optional may be left out.
        if let (false, Some(t)) = (keep.all(), self.type_name()) {
            let optional = crate::schema::schema()
                .field(t, first)
                .is_some_and(|f| f.occurs == crate::schema::Occurs::Optional);
            if !keep.keep(t, first, optional) {
                return Ok(None);
            }
        }
        match self.get(first) {
            Some(v) => v.at(rest, keep),
            None => Ok(None),
        }
    }
    fn text(&self) -> Option<&str> {
        match self {
            Value::Text { text, .. } => Some(text),
            _ => None,
        }
    }
    fn morefs(&self, out: &mut Vec<MoRef>) {
        match self {
            Value::MoRef(m) => out.push(m.clone()),
            Value::Array { items, .. } => items.iter().for_each(|i| i.morefs(out)),
            _ => {}
        }
    }
}

impl Item for Value {
    const ARRAY_OF: &'static str = "ArrayOfAnyType";
    const ELEMENT: &'static str = "anyType";
}

/// A typed value as an anyType value (a task's `result`, a fault's
/// detail): the type it names is its own.
pub fn any<T: ToValue + Serve + ?Sized>(v: &T, xsi: &str) -> Value {
    let mut value = v.to_value();
    match &mut value {
        Value::Text { ty, .. } | Value::Obj { ty, .. } => *ty = Some(xsi.to_string()),
        Value::MoRef(_) | Value::Array { .. } => {}
    }
    value
}

/// A list of typed values as an anyType value (`ArrayOf...`).
pub fn any_list<T: ToValue + Serve + Item>(items: &[T], xsi: &str) -> Value {
    Value::Array {
        ty: T::ARRAY_OF.to_string(),
        items: items.iter().map(|x| any(x, xsi)).collect(),
    }
}
