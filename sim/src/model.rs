// SPDX-License-Identifier: LGPL-2.1-or-later
//! Typed values as ESX writes them, and their XML form.
//!
//! ESX puts `xsi:type` on AnyType slots (a property's `val`, a task's
//! `result`, a fault) and on polymorphic fields, and nowhere else; libvirt's
//! deserializer rejects unknown `xsi:type` values and whitespace between
//! elements, so the writer is exact about both.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use esx_vi::soap::escape;

#[derive(Debug, Clone, PartialEq)]
pub enum SVal {
    /// An XSD primitive: (`xsd:int`, "4").
    Prim(&'static str, String),
    /// An enum value: (`VirtualMachinePowerState`, "poweredOn").
    Enum(String, String),
    MoRef(String, String),
    /// A data object. `poly` makes nested occurrences carry `xsi:type`.
    Obj {
        ty: String,
        poly: bool,
        fields: Vec<(String, SVal)>,
    },
    /// A list; the string is the item type (`string`, `int`,
    /// `ManagedObjectReference`, or a data object type).
    List(String, Vec<SVal>),
    /// A value in a field declared as AnyType (OptionValue.value,
    /// TaskInfo.result): always written with its xsi:type.
    Any(Box<SVal>),
}

pub fn s(v: impl Into<String>) -> SVal {
    SVal::Prim("xsd:string", v.into())
}
pub fn int(v: i64) -> SVal {
    SVal::Prim("xsd:int", v.to_string())
}
pub fn long(v: i64) -> SVal {
    SVal::Prim("xsd:long", v.to_string())
}
pub fn short(v: i64) -> SVal {
    SVal::Prim("xsd:short", v.to_string())
}
pub fn boolean(v: bool) -> SVal {
    SVal::Prim("xsd:boolean", v.to_string())
}
pub fn datetime(t: SystemTime) -> SVal {
    SVal::Prim("xsd:dateTime", format_datetime(t))
}
pub fn en(ty: &str, v: impl Into<String>) -> SVal {
    SVal::Enum(ty.to_string(), v.into())
}
pub fn moref(kind: impl Into<String>, id: impl Into<String>) -> SVal {
    SVal::MoRef(kind.into(), id.into())
}
pub fn obj(ty: &str, fields: Vec<(&str, SVal)>) -> SVal {
    SVal::Obj {
        ty: ty.to_string(),
        poly: false,
        fields: fields
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect(),
    }
}
/// A data object that always carries its `xsi:type` (polymorphic slot).
pub fn pobj(ty: &str, fields: Vec<(&str, SVal)>) -> SVal {
    match obj(ty, fields) {
        SVal::Obj { ty, fields, .. } => SVal::Obj {
            ty,
            poly: true,
            fields,
        },
        other => other,
    }
}
/// A value for an AnyType field.
pub fn any(v: SVal) -> SVal {
    SVal::Any(Box::new(v))
}
pub fn list(item: &str, items: Vec<SVal>) -> SVal {
    SVal::List(item.to_string(), items)
}
pub fn morefs(kind: &str, ids: impl IntoIterator<Item = String>) -> SVal {
    SVal::List(
        "ManagedObjectReference".into(),
        ids.into_iter().map(|i| moref(kind, i)).collect(),
    )
}

impl SVal {
    pub fn field(&self, name: &str) -> Option<&SVal> {
        match self {
            SVal::Obj { fields, .. } => fields.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows the remaining parts of a dotted property path.
    pub fn at(&self, parts: &[&str]) -> Option<SVal> {
        match parts.split_first() {
            None => Some(self.clone()),
            Some((first, rest)) => self.field(first)?.at(rest),
        }
    }
}

fn array_suffix(item: &str) -> String {
    match item {
        "string" => "String".into(),
        "int" => "Int".into(),
        "long" => "Long".into(),
        "short" => "Short".into(),
        "boolean" => "Boolean".into(),
        other => other.to_string(),
    }
}

fn item_element(item: &str) -> &str {
    item
}

/// Writes `val` as element `name`. `any` marks an AnyType slot: the
/// element then carries the value's `xsi:type`.
pub fn write(out: &mut String, name: &str, val: &SVal, any: bool) {
    match val {
        SVal::Any(v) => write(out, name, v, true),
        SVal::Prim(_, text) | SVal::Enum(_, text) => {
            let t = match val {
                SVal::Prim(t, _) => *t,
                SVal::Enum(t, _) => t.as_str(),
                _ => "",
            };
            if any {
                let _ = write!(out, "<{name} xsi:type=\"{t}\">{}</{name}>", escape(text));
            } else {
                let _ = write!(out, "<{name}>{}</{name}>", escape(text));
            }
        }
        SVal::MoRef(kind, id) => {
            if any {
                let _ = write!(
                    out,
                    "<{name} type=\"{}\" xsi:type=\"ManagedObjectReference\">{}</{name}>",
                    escape(kind),
                    escape(id)
                );
            } else {
                let _ = write!(
                    out,
                    "<{name} type=\"{}\">{}</{name}>",
                    escape(kind),
                    escape(id)
                );
            }
        }
        SVal::Obj { ty, poly, fields } => {
            if any || *poly {
                let _ = write!(out, "<{name} xsi:type=\"{ty}\">");
            } else {
                let _ = write!(out, "<{name}>");
            }
            for (fname, fval) in fields {
                write_field(out, fname, fval);
            }
            let _ = write!(out, "</{name}>");
        }
        SVal::List(item, items) => {
            if any {
                let _ = write!(out, "<{name} xsi:type=\"ArrayOf{}\">", array_suffix(item));
                for it in items {
                    write(out, item_element(item), it, true);
                }
                let _ = write!(out, "</{name}>");
            } else {
                for it in items {
                    write(out, name, it, false);
                }
            }
        }
    }
}

/// A field of a data object: lists repeat the element; values carry no
/// xsi:type unless polymorphic.
pub fn write_field(out: &mut String, name: &str, val: &SVal) {
    write(out, name, val, false)
}

/// `2024-01-02T03:04:05.123456Z`.
pub fn format_datetime(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn datetime_format() {
        let t = UNIX_EPOCH + Duration::from_secs(1_270_730_711);
        assert_eq!(format_datetime(t), "2010-04-08T12:45:11.000000Z");
    }

    #[test]
    fn xsi_type_only_where_esx_writes_it() {
        let v = obj(
            "HostHardwareSummary",
            vec![("cpuMhz", int(2100)), ("vendor", s("x"))],
        );
        let mut o = String::new();
        write(&mut o, "val", &v, true);
        assert_eq!(
            o,
            "<val xsi:type=\"HostHardwareSummary\"><cpuMhz>2100</cpuMhz><vendor>x</vendor></val>"
        );
        let l = morefs("HostSystem", ["ha-host".to_string()]);
        let mut o = String::new();
        write(&mut o, "val", &l, true);
        assert_eq!(
            o,
            "<val xsi:type=\"ArrayOfManagedObjectReference\"><ManagedObjectReference type=\"HostSystem\" xsi:type=\"ManagedObjectReference\">ha-host</ManagedObjectReference></val>"
        );
        let mut o = String::new();
        write_field(&mut o, "host", &l);
        assert_eq!(o, "<host type=\"HostSystem\">ha-host</host>");
    }
}
