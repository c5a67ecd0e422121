// SPDX-License-Identifier: LGPL-2.1-or-later
//! Values of the generated VI types (esx_vi::vim25) as esx-sim writes them.
//! The client reads these types and the simulator writes them from the same
//! declaration (vim25.schema); the schema gives each field's wire type
//! (an xsd primitive, an enum, a reference, a data object).

use esx_vi::schema::schema;
use esx_vi::wire::ToValue;
use esx_vi::Value;

use crate::model::SVal;

/// `v`, a value of the declared data object type `ty`, as an SVal.
pub fn sval<T: ToValue>(ty: &str, v: &T) -> SVal {
    convert(ty, &v.to_value())
}

fn xsd(ty: &str) -> &'static str {
    match ty {
        "int" => "xsd:int",
        "long" => "xsd:long",
        "short" => "xsd:short",
        "byte" => "xsd:byte",
        "boolean" => "xsd:boolean",
        "double" => "xsd:double",
        "dateTime" => "xsd:dateTime",
        _ => "xsd:string",
    }
}

/// The item type name of a list of `ty` (as model::list takes it).
fn list_item(ty: &str) -> String {
    match ty {
        "MoRef" => "ManagedObjectReference".into(),
        t if t.starts_with("enum:") => "string".into(),
        "dateTime" => "dateTime".into(),
        t => t.to_string(),
    }
}

fn convert(ty: &str, v: &Value) -> SVal {
    match v {
        Value::MoRef(m) => SVal::MoRef(m.kind.clone(), m.value.clone()),
        Value::Text { text, .. } => match ty.strip_prefix("enum:") {
            Some(e) => SVal::Enum(e.to_string(), text.clone()),
            None => SVal::Prim(xsd(ty), text.clone()),
        },
        Value::Array { items, .. } => SVal::List(
            list_item(ty),
            items.iter().map(|i| convert(ty, i)).collect(),
        ),
        Value::Obj { ty: sub, fields } => {
            // A polymorphic slot: the value names its subtype (and ESX
            // writes it as xsi:type).
            let (ty, poly) = match sub {
                Some(t) => (t.as_str(), true),
                None => (ty, false),
            };
            let s = schema();
            let mut out: Vec<(String, SVal)> = Vec::new();
            // In the schema's (WSDL) order, whatever order the value has.
            for f in s.all_fields(ty) {
                let values: Vec<&Value> = fields
                    .iter()
                    .filter(|(n, _)| n == &f.name)
                    .map(|(_, v)| v)
                    .collect();
                if values.is_empty() {
                    continue;
                }
                if f.occurs.is_array() {
                    let items = values.iter().map(|x| convert(&f.ty, x)).collect();
                    out.push((f.name.clone(), SVal::List(list_item(&f.ty), items)));
                } else {
                    out.push((f.name.clone(), convert(&f.ty, values[0])));
                }
            }
            SVal::Obj {
                ty: ty.to_string(),
                poly,
                fields: out,
            }
        }
    }
}
