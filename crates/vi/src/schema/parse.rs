// SPDX-License-Identifier: LGPL-2.1-or-later
//! The reader of `vim25.schema`, shared by the crate (the schema at run
//! time, for esx-sim's sparse mode) and its build script (which generates
//! the typed structs, views and method calls from it). Plain std: the build
//! script includes this file as it is.

use std::collections::HashMap;

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

    pub fn is_array(self) -> bool {
        matches!(self, Occurs::Array | Occurs::NonEmptyArray)
    }

    pub fn is_optional(self) -> bool {
        matches!(self, Occurs::Optional | Occurs::OptionalState)
    }
}

/// One field of a type, or one parameter of a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// `string`, `int`, `MoRef`, `enum:PowerState`, a data object type...
    pub ty: String,
    pub occurs: Occurs,
    /// `~TYPE`: the value may be any declared subtype of TYPE (its
    /// xsi:type says which).
    pub poly: bool,
    /// `secret`: never shown by Debug (a session key).
    pub secret: bool,
}

/// A data object or managed object type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    pub name: String,
    pub managed: bool,
    /// A fault (a data object of the MethodFault hierarchy).
    pub fault: bool,
    pub base: Option<String>,
    pub fields: Vec<Field>,
}

/// An enumeration: its values in WSDL order. Every enum reads a value it
/// does not know (a newer host's) as `Other`, never as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    pub name: String,
    pub values: Vec<String>,
}

/// A typed set of properties of one managed object type, read in one
/// request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDef {
    pub name: String,
    pub of: String,
    pub props: Vec<ViewProp>,
}

/// One property of a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewProp {
    /// The Rust field name.
    pub field: String,
    pub path: String,
    /// The reader needs it (`path!`): absent is an error naming it.
    pub needed: bool,
}

/// A VI method the project calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodDef {
    pub name: String,
    /// The managed object type it is called on.
    pub on: String,
    /// What it returns (`none` for nothing), with its occurrence.
    pub returns: Option<Field>,
    /// Changes something (never repeated blindly).
    pub mutating: bool,
    pub params: Vec<Field>,
}

/// What a dotted property path leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    /// The last field.
    pub field: Field,
    /// Whether the host may leave out the path (some step is optional).
    pub may_be_absent: bool,
}

#[derive(Debug, Default)]
pub struct Schema {
    pub types: HashMap<String, TypeDef>,
    /// Data and managed types in the order the file declares them.
    pub order: Vec<String>,
    pub enums: Vec<EnumDef>,
    pub views: Vec<ViewDef>,
    pub methods: Vec<MethodDef>,
}

pub const PRIMITIVES: &[&str] = &[
    "string", "int", "long", "short", "byte", "boolean", "dateTime", "anyType", "MoRef", "double",
];

enum Block {
    Type(TypeDef),
    Enum(EnumDef),
    View(ViewDef),
    Method(MethodDef),
}

fn parse_field(name: &str, ty: &str) -> Field {
    let (ty, poly) = match ty.strip_prefix('~') {
        Some(t) => (t, true),
        None => (ty, false),
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
        (ty, Occurs::Required)
    };
    Field {
        name: name.to_string(),
        ty: ty.to_string(),
        occurs,
        poly,
        secret: false,
    }
}

