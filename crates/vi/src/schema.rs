//! The declared VI schema (`schema/vim25.schema`): the data objects and
//! managed-object properties this project reads, with which of them a
//! server may leave out. The driver consults it to tell "the host did not
//! report X" from a malformed reply; esx-sim's sparse mode leaves out
//! exactly what it marks optional.

use std::collections::HashMap;

use once_cell::sync::Lazy;

const TEXT: &str = include_str!("schema/vim25.schema");

/// How often a field occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurs {
    /// Exactly once.
    Required,
    /// At most once; absent means unknown.
    Optional,
    /// At most once; absent is a state of its own (no question, no error).
    OptionalState,
    /// Any number of times; absent means none.
    Array,
    /// At least once.
    NonEmptyArray,
}

impl Occurs {
    /// True when a server may leave the field out.
    pub fn may_be_absent(self) -> bool {
        !matches!(self, Occurs::Required | Occurs::NonEmptyArray)
    }
}

/// One field of a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `string`, `int`, `MoRef`, `enum:PowerState`, a data object type...
    pub ty: String,
    pub occurs: Occurs,
}

/// A data object or managed object type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    pub name: String,
    pub managed: bool,
    pub base: Option<String>,
    pub fields: Vec<Field>,
}

/// What a dotted property path leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// The last field.
    pub field: Field,
    /// Whether the host may leave out the path (some step is optional).
    pub may_be_absent: bool,
}

#[derive(Debug)]
pub struct Schema {
    types: HashMap<String, TypeDef>,
}

const PRIMITIVES: &[&str] = &[
    "string", "int", "long", "short", "byte", "boolean", "dateTime", "anyType", "MoRef", "double",
];

impl Schema {
    /// Parses the schema text; an error names the line.
    pub fn parse(text: &str) -> Result<Schema, String> {
        let mut types: HashMap<String, TypeDef> = HashMap::new();
        let mut current: Option<TypeDef> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim_end();
            if line.trim().is_empty() {
                continue;
            }
            let bad = |why: &str| format!("vim25.schema line {}: {why}: '{raw}'", n + 1);
            if !line.starts_with(' ') {
                if let Some(t) = current.take() {
                    types.insert(t.name.clone(), t);
                }
                let words: Vec<&str> = line.split_whitespace().collect();
                let managed = match words.first() {
                    Some(&"data") => false,
                    Some(&"managed") => true,
                    _ => return Err(bad("expected 'data' or 'managed'")),
                };
                let (name, base) = match words.as_slice() {
                    [_, name] => (*name, None),
                    [_, name, ":", base] => (*name, Some(base.to_string())),
                    _ => return Err(bad("expected 'data NAME [: BASE]'")),
                };
                if types.contains_key(name) {
                    return Err(bad("type declared twice"));
                }
                current = Some(TypeDef {
                    name: name.to_string(),
                    managed,
                    base,
                    fields: Vec::new(),
                });
                continue;
            }
            let t = current
                .as_mut()
                .ok_or_else(|| bad("field outside a type"))?;
            let words: Vec<&str> = line.split_whitespace().collect();
            let [name, ty] = words.as_slice() else {
                return Err(bad("expected 'field TYPE'"));
            };
            let (ty, occurs) = if let Some(t) = ty.strip_suffix("?=none") {
                (t, Occurs::OptionalState)
            } else if let Some(t) = ty.strip_suffix('?') {
                (t, Occurs::Optional)
            } else if let Some(t) = ty.strip_suffix("[1]") {
                (t, Occurs::NonEmptyArray)
            } else if let Some(t) = ty.strip_suffix("[]") {
                (t, Occurs::Array)
            } else {
                (*ty, Occurs::Required)
            };
            if t.fields.iter().any(|f| f.name == *name) {
                return Err(bad("field declared twice"));
            }
            t.fields.push(Field {
                name: name.to_string(),
                ty: ty.to_string(),
                occurs,
            });
        }
        if let Some(t) = current.take() {
            types.insert(t.name.clone(), t);
        }
        let schema = Schema { types };
        schema.check()?;
        Ok(schema)
    }

    /// Every base and field type is declared, a primitive or an enum.
    fn check(&self) -> Result<(), String> {
        for t in self.types.values() {
            if let Some(b) = &t.base {
                match self.types.get(b) {
                    Some(base) if base.managed == t.managed => {}
                    _ => return Err(format!("{}: unknown base type {b}", t.name)),
                }
            }
            for f in &t.fields {
                let known = PRIMITIVES.contains(&f.ty.as_str())
                    || f.ty.starts_with("enum:")
                    || self.types.get(&f.ty).is_some_and(|d| !d.managed);
                if !known {
                    return Err(format!("{}.{}: unknown type {}", t.name, f.name, f.ty));
                }
            }
        }
        Ok(())
    }

    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// A field of a type or of one of its bases.
    pub fn field(&self, ty: &str, name: &str) -> Option<&Field> {
        let mut t = self.types.get(ty);
        while let Some(def) = t {
            if let Some(f) = def.fields.iter().find(|f| f.name == name) {
                return Some(f);
            }
            t = def.base.as_ref().and_then(|b| self.types.get(b));
        }
        None
    }

    /// Resolves a dotted property path of a managed object type
    /// (`config.hardware.memoryMB` of `VirtualMachine`).
    pub fn path(&self, managed: &str, path: &str) -> Option<PathInfo> {
        let mut ty = managed.to_string();
        let mut may_be_absent = false;
        let mut last = None;
        for part in path.split('.') {
            let f = self.field(&ty, part)?;
            may_be_absent |= f.occurs.may_be_absent();
            ty = f.ty.clone();
            last = Some(f.clone());
        }
        last.map(|field| PathInfo {
            field,
            may_be_absent,
        })
    }
}