impl Schema {
    /// Parses the schema text; an error names the line.
    pub fn parse(text: &str) -> Result<Schema, String> {
        let mut s = Schema::default();
        let mut current: Option<Block> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim_end();
            if line.trim().is_empty() {
                continue;
            }
            let bad = |why: &str| format!("vim25.schema line {}: {why}: '{raw}'", n + 1);
            let words: Vec<&str> = line.split_whitespace().collect();
            if !line.starts_with(' ') {
                if let Some(b) = current.take() {
                    s.finish(b).map_err(|e| bad(&e))?;
                }
                current = Some(match words.as_slice() {
                    [kind @ ("data" | "managed" | "fault"), name]
                    | [kind @ ("data" | "managed" | "fault"), name, ":", _] => Block::Type(TypeDef {
                        name: name.to_string(),
                        managed: *kind == "managed",
                        fault: *kind == "fault",
                        base: words.get(3).map(|b| b.to_string()),
                        fields: Vec::new(),
                    }),
                    ["enum", name] => Block::Enum(EnumDef {
                        name: name.to_string(),
                        values: Vec::new(),
                    }),
                    ["view", name, "of", of] => Block::View(ViewDef {
                        name: name.to_string(),
                        of: of.to_string(),
                        props: Vec::new(),
                    }),
                    ["method", name, "on", on, "->", ret, kind @ ("readonly" | "mutating")] => {
                        Block::Method(MethodDef {
                            name: name.to_string(),
                            on: on.to_string(),
                            returns: (*ret != "none").then(|| parse_field("returnval", ret)),
                            mutating: *kind == "mutating",
                            params: Vec::new(),
                        })
                    }
                    _ => {
                        return Err(bad(
                            "expected 'data|managed|fault NAME [: BASE]', 'enum NAME', \
                             'view NAME of TYPE' or 'method NAME on TYPE -> RETURN readonly|mutating'",
                        ))
                    }
                });
                continue;
            }
            if let Some(Block::Enum(e)) = current.as_mut() {
                let [value] = words.as_slice() else {
                    return Err(bad("expected one value a line"));
                };
                if e.values.iter().any(|v| v == value) {
                    return Err(bad("value declared twice"));
                }
                e.values.push(value.to_string());
                continue;
            }
            let (name, ty, secret) = match words.as_slice() {
                [name, ty] => (*name, *ty, false),
                [name, ty, "secret"] => (*name, *ty, true),
                _ => return Err(bad("expected two words (and 'secret')")),
            };
            match current.as_mut() {
                None => return Err(bad("a line outside a block")),
                Some(Block::Enum(_)) => return Err(bad("expected one value a line")),
                Some(Block::Type(t)) => {
                    if t.fields.iter().any(|f| f.name == name) {
                        return Err(bad("field declared twice"));
                    }
                    let mut f = parse_field(name, ty);
                    f.secret = secret;
                    t.fields.push(f);
                }
                Some(Block::View(v)) => {
                    if v.props.iter().any(|p| p.field == name) {
                        return Err(bad("view field declared twice"));
                    }
                    let (path, needed) = match ty.strip_suffix('!') {
                        Some(p) => (p, true),
                        None => (ty, false),
                    };
                    v.props.push(ViewProp {
                        field: name.to_string(),
                        path: path.to_string(),
                        needed,
                    });
                }
                Some(Block::Method(m)) => m.params.push(parse_field(name, ty)),
            }
        }
        if let Some(b) = current.take() {
            s.finish(b)?;
        }
        s.check()?;
        Ok(s)
    }

    fn finish(&mut self, b: Block) -> Result<(), String> {
        match b {
            Block::Type(t) => {
                if self.types.contains_key(&t.name) {
                    return Err("type declared twice".into());
                }
                self.order.push(t.name.clone());
                self.types.insert(t.name.clone(), t);
            }
            Block::Enum(e) => {
                if e.values.is_empty() {
                    return Err("an enum without values".into());
                }
                if self.enums.iter().any(|x| x.name == e.name) {
                    return Err("enum declared twice".into());
                }
                self.enums.push(e)
            }
            Block::View(v) => self.views.push(v),
            Block::Method(m) => self.methods.push(m),
        }
        Ok(())
    }

    fn known(&self, ty: &str) -> bool {
        PRIMITIVES.contains(&ty)
            || ty
                .strip_prefix("enum:")
                .is_some_and(|e| self.enums.iter().any(|x| x.name == e))
            || self.types.get(ty).is_some_and(|d| !d.managed)
    }

    /// The declared enum `name`.
    pub fn enum_def(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// Whether managed type `kind` is `base` or one of its declared
    /// subtypes (a type the schema does not declare is only itself).
    pub fn managed_is_a(&self, kind: &str, base: &str) -> bool {
        let mut t = Some(kind);
        while let Some(name) = t {
            if name == base {
                return true;
            }
            t = self.types.get(name).and_then(|d| d.base.as_deref());
        }
        false
    }

    /// Every base and field type is declared, a primitive or an enum; every
    /// view path resolves; every method is on a managed type.
    fn check(&self) -> Result<(), String> {
        for t in self.types.values() {
            if let Some(b) = &t.base {
                match self.types.get(b) {
                    Some(base) if base.managed == t.managed && base.fault == t.fault => {}
                    _ => return Err(format!("{}: unknown base type {b}", t.name)),
                }
            } else if t.fault && t.name != "MethodFault" {
                return Err(format!("{}: a fault without a base", t.name));
            }
            for f in &t.fields {
                if !self.known(&f.ty) {
                    return Err(format!("{}.{}: unknown type {}", t.name, f.name, f.ty));
                }
            }
        }
        for v in &self.views {
            if !self.types.get(&v.of).is_some_and(|t| t.managed) {
                return Err(format!("view {}: {} is not a managed type", v.name, v.of));
            }
            for p in &v.props {
                if self.path(&v.of, &p.path).is_none() {
                    return Err(format!(
                        "view {}: {}.{} is not declared",
                        v.name, v.of, p.path
                    ));
                }
            }
        }
        for m in &self.methods {
            if !self.types.get(&m.on).is_some_and(|t| t.managed) {
                return Err(format!("method {}: {} is not a managed type", m.name, m.on));
            }
            for f in m.params.iter().chain(m.returns.as_ref()) {
                if !self.known(&f.ty) {
                    return Err(format!("method {}: unknown type {}", m.name, f.ty));
                }
            }
        }
        Ok(())
    }

    pub fn type_def(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// Every field of a type, its bases' first (WSDL order).
    pub fn all_fields(&self, ty: &str) -> Vec<&Field> {
        let mut chain = Vec::new();
        let mut t = self.types.get(ty);
        while let Some(def) = t {
            chain.push(def);
            t = def.base.as_ref().and_then(|b| self.types.get(b));
        }
        chain.iter().rev().flat_map(|d| d.fields.iter()).collect()
    }

    /// The declared types whose base chain includes `ty` (`ty` first).
    pub fn subtypes<'a>(&'a self, ty: &'a str) -> Vec<&'a str> {
        let mut out = vec![ty];
        for name in &self.order {
            let mut t = self.types.get(name).and_then(|d| d.base.as_deref());
            while let Some(b) = t {
                if b == ty {
                    out.push(name.as_str());
                    break;
                }
                t = self.types.get(b).and_then(|d| d.base.as_deref());
            }
        }
        out
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
        let mut last: Option<Field> = None;
        for part in path.split('.') {
            if last.as_ref().is_some_and(|f| f.occurs.is_array()) {
                // A path cannot step into an array.
                return None;
            }
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