static SCHEMA: Lazy<Schema> = Lazy::new(|| match Schema::parse(TEXT) {
    Ok(s) => s,
    // The text is compiled in and checked by a unit test: an error here is
    // a bug in this file, found before any release.
    Err(e) => {
        log::error!("{e}");
        Schema {
            types: HashMap::new(),
        }
    }
});

/// The compiled-in schema.
pub fn schema() -> &'static Schema {
    &SCHEMA
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_parses_and_is_closed() {
        let s = Schema::parse(TEXT).unwrap();
        assert!(s.types.len() > 50);
    }

    #[test]
    fn paths_resolve_with_optionality() {
        let s = schema();
        let p = s
            .path("VirtualMachine", "config.hardware.memoryMB")
            .unwrap();
        assert_eq!(p.field.ty, "int");
        assert!(p.may_be_absent, "VirtualMachine.config may be absent");
        let p = s.path("VirtualMachine", "runtime.powerState").unwrap();
        assert!(!p.may_be_absent);
        assert_eq!(p.field.ty, "enum:VirtualMachinePowerState");
        let p = s.path("VirtualMachine", "name").unwrap();
        assert!(!p.may_be_absent, "name comes from ManagedEntity");
        assert!(s.path("VirtualMachine", "config.nonsense").is_none());
        assert_eq!(
            s.field("ResourceAllocationInfo", "shares").unwrap().occurs,
            Occurs::Optional
        );
        assert_eq!(
            s.field("VirtualMachineRuntimeInfo", "question")
                .unwrap()
                .occurs,
            Occurs::OptionalState
        );
        assert_eq!(s.field("ElementDescription", "label").unwrap().ty, "string");
    }

    #[test]
    fn errors_name_the_line() {
        assert!(Schema::parse("data A\n    x Nope\n")
            .unwrap_err()
            .contains("unknown type Nope"));
        assert!(Schema::parse("data A\n    x int int\n")
            .unwrap_err()
            .contains("line 2"));
        assert!(Schema::parse("thing A\n").unwrap_err().contains("line 1"));
    }
}
